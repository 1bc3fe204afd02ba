package bench

import (
	"testing"

	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/sim"
)

// steadyEcho is one world with long-lived echo connections, driven a round
// at a time from outside: every client queues a message, then both
// managers poll until every client has its echo back.
type steadyEcho struct {
	w        *sim.World
	srv, cli *reference.Manager
	conns    []*reference.Conn
	got      []int
	events   int64
}

func newSteadyEcho(tb testing.TB, clients int) *steadyEcho {
	s := &steadyEcho{got: make([]int, clients)}
	s.w, s.srv, s.cli = newEchoWorld(tb, 1, &s.events)
	for i := range clients {
		c, err := s.cli.Connect("tcp://10.0.0.1:7", s.client(i))
		if err != nil {
			tb.Fatal(err)
		}
		s.conns = append(s.conns, c)
	}
	for s.cli.Time() < 0.1 { // connect everyone
		s.poll()
	}
	return s
}

func (s *steadyEcho) client(i int) reference.Handler {
	return func(c *reference.Conn, ev reference.Event, _ reference.EventData) {
		s.events++
		if ev == reference.EvRecv {
			s.got[i] += c.RecvMbuf.Len()
			c.RecvMbuf.Remove(c.RecvMbuf.Len())
		}
	}
}

func (s *steadyEcho) poll() {
	s.srv.Poll(1)
	s.cli.Poll(1)
}

// round sends msg on every connection and polls until it is all back.
func (s *steadyEcho) round(tb testing.TB, msg []byte) {
	for i, c := range s.conns {
		s.got[i] = 0
		c.Send(msg)
	}
	for start := s.cli.Time(); !s.allGot(len(msg)); {
		if s.cli.Time()-start > 10 {
			tb.Fatal("the echo did not come back within 10 simulated seconds")
		}
		s.poll()
	}
}

func (s *steadyEcho) allGot(n int) bool {
	for _, g := range s.got {
		if g < n {
			return false
		}
	}
	return true
}

// BenchmarkEchoSteady is the echo in its steady state: one world with 100
// long-lived connections over the same network as BenchmarkEcho (100µs
// latency, 1460-byte segments); each op, every client sends 4 KiB and
// waits for it to come back. No world is built inside the loop, so it
// shows the per-event cost alone: handler events per second on however
// many cores -cpu gives (the simulation uses one), and allocations per op,
// which in the steady state are none.
func BenchmarkEchoSteady(b *testing.B) {
	s := newSteadyEcho(b, 100)
	defer s.w.Close()
	msg := make([]byte, 4<<10)
	for range 100 {
		s.round(b, msg) // warm up: buffers and free lists reach their size
	}
	b.SetBytes(int64(len(msg) * len(s.conns)))
	b.ReportAllocs()
	s.events = 0
	for b.Loop() {
		s.round(b, msg)
	}
	b.ReportMetric(float64(s.events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(s.events)/float64(b.N), "events/op")
}

// The end-to-end steady state (reference over simnet, world and
// connections reused) does not allocate.
func TestEchoSteadyDoesNotAllocate(t *testing.T) {
	s := newSteadyEcho(t, 10)
	defer s.w.Close()
	msg := make([]byte, 4<<10)
	// Warm up until buffers, free lists and the scheduler's storage have their
	// size: the scheduler frees cancelled entries (poll deadlines) lazily, in
	// batches of at least 1,024, so the first batch takes some 50 rounds.
	for range 100 {
		s.round(t, msg)
	}
	if a := testing.AllocsPerRun(20, func() { s.round(t, msg) }); a != 0 {
		t.Fatalf("%v allocations per echo round of 10 x 4 KiB, want 0", a)
	}
}
