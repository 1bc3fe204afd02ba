package simnet_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// A process blocked in Poll wakes exactly when the data arrives: not
// before, not later, with or without jitter.
func TestPollWakesAtArrival(t *testing.T) {
	for _, jitter := range []time.Duration{0, 7 * ms} {
		for seed := sim.Seed(1); seed <= 10; seed++ {
			e := newEnv(t, seed, simnet.Config{Latency: L, Jitter: jitter})
			_, cfd, sfd := e.connect()
			writeAt := e.now() + 123*ms
			var woke time.Duration
			var revents int16
			e.w.Go("reader", func(p *sim.Proc) {
				revents = wait(e.b, sfd, simnet.PollIn)
				woke = time.Duration(e.w.Now())
			})
			e.w.At(sim.Time(writeAt), sim.Func(func() { ok(e.a.Write(cfd, []byte("data"))) }))
			e.run()
			arrived, _ := e.firstEvent(simnet.KindSegment, srvAddr)
			if woke != arrived || revents != simnet.PollIn {
				t.Fatalf("seed %v jitter %v: woke at %v with %#x, data arrived at %v", seed, jitter, woke, revents, arrived)
			}
			if jitter == 0 && arrived != writeAt+L {
				t.Fatalf("data arrived at %v, want %v", arrived, writeAt+L)
			}
		}
	}
}

// The timeout is honoured to the nanosecond, from a process and from main.
func TestPollTimeout(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	fds := []simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}
	n, err := e.b.Poll(fds, 50*ms+3)
	if n != 0 || err != nil || e.now() != 50*ms+3 || fds[0].Revents != 0 {
		t.Fatalf("main: Poll = %d, %v at %v", n, err, e.now())
	}
	var at time.Duration
	e.w.Go("poller", func(p *sim.Proc) {
		fds := []simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}
		if n, err := e.b.Poll(fds, time.Second); n != 0 || err != nil {
			panic(err)
		}
		at = time.Duration(e.w.Now())
	})
	e.run()
	if at != 50*ms+3+time.Second {
		t.Fatalf("process: Poll returned at %v", at)
	}
	if got := simnet.WaiterCount(e.b, lfd); got != 0 {
		t.Fatalf("%d registrations left after Poll returned", got)
	}
}

// With timeout 0 Poll never blocks, and time does not move.
func TestPollZeroTimeout(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	must(t)(e.a.DialTCP(srvAddr))
	fds := []simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}
	if n, err := e.b.Poll(fds, 0); n != 0 || err != nil || e.now() != simnet.DefaultPollCost {
		t.Fatalf("Poll(0) = %d, %v at %v; want 0 after the poll's cost", n, err, e.now())
	}
	// Also from a scheduled action.
	var got int
	var gotErr error
	e.w.At(sim.Time(5*L), sim.Func(func() { got, gotErr = e.b.Poll(fds, 0) }))
	e.run()
	if got != 1 || gotErr != nil || fds[0].Revents != simnet.PollIn {
		t.Fatalf("Poll(0) in an action = %d, %v, %#x", got, gotErr, fds[0].Revents)
	}
}

// A Poll that may block, called from an action, is an error.
func TestPollFromAction(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	var err error
	e.w.At(1, sim.Func(func() { _, err = e.a.Poll(nil, time.Second) }))
	e.run()
	if !errors.Is(err, simnet.ErrPollInAction) {
		t.Fatalf("Poll from an action = %v", err)
	}
}

// The main pseudo-process polling forever in an idle world gets an error,
// not a hang.
func TestPollBlockedForever(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	n, err := e.b.Poll([]simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}, -1)
	if n != 0 || !errors.Is(err, simnet.ErrBlockedForever) {
		t.Fatalf("Poll = %d, %v", n, err)
	}
}

// A world stopped by a panicking process: Poll returns its error.
func TestPollWorldStopped(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	e.w.Go("crash", func(p *sim.Proc) {
		p.Sleep(time.Second)
		panic("boom")
	})
	fds := []simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}
	_, err := e.b.Poll(fds, -1)
	var pe *sim.PanicError
	if !errors.As(err, &pe) || pe.Proc != "crash" {
		t.Fatalf("Poll = %v, want the panic", err)
	}
	if _, err2 := e.b.Poll(fds, 0); err2 != err {
		t.Fatalf("Poll after the stop = %v", err2)
	}
}

// Bad descriptors report PollNval (and count); negative ones are ignored.
func TestPollBadDescriptors(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	fds := []simnet.PollFD{{FD: -1, Events: simnet.PollIn, Revents: 7}, {FD: 42, Events: simnet.PollIn}, {FD: lfd, Events: simnet.PollIn}}
	n, err := e.b.Poll(fds, -1)
	if n != 1 || err != nil || fds[0].Revents != 0 || fds[1].Revents != simnet.PollNval || fds[2].Revents != 0 {
		t.Fatalf("Poll = %d, %v, %+v", n, err, fds)
	}
}

// A process woken for data that another process took first goes back to
// sleep: it returns only when more data arrives.
func TestPollSpuriousWakeup(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	_, cfd, sfd := e.connect()
	start := e.now()
	var firstAt, secondAt time.Duration
	e.w.Go("greedy", func(p *sim.Proc) {
		wait(e.b, sfd, simnet.PollIn)
		firstAt = time.Duration(e.w.Now())
		ok(e.b.Read(sfd, make([]byte, 100)))
	})
	e.w.Go("late", func(p *sim.Proc) {
		wait(e.b, sfd, simnet.PollIn)
		secondAt = time.Duration(e.w.Now())
	})
	e.w.At(sim.Time(start), sim.Func(func() { ok(e.a.Write(cfd, []byte("one"))) }))
	e.w.At(sim.Time(start+time.Second), sim.Func(func() { ok(e.a.Write(cfd, []byte("two"))) }))
	e.run()
	if firstAt != start+L || secondAt != start+time.Second+L {
		t.Fatalf("woke at %v and %v, want %v and %v", firstAt, secondAt, start+L, start+time.Second+L)
	}
	if got := simnet.WaiterCount(e.b, sfd); got != 0 {
		t.Fatalf("%d registrations left", got)
	}
}

// Wake-ups are precise: a process waiting for PollIn is not woken when the
// socket becomes writable, only when it becomes readable.
func TestPollWakesOnlyForAskedEvents(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, SendBuffer: 10})
	_, cfd, sfd := e.connect()
	must(t)(e.a.Write(cfd, make([]byte, 10))) // fills the send buffer
	parks := simnet.Parks(e.a)
	var wakeups int
	var at time.Duration
	e.w.Go("reader", func(p *sim.Proc) {
		fds := []simnet.PollFD{{FD: cfd, Events: simnet.PollIn}}
		for {
			k, err := e.a.Poll(fds, -1)
			if err != nil {
				panic(err)
			}
			wakeups++
			if k > 0 {
				at = time.Duration(e.w.Now())
				return
			}
		}
	})
	start := e.now()
	e.w.At(sim.Time(start+time.Second), sim.Func(func() { ok(e.b.Write(sfd, []byte("x"))) }))
	e.run()
	if wakeups != 1 || at != start+time.Second+L {
		t.Fatalf("%d returns, last at %v", wakeups, at)
	}
	if got := simnet.Parks(e.a) - parks; got != 1 {
		t.Fatalf("the reader parked %d times: woken for writability it did not ask for", got)
	}
}

// Closing a descriptor another process polls wakes it with PollNval.
func TestPollCloseUnderPoller(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	var revents int16
	e.w.Go("poller", func(p *sim.Proc) { revents = wait(e.b, lfd, simnet.PollIn) })
	e.w.At(sim.Time(time.Second), sim.Func(func() { _ = e.b.Close(lfd) }))
	e.run()
	if revents != simnet.PollNval || e.now() != time.Second {
		t.Fatalf("revents %#x at %v", revents, e.now())
	}
}

// Several descriptors in one set: Poll returns when the first is ready and
// reports exactly the ready ones.
func TestPollSet(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	lfd, cfd, sfd := e.connect()
	ufd := must(t)(e.b.ListenUDP(ap("0.0.0.0:53")))
	must(t)(e.a.Write(cfd, []byte("x")))
	fds := []simnet.PollFD{
		{FD: lfd, Events: simnet.PollIn},
		{FD: sfd, Events: simnet.PollIn},
		{FD: ufd, Events: simnet.PollIn},
	}
	n, err := e.b.Poll(fds, -1)
	if n != 1 || err != nil || fds[0].Revents != 0 || fds[1].Revents != simnet.PollIn || fds[2].Revents != 0 {
		t.Fatalf("Poll = %d, %v, %+v", n, err, fds)
	}
	fds[2].Events = simnet.PollIn | simnet.PollOut
	if n, _ := e.b.Poll(fds, 0); n != 2 || fds[2].Revents != simnet.PollOut {
		t.Fatalf("Poll = %d, %+v", n, fds)
	}
}

// A process killed while parked in Poll leaves no registration behind.
func TestPollKilledProcess(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	p := e.w.Go("poller", func(p *sim.Proc) { wait(e.b, lfd, simnet.PollIn) })
	e.runUntil(time.Second)
	if got := simnet.WaiterCount(e.b, lfd); got != 1 {
		t.Fatalf("%d registrations while parked, want 1", got)
	}
	p.Kill()
	e.run()
	if got := simnet.WaiterCount(e.b, lfd); got != 0 || !p.Done() {
		t.Fatalf("%d registrations after the kill (done %v)", got, p.Done())
	}
}

// A poll that returns at once takes Config.PollCost of virtual time, so a
// busy loop of polls lets time (and retransmissions) go on; a poll that
// blocks takes only its wait; a negative cost turns it off.
func TestPollCost(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, PollCost: 3 * time.Microsecond})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	fds := []simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}
	for i := 1; i <= 5; i++ {
		e.b.Poll(fds, 0)
		if want := time.Duration(i) * 3 * time.Microsecond; e.now() != want {
			t.Fatalf("after %d busy polls: %v, want %v", i, e.now(), want)
		}
	}
	start := e.now()
	must(t)(e.a.DialTCP(srvAddr))
	if n, _ := e.b.Poll(fds, time.Second); n != 1 || e.now() != start+3*L {
		t.Fatalf("blocking poll: %d ready at %v, want 1 at %v (the accept queue fills at 3L, no cost on top)", n, e.now(), start+3*L)
	}
	if n, _ := e.b.Poll(fds, time.Second); n != 1 || e.now() != start+3*L+3*time.Microsecond {
		t.Fatalf("poll with the listener already ready: %d at %v, want its cost", n, e.now())
	}
	off := newEnv(t, 1, simnet.Config{Latency: L, PollCost: -1})
	lfd = must(t)(off.b.ListenTCP(srvAddr))
	off.b.Poll([]simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}, 0)
	if off.now() != 0 {
		t.Fatalf("PollCost -1: time moved to %v", off.now())
	}
}
