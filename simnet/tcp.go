package simnet

import (
	"io"
	"net/netip"
	"syscall"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// connState is the life stage of one TCP endpoint.
type connState uint8

const (
	stSynSent     connState = iota // client: SYN sent, waiting for SYN-ACK
	stSynRcvd                      // server: SYN-ACK sent, waiting for the ACK (half open, in the backlog)
	stEstablished                  // data flows (also after FINs, until the endpoint is gone)
	stFailed                       // connect failed: err is ECONNREFUSED or ETIMEDOUT
	stReset                        // reset by the peer (err is ECONNRESET) or timed out (ETIMEDOUT)
	stClosed                       // closed by its user and gone from the network
)

// tcpConn is one end of a TCP connection. Its stream offsets count payload
// bytes from 0 in each direction; a FIN is acknowledged by a flag rather
// than a sequence number.
type tcpConn struct {
	// What a poll reads of every socket it looks at, at the front, so
	// that it shares a cache line or two (see TestTCPConnHotFields).
	sockBase
	state   connState
	finRcvd bool
	snd     sendQueue // written, not yet acknowledged
	rcv     segQueue  // received, not yet read

	// What every segment and acknowledgement reads or writes, next.
	h           *Host
	link        *link     // the link its packets travel
	peer        *tcpConn  // the endpoint its packets last reached (a cache: see Host.endpointFor)
	rand        *sim.Rand // its random stream (segment sizes, jitter, loss)
	sndUna      int64     // first unacknowledged byte
	sndNxt      int64     // next byte to send (the head of snd's unsent bytes)
	sndEnd      int64     // end of written data
	peerRight   int64     // the peer's advertised window right edge
	rcvNxt      int64     // next byte expected
	ackSent     int64     // the last ack value sent
	rightSent   int64     // the last window right edge advertised
	lastArrival sim.Time  // arrival time of the last packet sent: order is kept per direction
	progressAt  sim.Time  // last acknowledgement progress (or first send): the user timeout's clock
	linked      bool      // reachable by packets (in the host's table)
	orphan      bool      // its descriptor was closed; the stack finishes the close
	finQueued   bool
	finSent     bool
	finAcked    bool
	finAckSent  bool
	txPending   bool
	ackPending  bool
	ackArmed    bool // a lost ACK will be followed by a fresh one
	utArmed     bool
	lingering   bool // closed, but its last ACK has yet to get through
	pipe        pipe // its reliable packets: retransmission and order

	local, remote netip.AddrPort
	err           error // the failure, once failed or reset
	errSeen       bool  // a Write already returned err (later Writes say EPIPE)
	connShown     bool  // a Poll reported the connect's completion (for the adversary)
	utTimer       sim.Handle
	ackTimer      sim.Handle
	ackBackoff    time.Duration
	listener      *tcpListener
	peerHost      *Host // the host its remote address routes to, once known (a cache: see Network.route)

	synTimer   sim.Handle
	synRetries int
	rto        time.Duration
}

// newConn creates an endpoint and makes it reachable.
func (h *Host) newConn(local, remote netip.AddrPort, state connState) *tcpConn {
	label := "tcp " + h.name + " " + local.String() + ">" + remote.String()
	c := &tcpConn{h: h, local: local, remote: remote, state: state, rand: h.net.stream(label)}
	c.link = h.net.linkFrom(h, remote.Addr())
	c.snd.size, c.snd.unsent.spare = h.net.cfg.SendBuffer, h.net.spare
	c.rcv.size, c.rcv.spare = h.net.cfg.RecvBuffer, h.net.spare
	h.conns[connKey{local, remote}] = c
	h.tcpPorts[local.Port()]++
	c.linked = true
	return c
}

// unlink makes the endpoint unreachable and frees its resources.
func (c *tcpConn) unlink() {
	if !c.linked {
		return
	}
	h := c.h
	delete(h.conns, connKey{c.local, c.remote})
	if h.tcpPorts[c.local.Port()]--; h.tcpPorts[c.local.Port()] <= 0 {
		delete(h.tcpPorts, c.local.Port())
	}
	h.net.w.Cancel(c.synTimer)
	if c.utArmed {
		h.net.w.Cancel(c.utTimer)
		c.utArmed = false
	}
	c.stopPipe()
	c.snd.drop()
	c.rcv.drop()
	c.linked = false
}

func (c *tcpConn) localAddr() netip.AddrPort { return c.local }
func (c *tcpConn) notify()                   { c.waiters.notify(c.ready()) }

// ready is the endpoint's poll readiness.
func (c *tcpConn) ready() int16 {
	switch c.state {
	case stSynSent, stSynRcvd:
		return 0
	case stFailed, stReset, stClosed:
		return PollIn | PollOut | PollErr | PollHup
	}
	var r int16
	if c.rcv.len() > 0 || c.finRcvd {
		r |= PollIn
	}
	if c.snd.free() > 0 {
		r |= PollOut
	}
	return r
}

// packet returns a packet from this endpoint, carrying its current
// acknowledgement and window.
func (c *tcpConn) packet(kind pktKind) *packet {
	p := c.h.net.newPacket(kind, c.h, c.local, c.remote)
	p.conn = c
	c.stamp(p)
	return p
}

// stamp writes the endpoint's current acknowledgement and window into p.
func (c *tcpConn) stamp(p *packet) {
	p.ack, p.right, p.finAck = c.rcvNxt, c.rcvRight(), c.finRcvd
	c.ackSent, c.rightSent, c.finAckSent = p.ack, p.right, p.finAck
}

// send puts p on the network: segments and FINs through the reliable
// pipe, acknowledgements on their own (a lost one is followed by a fresh
// one), SYN, SYN-ACK and RST once.
func (c *tcpConn) send(p *packet) {
	switch {
	case p.kind.piped():
		c.sendReliable(p)
	case p.kind.isAck():
		c.sendAckPacket(p)
	default:
		c.sendOnce(p)
	}
}

// sendOnce sends a packet that the pipe does not retransmit: a dropped SYN
// is sent again by the connect's timer, a dropped SYN-ACK when the SYN
// comes again, and a dropped RST is gone.
func (c *tcpConn) sendOnce(p *packet) {
	v, in := c.h.net.judge(p)
	switch v {
	case Drop:
		c.h.net.release(p)
	case Held:
		in.hold(p)
	default:
		c.deliver(p, v.Delay())
	}
}

// deliver schedules p's arrival over the link, extra later, never before
// the previous packet of this direction. A packet of a live endpoint
// carries the acknowledgement and window of the moment it leaves (a
// retransmission or a released packet too), which also supersedes a lost
// acknowledgement.
func (c *tcpConn) deliver(p *packet, extra time.Duration) {
	if c.linked {
		c.stamp(p)
		c.cancelAckRetry()
	}
	w := c.h.net.w
	at := c.link.arrival(w.Now(), len(p.data), TCPHeader, c.rand).Add(extra)
	at = max(at, c.lastArrival)
	c.lastArrival = at
	w.At(at, p)
}

func (c *tcpConn) rcvRight() int64 { return c.rcvNxt + int64(c.rcv.free()) }

// ---- connect ----

// sendSYN sends a SYN and arms the retransmission timer.
func (c *tcpConn) sendSYN() {
	c.send(c.packet(pSYN))
	c.synTimer = c.h.net.w.After(c.rto, (*synTimer)(c))
}

// synTimer is the SYN retransmission timer of an endpoint.
type synTimer tcpConn

func (t *synTimer) Run() { (*tcpConn)(t).synTimeout() }

// synTimeout retransmits the SYN with doubled backoff, or gives up.
func (c *tcpConn) synTimeout() {
	if c.state != stSynSent {
		return
	}
	if c.synRetries >= c.h.net.cfg.SYNRetries {
		c.fail(syscall.ETIMEDOUT, KindTimeout)
		return
	}
	c.synRetries++
	c.rto *= 2
	c.sendSYN()
}

// fail ends a connect attempt with err.
func (c *tcpConn) fail(err error, kind string) {
	c.state, c.err = stFailed, err
	c.unlink()
	c.h.net.emit(kind, c.local, c.remote, 0)
	c.notify()
}

// onSYNACK completes a client's handshake: connected, and the ACK goes back.
func (c *tcpConn) onSYNACK(p *packet) {
	if c.state != stSynSent {
		return
	}
	c.h.net.w.Cancel(c.synTimer)
	c.state = stEstablished
	c.peerRight = p.right
	c.h.net.emit(KindEstablished, c.local, c.remote, 0)
	c.send(c.packet(pACK))
	c.notify()
}

// onSYN answers a duplicate SYN for a half-open endpoint.
func (c *tcpConn) onSYN() {
	if c.state == stSynRcvd {
		c.send(c.packet(pSYNACK))
	}
}

// establish completes a server endpoint's handshake; it becomes acceptable.
func (c *tcpConn) establish() {
	c.state = stEstablished
	c.h.net.emit(KindEstablished, c.local, c.remote, 0)
	c.listener.established(c)
}

// ---- arrivals ----

// arrive handles a packet addressed to this endpoint.
func (c *tcpConn) arrive(p *packet) {
	switch p.kind {
	case pRST:
		c.onRST()
		return
	case pSYN:
		c.onSYN()
		return
	case pSYNACK:
		c.onSYNACK(p)
		return
	}
	if c.state == stSynRcvd {
		c.establish()
	}
	if c.state != stEstablished {
		c.h.net.drop(p)
		return
	}
	c.absorb(p)
	c.onPayload(p)
	c.transmit()
	c.notify()
	c.maybeFinish()
}

// absorb takes the acknowledgement and window a packet carries.
func (c *tcpConn) absorb(p *packet) {
	progress := false
	if p.ack > c.sndUna {
		n := min(p.ack, c.sndEnd) - c.sndUna
		c.snd.acked(int(n))
		c.sndUna += n
		progress = true
	}
	if p.finAck && c.finSent && !c.finAcked {
		c.finAcked = true
		progress = true
	}
	c.peerRight = max(c.peerRight, p.right)
	if progress {
		c.noteAcked()
	}
}

func (c *tcpConn) onPayload(p *packet) {
	switch p.kind {
	case pData:
		c.onData(p)
	case pFIN:
		c.onFIN()
	}
}

// onData queues a segment for reading. Data for an endpoint whose
// descriptor is closed resets the connection.
func (c *tcpConn) onData(p *packet) {
	if c.orphan {
		c.abort()
		return
	}
	if p.seq != c.rcvNxt || c.finRcvd || len(p.data) > c.rcv.free() {
		c.h.net.drop(p) // out of order or beyond the window: cannot happen without faults
		return
	}
	c.rcvNxt += int64(len(p.data))
	c.rcv.push(p)
	c.scheduleAck()
}

func (c *tcpConn) onFIN() {
	if !c.finRcvd {
		c.finRcvd = true
		c.scheduleAck()
	}
}

// onRST handles a reset: a refused connect, a half-open endpoint dropped
// from its backlog, or a reset connection (its unread data is discarded).
func (c *tcpConn) onRST() {
	switch {
	case c.state == stSynSent:
		c.fail(syscall.ECONNREFUSED, KindRefused)
	case c.state == stSynRcvd:
		c.listener.forget(c)
		c.state = stClosed
		c.unlink()
	case c.orphan:
		c.state = stClosed
		c.unlink()
	default:
		c.state, c.err = stReset, syscall.ECONNRESET
		c.unlink()
		c.notify()
	}
}

// maybeFinish forgets an orphan once both directions are closed, after
// acknowledging the peer's FIN. If that last acknowledgement is lost or
// held, the endpoint lingers (as in TIME_WAIT) until it got through, or
// for at most the user timeout.
func (c *tcpConn) maybeFinish() {
	if !c.orphan || !c.finAcked || !c.finRcvd || !c.linked {
		return
	}
	if !c.finAckSent {
		c.send(c.packet(pACK))
	}
	c.state = stClosed
	if c.ackArmed {
		c.lingering = true
		c.progressAt = c.h.net.w.Now()
		c.armUserTimeout()
		return
	}
	c.unlink()
}

// ---- acknowledgements ----

// ackKick sends the pending acknowledgement or window update.
type ackKick tcpConn

func (k *ackKick) Run() { (*tcpConn)(k).sendAck() }

// scheduleAck arranges one acknowledgement for everything that happens at
// this instant: segments arriving together are acknowledged together, and
// several reads in one poll give one window update.
func (c *tcpConn) scheduleAck() {
	if !c.ackPending {
		c.ackPending = true
		c.h.net.w.At(c.h.net.w.Now(), (*ackKick)(c))
	}
}

func (c *tcpConn) sendAck() {
	c.ackPending = false
	if !c.linked || c.state != stEstablished {
		return
	}
	switch {
	case c.rcvNxt > c.ackSent || c.finRcvd && !c.finAckSent:
		c.send(c.packet(pACK))
	case !c.finRcvd && c.rcvRight() > c.rightSent:
		c.send(c.packet(pWindow))
	}
}

// ---- transmission ----

// txKick runs the transmitter after a Write or a Close.
type txKick tcpConn

func (k *txKick) Run() {
	c := (*tcpConn)(k)
	c.txPending = false
	c.transmit()
}

func (c *tcpConn) kickTransmit() {
	if !c.txPending {
		c.txPending = true
		c.h.net.w.At(c.h.net.w.Now(), (*txKick)(c))
	}
}

// transmit sends segments while there is unsent data and window room,
// then the FIN once everything is sent.
func (c *tcpConn) transmit() {
	if !c.linked || c.state != stEstablished {
		return
	}
	was := c.outstanding()
	for c.sndNxt < c.sndEnd && c.sndNxt < c.peerRight {
		c.sendSegment()
	}
	if c.finQueued && !c.finSent && c.sndNxt == c.sndEnd {
		c.finSent = true
		c.send(c.packet(pFIN))
	}
	c.noteSent(was)
}

// sendSegment sends one segment of random size, cut to the data and the
// window.
func (c *tcpConn) sendSegment() {
	size := int64(c.h.net.segmentSize(c.rand))
	n := min(size, c.sndEnd-c.sndNxt, c.peerRight-c.sndNxt)
	p := c.packet(pData)
	p.seq = c.sndNxt
	c.snd.cut(p, int(n))
	c.sndNxt += n
	c.send(p)
}

// ---- the user's side ----

func (c *tcpConn) read(p []byte) (int, error) {
	switch c.state {
	case stSynSent:
		return 0, syscall.EAGAIN
	case stFailed, stReset:
		return 0, c.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if c.rcv.len() == 0 {
		return 0, c.emptyReadErr()
	}
	n := c.rcv.read(p)
	c.scheduleAck()
	return n, nil
}

func (c *tcpConn) emptyReadErr() error {
	if c.finRcvd {
		return io.EOF
	}
	return syscall.EAGAIN
}

func (c *tcpConn) write(p []byte) (int, error) {
	switch c.state {
	case stSynSent:
		return 0, syscall.EAGAIN
	case stFailed:
		return 0, c.err
	case stReset:
		return 0, c.writeErr()
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := c.snd.write(p)
	if n == 0 {
		return 0, syscall.EAGAIN
	}
	c.sndEnd += int64(n)
	c.kickTransmit()
	return n, nil
}

// writeErr is ECONNRESET for the first Write after a reset, EPIPE after.
func (c *tcpConn) writeErr() error {
	if c.errSeen {
		return syscall.EPIPE
	}
	c.errSeen = true
	return c.err
}

func (c *tcpConn) connectError() error {
	switch c.state {
	case stSynSent:
		return syscall.EINPROGRESS
	case stFailed, stReset:
		return c.err
	}
	return nil
}

// close is the user's close: orderly (FIN after the buffered data) unless
// received data is still unread, which resets the connection.
func (c *tcpConn) close() {
	switch {
	case c.state == stEstablished && c.rcv.len() > 0:
		c.abort()
	case c.state == stEstablished:
		c.orphan, c.finQueued = true, true
		c.kickTransmit()
	default:
		c.orphan = true
		c.unlink()
	}
}

// abort resets the connection now: a RST goes out (after what was already
// sent), buffers are dropped, and the endpoint is gone.
func (c *tcpConn) abort() {
	if c.linked && (c.state == stEstablished || c.state == stSynRcvd) {
		c.send(c.packet(pRST))
	}
	c.orphan = true
	c.state = stClosed
	c.unlink()
}
