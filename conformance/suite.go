package conformance

import (
	"runtime"
	"sync"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// SuiteOptions configure a run of many scenarios over seeds and network
// profiles. The zero value runs every scenario on seeds 1..10 on every
// network profile it allows, checking the core rules, on all cores.
type SuiteOptions struct {
	Scenarios []Scenario // nil: the whole catalogue
	Seeds     []sim.Seed // nil: 1..10
	Nets      []string   // nil: every profile (each scenario keeps only those it allows)
	// Profile, if set, is the one network to run on (Nets is ignored), for
	// example a custom profile read from ProfileFile.
	Profile     *simnet.Profile
	ProfileFile string
	Rules       Profile
	// Jobs is how many runs go at once. Zero: GOMAXPROCS. The results, and
	// everything derived from them, are the same for any value.
	Jobs int
	// MaxSteps, WallLimit, MaxCalls and MaxQueued bound each run, as in
	// [RunOptions]. Zero: the defaults there.
	MaxSteps  uint64
	WallLimit time.Duration
	MaxCalls  int64
	MaxQueued int64
	Replay    string
	// Digest asks every run for the digest of its trace (Result.Digest).
	Digest bool
	// OnResult, if set, is called with every run's result in suite order
	// (scenario, then profile, then seed), whatever Jobs is.
	OnResult func(*Result)

	_ struct{}
}

// ScenarioResult aggregates the runs of one scenario.
type ScenarioResult struct {
	Scenario Scenario
	Runs     int
	Failed   int
	Events   int64
	// First is the first failing run in suite order, nil if none failed.
	First *Result
}

// OK reports whether every run of the scenario passed.
func (s *ScenarioResult) OK() bool { return s.Failed == 0 }

// SuiteResult is the outcome of a suite run. It holds no wall-clock data:
// it is the same for the same options and build.
type SuiteResult struct {
	Impl      string
	Rules     Profile
	Seeds     []sim.Seed
	Nets      []string
	Scenarios []*ScenarioResult
	Runs      int
	Failed    int
}

// OK reports whether every run passed.
func (s *SuiteResult) OK() bool { return s.Failed == 0 }

type job struct {
	scenario int
	s        Scenario
	net      string
	seed     sim.Seed
}

// RunSuite runs the scenarios on impl and aggregates the results.
func RunSuite(impl Impl, o SuiteOptions) *SuiteResult {
	o = o.withDefaults()
	res := &SuiteResult{Impl: impl.Name(), Rules: o.Rules, Seeds: o.Seeds, Nets: o.Nets}
	var jobs []job
	for i, s := range o.Scenarios {
		res.Scenarios = append(res.Scenarios, &ScenarioResult{Scenario: s})
		for _, net := range o.Nets {
			if !s.RunsOn(o.profile(net)) {
				continue
			}
			for _, seed := range o.Seeds {
				jobs = append(jobs, job{i, s, net, seed})
			}
		}
	}
	runJobs(impl, jobs, o, func(j job, r *Result) { res.add(j, r, o.OnResult) })
	return res
}

func (res *SuiteResult) add(j job, r *Result, on func(*Result)) {
	sr := res.Scenarios[j.scenario]
	sr.Runs++
	res.Runs++
	sr.Events += r.Events
	if !r.OK() {
		sr.Failed++
		res.Failed++
		if sr.First == nil {
			sr.First = r
		}
	}
	if on != nil {
		on(r)
	}
}

func (o SuiteOptions) withDefaults() SuiteOptions {
	if o.Scenarios == nil {
		o.Scenarios = Scenarios()
	}
	if o.Seeds == nil {
		o.Seeds = SeedRange(1, 10)
	}
	if o.Profile != nil {
		o.Nets = []string{o.Profile.Name}
	}
	if o.Nets == nil {
		o.Nets = NetProfileNames()
	}
	if o.Jobs <= 0 {
		o.Jobs = runtime.GOMAXPROCS(0)
	}
	return o
}

// profile returns the network profile named net (or the custom one).
func (o SuiteOptions) profile(net string) simnet.Profile {
	if o.Profile != nil {
		return *o.Profile
	}
	p, _ := LookupNetProfile(net)
	return p
}

// SeedRange returns the seeds first, first+1, ..., first+n-1.
func SeedRange(first sim.Seed, n int) []sim.Seed {
	out := make([]sim.Seed, 0, max(n, 0))
	for i := 0; i < n; i++ {
		out = append(out, first+sim.Seed(i))
	}
	return out
}

// runJobs runs jobs on o.Jobs workers and delivers the results to done in
// job order.
func runJobs(impl Impl, jobs []job, o SuiteOptions, done func(job, *Result)) {
	results := make([]*Result, len(jobs))
	ready := make([]chan struct{}, len(jobs))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	next := make(chan int)
	// At most window runs are started and not yet handed to done: a run
	// that takes long (a handler abandoned after WallLimit) does not let
	// the other workers pile up finished results, each perhaps with a
	// thousand violations, behind it.
	window := make(chan struct{}, runWindow(o.Jobs))
	var wg sync.WaitGroup
	for w := 0; w < o.Jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				results[i] = RunScenario(impl, j.s, j.seed, RunOptions{Rules: o.Rules, Net: j.net, MaxSteps: o.MaxSteps, WallLimit: o.WallLimit, MaxCalls: o.MaxCalls, MaxQueued: o.MaxQueued, Replay: o.Replay, Digest: o.Digest,
					Profile: o.Profile, ProfileFile: o.ProfileFile})
				close(ready[i])
			}
		}()
	}
	go func() {
		for i := range jobs {
			window <- struct{}{}
			next <- i
		}
		close(next)
	}()
	for i := range jobs {
		<-ready[i]
		done(jobs[i], results[i])
		results[i] = nil // the aggregate keeps what the report needs
		<-window
	}
	wg.Wait()
}

// runWindow is how many runs may be started ahead of the first one not yet
// reported, for jobs workers.
func runWindow(jobs int) int { return 16 * jobs }
