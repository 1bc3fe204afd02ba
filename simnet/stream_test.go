package simnet_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// streamCase is a random network configuration and a two-way workload.
type streamCase struct {
	cfg      simnet.Config
	out      [2][]byte // what the client (0) and the server (1) send
	maxChunk int       // largest Write or Read
}

func (c streamCase) String() string {
	return fmt.Sprintf("latency %v jitter %v segments [%d,%d] buffers %d/%d bytes %d/%d chunk %d",
		c.cfg.Latency, c.cfg.Jitter, c.cfg.MinSegment, c.cfg.MaxSegment, c.cfg.SendBuffer, c.cfg.RecvBuffer,
		len(c.out[0]), len(c.out[1]), c.maxChunk)
}

// drawCase derives a case from a seed. Tiny segments and buffers come with
// little data, so that every case runs quickly.
func drawCase(seed sim.Seed) streamCase {
	r := sim.NewRand(seed).Fork("case")
	var c streamCase
	c.cfg.Latency = r.Duration(0, 20*ms)
	if r.Chance(0.7) {
		c.cfg.Jitter = r.Duration(0, 20*ms)
	}
	if r.Chance(0.1) { // everything at one instant
		c.cfg.Latency, c.cfg.Jitter = 0, 0
	}
	c.cfg.MaxSegment = logUniform(r, 1, 1460)
	c.cfg.MinSegment = r.Range(1, c.cfg.MaxSegment)
	c.cfg.SendBuffer, c.cfg.RecvBuffer = logUniform(r, 1, 70000), logUniform(r, 1, 70000)
	if r.Chance(0.5) {
		c.cfg.SendBuffer, c.cfg.RecvBuffer = r.Range(1000, 70000), r.Range(1000, 70000)
	}
	limit := min(150_000, 40*min(c.cfg.RecvBuffer, c.cfg.SendBuffer), 200*c.cfg.MaxSegment)
	for i := range c.out {
		c.out[i] = make([]byte, r.IntN(limit+1))
		for j := range c.out[i] {
			c.out[i][j] = byte(r.Uint64())
		}
	}
	if r.Chance(0.3) { // one-way traffic
		c.out[r.IntN(2)] = nil
	}
	c.maxChunk = logUniform(r, 1, 100_000)
	return c
}

func logUniform(r *sim.Rand, lo, hi int) int {
	v := int(math.Exp(r.Float64() * math.Log(float64(hi-lo+1))))
	return min(hi, lo-1+max(v, 1))
}

// streamResult is what a stream run produced.
type streamResult struct {
	got [2][]byte // what the client (0) and the server (1) received
	log string    // every network event
	end time.Duration
}

// runStream runs a case: both ends write their data in random chunks
// (short writes included) and read what comes. The client closes when it
// has sent and received everything; the server then reads EOF and closes.
func runStream(t testing.TB, seed sim.Seed, c streamCase) streamResult {
	e := newEnv(t, seed, c.cfg)
	var res streamResult
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	e.w.Go("client", func(p *sim.Proc) {
		fd := ok(e.a.DialTCP(srvAddr))
		wait(e.a, fd, simnet.PollOut)
		pump(e, e.a, fd, c.out[0], len(c.out[1]), &res.got[0], c.maxChunk, "client")
		if err := e.a.Close(fd); err != nil {
			panic(err)
		}
	})
	e.w.Go("server", func(p *sim.Proc) {
		wait(e.b, lfd, simnet.PollIn)
		fd, _ := ok2(e.b.Accept(lfd))
		pump(e, e.b, fd, c.out[1], len(c.out[0]), &res.got[1], c.maxChunk, "server")
		wait(e.b, fd, simnet.PollIn)
		if n, err := e.b.Read(fd, make([]byte, 1)); n != 0 || err == nil {
			panic(fmt.Sprintf("server: read %d, %v after all data, want EOF", n, err))
		}
		if err := e.b.Close(fd); err != nil {
			panic(err)
		}
	})
	e.run()
	res.log, res.end = e.log(), e.now()
	if k := simnet.ConnCount(e.a) + simnet.ConnCount(e.b); k != 0 {
		t.Fatalf("seed %v (%v): %d endpoints left after both closed", seed, c, k)
	}
	return res
}

// pump writes out and reads want bytes on fd, polling when it must wait.
func pump(e *env, h *simnet.Host, fd int, out []byte, want int, got *[]byte, maxChunk int, who string) {
	r := e.w.Rand("test " + who)
	buf := make([]byte, maxChunk)
	for len(out) > 0 || len(*got) < want {
		fds := []simnet.PollFD{{FD: fd, Events: interest(len(out) > 0, len(*got) < want)}}
		if _, err := h.Poll(fds, -1); err != nil {
			panic(err)
		}
		if fds[0].Revents&simnet.PollOut != 0 {
			n, err := h.Write(fd, out[:min(len(out), r.Range(1, maxChunk))])
			check(err, who+" write")
			out = out[n:]
		}
		if fds[0].Revents&simnet.PollIn != 0 {
			n, err := h.Read(fd, buf[:r.Range(1, maxChunk)])
			check(err, who+" read")
			*got = append(*got, buf[:n]...)
		}
	}
}

func interest(write, read bool) int16 {
	var ev int16
	if write {
		ev |= simnet.PollOut
	}
	if read {
		ev |= simnet.PollIn
	}
	return ev
}

func check(err error, what string) {
	if err != nil && !errors.Is(err, syscall.EAGAIN) {
		panic(fmt.Sprintf("%s: %v", what, err))
	}
}

func ok2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// Bytes out equal bytes in, in order, both ways, whatever the segment
// sizes, buffers, latency and jitter, and short writes lose nothing.
func TestStreamIntegrity(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 30
	}
	for seed := sim.Seed(1); seed <= sim.Seed(seeds); seed++ {
		c := drawCase(seed)
		res := runStream(t, seed, c)
		for i, who := range []string{"server", "client"} {
			if !bytes.Equal(res.got[1-i], c.out[i]) {
				t.Fatalf("seed %v (%v): %s received %d bytes, want %d, first difference at %d",
					seed, c, who, len(res.got[1-i]), len(c.out[i]), firstDiff(res.got[1-i], c.out[i]))
			}
		}
		if bytes.Contains([]byte(res.log), []byte(" rst ")) {
			t.Fatalf("seed %v (%v): a reset in an orderly run:\n%s", seed, c, res.log)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// The same seed gives a byte-identical event log, at any GOMAXPROCS;
// different seeds give different logs.
func TestDeterminism(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	c := streamCase{
		cfg: simnet.Config{Latency: 5 * ms, Jitter: 5 * ms, MinSegment: 100, MaxSegment: 1460, SendBuffer: 8000, RecvBuffer: 6000},
		out: [2][]byte{bytes.Repeat([]byte("abc"), 20000), bytes.Repeat([]byte("xyz"), 7000)}, maxChunk: 5000,
	}
	runtime.GOMAXPROCS(1)
	first := runStream(t, 42, c)
	runtime.GOMAXPROCS(8)
	second := runStream(t, 42, c)
	if first.log != second.log || first.end != second.end {
		t.Fatalf("same seed, different runs (ended at %v and %v)", first.end, second.end)
	}
	if len(first.log) < 10000 {
		t.Fatalf("the workload is too small to tell: %d bytes of log", len(first.log))
	}
	if other := runStream(t, 43, c); other.log == first.log {
		t.Fatal("seeds 42 and 43 gave the same log")
	}
}
