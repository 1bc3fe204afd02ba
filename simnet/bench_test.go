package simnet_test

import (
	"errors"
	"syscall"
	"testing"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// BenchmarkStream pushes 64 KiB chunks through one connection (default
// config, 1ms latency) from a writer process to a reader process; MB/s is
// simulation throughput in wall-clock time.
func BenchmarkStream(b *testing.B) {
	const chunk = 64 << 10
	e := newQuietEnv(b, 1, simnet.Config{Latency: ms})
	_, cfd, sfd := e.connect()
	total := b.N * chunk
	e.w.Go("writer", func(p *sim.Proc) {
		data := make([]byte, chunk)
		for i := 0; i < b.N; i++ {
			writeFull(e.a, cfd, data)
		}
	})
	var got int
	e.w.Go("reader", func(p *sim.Proc) {
		buf := make([]byte, chunk)
		for got < total {
			n, err := e.b.Read(sfd, buf)
			if errors.Is(err, syscall.EAGAIN) {
				wait(e.b, sfd, simnet.PollIn)
				continue
			}
			got += ok(n, err)
		}
	})
	b.SetBytes(chunk)
	b.ReportAllocs()
	b.ResetTimer()
	e.run()
	b.StopTimer()
	if got != total {
		b.Fatalf("read %d bytes, want %d", got, total)
	}
}

// writeFull writes all of p, polling while the send buffer is full.
func writeFull(h *simnet.Host, fd int, p []byte) {
	for len(p) > 0 {
		n, err := h.Write(fd, p)
		if errors.Is(err, syscall.EAGAIN) {
			wait(h, fd, simnet.PollOut)
			continue
		}
		p = p[ok(n, err):]
	}
}

// In the steady state a stream does not allocate: packets, scheduler
// entries and buffers are all reused.
func TestStreamSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop arrays at random")
	}
	e := newQuietEnv(t, 1, simnet.Config{Latency: ms, Jitter: ms, MinSegment: 500})
	_, cfd, sfd := e.connect()
	e.w.Go("reader", func(p *sim.Proc) {
		buf := make([]byte, 4096)
		for {
			if _, err := e.b.Read(sfd, buf); errors.Is(err, syscall.EAGAIN) {
				wait(e.b, sfd, simnet.PollIn)
			}
		}
	})
	data := make([]byte, 200<<10)
	send := func() {
		writeFull(e.a, cfd, data)
		e.run()
	}
	send() // warm up: buffers, free lists
	if allocs := testing.AllocsPerRun(20, send); allocs > 0 {
		t.Fatalf("%v allocations per 200 KiB sent", allocs)
	}
}
