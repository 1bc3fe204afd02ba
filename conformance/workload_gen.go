package conformance

import (
	"time"

	"pgregory.net/rapid"

	"github.com/mgsim/mgsim/sim"
)

// WorkloadLimits bound what [WorkloadGen] draws. The zero value draws up to
// 6 clients that start in the first 100ms, each with up to 6 steps (sends
// of 1-32 bytes of "ab\n", pauses of 1-50ms), up to 8 faults, and a network
// drawn from LAN-like to choppy. Zero or negative fields take their
// defaults.
type WorkloadLimits struct {
	MaxClients int           // zero: 6
	MaxSteps   int           // steps per client; zero: 6
	MaxChunk   int           // bytes per send; zero: 32
	MaxFaults  int           // zero: 8
	MaxStart   time.Duration // latest client start; zero: 100ms
	MaxPause   time.Duration // longest pause and stall; zero: 50ms
	// Alphabet is what sends are made of, the simplest byte first (the
	// shrinker moves towards it). Zero: "ab\n".
	Alphabet string
	// Suffix ends every send, after the drawn bytes: with "\n" every write
	// of a line protocol's client is whole lines, so that a line arrives in
	// pieces only when the network cuts it. Zero: none.
	Suffix string
	// Net, if set, is the network of every workload; nil: drawn (latency
	// 0-20ms, jitter 0-5ms, segments fixed at 1460, or 100-1460, or 1-100
	// bytes and mostly a few, buffers from 1 KiB to the 64 KiB default).
	Net *WorkloadNet

	_ struct{}
}

func (l WorkloadLimits) withDefaults() WorkloadLimits {
	l.MaxClients = positiveOr(l.MaxClients, 6)
	l.MaxSteps = positiveOr(l.MaxSteps, 6)
	l.MaxChunk = positiveOr(l.MaxChunk, 32)
	l.MaxFaults = positiveOr(l.MaxFaults, 8)
	l.MaxStart = max(time.Duration(positiveOr(int(l.MaxStart), int(100*time.Millisecond))), time.Millisecond)
	l.MaxPause = max(time.Duration(positiveOr(int(l.MaxPause), int(50*time.Millisecond))), time.Millisecond)
	if l.Alphabet == "" {
		l.Alphabet = "ab\n"
	}
	return l
}

func positiveOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// WorkloadGen returns a rapid generator of valid workloads within l. Every
// choice is a labelled draw, so rapid's shrinker works on them: fewer
// clients, steps and faults, shorter sends made of the alphabet's first
// byte, earlier times, seed 0, and the default network.
func WorkloadGen(l WorkloadLimits) *rapid.Generator[Workload] {
	l = l.withDefaults()
	return rapid.Custom(func(t *rapid.T) Workload { return drawWorkload(t, l) })
}

func drawWorkload(t *rapid.T, l WorkloadLimits) Workload {
	w := Workload{Seed: sim.Seed(rapid.IntRange(0, 999).Draw(t, "seed"))}
	if l.Net != nil {
		w.Net = *l.Net
	} else {
		w.Net = drawNet(t)
	}
	w.Clients = rapid.SliceOfN(clientGen(l), 1, l.MaxClients).Draw(t, "clients")
	w.Faults = rapid.SliceOfN(faultGen(l, len(w.Clients)), 0, l.MaxFaults).Draw(t, "faults")
	return w
}

// drawNet draws a network. Each value shrinks towards simnet's default,
// except the segment sizes of the choppy class, which shrink towards one
// byte.
func drawNet(t *rapid.T) WorkloadNet {
	n := WorkloadNet{
		Latency: time.Duration(rapid.IntRange(0, 20).Draw(t, "latency_ms")) * time.Millisecond,
		Jitter:  time.Duration(rapid.IntRange(0, 50).Draw(t, "jitter_100us")) * 100 * time.Microsecond,
	}
	switch rapid.IntRange(0, 2).Draw(t, "segmentation") {
	case 1: // 100-1460 bytes
		n.MaxSegment = 1460 - rapid.IntRange(0, 1360).Draw(t, "max_segment_cut")
		n.MinSegment = n.MaxSegment - rapid.IntRange(0, n.MaxSegment-100).Draw(t, "min_segment_cut")
	case 2: // 1-100 bytes, mostly tiny: this class is for cutting messages up
		n.MaxSegment = 1 + rapid.IntRange(0, 99).Draw(t, "max_segment_over_1")
		n.MinSegment = 1 + rapid.IntRange(0, n.MaxSegment-1).Draw(t, "min_segment_over_1")
	}
	buffers := rapid.SampledFrom([]int{0, 16 << 10, 4 << 10, 1 << 10})
	n.SendBuffer = buffers.Draw(t, "sndbuf")
	n.RecvBuffer = buffers.Draw(t, "rcvbuf")
	return n
}

func clientGen(l WorkloadLimits) *rapid.Generator[WorkloadClient] {
	return rapid.Custom(func(t *rapid.T) WorkloadClient {
		return WorkloadClient{
			Start: durationMs(t, 0, l.MaxStart, "start_ms"),
			Steps: rapid.SliceOfN(stepGen(l), 0, l.MaxSteps).Draw(t, "steps"),
		}
	})
}

// stepGen draws sends three times as often as pauses.
func stepGen(l WorkloadLimits) *rapid.Generator[Step] {
	minLen := 1
	if l.Suffix != "" {
		minLen = 0
	}
	data := rapid.SliceOfN(rapid.SampledFrom([]byte(l.Alphabet)), minLen, l.MaxChunk)
	return rapid.Custom(func(t *rapid.T) Step {
		if rapid.IntRange(0, 3).Draw(t, "kind") == 3 {
			return Step{Pause: durationMs(t, 1, l.MaxPause, "pause_ms")}
		}
		return Step{Data: append(data.Draw(t, "data"), l.Suffix...)}
	})
}

// faultGen draws faults on clients 1..clients, within the time the
// clients are active.
func faultGen(l WorkloadLimits, clients int) *rapid.Generator[Fault] {
	horizon := l.MaxStart + time.Duration(l.MaxSteps)*l.MaxPause
	return rapid.Custom(func(t *rapid.T) Fault {
		f := Fault{
			At:     durationMs(t, 0, horizon, "at_ms"),
			Kind:   FaultKind(rapid.IntRange(0, len(faultNames)-1).Draw(t, "kind")),
			Client: rapid.IntRange(1, clients).Draw(t, "client"),
		}
		if f.Kind == FaultStall {
			f.For = durationMs(t, 1, l.MaxPause*4, "for_ms")
		}
		return f
	})
}

// durationMs draws whole milliseconds in [lo, hi] (lo and hi in ms units).
func durationMs(t *rapid.T, lo int, hi time.Duration, label string) time.Duration {
	return time.Duration(rapid.IntRange(lo, max(int(hi/time.Millisecond), lo)).Draw(t, label)) * time.Millisecond
}
