package bench

import (
	"bytes"
	"flag"
	"io"
	"os"
	"testing"
	"time"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
)

// echoServer is a conformance handler that sends back what it receives.
func echoServer() conformance.Handler {
	return func(c conformance.Conn, ev conformance.Ev, d conformance.Data) {
		if ev == conformance.EvRecv {
			buf := c.RecvBuf()
			c.Send(buf)
			c.Remove(len(buf))
		}
	}
}

// echoRunTrace runs an echo workload (clients each sending size bytes in
// 4 KiB steps) on the reference over a segmenting network with latency and
// returns its JSONL trace: the trace of a real run, not a synthetic one.
func echoRunTrace(b testing.TB, clients, size int) []byte {
	var trace bytes.Buffer
	runEchoWorkload(b, clients, size, &trace)
	return trace.Bytes()
}

// runEchoWorkload runs that echo workload through the conformance kit: the
// tracer and the checker follow the run live, and the trace goes to trace
// if it is not nil.
func runEchoWorkload(b testing.TB, clients, size int, trace io.Writer) {
	w := conformance.Workload{Seed: 1, Net: conformance.WorkloadNet{Latency: 100 * time.Microsecond, Jitter: 50 * time.Microsecond, MinSegment: 500, MaxSegment: 1460}}
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 256)
	for i := 0; i < clients; i++ {
		var steps []conformance.Step
		for n := 0; n < size; n += len(chunk) {
			steps = append(steps, conformance.Step{Data: chunk})
		}
		w.Clients = append(w.Clients, conformance.WorkloadClient{Start: time.Duration(i) * time.Millisecond, Steps: steps})
	}
	out := conformance.RunWorkload(conformance.Target{Impl: adapter.New(), Server: echoServer, Rules: conformance.ProfileM618, Trace: trace}, w)
	if !out.Result.OK() {
		b.Fatalf("the echo run failed: %v", out.Result.Failures)
	}
}

// BenchmarkCheckInRun runs the echo workload of BenchmarkCheckRun through
// the conformance kit, the checker following the run as it goes (no trace
// is written). The checker's speed inside a live run is its share of a CPU
// profile: with -cpuprofile, the cumulative time of
// conformance.(*Checker).check plus conformance.(*ring).push (a run's
// checker queues events and checks them in batches) per iteration, against
// the about 200,000 events of one run (BENCHMARKS.md).
func BenchmarkCheckInRun(b *testing.B) {
	for b.Loop() {
		runEchoWorkload(b, 100, 64<<10, nil)
	}
}

// readEvents parses a whole trace into memory.
func readEvents(b testing.TB, trace []byte) []conformance.Event {
	var events []conformance.Event
	rd := conformance.NewReader(bytes.NewReader(trace))
	for {
		var e conformance.Event
		err := rd.Next(&e)
		if err == io.EOF {
			return events
		}
		if err != nil {
			b.Fatal(err)
		}
		events = append(events, e)
	}
}

var flagEchoTrace = flag.String("mgsim.echotrace", "", "TestWriteEchoTrace writes the echo run's JSONL trace to this file")

// TestWriteEchoTrace writes the trace BenchmarkCheckRun checks to the file
// named by -mgsim.echotrace, so that other tools can be timed on the same
// input (scripts/bench-check.sh compares `mgsim check` with `jq -c .`).
// Without the flag it is skipped.
func TestWriteEchoTrace(t *testing.T) {
	if *flagEchoTrace == "" {
		t.Skip("no -mgsim.echotrace file given")
	}
	trace := echoRunTrace(t, 100, 64<<10)
	if err := os.WriteFile(*flagEchoTrace, trace, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkCheckRun measures the checker on the trace of a real run (an
// echo of 100 clients x 64 KiB on the reference over a segmenting network
// with latency), under the mongoose-6.18 profile, two ways: "live", the
// events already in memory and handed to Checker.Add one by one, as a live
// run feeds it; "file", the JSONL text read, parsed and checked, as
// `mgsim check` does. It reports events (or lines) per second.
func BenchmarkCheckRun(b *testing.B) {
	trace := echoRunTrace(b, 100, 64<<10)
	events := readEvents(b, trace)
	b.Run("live", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c := conformance.NewChecker(conformance.CheckOptions{Profile: conformance.ProfileM618})
			for j := range events {
				c.Add(&events[j])
			}
			if r := c.Finish(); !r.OK() {
				b.Fatal("the checker found a violation in the reference's trace")
			}
		}
		b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("file", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(trace)))
		for b.Loop() {
			r, err := conformance.CheckReader(bytes.NewReader(trace), conformance.CheckOptions{Profile: conformance.ProfileM618})
			if err != nil || !r.OK() {
				b.Fatal("the checker found a violation in the reference's trace", err)
			}
		}
		b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	})
}
