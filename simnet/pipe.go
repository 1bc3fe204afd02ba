package simnet

import (
	"cmp"
	"slices"
	"syscall"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// pipe is the reliable, ordered path of one TCP endpoint's segments and
// FIN: what the retransmissions of a real TCP guarantee, modelled as whole
// packets. A packet that a rule drops or the link loses is sent again one
// retransmission timeout later (doubling while it keeps being lost, until
// an acknowledgement shows progress), a packet a rule holds waits for its
// release, and the packets sent after either wait behind it, so the peer
// sees every byte once and in order. Acknowledgements and window updates
// do not wait behind lost data (see sendAckPacket).
type pipe struct {
	queue   []*packet     // waiting to be (re)sent, oldest first (by order)
	held    int           // this endpoint's packets that rules hold
	armed   bool          // the retransmission timer is running
	timer   sim.Handle    // the retransmission timer
	backoff time.Duration // the next retransmission timeout; zero: the link's RTO
	order   uint64        // send order of the next new packet
}

// blocked reports whether new packets must wait behind earlier ones.
func (p *pipe) blocked() bool { return p.held > 0 || p.armed }

// insert queues a packet by its send order.
func (p *pipe) insert(pk *packet) {
	i, _ := slices.BinarySearchFunc(p.queue, pk.order, func(q *packet, o uint64) int {
		return cmp.Compare(q.order, o)
	})
	p.queue = slices.Insert(p.queue, i, pk)
}

// sendReliable sends a packet through the pipe, or queues it behind
// earlier packets that have not gone yet.
func (c *tcpConn) sendReliable(p *packet) {
	p.order = c.pipe.order
	c.pipe.order++
	if c.pipe.blocked() {
		c.pipe.queue = append(c.pipe.queue, p)
		return
	}
	c.transmitReliable(p)
}

// transmitReliable puts a pipe packet on the network: the rules judge it,
// then the link may lose it.
func (c *tcpConn) transmitReliable(p *packet) {
	v, in := c.h.net.judge(p)
	switch {
	case v == Drop:
		c.lose(p)
	case v == Held:
		in.hold(p)
	case c.rand.Chance(c.link.cfg.TCPLoss):
		c.h.net.emitPacket(KindFaultLoss, p, "")
		c.lose(p)
	default:
		c.deliver(p, v.Delay())
	}
}

// sendAckPacket sends an acknowledgement or window update. It does not
// wait behind lost segments; if it is dropped or lost, a fresh one (with
// the values of that time) follows one RTO later, doubling while they keep
// being lost. A held one is delivered when released.
func (c *tcpConn) sendAckPacket(p *packet) {
	v, in := c.h.net.judge(p)
	switch {
	case v == Drop:
		c.h.net.release(p)
		c.retryAck()
	case v == Held:
		in.hold(p)
	case c.rand.Chance(c.link.cfg.TCPLoss):
		c.h.net.emitPacket(KindFaultLoss, p, "")
		c.h.net.release(p)
		c.retryAck()
	default:
		c.ackBackoff = 0
		c.deliver(p, v.Delay())
		if c.lingering {
			c.unlink()
		}
	}
}

// cancelAckRetry stops the fresh acknowledgement that was to follow a lost
// one: a packet carrying newer values just left.
func (c *tcpConn) cancelAckRetry() {
	if c.ackArmed {
		c.h.net.w.Cancel(c.ackTimer)
		c.ackArmed = false
	}
}

// retryAck arms the timer that sends a fresh acknowledgement.
func (c *tcpConn) retryAck() {
	if c.ackArmed {
		return
	}
	d := orDefault(c.ackBackoff, c.link.cfg.RTO)
	c.ackBackoff = min(2*d, MaxRTO)
	c.ackArmed = true
	c.ackTimer = c.h.net.w.After(d, (*ackRetry)(c))
}

// ackRetry sends a fresh acknowledgement after a lost one.
type ackRetry tcpConn

func (t *ackRetry) Run() {
	c := (*tcpConn)(t)
	c.ackArmed = false
	if c.linked && (c.state == stEstablished || c.lingering) {
		c.sendAckPacket(c.packet(pACK))
	}
}

// lose queues a lost packet for retransmission and arms the timer.
func (c *tcpConn) lose(p *packet) {
	c.pipe.insert(p)
	if c.pipe.armed {
		return
	}
	d := orDefault(c.pipe.backoff, c.link.cfg.RTO)
	c.pipe.backoff = min(2*d, MaxRTO)
	c.pipe.armed = true
	c.pipe.timer = c.h.net.w.After(d, (*rexmitTimer)(c))
}

// rexmitTimer is an endpoint's retransmission timer.
type rexmitTimer tcpConn

func (t *rexmitTimer) Run() {
	c := (*tcpConn)(t)
	c.pipe.armed = false
	c.flush()
}

// flush sends the waiting packets, in order, until one is lost or held.
func (c *tcpConn) flush() {
	for c.linked && !c.pipe.blocked() && len(c.pipe.queue) > 0 {
		p := c.pipe.queue[0]
		c.pipe.queue[0] = nil
		c.pipe.queue = c.pipe.queue[1:]
		c.transmitReliable(p)
	}
}

// lostInFlight takes back a segment or FIN that reached a host that is
// down: as TCP would, the endpoint sends it again after a timeout (after a
// restart, the answer is a reset).
func (c *tcpConn) lostInFlight(p *packet) bool {
	if !c.linked || (p.kind != pData && p.kind != pFIN) {
		return false
	}
	c.lose(p)
	return true
}

// stopPipe drops what the pipe still has to send (the endpoint is gone);
// packets that rules hold stay in the network.
func (c *tcpConn) stopPipe() {
	c.cancelAckRetry()
	if c.pipe.armed {
		c.h.net.w.Cancel(c.pipe.timer)
		c.pipe.armed = false
	}
	for i, p := range c.pipe.queue {
		c.h.net.release(p)
		c.pipe.queue[i] = nil
	}
	c.pipe.queue = c.pipe.queue[:0]
}

// ---- the user timeout ----

// outstanding reports whether sent data or a FIN awaits acknowledgement.
func (c *tcpConn) outstanding() bool {
	return c.sndNxt > c.sndUna || c.finSent && !c.finAcked
}

// noteSent starts the user timeout's clock when data becomes outstanding.
func (c *tcpConn) noteSent(was bool) {
	if was || !c.outstanding() {
		return
	}
	c.progressAt = c.h.net.w.Now()
	c.armUserTimeout()
}

// noteAcked restarts the user timeout's clock on progress, and stops the
// timer when nothing is outstanding any more.
func (c *tcpConn) noteAcked() {
	c.progressAt = c.h.net.w.Now()
	c.pipe.backoff = 0
	if !c.outstanding() && c.utArmed {
		c.h.net.w.Cancel(c.utTimer)
		c.utArmed = false
	}
}

func (c *tcpConn) armUserTimeout() {
	if c.utArmed {
		return
	}
	c.utArmed = true
	c.utTimer = c.h.net.w.At(c.progressAt.Add(c.h.net.cfg.TCPUserTimeout), (*userTimer)(c))
}

// userTimer is an endpoint's user timeout (TCP_USER_TIMEOUT).
type userTimer tcpConn

func (t *userTimer) Run() {
	c := (*tcpConn)(t)
	c.utArmed = false
	if c.lingering {
		c.unlink() // its last ACK never got through: give up silently
		return
	}
	if !c.linked || !c.outstanding() {
		return
	}
	if c.h.net.w.Now() < c.progressAt.Add(c.h.net.cfg.TCPUserTimeout) {
		c.armUserTimeout()
		return
	}
	c.timeOut()
}

// timeOut fails the connection with ETIMEDOUT at this end, without a
// packet: the peer hears nothing (and gets a reset if it sends later).
func (c *tcpConn) timeOut() {
	c.h.net.emit(KindTimeout, c.local, c.remote, 0)
	if c.orphan {
		c.state = stClosed
		c.unlink()
		return
	}
	c.state, c.err = stReset, syscall.ETIMEDOUT
	c.unlink()
	c.notify()
}
