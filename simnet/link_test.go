package simnet_test

import (
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mgsim/mgsim/simnet"
)

// One-way links: 10ms from a to b, 30ms back. The handshake takes one
// round trip (40ms) for the client, plus 10ms for the server.
func TestSetLinkOneWay(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: time.Second})
	if err := e.n.SetLink(addrA, addrB, simnet.LinkConfig{Latency: 10 * ms}); err != nil {
		t.Fatal(err)
	}
	if err := e.n.SetLink(addrB, addrA, simnet.LinkConfig{Latency: 30 * ms}); err != nil {
		t.Fatal(err)
	}
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	cfd := must(t)(e.a.DialTCP(srvAddr))
	e.waitMain(e.a, cfd, simnet.PollOut)
	if e.now() != 40*ms {
		t.Fatalf("client connected at %v, want 40ms", e.now())
	}
	e.waitMain(e.b, lfd, simnet.PollIn)
	if e.now() != 50*ms {
		t.Fatalf("server could accept at %v, want 50ms", e.now())
	}
	// A third host still uses the default 1s.
	c := e.host("c", netip.MustParseAddr("10.0.0.3"))
	ufd := must(t)(c.OpenUDP())
	must(t)(e.b.ListenUDP(ap("10.0.0.2:53")))
	start := e.now()
	must(t)(c.WriteTo(ufd, []byte("x"), ap("10.0.0.2:53")))
	e.run()
	if at, _ := e.firstEvent(simnet.KindDatagram, ap("10.0.0.2:53")); at != start+time.Second {
		t.Fatalf("default link delivered at %v, want %v", at, start+time.Second)
	}
	if got := e.n.Link(addrA, addrB); got.Latency != 10*ms || got.RTO != simnet.DefaultRTO {
		t.Fatalf("Link(a, b) = %+v, want 10ms with the default RTO", got)
	}
}

// SetLinks sets both directions; bad input is an error.
func TestSetLinksAndErrors(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	if err := e.n.SetLinks(addrA, addrB, simnet.LinkConfig{Latency: 7 * ms}); err != nil {
		t.Fatal(err)
	}
	if e.n.Link(addrB, addrA).Latency != 7*ms || e.n.Link(addrA, addrB).Latency != 7*ms {
		t.Fatal("SetLinks did not set both directions")
	}
	bad := []struct {
		lc   simnet.LinkConfig
		want string
	}{
		{simnet.LinkConfig{Latency: -1}, "Latency"},
		{simnet.LinkConfig{UDPLoss: 1.5}, "UDPLoss"},
		{simnet.LinkConfig{TCPLoss: math.NaN()}, "TCPLoss"},
		{simnet.LinkConfig{Bandwidth: -1}, "Bandwidth"},
		{simnet.LinkConfig{JitterDist: 9}, "unknown(9)"},
	}
	for _, b := range bad {
		if err := e.n.SetLink(addrA, addrB, b.lc); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("SetLink(%+v) = %v, want an error about %s", b.lc, err, b.want)
		}
	}
	if err := e.n.SetLink(netip.Addr{}, addrB, simnet.LinkConfig{}); err == nil {
		t.Error("SetLink with an invalid address succeeded")
	}
}

// Bandwidth: each datagram takes (payload + 28) / bandwidth on the wire,
// and datagrams queue behind each other.
func TestBandwidthSerialisation(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, Bandwidth: 100_000})
	must(t)(e.b.ListenUDP(ap("10.0.0.2:53")))
	ufd := must(t)(e.a.OpenUDP())
	for range 3 {
		must(t)(e.a.WriteTo(ufd, make([]byte, 972), ap("10.0.0.2:53"))) // 1000 bytes on the wire: 10ms
	}
	e.run()
	var at []time.Duration
	for _, ev := range e.events {
		if ev.Kind == simnet.KindDatagram {
			at = append(at, time.Duration(ev.At))
		}
	}
	want := []time.Duration{20 * ms, 30 * ms, 40 * ms}
	if len(at) != 3 || at[0] != want[0] || at[1] != want[1] || at[2] != want[2] {
		t.Fatalf("datagrams arrived at %v, want %v", at, want)
	}
}

// A bandwidth-limited TCP stream moves about Bandwidth bytes per second.
func TestBandwidthTCP(t *testing.T) {
	const bw = 64 << 10
	data := randomBytes(3, 256<<10)
	res := runFaulty(t, 3, faultCase{
		cfg: simnet.Config{Latency: L, Bandwidth: bw}, out: [2][]byte{data, nil}, maxChunk: 8192,
	})
	if string(res.got[1]) != string(data) {
		t.Fatalf("server got %d bytes, want %d", len(res.got[1]), len(data))
	}
	wire := float64(len(data)) * (1 + float64(simnet.TCPHeader)/1460)
	if secs := res.end.Seconds(); secs < wire/bw || secs > wire/bw*1.2 {
		t.Fatalf("256 KiB at 64 KiB/s took %v, want about %.2fs", res.end, wire/bw)
	}
}

// Every jitter distribution has mean about Jitter/2, stays within [0,
// 50*Jitter], and they differ in shape: Pareto has the heaviest tail.
func TestJitterDistributions(t *testing.T) {
	const j = 10 * ms
	tails := map[simnet.Dist]int{}
	for _, d := range []simnet.Dist{simnet.Uniform, simnet.Normal, simnet.Exponential, simnet.Pareto} {
		delays := udpDelays(t, simnet.Config{Jitter: j, JitterDist: d}, 4000)
		var sum time.Duration
		for _, x := range delays {
			if x < 0 || x > 50*j {
				t.Fatalf("%v: delay %v outside [0, 50*jitter]", d, x)
			}
			sum += x
			if x > 3*j {
				tails[d]++
			}
		}
		if mean := sum / time.Duration(len(delays)); mean < 4*ms || mean > 6*ms {
			t.Errorf("%v: mean delay %v, want about 5ms", d, mean)
		}
	}
	if tails[simnet.Uniform] != 0 || tails[simnet.Normal] != 0 {
		t.Errorf("uniform or normal jitter beyond 3*Jitter: %v", tails)
	}
	if !(tails[simnet.Pareto] > 0 && tails[simnet.Exponential] > 0) {
		t.Errorf("no tail for exponential or Pareto jitter: %v", tails)
	}
}

// udpDelays sends n datagrams at time 0 and returns how long each took.
func udpDelays(t *testing.T, cfg simnet.Config, n int) []time.Duration {
	e := newEnv(t, 5, cfg)
	must(t)(e.b.ListenUDP(ap("10.0.0.2:53")))
	ufd := must(t)(e.a.OpenUDP())
	var out []time.Duration
	e.n.Observe(func(ev simnet.Event) {
		if ev.Kind == simnet.KindDatagram {
			out = append(out, time.Duration(ev.At))
		}
	})
	for range n {
		must(t)(e.a.WriteTo(ufd, []byte("x"), ap("10.0.0.2:53")))
	}
	e.run()
	if len(out) != n {
		t.Fatalf("%d of %d datagrams arrived", len(out), n)
	}
	return out
}

func TestDistText(t *testing.T) {
	for _, d := range []simnet.Dist{simnet.Uniform, simnet.Normal, simnet.Exponential, simnet.Pareto} {
		back, err := simnet.ParseDist(d.String())
		if err != nil || back != d {
			t.Errorf("ParseDist(%q) = %v, %v", d.String(), back, err)
		}
	}
	if got := simnet.Dist(7).String(); got != "unknown(7)" {
		t.Errorf("Dist(7) = %q", got)
	}
	if _, err := simnet.ParseDist("gaussian"); err == nil {
		t.Error("ParseDist(gaussian) succeeded")
	}
}

// A network without faults draws exactly what it drew before links and
// faults existed: the log of a jittery stream is the same with the new
// fields at their zero values as with a link set to the same values.
func TestDefaultLinkEqualsSetLink(t *testing.T) {
	run := func(set bool) string {
		e := newEnv(t, 9, simnet.Config{Latency: L, Jitter: 5 * ms, MaxSegment: 100})
		if set {
			if err := e.n.SetLinks(addrA, addrB, simnet.LinkConfig{Latency: L, Jitter: 5 * ms}); err != nil {
				t.Fatal(err)
			}
		}
		_, cfd, _ := e.connect()
		must(t)(e.a.Write(cfd, make([]byte, 3000)))
		e.run()
		return e.log()
	}
	if a, b := run(false), run(true); a != b {
		t.Fatalf("default and explicit links differ:\n%s", firstLineDiff(a, b))
	}
}
