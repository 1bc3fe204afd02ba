package mutants

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// Options configure [Hunt]. The zero value hunts with every scenario, on
// every network profile, with seeds 1..3.
type Options struct {
	// Seeds is how many seeds (1..Seeds) each scenario runs with on each
	// profile. Zero: 3.
	Seeds int
	// Scenarios are the scenarios to run. Nil: the whole suite.
	Scenarios []conformance.Scenario
	// Nets are the network profiles to run on. Nil: every profile (each
	// scenario keeps only those it allows).
	Nets []string
	// Jobs is how many mutants are hunted at once. Zero: GOMAXPROCS. The
	// results are the same for any value.
	Jobs int
	// Replay is the command prefix printed to reproduce a run. Zero:
	// "go run ./cmd/mgsim run".
	Replay string
	// MaxSteps bounds the scheduler steps of each run. Zero:
	// [DefaultMaxSteps].
	MaxSteps uint64
	// SkipControl leaves out the control run of the reference
	// (Score.Control is then nil).
	SkipControl bool

	_ struct{}
}

func (o Options) withDefaults() Options {
	if o.Seeds == 0 {
		o.Seeds = 3
	}
	if o.Scenarios == nil {
		o.Scenarios = conformance.Scenarios()
	}
	if o.Nets == nil {
		o.Nets = conformance.NetProfileNames()
	}
	if o.Jobs <= 0 {
		o.Jobs = runtime.GOMAXPROCS(0)
	}
	if o.MaxSteps == 0 {
		o.MaxSteps = DefaultMaxSteps
	}
	return o
}

// DefaultMaxSteps is the step budget of a run in a hunt: about a hundred
// times what the reference's longest run needs (under 50,000 steps), so
// that a mutant that livelocks (polls that return at once, for ever, with
// the virtual clock standing still) fails in seconds, where the suite's
// own budget of 50 million steps would take minutes.
const DefaultMaxSteps = 5_000_000

// run is one scenario run of a hunt: suite order is scenario, then
// profile, then seed.
type run struct {
	s    conformance.Scenario
	net  string
	seed sim.Seed
}

// plan lists the runs of a hunt, in suite order. It rejects options that
// would hunt with nothing or with a profile that does not exist: such a
// hunt would let every mutant "survive" and prove nothing.
func (o Options) plan() ([]run, error) {
	if o.Seeds < 0 {
		return nil, fmt.Errorf("mutants: Seeds must not be negative, got %d", o.Seeds)
	}
	profiles := make([]simnet.Profile, len(o.Nets))
	for i, net := range o.Nets {
		p, ok := conformance.LookupNetProfile(net)
		if !ok {
			return nil, fmt.Errorf("mutants: unknown network profile %q (have %s)", net, strings.Join(conformance.NetProfileNames(), ", "))
		}
		profiles[i] = p
	}
	var runs []run
	for _, s := range o.Scenarios {
		for i, p := range profiles {
			if !s.RunsOn(p) {
				continue
			}
			for _, seed := range conformance.SeedRange(1, o.Seeds) {
				runs = append(runs, run{s, o.Nets[i], seed})
			}
		}
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("mutants: no scenario runs on the network profiles %s", strings.Join(o.Nets, ", "))
	}
	return runs, nil
}

// Verdict is what the suite made of one mutant.
type Verdict struct {
	Mutant Mutant
	// Runs is the position of the first failing run in suite order (1 for
	// the first run), or the number of runs when the mutant survived.
	Runs int
	// First is the first failing run in suite order, checked under the
	// mutant's Level; nil when the mutant survived.
	First *conformance.Result
}

// Caught reports whether some run failed.
func (v Verdict) Caught() bool { return v.First != nil }

// CaughtBy names what flagged the first failing run: the rule ids it
// broke, in catalogue order, then in brackets the kinds of the scenario's
// own failures (expectation, liveness, crash, harness); "-" when the
// mutant survived.
func (v Verdict) CaughtBy() string {
	if v.First == nil {
		return "-"
	}
	parts := brokenRules(v.First)
	if kinds := failureKinds(v.First.Failures); kinds != "" {
		parts = append(parts, "["+kinds+"]")
	}
	return strings.Join(parts, " ")
}

// FirstFailure names the first failing run: scenario id and name, network
// profile and seed; "-" when the mutant survived.
func (v Verdict) FirstFailure() string {
	if r := v.First; r != nil {
		return fmt.Sprintf("%s %s (%s, seed %d)", r.Scenario.ID, r.Scenario.Name, r.Net, r.Seed)
	}
	return "-"
}

func brokenRules(r *conformance.Result) []string {
	var out []string
	if r.Check == nil {
		return out
	}
	for _, rr := range r.Check.Rules {
		if rr.Violations > 0 {
			out = append(out, rr.Rule)
		}
	}
	return out
}

var failureKindOrder = []string{"expectation", "liveness", "crash", "harness"}

// failureKinds classifies a run's own failures by the prefixes the
// conformance runner gives them.
func failureKinds(failures []string) string {
	seen := map[string]bool{}
	for _, f := range failures {
		seen[failureKind(f)] = true
	}
	var out []string
	for _, k := range failureKindOrder {
		if seen[k] {
			out = append(out, k)
		}
	}
	return strings.Join(out, ",")
}

func failureKind(f string) string {
	switch {
	case strings.HasPrefix(f, "liveness:"), strings.HasPrefix(f, "open:"):
		return "liveness"
	case strings.HasPrefix(f, "crash:"), strings.HasPrefix(f, "a handler did not return"), strings.HasPrefix(f, "scenario setup panicked"):
		return "crash"
	case strings.HasPrefix(f, "harness:"):
		return "harness"
	}
	return "expectation"
}

// Score is the outcome of a hunt: a verdict per mutant, and the control
// run of the reference on the same runs.
type Score struct {
	Verdicts []Verdict
	// Control is the reference on every run, checked under the
	// mongoose-6.18 profile (which holds every core rule too); nil with
	// Options.SkipControl. A suite that failed the reference would "catch"
	// every mutant and prove nothing.
	Control *conformance.SuiteResult
}

// Caught counts the caught mutants.
func (s *Score) Caught() int {
	n := 0
	for _, v := range s.Verdicts {
		if v.Caught() {
			n++
		}
	}
	return n
}

// OK reports whether the reference passed (if it ran) and every mutant
// was caught.
func (s *Score) OK() bool {
	return (s.Control == nil || s.Control.OK()) && s.Caught() == len(s.Verdicts)
}

// Hunt runs the suite on each mutant, under its Level, in suite order
// until a run fails, and (unless o.SkipControl) runs the reference on all
// of the runs as a control. It is deterministic: the same options and
// build give the same Score, whatever o.Jobs is. It returns an error,
// and runs nothing, when the options name an unknown network profile or
// select no run at all.
func Hunt(ms []Mutant, o Options) (*Score, error) {
	o = o.withDefaults()
	runs, err := o.plan()
	if err != nil {
		return nil, err
	}
	sc := &Score{}
	if !o.SkipControl {
		sc.Control = conformance.RunSuite(adapter.New(), conformance.SuiteOptions{
			Scenarios: o.Scenarios, Seeds: conformance.SeedRange(1, o.Seeds), Nets: o.Nets,
			Rules: conformance.ProfileM618, Jobs: o.Jobs, MaxSteps: o.MaxSteps, Replay: o.Replay})
	}
	sc.Verdicts = newHunt(ms, o, runs).run(o.Jobs)
	return sc, nil
}

// hunt is the shared state of one Hunt: every (mutant, run) pair is a job,
// taken in order by the workers, and a job is skipped once its mutant has
// failed an earlier run. Runs before a mutant's first failure all run, so
// the first failure found is the first in suite order.
type hunt struct {
	ms   []Mutant
	runs []run
	opts Options

	mu    sync.Mutex
	first []int // per mutant: index of the first failing run found so far, or len(runs)
	fails []*conformance.Result
}

func newHunt(ms []Mutant, o Options, runs []run) *hunt {
	h := &hunt{ms: ms, runs: runs, opts: o, first: make([]int, len(ms)), fails: make([]*conformance.Result, len(ms))}
	for i := range h.first {
		h.first[i] = len(h.runs)
	}
	return h
}

func (h *hunt) run(jobs int) []Verdict {
	each(len(h.ms)*len(h.runs), jobs, func(j int) { h.job(j/len(h.runs), j%len(h.runs)) })
	out := make([]Verdict, len(h.ms))
	for i, m := range h.ms {
		out[i] = Verdict{Mutant: m, Runs: min(h.first[i]+1, len(h.runs)), First: h.fails[i]}
	}
	return out
}

// job runs mutant i on run k, unless it already failed an earlier run.
func (h *hunt) job(i, k int) {
	if h.failedBefore(i, k) {
		return
	}
	r, m := h.runs[k], h.ms[i]
	res := conformance.RunScenario(m.Impl, r.s, r.seed, conformance.RunOptions{Rules: m.Level, Net: r.net, MaxSteps: h.opts.MaxSteps, Replay: h.opts.Replay})
	if res.OK() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if k < h.first[i] {
		h.first[i], h.fails[i] = k, res
	}
}

func (h *hunt) failedBefore(i, k int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.first[i] < k
}

// each calls fn(0..n-1) on jobs goroutines, in order of i, and returns
// when all are done.
func each(n, jobs int, fn func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// WriteText writes the score table: one line per mutant (name, what caught
// it, the first failing scenario), the score, and the control's result. It
// is byte-identical for the same options and build.
func (s *Score) WriteText(w io.Writer) error {
	var b strings.Builder
	nameW, byW := len("mutant"), len("caught by")
	for _, v := range s.Verdicts {
		nameW, byW = max(nameW, len(v.Mutant.Name)), max(byW, len(v.CaughtBy()))
	}
	fmt.Fprintf(&b, "%-*s | %-*s | %s\n", nameW, "mutant", byW, "caught by", "first failing scenario")
	for _, v := range s.Verdicts {
		by := v.CaughtBy()
		if !v.Caught() {
			by = "SURVIVED"
		}
		fmt.Fprintf(&b, "%-*s | %-*s | %s\n", nameW, v.Mutant.Name, byW, by, v.FirstFailure())
	}
	fmt.Fprintf(&b, "score: %d/%d mutants caught\n", s.Caught(), len(s.Verdicts))
	if c := s.Control; c != nil {
		fmt.Fprintf(&b, "control: reference passed %d/%d runs (rules %s)\n", c.Runs-c.Failed, c.Runs, c.Rules)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
