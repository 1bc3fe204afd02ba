package reference_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// A simulated host offers the resolver extension.
var _ reference.Resolver = (*simnet.Host)(nil)

// simEnv is a reference manager on a simulated host ("client", 10.0.0.1)
// with a plain listener on another ("server", 10.0.0.2:80), 10ms apart, a
// 5ms name service that knows srv.test, and a recorder. Polls run from the
// test goroutine, which drives the virtual clock.
type simEnv struct {
	t              *testing.T
	w              *sim.World
	n              *simnet.Network
	client, server *simnet.Host
	m              *reference.Manager
	rec            *recorder
}

var serverIP = netip.MustParseAddr("10.0.0.2")

func newSimEnv(t *testing.T, cfg simnet.Config, o reference.Options) *simEnv {
	t.Helper()
	w := sim.New(sim.Options{Seed: 1, MaxSteps: 10_000_000})
	t.Cleanup(w.Close)
	if cfg.Latency == 0 {
		cfg.Latency = 10 * time.Millisecond
	}
	if cfg.PollCost == 0 {
		cfg.PollCost = -1 // these tests pin the resolver's timing to the poll
	}
	if cfg.DNSLatency == 0 {
		cfg.DNSLatency = 5 * time.Millisecond
	}
	n, err := simnet.New(w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &simEnv{t: t, w: w, n: n}
	e.client, _ = n.AddHost("client", netip.MustParseAddr("10.0.0.1"))
	e.server, _ = n.AddHost("server", serverIP)
	if _, err := e.server.ListenTCP(netip.AddrPortFrom(serverIP, 80)); err != nil {
		t.Fatal(err)
	}
	if err := n.AddName("srv.test", serverIP); err != nil {
		t.Fatal(err)
	}
	e.m = reference.NewManager(e.client, o)
	e.rec = &recorder{m: e.m}
	return e
}

func (e *simEnv) connect(addr string, h reference.Handler) *reference.Conn {
	e.t.Helper()
	c, err := e.m.Connect(addr, e.rec.wrap(h))
	if err != nil {
		e.t.Fatalf("Connect(%q): %v", addr, err)
	}
	return c
}

// poll runs one Poll(ms) and checks the events it made and its count.
func (e *simEnv) poll(ms int, want ...string) {
	e.t.Helper()
	n := e.m.Poll(ms)
	got := e.rec.take()
	if !slices.Equal(got, want) {
		e.t.Fatalf("poll at %v: events:\n got: %s\nwant: %s", e.w.Now(), strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
	if calls := nonPoll(want); n != calls {
		e.t.Fatalf("Poll returned %d, want %d (B3)", n, calls)
	}
}

func nonPoll(evs []string) int {
	k := 0
	for _, ev := range evs {
		if !strings.Contains(ev, " POLL ") {
			k++
		}
	}
	return k
}

// listedConns returns what Next walks through.
func (e *simEnv) listedConns() []uint64 {
	var ids []uint64
	for c := e.m.Next(nil); c != nil; c = e.m.Next(c) {
		ids = append(ids, c.ID())
	}
	return ids
}

// D-CONNECT-6, B2: a connection to a host name is RESOLVING and not
// listed; the poll that finds the answer lists it (without serving it);
// from the next poll on it is an ordinary connecting connection.
func TestResolveSuccess(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{})
	c := e.connect("tcp://srv.test:80", nil)
	if c.Flags != reference.FlagResolving || c.ID() != 1 || len(e.listedConns()) != 0 {
		t.Fatalf("after Connect: flags %v, id %d, listed %v", c.Flags, c.ID(), e.listedConns())
	}
	e.poll(100) // the answer comes at 5ms: c is listed, not served
	if e.w.Now() != sim.Time(5*time.Millisecond) || c.Flags != reference.FlagConnecting {
		t.Fatalf("after the answer at %v: flags %v", e.w.Now(), c.Flags)
	}
	if got := e.listedConns(); !slices.Equal(got, []uint64{1}) || c.Addr() != netip.MustParseAddrPort("10.0.0.2:80") {
		t.Fatalf("listed %v, address %v", got, c.Addr())
	}
	e.poll(100, "2:1 POLL [CONNECTING]", "2:1 CONNECT(0) [0]")
	if e.w.Now() != sim.Time(25*time.Millisecond) {
		t.Fatalf("connected at %v, want 25ms (one round trip after the answer)", e.w.Now())
	}
}

// D-CONNECT-6, D-FIRST-3: no such name: CONNECT(-1) then CLOSE, in the
// poll after the answer, without any POLL and without being listed; the
// flags say neither RESOLVING nor CLOSE_IMMEDIATELY.
func TestResolveFailure(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{})
	c := e.connect("tcp://nope.test:80", nil)
	e.poll(100)
	e.poll(100, "2:1 CONNECT(-1) [0]", "2:1 CLOSE [0]")
	if e.w.Now() != sim.Time(5*time.Millisecond) {
		t.Fatalf("failed at %v, want 5ms (the second poll does not wait)", e.w.Now())
	}
	e.n.FailName("srv.test") // a failed name fails the same way
	e.connect("tcp://srv.test:80", nil)
	e.poll(100)
	e.poll(100, "4:2 CONNECT(-1) [0]", "4:2 CLOSE [0]")
	e.poll(100)
	if len(e.listedConns()) != 0 || c.Flags != 0 {
		t.Fatalf("left listed %v, flags %v", e.listedConns(), c.Flags)
	}
}

// The recorder saw the failure path outside the list.
func TestResolveFailureNotListed(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{})
	e.connect("tcp://nope.test:80", nil)
	e.m.Poll(100)
	e.m.Poll(100)
	if len(e.rec.log) != 2 || e.rec.log[0].Listed || e.rec.log[1].Listed {
		t.Fatalf("calls %v: want CONNECT and CLOSE of a connection never listed", e.rec.log)
	}
}

// D-TIMER-7: a lookup not answered within ResolveTimeout: the poll after
// the timeout gives TIMER with the current time, then CONNECT(-1), then
// CLOSE.
func TestResolveTimeout(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{ResolveTimeout: 50 * time.Millisecond})
	e.n.SlowName("srv.test", time.Second)
	c := e.connect("tcp://srv.test:80", nil)
	e.poll(1000) // wakes ~1ms after the resolver timeout: marks it
	if e.w.Now() != sim.Time(51*time.Millisecond) {
		t.Fatalf("first poll ended at %v, want 51ms (B6: 1ms after the deadline)", e.w.Now())
	}
	e.poll(1000, "2:1 TIMER(1.000) [0]", "2:1 CONNECT(-1) [0]", "2:1 CLOSE [0]")
	if c.Timer() != 0 {
		t.Fatalf("timer %v", c.Timer())
	}
}

// A lookup the name service itself gives up on (ETIMEDOUT) takes the same
// timeout path.
func TestResolveSeamTimeout(t *testing.T) {
	e := newSimEnv(t, simnet.Config{DNSTimeout: 20 * time.Millisecond}, reference.Options{})
	e.n.SlowName("srv.test", time.Second)
	e.connect("tcp://srv.test:80", nil)
	e.poll(1000)
	e.poll(1000, "2:1 TIMER(0.020) [0]", "2:1 CONNECT(-1) [0]", "2:1 CLOSE [0]")
}

// D-TIMER-1, D-TIMER-7, test_timer "async resolver codepath": a timer set
// on a resolving connection is set on its lookup; when it expires the
// resolution ends with TIMER (the current time), CONNECT(-1) and CLOSE in
// the next poll, and the connection's own timer still reads as set.
func TestResolveUserTimer(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{})
	e.n.SlowName("srv.test", time.Second)
	c := e.connect("tcp://srv.test:80", nil)
	if prev := c.SetTimer(e.m.Time() + 0.03); prev != 0 {
		t.Fatalf("SetTimer returned %v", prev)
	}
	e.poll(100)
	if e.w.Now() != sim.Time(31*time.Millisecond) {
		t.Fatalf("first poll ended at %v, want 31ms", e.w.Now())
	}
	e.m.Poll(100)
	got := e.rec.take()
	want := []string{"2:1 TIMER(0.131) [0]", "2:1 CONNECT(-1) [0]", "2:1 CLOSE [0]"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if c.Timer() != 0.03 {
		t.Fatalf("the connection's timer reads %v, want 0.03 (6.18 leaves it set)", c.Timer())
	}
}

// A timer set on a resolving connection that resolves in time stays armed
// on it and fires as any timer does (D-CONNECT-7's idiom).
func TestResolveTimerAfterSuccess(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{})
	c := e.connect("tcp://srv.test:80", nil)
	c.SetTimer(0.5)
	e.poll(1000)
	e.poll(1000, "2:1 POLL [CONNECTING]", "2:1 CONNECT(0) [0]")
	e.poll(1000, "3:1 TIMER(0.500) [0]", "3:1 POLL [0]")
}

// A slow answer within the timeout just takes its time.
func TestResolveSlow(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{})
	e.n.SlowName("srv.test", 2*time.Second)
	e.connect("udp://srv.test:53", nil)
	for e.w.Now() < sim.Time(2*time.Second) {
		e.poll(1000)
	}
	e.poll(1000, "3:1 POLL [UDP|CONNECTING]", "3:1 CONNECT(0) [UDP]")
}

// An answer with no IPv4 address fails at once, in the poll that finds it.
func TestResolveNoIPv4(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{})
	if err := e.n.AddName("v6.test", netip.MustParseAddr("fd00::2")); err != nil {
		t.Fatal(err)
	}
	e.connect("tcp://v6.test:80", nil)
	e.poll(100, "1:1 CONNECT(-1) [0]", "1:1 CLOSE [0]")
}

// Free while resolving: the last poll, then the lookup's close gives the
// connection CONNECT(-1) and CLOSE outside any poll, at the lookup's place
// (newest first).
func TestResolveFree(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{})
	e.n.SlowName("srv.test", time.Second)
	if _, err := e.m.Bind("tcp://0.0.0.0:9000", e.rec.wrap(nil)); err != nil {
		t.Fatal(err)
	}
	e.connect("tcp://srv.test:80", nil)
	e.m.Free()
	want := []string{"1:1 POLL [LISTENING]", "0:2 CONNECT(-1) [0]", "0:2 CLOSE [0]", "0:1 CLOSE [LISTENING|CLOSE_IMMEDIATELY]"}
	if got := e.rec.take(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// Next skips a resolving connection and its lookup; numbers follow
// creation order.
func TestResolveListing(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{})
	e.n.SlowName("srv.test", time.Second)
	r := e.connect("tcp://srv.test:80", nil)
	l, err := e.m.Bind(":9000", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.listedConns(); !slices.Equal(got, []uint64{2}) || r.ID() != 1 || l.ID() != 2 {
		t.Fatalf("listed %v, ids %d %d", got, r.ID(), l.ID())
	}
	e.connect("tcp://srv.test:81", nil)
	if got := e.listedConns(); !slices.Equal(got, []uint64{2}) {
		t.Fatalf("listed %v", got)
	}
}

// A lookup that cannot start makes Connect fail: nothing listed, no
// events; without the resolver extension a host name is an error.
func TestResolveCannotStart(t *testing.T) {
	e := newSimEnv(t, simnet.Config{}, reference.Options{})
	if err := e.n.Crash(e.client); err != nil {
		t.Fatal(err)
	}
	if c, err := e.m.Connect("tcp://srv.test:80", e.rec.wrap(nil)); err == nil || c != nil {
		t.Fatalf("Connect on a crashed host = %v, %v", c, err)
	}
	plain := reference.NewManager(plainSockets{e.server}, reference.Options{})
	if _, err := plain.Connect("tcp://srv.test:80", nil); err == nil || !strings.Contains(err.Error(), "resolver") {
		t.Fatalf("Connect without a resolver = %v", err)
	}
}

// plainSockets hides the resolver extension of a host.
type plainSockets struct{ reference.Sockets }
