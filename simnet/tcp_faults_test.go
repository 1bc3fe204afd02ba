package simnet_test

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// A dropped segment is sent again one RTO later, the RTO doubling while it
// keeps being dropped; the segments behind it wait, so the order holds.
func TestRetransmissionBackoff(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, MaxSegment: 3})
	_, cfd, sfd := e.connect()
	start := e.now()
	e.n.Install(simnet.Count(2, simnet.OnlyKind(simnet.KindSegment, simnet.Always(simnet.Drop))))
	must(t)(e.a.Write(cfd, []byte("abcdefghi")))
	e.run()
	var segs []string
	for _, ev := range e.events {
		if ev.Kind == simnet.KindSegment || ev.Kind == simnet.KindFaultDrop {
			segs = append(segs, (time.Duration(ev.At)-start).String()+" "+ev.Kind)
		}
	}
	want := []string{
		"0s fault:drop",                  // "abc" at once
		"200ms fault:drop",               // again one RTO later
		"610ms segment",                  // then 2 RTO later, arriving L after
		"610ms segment", "610ms segment", // "def" and "ghi" waited behind it
	}
	if strings.Join(segs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("segments:\n%s\nwant:\n%s", strings.Join(segs, "\n"), strings.Join(want, "\n"))
	}
	if got := readAll(t, e.b, sfd); string(got) != "abcdefghi" {
		t.Fatalf("read %q", got)
	}
}

// The link's TCP loss costs an RTO per lost packet and never a byte.
func TestTCPLinkLoss(t *testing.T) {
	losses := 0
	for seed := sim.Seed(1); seed <= 20; seed++ {
		out := [2][]byte{randomBytes(seed, 20000), randomBytes(seed+100, 7000)}
		res := runFaulty(t, seed, faultCase{
			cfg: simnet.Config{Latency: L, Jitter: 3 * ms, TCPLoss: 0.1, MaxSegment: 500}, out: out, maxChunk: 3000,
		})
		checkStreams(t, seed, out, res)
		losses += strings.Count(res.log, " "+simnet.KindFaultLoss+" ")
	}
	if losses == 0 {
		t.Fatal("10% TCP loss over 20 runs lost nothing")
	}
}

// checkStreams fails unless each end received exactly what the other sent,
// and nothing was reset.
func checkStreams(t *testing.T, seed sim.Seed, out [2][]byte, res streamResult) {
	t.Helper()
	for i, who := range []string{"server", "client"} {
		if !bytes.Equal(res.got[1-i], out[i]) {
			t.Fatalf("seed %v: %s received %d bytes, want %d, first difference at %d",
				seed, who, len(res.got[1-i]), len(out[i]), firstDiff(res.got[1-i], out[i]))
		}
	}
	if strings.Contains(res.log, " rst ") || strings.Contains(res.log, " timeout ") {
		t.Fatalf("seed %v: a reset or timeout in a run that should recover:\n%s", seed, res.log)
	}
}

// TCP stays exact, both ways, under link loss, heavy-tailed jitter,
// bandwidth limits, extra latency, and generated schedules of partitions
// and holds that end within the user timeout: bytes out equal bytes in, in
// order, for many seeds.
func TestTCPExactUnderFaults(t *testing.T) {
	seeds := 150
	if testing.Short() {
		seeds = 20
	}
	seen := map[string]int{}
	for seed := sim.Seed(1); seed <= sim.Seed(seeds); seed++ {
		c := drawFaultCase(seed)
		res := runFaulty(t, seed, c)
		checkStreams(t, seed, c.out, res)
		for _, k := range []string{simnet.KindFaultDrop, simnet.KindFaultHold, simnet.KindFaultLoss, simnet.KindFaultDelay} {
			seen[k] += strings.Count(res.log, " "+k+" ")
		}
	}
	for _, k := range []string{simnet.KindFaultDrop, simnet.KindFaultHold, simnet.KindFaultLoss, simnet.KindFaultDelay} {
		if seen[k] == 0 {
			t.Errorf("no %s in %d runs: the faults did not hit the streams", k, seeds)
		}
	}
}

// drawFaultCase derives a hostile stream case from a seed.
func drawFaultCase(seed sim.Seed) faultCase {
	base := drawCase(seed)
	r := sim.NewRand(seed).Fork("faults")
	cfg := base.cfg
	cfg.JitterDist = simnet.Dist(r.IntN(4))
	if r.Chance(0.5) {
		cfg.TCPLoss = r.Float64() * 0.2
	}
	if r.Chance(0.3) {
		cfg.Bandwidth = int64(r.Range(20_000, 2_000_000))
	}
	return faultCase{cfg: cfg, out: base.out, maxChunk: base.maxChunk, setup: func(e *env) {
		opts := simnet.GenOptions{Span: 5 * time.Second, Faults: r.Range(0, 4), MaxLength: 3 * time.Second,
			Kinds: []simnet.FaultKind{simnet.OpPartition, simnet.OpPartitionOneWay, simnet.OpHold, simnet.OpHoldOneWay}}
		if err := e.n.Apply(simnet.GenerateSchedule(r, []*simnet.Host{e.a, e.b}, opts)); err != nil {
			panic(err)
		}
		if r.Chance(0.3) {
			e.n.Install(simnet.Count(r.Range(1, 50), simnet.ExtraLatency(r.Duration(0, 50*ms))))
		}
	}}
}

// A partition repaired within the user timeout only delays the data: it
// arrives with the first retransmission after the repair (the RTO doubles:
// retries at 0.2, 0.6, 1.4, 3.0 and 6.2s). One that lasts longer fails the
// sender with ETIMEDOUT, and the peer, which heard nothing, gets a reset
// when it sends.
func TestPartitionAndUserTimeout(t *testing.T) {
	for _, tt := range []struct {
		repair  time.Duration
		timeout bool
	}{{4 * time.Second, false}, {8 * time.Second, true}} {
		e := newEnv(t, 1, simnet.Config{Latency: L, TCPUserTimeout: 7 * time.Second})
		_, cfd, sfd := e.connect()
		start := e.now()
		h := e.n.Install(simnet.Partition(addrA, addrB))
		must(t)(e.a.Write(cfd, []byte("hello")))
		e.w.At(sim.Time(start+tt.repair), sim.Func(func() { ok(0, e.n.Remove(h)) }))
		e.run()
		got, err := e.b.Read(sfd, make([]byte, 10))
		if !tt.timeout {
			if got != 5 || err != nil || e.a.ConnectError(cfd) != nil {
				t.Fatalf("repaired at %v: server read %d, %v; client %v", tt.repair, got, err, e.a.ConnectError(cfd))
			}
			if at, _ := e.firstEvent(simnet.KindSegment, srvAddr); at != start+6200*ms+L {
				t.Fatalf("data arrived at %v, want %v", at, start+6200*ms+L)
			}
			continue
		}
		if got != 0 || !errors.Is(err, syscall.EAGAIN) {
			t.Fatalf("server read %d, %v after the partition, want nothing", got, err)
		}
		at, timedOut := e.firstEvent(simnet.KindTimeout, srvAddr)
		if !timedOut || at != start+7*time.Second {
			t.Fatalf("client timed out at %v (%v), want %v", at, timedOut, start+7*time.Second)
		}
		if _, err := e.a.Read(cfd, make([]byte, 1)); !errors.Is(err, syscall.ETIMEDOUT) {
			t.Fatalf("client Read = %v, want ETIMEDOUT", err)
		}
		if err := e.a.ConnectError(cfd); !errors.Is(err, syscall.ETIMEDOUT) {
			t.Fatalf("client ConnectError = %v, want ETIMEDOUT", err)
		}
		must(t)(e.b.Write(sfd, []byte("anyone?")))
		e.run()
		if _, err := e.b.Read(sfd, make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("server Read after writing to a timed-out peer = %v, want ECONNRESET", err)
		}
	}
}

// One way: a partition from a to b stops a's data and b's acknowledgements
// of it never matter; a's data times out, while b's data still reaches a
// (a's acks are lost, so b times out too). Repaired in time, both flows
// complete.
func TestPartitionOneWay(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, TCPUserTimeout: 3 * time.Second})
	_, cfd, sfd := e.connect()
	e.n.Install(simnet.PartitionOneWay(addrA, addrB))
	must(t)(e.a.Write(cfd, []byte("to b")))
	must(t)(e.b.Write(sfd, []byte("to a")))
	e.run()
	if got := readAll(t, e.a, cfd); string(got) != "" {
		t.Fatalf("client read %q after its timeout", got)
	}
	if n, err := e.a.Read(cfd, make([]byte, 8)); n != 0 || !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("client Read = %d, %v, want ETIMEDOUT", n, err)
	}
	if got := e.log(simnet.KindSegment); !strings.Contains(got, "10.0.0.2:80>10.0.0.1:40000 len=4") || strings.Contains(got, ">10.0.0.2:80") {
		t.Fatalf("segments that arrived:\n%s", got)
	}
	if _, err := e.b.Read(sfd, make([]byte, 8)); !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("server Read = %v, want ETIMEDOUT (its data was never acknowledged)", err)
	}

	e2 := newEnv(t, 1, simnet.Config{Latency: L, TCPUserTimeout: 3 * time.Second})
	_, cfd, sfd = e2.connect()
	h := e2.n.Install(simnet.PartitionOneWay(addrB, addrA))
	must(t)(e2.a.Write(cfd, []byte("to b")))
	must(t)(e2.b.Write(sfd, []byte("to a")))
	e2.w.At(e2.w.Now().Add(time.Second), sim.Func(func() { ok(0, e2.n.Remove(h)) }))
	e2.run()
	if a, b := readAll(t, e2.a, cfd), readAll(t, e2.b, sfd); string(a) != "to a" || string(b) != "to b" {
		t.Fatalf("after a repair in time: client read %q, server read %q", a, b)
	}
}

// A connect during a partition: the SYN is dropped and retried by the
// connect's timer; after the repair the next retry gets through.
func TestSYNUnderPartition(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	h := e.n.Install(simnet.Partition(addrA, addrB))
	cfd := must(t)(e.a.DialTCP(srvAddr))
	e.w.At(sim.Time(2*time.Second), sim.Func(func() { ok(0, e.n.Remove(h)) }))
	e.waitMain(e.a, cfd, simnet.PollOut)
	if e.now() != 3*time.Second+2*L || e.a.ConnectError(cfd) != nil {
		t.Fatalf("connected at %v (%v), want %v", e.now(), e.a.ConnectError(cfd), 3*time.Second+2*L)
	}
	e.waitMain(e.b, lfd, simnet.PollIn)
	if got := strings.Count(e.log(simnet.KindFaultDrop), "\n"); got != 2 {
		t.Fatalf("%d SYNs dropped, want 2 (at 0s and 1s):\n%s", got, e.log())
	}
}

// Hold keeps a connection's packets (nothing is lost, nothing times out
// if released in time); Release delivers them in order.
func TestHoldReleaseTCP(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, MaxSegment: 100})
	_, cfd, sfd := e.connect()
	data := randomBytes(1, 5000)
	h := e.n.Install(simnet.Hold(addrA, addrB))
	must(t)(e.a.Write(cfd, data))
	var early []byte
	var held int
	release := e.now() + 10*time.Second
	e.w.At(sim.Time(release), sim.Func(func() {
		early, held = readAll(t, e.b, sfd), e.n.Held(h)
		ok(0, e.n.Release(h))
	}))
	e.run()
	if len(early) != 0 || held == 0 {
		t.Fatalf("while held: read %d bytes, %d packets held", len(early), held)
	}
	if got := readAll(t, e.b, sfd); !bytes.Equal(got, data) {
		t.Fatalf("after release read %d bytes, want %d in order (first difference %d)", len(got), len(data), firstDiff(got, data))
	}
	if first, _ := e.firstEvent(simnet.KindSegment, srvAddr); first != release+L {
		t.Fatalf("first segment arrived at %v, want %v", first, release+L)
	}
	if strings.Contains(e.log(), simnet.KindFaultDrop) || strings.Contains(e.log(), " timeout ") {
		t.Fatalf("a held packet was dropped or timed out:\n%s", e.log())
	}
}

// A hold longer than the user timeout: the sender gives up.
func TestHoldBeyondUserTimeout(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, TCPUserTimeout: 2 * time.Second})
	_, cfd, _ := e.connect()
	e.n.Install(simnet.HoldOneWay(addrA, addrB))
	must(t)(e.a.Write(cfd, []byte("x")))
	got := e.waitMain(e.a, cfd, simnet.PollIn)
	if got&simnet.PollErr == 0 || !errors.Is(e.a.ConnectError(cfd), syscall.ETIMEDOUT) {
		t.Fatalf("revents %#x, %v, want ETIMEDOUT", got, e.a.ConnectError(cfd))
	}
}

// The first write after a user timeout says ETIMEDOUT, later ones EPIPE;
// the endpoint is gone from the network.
func TestUserTimeoutErrors(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, TCPUserTimeout: time.Second})
	_, cfd, _ := e.connect()
	e.n.Install(simnet.Partition(addrA, addrB))
	must(t)(e.a.Write(cfd, []byte("x")))
	e.run()
	if _, err := e.a.Write(cfd, []byte("y")); !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("first Write = %v, want ETIMEDOUT", err)
	}
	if _, err := e.a.Write(cfd, []byte("y")); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("second Write = %v, want EPIPE", err)
	}
	if simnet.ConnCount(e.a) != 0 {
		t.Fatal("the timed-out endpoint is still in the network")
	}
}

// Extra latency on one connection's packets delays everything behind
// them, keeping the order.
func TestExtraLatencyKeepsOrder(t *testing.T) {
	for seed := sim.Seed(1); seed <= 10; seed++ {
		data := randomBytes(seed, 30000)
		res := runFaulty(t, seed, faultCase{
			cfg: simnet.Config{Latency: L, Jitter: 2 * ms, MaxSegment: 700}, out: [2][]byte{data, nil}, maxChunk: 5000,
			setup: func(e *env) {
				e.n.Install(simnet.OnlyKind(simnet.KindSegment, simnet.RuleFunc(func(p *simnet.PacketInfo) simnet.Verdict {
					if p.Rand.Chance(0.2) {
						return simnet.Deliver(p.Rand.Duration(0, 100*ms))
					}
					return simnet.Pass
				})))
			},
		})
		checkStreams(t, seed, [2][]byte{data, nil}, res)
		if !strings.Contains(res.log, simnet.KindFaultDelay) {
			t.Fatalf("seed %v: no packet was delayed", seed)
		}
	}
}
