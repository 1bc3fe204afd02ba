package simnet_test

import (
	"errors"
	"syscall"
	"testing"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// Short reads return less than is there, down to one byte, and lose
// nothing; short writes take less than offered.
func TestAdversaryShortReadsAndWrites(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	_, cfd, sfd := e.connect()
	must(t)(0, e.b.SetAdversary(simnet.Adversary{ShortReads: 1}))
	must(t)(0, e.a.SetAdversary(simnet.Adversary{ShortWrites: 1}))
	data := randomBytes(1, 1000)
	var wrote []int
	for rest := data; len(rest) > 0; {
		n := must(t)(e.a.Write(cfd, rest))
		wrote = append(wrote, n)
		rest = rest[n:]
	}
	if wrote[0] >= len(data) || len(wrote) < 2 {
		t.Fatalf("writes took %v: not short", wrote)
	}
	e.run()
	var got []byte
	var reads []int
	buf := make([]byte, 2000)
	for {
		n, err := e.b.Read(sfd, buf)
		if err != nil {
			break
		}
		reads = append(reads, n)
		got = append(got, buf[:n]...)
	}
	if string(got) != string(data) || len(reads) < 2 || reads[len(reads)-1] != 1 {
		t.Fatalf("reads %v gave %d bytes (equal %v); want short reads ending in one byte", reads, len(got), string(got) == string(data))
	}
}

// EAGAIN and EINTR come from every data call, never twice in a row on one
// socket, and a refused call does nothing.
func TestAdversaryRefusals(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	lfd, cfd, sfd := e.connect()
	ufd := must(t)(e.a.OpenUDP())
	must(t)(0, e.a.SetAdversary(simnet.Adversary{EAGAIN: 0.5, EINTR: 1}))
	seen := map[string]int{}
	note := func(err error) bool {
		switch {
		case errors.Is(err, syscall.EAGAIN):
			seen["EAGAIN"]++
		case errors.Is(err, syscall.EINTR):
			seen["EINTR"]++
		default:
			return false
		}
		return true
	}
	for i := range 40 {
		refused := note(second(e.a.Write(cfd, []byte{byte(i)})))
		if refused2 := note(second(e.a.Write(cfd, []byte{byte(i)}))); refused && refused2 {
			t.Fatalf("two refusals in a row on one socket")
		}
		note(second(e.a.WriteTo(ufd, []byte("x"), ap("10.0.0.2:9"))))
	}
	e.run()
	got := readAll(t, e.b, sfd)
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 && got[i] != got[i-1] {
			t.Fatalf("stream %v: a refused write took data", got)
		}
	}
	if seen["EAGAIN"] == 0 || seen["EINTR"] == 0 {
		t.Fatalf("refusals seen: %v", seen)
	}
	must(t)(0, e.b.SetAdversary(simnet.Adversary{EINTR: 1}))
	c2 := must(t)(e.a.DialTCP(srvAddr))
	e.waitMain(e.a, c2, simnet.PollOut)
	e.run()
	if _, _, err := e.b.Accept(lfd); !errors.Is(err, syscall.EINTR) {
		t.Fatalf("first Accept = %v, want EINTR", err)
	}
	if _, _, err := e.b.Accept(lfd); err != nil {
		t.Fatalf("second Accept = %v, want a connection", err)
	}
	if err := e.a.SetAdversary(simnet.Adversary{EINTR: 2}); err == nil {
		t.Fatal("a probability of 2 was accepted")
	}
}

// Poll hides some ready descriptors and shows them at the next call; if
// it hides all, it returns EINTR at once. It returns EINTR on its own too,
// never twice in a row.
func TestAdversaryPoll(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{PollCost: -1})
	var fds []simnet.PollFD
	for range 3 {
		fds = append(fds, simnet.PollFD{FD: must(t)(e.a.OpenUDP()), Events: simnet.PollOut})
	}
	must(t)(0, e.a.SetAdversary(simnet.Adversary{HideReady: 0.6}))
	hidden, all := 0, 0
	prev := map[int]bool{}
	for range 300 {
		n, err := e.a.Poll(fds, -1)
		now := map[int]bool{}
		for _, f := range fds {
			if f.Revents == 0 {
				if prev[f.FD] {
					t.Fatalf("fd %d hidden twice in a row", f.FD)
				}
				now[f.FD] = true
			}
		}
		switch {
		case errors.Is(err, syscall.EINTR):
			if n != 0 || len(now) != 3 {
				t.Fatalf("EINTR with %d reported", n)
			}
			all++
		case err != nil || n != 3-len(now):
			t.Fatalf("Poll = %d, %v with %d hidden", n, err, len(now))
		}
		hidden += len(now)
		prev = now
	}
	if hidden == 0 || all == 0 || e.now() != 0 {
		t.Fatalf("hidden %d, all hidden %d times, at %v", hidden, all, e.now())
	}

	must(t)(0, e.a.SetAdversary(simnet.Adversary{PollEINTR: 0.7}))
	eintr, last := 0, false
	for range 100 {
		n, err := e.a.Poll(fds, 0)
		intr := errors.Is(err, syscall.EINTR)
		if intr && (last || n != 0 || fds[0].Revents != 0) {
			t.Fatalf("EINTR twice in a row, or with something reported")
		}
		if !intr && n != 3 {
			t.Fatalf("Poll = %d, %v", n, err)
		}
		if intr {
			eintr++
		}
		last = intr
	}
	if eintr < 20 {
		t.Fatalf("%d EINTRs in 100 polls at 0.7", eintr)
	}
}

// A connect's completion is shown one Poll late: the Poll that could show
// it returns EINTR at that instant, the next one shows it.
func TestAdversaryLateConnect(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	must(t)(e.b.ListenTCP(srvAddr))
	must(t)(0, e.a.SetAdversary(simnet.Adversary{LateConnect: 1}))
	cfd := must(t)(e.a.DialTCP(srvAddr))
	fds := []simnet.PollFD{{FD: cfd, Events: simnet.PollOut}}
	if n, err := e.a.Poll(fds, -1); n != 0 || !errors.Is(err, syscall.EINTR) || e.now() != 2*L {
		t.Fatalf("first Poll = %d, %v at %v: want EINTR at %v", n, err, e.now(), 2*L)
	}
	if n, _ := e.a.Poll(fds, 0); n != 1 || fds[0].Revents != simnet.PollOut {
		t.Fatalf("second Poll = %d, %#x: want the completion shown", n, fds[0].Revents)
	}
	if n, _ := e.a.Poll(fds, 0); n != 1 {
		t.Fatal("a connection shown once is hidden again by LateConnect")
	}
}

// Streams stay exact with the adversary on both hosts, for many seeds, and
// the adversary's choices depend on the seed only.
func TestAdversaryStreams(t *testing.T) {
	adv := simnet.Adversary{ShortReads: 0.5, ShortWrites: 0.5, EAGAIN: 0.2, EINTR: 0.2, HideReady: 0.5, PollEINTR: 0.2, LateConnect: 0.5}
	for seed := sim.Seed(1); seed <= 40; seed++ {
		c := drawCase(seed)
		c.cfg.Adversary = adv
		fc := faultCase{cfg: c.cfg, out: c.out, maxChunk: c.maxChunk}
		res := runFaulty(t, seed, fc)
		checkStreams(t, seed, c.out, res)
		if seed == 1 {
			if again := runFaulty(t, seed, fc); again.log != res.log {
				t.Fatalf("same seed, different runs:\n%s", firstLineDiff(res.log, again.log))
			}
		}
	}

}

// A Poll's EINTR depends only on what that Poll returned: after a Poll
// that reported something, the next one (PollEINTR certain) is
// interrupted. A blocking Poll's first look at its descriptors draws
// nothing from the adversary.
func TestAdversaryPollEINTRFollowsWhatWasReturned(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{PollCost: -1})
	var fds []simnet.PollFD
	for range 3 {
		fds = append(fds, simnet.PollFD{FD: must(t)(e.a.OpenUDP()), Events: simnet.PollOut})
	}
	must(t)(0, e.a.SetAdversary(simnet.Adversary{HideReady: 0.6, PollEINTR: 1}))
	reported := false
	for i := range 300 {
		n, err := e.a.Poll(fds, -1)
		intr := errors.Is(err, syscall.EINTR)
		if reported && !intr {
			t.Fatalf("poll %d: Poll = %d, %v after a Poll that reported something, want EINTR", i+1, n, err)
		}
		reported = n > 0
	}
}
