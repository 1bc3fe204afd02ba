package simnet

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/mgsim/mgsim/sim"
)

// Fault event kinds (see [Network.Observe]). Every fault is visible: the
// kinds for one packet carry its endpoints, length and (Detail) its packet
// kind; the kinds for a fault operation carry the operation's operands in
// Detail, in the text form of [FaultOp].
const (
	KindFaultDrop    = "fault:drop"    // a rule dropped the packet (TCP: it is sent again later)
	KindFaultHold    = "fault:hold"    // a rule holds the packet until it is released
	KindFaultDelay   = "fault:delay"   // a rule delays the packet; Detail adds "+<delay>"
	KindFaultLoss    = "fault:loss"    // the link lost the packet (TCP: it is sent again one RTO later)
	KindFaultDup     = "fault:dup"     // the link delivers the datagram twice
	KindFaultReorder = "fault:reorder" // the link holds the datagram back; Detail adds "+<delay>"
	KindFaultInstall = "fault:install" // Network.Install; Detail is the rule and its handle
	KindFaultRemove  = "fault:remove"  // Network.Remove or Release; Detail is the rule, its handle and the packets it released
	KindFaultError   = "fault:error"   // a scheduled fault operation could not be applied; Detail says why
)

// RuleHandle names an installed rule. The zero RuleHandle names nothing.
type RuleHandle struct{ id uint64 }

// IsValid reports whether h was returned by [Network.Install].
func (h RuleHandle) IsValid() bool { return h.id != 0 }

// String is "rule#N".
func (h RuleHandle) String() string { return "rule#" + strconv.FormatUint(h.id, 10) }

// ErrNoRule is returned for a handle that names no installed rule.
var ErrNoRule = errors.New("simnet: no such rule installed")

// installed is a rule in the network's pipeline, with its own random
// stream and the packets it holds.
type installed struct {
	id   uint64
	rule Rule
	rand *sim.Rand
	held []*packet
}

// Install adds r at the end of the rule pipeline and returns its handle.
// Every packet that enters the network from now on is judged by the
// installed rules, in install order; the first verdict other than [Pass]
// wins. A "fault:install" event reports it.
func (n *Network) Install(r Rule) RuleHandle {
	in := n.install(r)
	h := RuleHandle{in.id}
	n.emitNote(KindFaultInstall, describeRule(r)+" "+h.String())
	return h
}

// Remove takes a rule out of the pipeline. Packets the rule holds are not
// lost: they are delivered now, as [Network.Release] does. A "fault:remove"
// event reports it.
func (n *Network) Remove(h RuleHandle) error { return n.removeReporting(h) }

// Release is the inverse of installing a [Hold]: the rule is removed and
// every packet it held is delivered now, in the order they were held (so
// a TCP connection's packets in order), each after its link's latency.
func (n *Network) Release(h RuleHandle) error { return n.removeReporting(h) }

// Held returns how many packets the rule holds (0 for an unknown handle).
func (n *Network) Held(h RuleHandle) int {
	if in := n.findRule(h.id); in != nil {
		return len(in.held)
	}
	return 0
}

// DeliverHeld delivers the k oldest packets the rule holds (all of them if
// it holds fewer) and keeps the rule installed. It returns how many it
// delivered. A TCP connection's packets are delivered in order: a packet
// the rule holds blocks that connection's later packets until it goes.
func (n *Network) DeliverHeld(h RuleHandle, k int) int {
	in := n.findRule(h.id)
	if in == nil {
		return 0
	}
	k = max(0, min(k, len(in.held)))
	n.deliverHeld(in, k)
	return k
}

func (n *Network) removeReporting(h RuleHandle) error {
	in := n.uninstall(h.id)
	if in == nil {
		return fmt.Errorf("%w: %v", ErrNoRule, h)
	}
	note := describeRule(in.rule) + " " + h.String() + " released=" + strconv.Itoa(len(in.held))
	n.deliverHeld(in, len(in.held))
	n.emitNote(KindFaultRemove, note)
	return nil
}

// install appends a rule to the pipeline without reporting it.
func (n *Network) install(r Rule) *installed {
	n.ruleSeq++
	in := &installed{id: n.ruleSeq, rule: r, rand: n.stream("rule")}
	n.rules = append(n.rules, in)
	return in
}

// uninstall removes a rule from the pipeline and returns it, or nil.
func (n *Network) uninstall(id uint64) *installed {
	for i, in := range n.rules {
		if in.id == id {
			n.rules = append(n.rules[:i], n.rules[i+1:]...)
			return in
		}
	}
	return nil
}

func (n *Network) findRule(id uint64) *installed {
	for _, in := range n.rules {
		if in.id == id {
			return in
		}
	}
	return nil
}

// judge runs the rule pipeline on a packet entering the network, reports
// a verdict other than Pass, and returns it with the rule that gave it.
func (n *Network) judge(p *packet) (Verdict, *installed) {
	if len(n.rules) == 0 {
		return Pass, nil
	}
	info := &n.info
	*info = PacketInfo{At: n.w.Now(), From: p.from, To: p.to, Proto: p.proto(), Kind: p.kind.String(), Len: len(p.data)}
	for _, in := range n.rules {
		info.Rand = in.rand
		if v := in.rule.Verdict(info); v != Pass {
			n.reportVerdict(v, p)
			return v, in
		}
	}
	return Pass, nil
}

func (n *Network) reportVerdict(v Verdict, p *packet) {
	switch {
	case v == Drop:
		n.emitPacket(KindFaultDrop, p, "")
	case v == Held:
		n.emitPacket(KindFaultHold, p, "")
	case v > 0:
		n.emitPacket(KindFaultDelay, p, "+"+v.Delay().String())
	}
}

// hold keeps p for the rule until it is released. A held TCP packet blocks
// its connection's later packets.
func (in *installed) hold(p *packet) {
	in.held = append(in.held, p)
	if p.kind.piped() {
		p.conn.pipe.held++
	}
}

// deliverHeld sends the rule's k oldest held packets on their way.
func (n *Network) deliverHeld(in *installed, k int) {
	out := append([]*packet(nil), in.held[:k]...)
	in.held = append(in.held[:0], in.held[k:]...) // the rule may hold again while these go
	for _, p := range out {
		n.deliverReleased(p)
	}
}

// deliverReleased sends a packet that was held: it travels its link from
// now on, and is not judged again. A TCP packet lets its connection's
// waiting packets follow it.
func (n *Network) deliverReleased(p *packet) {
	if p.kind.piped() {
		c := p.conn
		c.pipe.held--
		c.deliver(p, 0)
		c.flush()
		return
	}
	header := TCPHeader
	if p.kind == pDatagram {
		header = UDPHeader
	}
	if p.kind.isAck() {
		p.conn.deliver(p, 0)
		return
	}
	l := n.linkFrom(p.src, p.to.Addr())
	n.w.At(l.arrival(n.w.Now(), len(p.data), header, n.relRand), p)
}

// emitPacket reports a fault that hit one packet.
func (n *Network) emitPacket(kind string, p *packet, extra string) {
	if len(n.observers) == 0 {
		return
	}
	detail := p.kind.String()
	if extra != "" {
		detail += " " + extra
	}
	n.emitEvent(Event{At: n.w.Now(), Kind: kind, From: p.from, To: p.to, Len: len(p.data), Detail: detail})
}

// emitNote reports an event without endpoints.
func (n *Network) emitNote(kind, detail string) {
	if len(n.observers) == 0 {
		return
	}
	n.emitEvent(Event{At: n.w.Now(), Kind: kind, Detail: detail})
}
