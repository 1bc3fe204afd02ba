package conformance

import (
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

var flagWorkload = flag.String("mgsim.workload", "", "Explore: run only this workload file (as printed by a failure)")

// Finding is a failing workload and its reduction to a minimal
// reproduction.
type Finding struct {
	First   *Outcome // the first failing run found
	Tries   int      // workloads run to find it, it included
	Reduced *Outcome // the smallest run that fails the same way
	Runs    int      // runs the final reduction took
	Replay  string   // the command that replays Reduced; empty when there is none
}

// String is the finding's report, stable for the same finding: the kind
// of failure, the sizes of the first and the reduced workload, the reduced
// workload's text and failure, and the replay command.
func (f *Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mgsim: a workload fails (%s); found after %s\n", f.Reduced.FailureKind(), plural(int64(f.Tries), "run"))
	fmt.Fprintf(&b, "first failing workload: %v\n", f.First.Workload.Size())
	fmt.Fprintf(&b, "reduced in %s to %v:\n", plural(int64(f.Runs), "run"), f.Reduced.Workload.Size())
	b.WriteString(indent(f.Reduced.Workload.String(), "  "))
	b.WriteString("its failure:\n")
	b.WriteString(indent(f.Reduced.Summary(), "  "))
	if f.Replay != "" {
		fmt.Fprintf(&b, "replay: %s\n", f.Replay)
	}
	return b.String()
}

// SearchOptions configure [Search]. The zero value tries 100 workloads
// drawn with [WorkloadGen]'s default limits from example seed 0.
type SearchOptions struct {
	Limits WorkloadLimits
	// Seed is the first example seed: Search runs
	// WorkloadGen(Limits).Example(Seed), then Seed+1, and so on.
	Seed int
	// Tries is how many workloads to run at most. Zero: 100.
	Tries  int
	Reduce ReduceOptions

	_ struct{}
}

// Search is the deterministic way to find and reduce a failure, without
// rapid's engine or a *testing.T: it runs workloads drawn from fixed
// example seeds until one fails, and reduces that one with [Reduce]. The
// same options give the same finding, byte for byte. It returns nil when
// every workload passed.
func Search(tg Target, o SearchOptions) *Finding {
	gen := WorkloadGen(o.Limits)
	for i := 0; i < positiveOr(o.Tries, 100); i++ {
		out := RunWorkload(tg, gen.Example(o.Seed+i))
		if out.OK() {
			continue
		}
		red, runs := Reduce(tg, out.Workload, reduceOptions(o.Reduce, o.Limits))
		return &Finding{First: out, Tries: i + 1, Reduced: red, Runs: runs}
	}
	return nil
}

// ExploreOptions configure [Explore] and [FindFailure]. The zero value
// draws workloads within [WorkloadGen]'s default limits, lets rapid shrink
// for at most 300 runs and the reduction take 500 more, and keeps
// reductions in testdata/mgsim.
type ExploreOptions struct {
	Limits WorkloadLimits
	// ShrinkRuns bounds the runs rapid's shrinker makes after the first
	// failure (beyond it, every run passes without running, so rapid stops
	// shrinking). Zero: 300.
	ShrinkRuns int
	// Reduce bounds the reduction that finishes the job.
	Reduce ReduceOptions
	// Dir holds reductions of past failures as workload files named after
	// the test: Explore replays each of them first (once committed, they
	// are regression tests), and writes a new failure's reduction there.
	// Zero: "testdata/mgsim"; "-": none are read or written.
	Dir string

	_ struct{}
}

func (o ExploreOptions) dir() string {
	if o.Dir == "" {
		return filepath.Join("testdata", "mgsim")
	}
	return o.Dir
}

// Explore tests a server handler with random workloads, from a user's go
// test: rapid draws workloads ([WorkloadGen]) and runs each through the
// conformance harness ([RunWorkload]); the checker's rules and the
// target's property judge them. On a failure, rapid's shrinker reduces the
// choices it drew, [Reduce] finishes the job, and the test fails with the
// reduced workload's text, its failure and a one-line replay command; the
// reduction is written to ExploreOptions.Dir.
//
// The number of workloads is rapid's (-rapid.checks, 100 by default; a
// fifth with -short) and the exploration follows rapid's seed (printed by
// rapid on a failure; -rapid.seed fixes it). With -mgsim.workload=FILE,
// Explore runs that one workload instead.
//
//	func TestMyServer(t *testing.T) {
//		conformance.Explore(t, conformance.Target{Impl: myImpl, Server: newHandler, Property: echoes}, conformance.ExploreOptions{})
//	}
func Explore(t *testing.T, tg Target, o ExploreOptions) {
	t.Helper()
	if *flagWorkload != "" {
		replayWorkloadFile(t, tg, *flagWorkload)
		return
	}
	for _, path := range savedWorkloads(o, t.Name()) {
		replayWorkloadFile(t, tg, path)
	}
	f := FindFailure(t, tg, o)
	if f == nil {
		return
	}
	f.Replay = saveWorkload(t, o, f.Reduced)
	t.Fatalf("%s", f)
}

// FindFailure is Explore's search without its verdict: it explores with
// rapid on tb (rapid's messages go to tb's log, never fail it) and returns
// the reduced finding, or nil when no workload failed. It writes nothing
// of its own (rapid may write its fail file; -rapid.nofailfile stops it).
func FindFailure(tb rapid.TB, tg Target, o ExploreOptions) *Finding {
	tb.Helper()
	gen := WorkloadGen(o.Limits)
	f := &finder{tg: tg, budget: positiveOr(o.ShrinkRuns, 300), failing: map[string]bool{}}
	rapid.Check(&quietTB{TB: tb}, func(rt *rapid.T) {
		if kind := f.judge(gen.Draw(rt, "workload")); kind != "" {
			rt.Fatalf("%s", kind)
		}
	})
	if f.first == nil {
		return nil
	}
	red, runs := Reduce(tg, f.last.Workload, reduceOptions(o.Reduce, o.Limits))
	return &Finding{First: f.first, Tries: f.tries, Reduced: red, Runs: runs}
}

// finder is the property rapid checks: it runs workloads, remembers the
// first failure and the last (rapid's smallest so far), and counts.
type finder struct {
	tg          Target
	first, last *Outcome
	tries       int             // runs up to the first failure
	budget      int             // shrinking runs left
	failing     map[string]bool // the text of every failing workload
}

// judge runs w and returns the kind of its failure, or "" when it passes
// or fails differently from the first failure (a different bug must not be
// shrunk to). Past the budget it runs nothing: only the workloads that
// failed before fail again, so rapid's shrinker stops and its replays
// still fail.
func (f *finder) judge(w Workload) string {
	text := w.String()
	if f.first != nil && f.budget == 0 {
		if f.failing[text] {
			return f.first.FailureKind()
		}
		return ""
	}
	if f.first == nil {
		f.tries++
	} else {
		f.budget--
	}
	out := RunWorkload(f.tg, w)
	if out.OK() || f.first != nil && out.FailureKind() != f.first.FailureKind() {
		return ""
	}
	if f.first == nil {
		f.first = out
	}
	f.last = out
	f.failing[text] = true
	return out.FailureKind()
}

// reduceOptions fills the reduction's suffix from the limits'.
func reduceOptions(o ReduceOptions, l WorkloadLimits) ReduceOptions {
	if o.Suffix == "" {
		o.Suffix = l.Suffix
	}
	return o
}

// quietTB hands rapid's logs to the test but keeps its verdict: the caller
// decides what a finding means.
type quietTB struct {
	rapid.TB
	failed bool
}

func (q *quietTB) Errorf(format string, args ...any) { q.failed = true; q.TB.Logf(format, args...) }
func (q *quietTB) Error(args ...any)                 { q.failed = true; q.TB.Log(args...) }
func (q *quietTB) Fatalf(format string, args ...any) { q.failed = true; q.TB.Logf(format, args...) }
func (q *quietTB) Fatal(args ...any)                 { q.failed = true; q.TB.Log(args...) }
func (q *quietTB) FailNow()                          { q.failed = true }
func (q *quietTB) Fail()                             { q.failed = true }
func (q *quietTB) Failed() bool                      { return q.failed }

// replayWorkloadFile runs one saved workload and fails t if it fails.
func replayWorkloadFile(t *testing.T, tg Target, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("mgsim: %v", err)
	}
	w, err := ParseWorkload(string(data))
	if err != nil {
		t.Fatalf("mgsim: %s: %v", path, err)
	}
	if out := RunWorkload(tg, w); !out.OK() {
		t.Fatalf("mgsim: the workload in %s fails (%s):\n%s%s\nreplay: %s", path, out.FailureKind(), indent(w.String(), "  "), indent(out.Summary(), "  "), replayCommand(t.Name(), path))
	}
}

// savedWorkloads lists the workload files kept for the test, in name order.
func savedWorkloads(o ExploreOptions, test string) []string {
	if o.dir() == "-" {
		return nil
	}
	paths, _ := filepath.Glob(filepath.Join(o.dir(), safeName(test)+"-????????.workload")) // the digest; not a sibling test "name-2"
	return paths
}

// saveWorkload writes a reduction to the test's workload file (named after
// the test and a digest of the text) and returns the replay command, or
// "" when nothing can be written.
func saveWorkload(t *testing.T, o ExploreOptions, out *Outcome) string {
	if o.dir() == "-" {
		return ""
	}
	text := out.Workload.String()
	h := fnv.New32a()
	h.Write([]byte(text))
	path := filepath.Join(o.dir(), fmt.Sprintf("%s-%08x.workload", safeName(t.Name()), h.Sum32()))
	head := fmt.Sprintf("# mgsim workload: the reduced failure (%s) of %s\n", out.FailureKind(), t.Name())
	if err := os.MkdirAll(o.dir(), 0o755); err != nil {
		t.Logf("mgsim: cannot keep the workload: %v", err)
		return ""
	}
	if err := os.WriteFile(path, []byte(head+text), 0o644); err != nil {
		t.Logf("mgsim: cannot keep the workload: %v", err)
		return ""
	}
	return replayCommand(t.Name(), path)
}

// replayCommand is the go test command that runs test on one workload.
func replayCommand(test, path string) string {
	parts := strings.Split(test, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return fmt.Sprintf("go test -run '%s' -mgsim.workload=%s", strings.Join(parts, "/"), path)
}

// safeName turns a test name into a file name.
func safeName(test string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, test)
}
