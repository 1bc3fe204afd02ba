package simnet_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

var addrC = netip.MustParseAddr("10.0.0.3")

// pkt is a PacketInfo from a to b of a kind, with its own stream.
func pkt(from, to netip.Addr, kind string) *simnet.PacketInfo {
	proto := simnet.TCP
	if kind == simnet.KindDatagram {
		proto = simnet.UDP
	}
	return &simnet.PacketInfo{
		From: netip.AddrPortFrom(from, 1000), To: netip.AddrPortFrom(to, 80),
		Proto: proto, Kind: kind, Len: 10, Rand: sim.NewRand(1),
	}
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		v     simnet.Verdict
		text  string
		delay time.Duration
	}{
		{simnet.Pass, "pass", 0},
		{simnet.Drop, "drop", 0},
		{simnet.Held, "hold", 0},
		{simnet.Deliver(5 * ms), "deliver+5ms", 5 * ms},
		{simnet.Deliver(0), "pass", 0},
		{simnet.Deliver(-ms), "pass", 0},
		{simnet.Verdict(-7), "unknown(-7)", 0},
	}
	for _, tt := range tests {
		if tt.v.String() != tt.text || tt.v.Delay() != tt.delay {
			t.Errorf("%d: String %q Delay %v, want %q %v", int64(tt.v), tt.v.String(), tt.v.Delay(), tt.text, tt.delay)
		}
	}
}

// The built-in rules and combinators, packet by packet.
func TestRuleVerdicts(t *testing.T) {
	ab := pkt(addrA, addrB, simnet.KindSegment)
	ba := pkt(addrB, addrA, simnet.KindSegment)
	ac := pkt(addrA, addrC, simnet.KindSegment)
	udp := pkt(addrA, addrB, simnet.KindDatagram)
	tests := []struct {
		name string
		r    simnet.Rule
		p    *simnet.PacketInfo
		want simnet.Verdict
	}{
		{"partition a>b", simnet.Partition(addrA, addrB), ab, simnet.Drop},
		{"partition b>a", simnet.Partition(addrA, addrB), ba, simnet.Drop},
		{"partition other pair", simnet.Partition(addrA, addrB), ac, simnet.Pass},
		{"one-way matching", simnet.PartitionOneWay(addrA, addrB), ab, simnet.Drop},
		{"one-way other way", simnet.PartitionOneWay(addrA, addrB), ba, simnet.Pass},
		{"hold", simnet.Hold(addrB, addrA), ab, simnet.Held},
		{"hold one-way other way", simnet.HoldOneWay(addrB, addrA), ab, simnet.Pass},
		{"extra latency", simnet.ExtraLatency(3 * ms), ac, simnet.Deliver(3 * ms)},
		{"between other pair", simnet.Between(addrA, addrB, simnet.Always(simnet.Drop)), ac, simnet.Pass},
		{"between reversed", simnet.Between(addrA, addrB, simnet.Always(simnet.Drop)), ba, simnet.Drop},
		{"oneway reversed", simnet.OneWay(addrA, addrB, simnet.Always(simnet.Drop)), ba, simnet.Pass},
		{"only udp on tcp", simnet.OnlyProto(simnet.UDP, simnet.Always(simnet.Drop)), ab, simnet.Pass},
		{"only udp on udp", simnet.OnlyProto(simnet.UDP, simnet.Always(simnet.Drop)), udp, simnet.Drop},
		{"only kind syn on a segment", simnet.OnlyKind(simnet.KindSYN, simnet.Always(simnet.Drop)), ab, simnet.Pass},
		{"any first opinion wins", simnet.Any(simnet.Always(simnet.Pass), simnet.ExtraLatency(ms), simnet.Always(simnet.Drop)), ab, simnet.Deliver(ms)},
		{"any of nothing", simnet.Any(), ab, simnet.Pass},
		{"drop rate 1", simnet.DropRate(1), ab, simnet.Drop},
		{"drop rate 0", simnet.DropRate(0), ab, simnet.Pass},
		{"func", simnet.RuleFunc(func(p *simnet.PacketInfo) simnet.Verdict { return simnet.Deliver(time.Duration(p.Len)) }), ab, simnet.Deliver(10)},
	}
	for _, tt := range tests {
		if got := tt.r.Verdict(tt.p); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Count gives its rule's verdict to the first n packets the rule has an
// opinion on, then passes everything.
func TestCount(t *testing.T) {
	r := simnet.Count(2, simnet.Partition(addrA, addrB))
	seq := []*simnet.PacketInfo{
		pkt(addrA, addrC, simnet.KindSegment), // no opinion: not counted
		pkt(addrA, addrB, simnet.KindSegment),
		pkt(addrB, addrA, simnet.KindACK),
		pkt(addrA, addrB, simnet.KindSegment),
	}
	want := []simnet.Verdict{simnet.Pass, simnet.Drop, simnet.Drop, simnet.Pass}
	for i, p := range seq {
		if got := r.Verdict(p); got != want[i] {
			t.Errorf("packet %d: %v, want %v", i, got, want[i])
		}
	}
}

// Built-in rules describe themselves in a stable form.
func TestRuleStrings(t *testing.T) {
	r := simnet.Any(
		simnet.Partition(addrA, addrB),
		simnet.HoldOneWay(addrA, addrC),
		simnet.Count(3, simnet.OnlyProto(simnet.UDP, simnet.DropRate(0.25))),
		simnet.OneWay(addrB, addrA, simnet.OnlyKind(simnet.KindSYN, simnet.ExtraLatency(2*ms))),
		simnet.Between(addrA, addrC, simnet.Always(simnet.Held)),
		simnet.RuleFunc(func(*simnet.PacketInfo) simnet.Verdict { return simnet.Pass }),
	)
	want := "any(partition 10.0.0.1 10.0.0.2, hold-oneway 10.0.0.1>10.0.0.3, " +
		"count(3, only-proto(udp, drop-rate(0.25))), oneway(10.0.0.2>10.0.0.1, only-kind(syn, extra-latency(2ms))), " +
		"between(10.0.0.1 10.0.0.3, always(hold)), func)"
	if got := r.(interface{ String() string }).String(); got != want {
		t.Fatalf("String() =\n%s\nwant\n%s", got, want)
	}
}

func TestProtoText(t *testing.T) {
	for _, p := range []simnet.Proto{simnet.TCP, simnet.UDP} {
		if back, err := simnet.ParseProto(p.String()); err != nil || back != p {
			t.Errorf("ParseProto(%q) = %v, %v", p, back, err)
		}
	}
	if _, err := simnet.ParseProto("sctp"); err == nil || simnet.Proto(9).String() != "unknown(9)" {
		t.Error("bad protocols accepted or named")
	}
}

// Rules see packets as they enter the network; install order decides, and
// removing a rule restores the flow. Install and Remove are visible.
func TestInstallOrderAndRemove(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	sfd := must(t)(e.b.ListenUDP(ap("10.0.0.2:53")))
	ufd := must(t)(e.a.OpenUDP())
	slow := e.n.Install(simnet.ExtraLatency(5 * ms))
	e.n.Install(simnet.Partition(addrA, addrB)) // never reached: ExtraLatency has an opinion first
	must(t)(e.a.WriteTo(ufd, []byte("one"), ap("10.0.0.2:53")))
	e.run()
	if at, _ := e.firstEvent(simnet.KindDatagram, ap("10.0.0.2:53")); at != L+5*ms {
		t.Fatalf("first datagram at %v, want %v", at, L+5*ms)
	}
	if err := e.n.Remove(slow); err != nil {
		t.Fatal(err)
	}
	if err := e.n.Remove(slow); !errors.Is(err, simnet.ErrNoRule) {
		t.Fatalf("second Remove = %v, want ErrNoRule", err)
	}
	must(t)(e.a.WriteTo(ufd, []byte("two"), ap("10.0.0.2:53")))
	e.run()
	if _, err := e.b.Read(sfd, make([]byte, 8)); err != nil {
		t.Fatal("the first datagram is missing")
	}
	if _, err := e.b.Read(sfd, make([]byte, 8)); err == nil {
		t.Fatal("the partition let the second datagram through")
	}
	want := "" +
		"0.000000000s fault:install extra-latency(5ms) rule#1\n" +
		"0.000000000s fault:install partition 10.0.0.1 10.0.0.2 rule#2\n" +
		"0.000000000s fault:delay 10.0.0.1:40000>10.0.0.2:53 len=3 datagram +5ms\n" +
		"0.015000000s fault:remove extra-latency(5ms) rule#1 released=0\n" +
		"0.015000000s fault:drop 10.0.0.1:40000>10.0.0.2:53 len=3 datagram\n"
	if got := e.logWhere(simnet.Event.IsFault); got != want {
		t.Fatalf("fault events:\n%s\nwant:\n%s", got, want)
	}
}

// DropRate draws from the installed rule's own stream: the same seed
// drops the same datagrams, another seed others, and a second rule
// installed after it does not change what the first drops.
func TestDropRateDeterministic(t *testing.T) {
	run := func(seed sim.Seed, extra bool) map[uint32]bool {
		e := newEnv(t, seed, simnet.Config{})
		e.n.Install(simnet.DropRate(0.5))
		if extra {
			e.n.Install(simnet.DropRate(0.5)) // sees only what the first passed
		}
		sfd := must(t)(e.b.ListenUDP(ap("10.0.0.2:53")))
		ufd := must(t)(e.a.OpenUDP())
		for i := range 60 {
			must(t)(e.a.WriteTo(ufd, numbered(uint32(i)), ap("10.0.0.2:53")))
		}
		e.run()
		got := map[uint32]bool{}
		for _, id := range readDatagrams(e.b, sfd) {
			got[id] = true
		}
		return got
	}
	a, again, other, both := run(1, false), run(1, false), run(2, false), run(1, true)
	if len(a) == 0 || len(a) == 60 || !sameSet(a, again) {
		t.Fatalf("seed 1: %d of 60 arrived, then %d", len(a), len(again))
	}
	if sameSet(a, other) {
		t.Fatal("seeds 1 and 2 dropped the same datagrams")
	}
	for id := range both {
		if !a[id] {
			t.Fatalf("datagram %d passed two rules but not the first one alone", id)
		}
	}
	if len(both) >= len(a) {
		t.Fatalf("the second rule dropped nothing (%d, %d)", len(both), len(a))
	}
}

func sameSet(a, b map[uint32]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// Hold keeps datagrams until released; DeliverHeld lets some go first.
func TestHoldReleaseUDP(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	sfd := must(t)(e.b.ListenUDP(ap("10.0.0.2:53")))
	ufd := must(t)(e.a.OpenUDP())
	h := e.n.Install(simnet.Hold(addrA, addrB))
	for i := range 5 {
		must(t)(e.a.WriteTo(ufd, numbered(uint32(i)), ap("10.0.0.2:53")))
	}
	var held, delivered int
	var early, partial []uint32
	at := func(d time.Duration, f func()) { e.w.At(sim.Time(d), sim.Func(f)) }
	at(time.Second, func() {
		held, early = e.n.Held(h), readDatagrams(e.b, sfd)
		delivered = e.n.DeliverHeld(h, 2)
	})
	at(2*time.Second, func() {
		partial = readDatagrams(e.b, sfd)
		ok(e.a.WriteTo(ufd, numbered(5), ap("10.0.0.2:53"))) // still held: the rule stays
		ok(0, e.n.Release(h))
	})
	e.run()
	if held != 5 || len(early) != 0 || delivered != 2 {
		t.Fatalf("at 1s: held %d, arrived %v, DeliverHeld gave %d; want 5, none, 2", held, early, delivered)
	}
	if len(partial) != 2 || partial[0] != 0 || partial[1] != 1 {
		t.Fatalf("after DeliverHeld(2): %v", partial)
	}
	if got := readDatagrams(e.b, sfd); len(got) != 4 || e.now() != 2*time.Second+L {
		t.Fatalf("after Release: %v at %v", got, e.now())
	}
	if e.n.Held(h) != 0 || e.n.DeliverHeld(h, 1) != 0 {
		t.Fatal("a released rule still holds packets")
	}
}

// readDatagrams reads every queued numbered datagram.
func readDatagrams(h *simnet.Host, fd int) []uint32 {
	var out []uint32
	buf := make([]byte, 200)
	for {
		n, err := h.Read(fd, buf)
		if err != nil {
			return out
		}
		if n >= 4 {
			out = append(out, uint32(buf[0])<<24|uint32(buf[1])<<16|uint32(buf[2])<<8|uint32(buf[3]))
		}
	}
}
