package simnet

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// Rule is one fault-injection rule: it sees every packet as it enters the
// network and returns a [Verdict]. The network runs the installed rules
// ([Network.Install]) in install order; the first verdict that is not
// [Pass] wins. A rule must not keep p, and must not call the network.
//
// Rules are small and compose: [Partition], [Hold], [DropRate],
// [ExtraLatency] and [Always] decide; [Between], [OneWay], [OnlyProto],
// [OnlyKind], [Any] and [Count] narrow or combine. Built-in rules have a
// stable String form, shown in the network's "fault:install" events.
type Rule interface {
	Verdict(p *PacketInfo) Verdict
}

// RuleFunc adapts a function to a [Rule].
type RuleFunc func(p *PacketInfo) Verdict

// Verdict calls f.
func (f RuleFunc) Verdict(p *PacketInfo) Verdict { return f(p) }

// String is "func".
func (f RuleFunc) String() string { return "func" }

// PacketInfo is what a [Rule] sees of a packet.
type PacketInfo struct {
	At       sim.Time       // when the packet enters the network
	From, To netip.AddrPort // its source and destination
	Proto    Proto          // TCP or UDP
	Kind     string         // KindSYN, KindSYNACK, KindACK, KindWindow, KindSegment, KindFIN, KindRST or KindDatagram
	Len      int            // payload bytes
	// Rand is the installed rule's own random stream: random verdicts
	// drawn from it are deterministic from the world's seed.
	Rand *sim.Rand
}

// Proto is a transport protocol.
type Proto uint8

// The protocols.
const (
	TCP Proto = iota + 1
	UDP
)

// String is "tcp" or "udp", or "unknown(%d)".
func (p Proto) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	}
	return "unknown(" + strconv.Itoa(int(p)) + ")"
}

// ParseProto reads "tcp" or "udp".
func ParseProto(s string) (Proto, error) {
	switch s {
	case "tcp":
		return TCP, nil
	case "udp":
		return UDP, nil
	}
	return 0, fmt.Errorf("simnet: unknown protocol %q (want tcp or udp)", s)
}

// Verdict is what a [Rule] decides for a packet: [Pass] (no opinion; the
// next rule decides), [Drop], [Held] (the network keeps the packet until
// [Network.Release]) or [Deliver] with an extra delay. Verdicts are
// comparable values.
//
// A dropped TCP packet other than a SYN, SYN-ACK or RST is sent again one
// retransmission timeout later (and judged again); a dropped SYN is
// retransmitted by the connect's own timer; a dropped datagram or RST is
// gone.
type Verdict int64

// The verdicts without a delay.
const (
	Pass Verdict = 0  // no opinion: later rules decide, else the packet goes
	Drop Verdict = -1 // the packet is lost
	Held Verdict = -2 // the network keeps the packet until the rule is released
)

// Deliver is the verdict "deliver d later than the link would"; d <= 0 is
// [Pass].
func Deliver(d time.Duration) Verdict {
	if d <= 0 {
		return Pass
	}
	return Verdict(d)
}

// Delay returns the extra delay of a [Deliver] verdict, else 0.
func (v Verdict) Delay() time.Duration {
	if v > 0 {
		return time.Duration(v)
	}
	return 0
}

// String is "pass", "drop", "hold", "deliver+5ms", or "unknown(%d)".
func (v Verdict) String() string {
	switch {
	case v == Pass:
		return "pass"
	case v == Drop:
		return "drop"
	case v == Held:
		return "hold"
	case v > 0:
		return "deliver+" + time.Duration(v).String()
	}
	return "unknown(" + strconv.FormatInt(int64(v), 10) + ")"
}

// pairRule gives a verdict to the packets between two addresses (one way
// or both ways).
type pairRule struct {
	name   string
	a, b   netip.Addr
	oneway bool
	v      Verdict
}

func (r *pairRule) Verdict(p *PacketInfo) Verdict {
	if matchPair(p, r.a, r.b, r.oneway) {
		return r.v
	}
	return Pass
}

func (r *pairRule) String() string { return r.name + " " + pairText(r.a, r.b, r.oneway) }

// matchPair reports whether p goes from a to b (or, both ways, b to a).
func matchPair(p *PacketInfo, a, b netip.Addr, oneway bool) bool {
	from, to := p.From.Addr(), p.To.Addr()
	return from == a && to == b || !oneway && from == b && to == a
}

// pairText is "a b", or "a>b" one way.
func pairText(a, b netip.Addr, oneway bool) string {
	if oneway {
		return a.String() + ">" + b.String()
	}
	return a.String() + " " + b.String()
}

// Partition drops every packet between a and b, both ways. Its inverse is
// removing it ([Network.Remove]): the repair.
func Partition(a, b netip.Addr) Rule {
	return &pairRule{name: "partition", a: a.Unmap(), b: b.Unmap(), v: Drop}
}

// PartitionOneWay drops every packet from from to to.
func PartitionOneWay(from, to netip.Addr) Rule {
	return &pairRule{name: "partition-oneway", a: from.Unmap(), b: to.Unmap(), oneway: true, v: Drop}
}

// Hold keeps every packet between a and b, both ways, until the rule is
// released ([Network.Release]), which delivers them (TCP in order).
func Hold(a, b netip.Addr) Rule {
	return &pairRule{name: "hold", a: a.Unmap(), b: b.Unmap(), v: Held}
}

// HoldOneWay keeps every packet from from to to until released.
func HoldOneWay(from, to netip.Addr) Rule {
	return &pairRule{name: "hold-oneway", a: from.Unmap(), b: to.Unmap(), oneway: true, v: Held}
}

// always gives one verdict to every packet.
type always struct{ v Verdict }

func (r always) Verdict(*PacketInfo) Verdict { return r.v }
func (r always) String() string              { return "always(" + r.v.String() + ")" }

// Always gives v to every packet. Combine it with [Between], [OnlyProto]
// and the like.
func Always(v Verdict) Rule { return always{v} }

// ExtraLatency delivers every packet d later than the link would.
func ExtraLatency(d time.Duration) Rule { return extraLatency{d} }

type extraLatency struct{ d time.Duration }

func (r extraLatency) Verdict(*PacketInfo) Verdict { return Deliver(r.d) }
func (r extraLatency) String() string              { return "extra-latency(" + r.d.String() + ")" }

// DropRate drops each packet with probability p, drawn from the installed
// rule's own stream.
func DropRate(p float64) Rule { return dropRate{p} }

type dropRate struct{ p float64 }

func (r dropRate) Verdict(p *PacketInfo) Verdict {
	if p.Rand.Chance(r.p) {
		return Drop
	}
	return Pass
}

func (r dropRate) String() string {
	return "drop-rate(" + strconv.FormatFloat(r.p, 'g', -1, 64) + ")"
}

// Between applies r to the packets between a and b (both ways) only.
func Between(a, b netip.Addr, r Rule) Rule {
	return &scoped{a: a.Unmap(), b: b.Unmap(), r: r}
}

// OneWay applies r to the packets from from to to only.
func OneWay(from, to netip.Addr, r Rule) Rule {
	return &scoped{a: from.Unmap(), b: to.Unmap(), oneway: true, r: r}
}

type scoped struct {
	a, b   netip.Addr
	oneway bool
	r      Rule
}

func (s *scoped) Verdict(p *PacketInfo) Verdict {
	if matchPair(p, s.a, s.b, s.oneway) {
		return s.r.Verdict(p)
	}
	return Pass
}

func (s *scoped) String() string {
	name := "between"
	if s.oneway {
		name = "oneway"
	}
	return name + "(" + pairText(s.a, s.b, s.oneway) + ", " + describeRule(s.r) + ")"
}

// OnlyProto applies r to packets of one protocol only.
func OnlyProto(proto Proto, r Rule) Rule { return &onlyProto{proto, r} }

type onlyProto struct {
	proto Proto
	r     Rule
}

func (o *onlyProto) Verdict(p *PacketInfo) Verdict {
	if p.Proto == o.proto {
		return o.r.Verdict(p)
	}
	return Pass
}

func (o *onlyProto) String() string {
	return "only-proto(" + o.proto.String() + ", " + describeRule(o.r) + ")"
}

// OnlyKind applies r to packets of one kind only (KindSegment,
// KindDatagram, KindSYN, ...).
func OnlyKind(kind string, r Rule) Rule { return &onlyKind{kind, r} }

type onlyKind struct {
	kind string
	r    Rule
}

func (o *onlyKind) Verdict(p *PacketInfo) Verdict {
	if p.Kind == o.kind {
		return o.r.Verdict(p)
	}
	return Pass
}

func (o *onlyKind) String() string { return "only-kind(" + o.kind + ", " + describeRule(o.r) + ")" }

// Any asks rules in order and returns the first verdict that is not
// [Pass].
func Any(rules ...Rule) Rule { return anyRule(append([]Rule(nil), rules...)) }

type anyRule []Rule

func (rs anyRule) Verdict(p *PacketInfo) Verdict {
	for _, r := range rs {
		if v := r.Verdict(p); v != Pass {
			return v
		}
	}
	return Pass
}

func (rs anyRule) String() string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = describeRule(r)
	}
	return "any(" + strings.Join(parts, ", ") + ")"
}

// Count applies r to the first n packets it has an opinion on (a verdict
// other than [Pass]); after that it passes everything.
func Count(n int, r Rule) Rule { return &count{left: n, n: n, r: r} }

type count struct {
	left, n int
	r       Rule
}

func (c *count) Verdict(p *PacketInfo) Verdict {
	if c.left <= 0 {
		return Pass
	}
	v := c.r.Verdict(p)
	if v != Pass {
		c.left--
	}
	return v
}

func (c *count) String() string { return "count(" + strconv.Itoa(c.n) + ", " + describeRule(c.r) + ")" }

// describeRule is r's String form, or "rule" for a rule without one.
func describeRule(r Rule) string {
	if s, ok := r.(fmt.Stringer); ok {
		return s.String()
	}
	return "rule"
}
