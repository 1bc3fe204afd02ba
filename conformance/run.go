package conformance

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// RunOptions configure one scenario run. The zero value runs on the "lan"
// network and checks the core rules.
type RunOptions struct {
	// Rules is the checker profile. Zero: core.
	Rules Profile
	// Net names the network profile. Zero: "lan".
	Net string
	// Profile, if set, is the network to run on instead of a named one
	// (for example one read from a file with simnet.ParseProfile); Net is
	// then only its name in reports, and ProfileFile where it came from, for
	// the replay command.
	Profile     *simnet.Profile
	ProfileFile string
	// Trace, if set, receives the run's JSONL trace.
	Trace io.Writer
	// Digest asks for the SHA-256 of the run's JSONL trace in
	// Result.Digest: two runs are byte-identical exactly when their digests
	// are equal.
	Digest bool
	// MaxSteps bounds the scheduler steps of the run (a run that never lets
	// virtual time advance). Zero: 50 million.
	MaxSteps uint64
	// WallLimit bounds the wall-clock time of the run: a handler that never
	// returns is reported as a failure of the run after it. Zero: 60s.
	WallLimit time.Duration
	// MaxCalls bounds the handler calls of the run, and MaxQueued the
	// bytes its handlers queue with mg_send. A core that keeps calling
	// handlers without getting anywhere, or repeats an event that makes a
	// handler queue its data again (CONNECT in every poll, say), fails
	// the run when it goes over either: deterministically, long before
	// WallLimit, and before the queued bytes fill the machine's memory.
	// Zero: DefaultMaxCalls and DefaultMaxQueued; negative: no bound. A
	// failure's replay command carries bounds other than the defaults
	// ("mgsim run --max-calls").
	MaxCalls  int64
	MaxQueued int64
	// ExtraPolls is how many polls each manager runs after the scenario
	// finished, before it is freed. Zero: 2.
	ExtraPolls int
	// Replay is the command prefix printed to reproduce a failure. Zero:
	// "go run ./cmd/mgsim run".
	Replay string

	_ struct{}
}

// The run budgets when RunOptions leave them zero: four times the calls of
// the suite's largest runs (about 58,000, scenario 6.2 on the chop
// profile) and 64 times the bytes they queue (about 1 MiB).
const (
	DefaultMaxCalls  = 250_000
	DefaultMaxQueued = 64 << 20
)

func (o RunOptions) withDefaults() RunOptions {
	if o.Net == "" {
		o.Net = "lan"
	}
	if o.MaxSteps == 0 {
		o.MaxSteps = 50_000_000
	}
	if o.WallLimit == 0 {
		o.WallLimit = 60 * time.Second
	}
	if o.MaxCalls == 0 {
		o.MaxCalls = DefaultMaxCalls
	}
	if o.MaxQueued == 0 {
		o.MaxQueued = DefaultMaxQueued
	}
	if o.ExtraPolls == 0 {
		o.ExtraPolls = 2
	}
	if o.Replay == "" {
		o.Replay = "go run ./cmd/mgsim run"
	}
	return o
}

// Result is the outcome of one scenario run.
type Result struct {
	Scenario Scenario
	Impl     string
	Seed     sim.Seed
	Net      string
	Rules    Profile
	// Failures are the scenario's own failed expectations, liveness
	// failures (deadline, stuck connections) and crashes (a handler that
	// panicked or never returned), in a deterministic text form.
	Failures []string
	// Check is the rule checker's report on the run's trace.
	Check   *Report
	Events  int64
	SimTime sim.Time
	Steps   uint64
	// Digest is the hex SHA-256 of the trace, when RunOptions.Digest asked.
	Digest      string
	replay      string
	budgets     string // the replay's flags for bounds other than the defaults
	profileFile string
}

// OK reports whether the run met every expectation and broke no rule.
func (r *Result) OK() bool { return len(r.Failures) == 0 && (r.Check == nil || r.Check.OK()) }

// Replay is the one command that reproduces this run.
func (r *Result) Replay() string {
	net := "--profile " + r.Net
	if r.profileFile != "" {
		net = "--profile-file " + r.profileFile
	}
	return fmt.Sprintf("%s --impl %s --scenario %s --seed %d %s --rules %s%s",
		r.replay, r.Impl, r.Scenario.ID, r.Seed, net, r.Rules, r.budgets)
}

// budgetFlags returns the flags that give a replay o's run budgets, when
// they are not the defaults.
func budgetFlags(o RunOptions) string {
	var b strings.Builder
	if o.MaxCalls != DefaultMaxCalls {
		fmt.Fprintf(&b, " --max-calls %d", o.MaxCalls)
	}
	if o.MaxQueued != DefaultMaxQueued {
		fmt.Fprintf(&b, " --max-queued %d", o.MaxQueued)
	}
	return b.String()
}

// Summary is a short deterministic description of what went wrong, empty
// when the run passed.
func (r *Result) Summary() string {
	var b strings.Builder
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "%s\n", f)
	}
	if r.Check != nil {
		for i := range r.Check.Violations {
			b.WriteString(r.Check.Violations[i].String() + "\n")
		}
		if n := r.Check.ViolationCount - int64(len(r.Check.Violations)); n > 0 {
			fmt.Fprintf(&b, "... and %d more violations\n", n)
		}
	}
	return b.String()
}

// RunScenario runs scenario s once on impl with the given seed, checks its
// trace live, and returns the result. It never panics because of the
// implementation: panics, endless loops, stuck runs and rule violations are
// all reported in the Result.
func RunScenario(impl Impl, s Scenario, seed sim.Seed, o RunOptions) *Result {
	o = o.withDefaults()
	res := &Result{Scenario: s, Impl: impl.Name(), Seed: seed, Net: o.Net, Rules: o.Rules, replay: o.Replay, budgets: budgetFlags(o)}
	prof, ok := LookupNetProfile(o.Net)
	if o.Profile != nil {
		prof, ok = *o.Profile, true
		res.Net, res.profileFile = prof.Name, o.ProfileFile
	}
	if !ok {
		res.Failures = append(res.Failures, fmt.Sprintf("harness: unknown network profile %q", o.Net))
		return res
	}
	w := sim.New(sim.Options{Seed: seed, MaxSteps: o.MaxSteps})
	cfg := prof.Config
	if s.Tune != nil {
		s.Tune(&cfg)
	}
	network, err := simnet.New(w, cfg)
	if err != nil {
		res.Failures = append(res.Failures, "harness: "+err.Error())
		return res
	}
	env := &Env{Seed: seed, World: w, Net: network, Rand: w.Rand("scenario " + s.ID), impl: impl, t: newTracer(), extra: o.ExtraPolls}
	env.t.maxCalls, env.t.maxQueued = o.MaxCalls, o.MaxQueued
	network.Observe(env.t.observe)
	checker := newQueueingChecker(CheckOptions{Profile: o.Rules, PollClock: true})
	env.t.addSink(checker.queue)
	env.t.slot = checker.nextEvent
	out := o.Trace
	var digest hash.Hash
	if o.Digest {
		digest = sha256.New()
		out = teeWriter(out, digest)
	}
	flush := attachTrace(env.t, out, res)
	if aborted := runWorld(env, s, o, res); aborted {
		// The stuck process still owns the world, the tracer and the
		// checker: read none of them. The trace writer is left unflushed.
		env.t.dead.Store(true)
		return res
	}
	flush()
	if digest != nil {
		res.Digest = hex.EncodeToString(digest.Sum(nil))
	}
	res.Check = checker.Finish()
	res.Events, res.SimTime, res.Steps = env.t.events, w.Now(), w.Steps()
	res.Failures = append(res.Failures, env.failures...)
	return res
}

// teeWriter writes to both a (when set) and b.
func teeWriter(a io.Writer, b io.Writer) io.Writer {
	if a == nil {
		return b
	}
	return io.MultiWriter(a, b)
}

// attachTrace adds a JSONL sink writing to out (when set), with a header
// line naming the run. It returns the function that flushes it.
func attachTrace(t *tracer, out io.Writer, res *Result) func() {
	if out == nil {
		return func() {}
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	fmt.Fprintf(bw, "# mgsim-trace v1 clock=poll impl=%s scenario=%s seed=%d profile=%s\n", res.Impl, res.Scenario.ID, res.Seed, res.Net)
	var line []byte
	t.addSink(func(e *Event) {
		line = AppendEvent(line[:0], e)
		line = append(line, '\n')
		bw.Write(line)
	})
	return func() { bw.Flush() }
}

// runWorld sets the scenario up and runs its world to the end or to its
// deadline, recording failures. It reports whether the run was aborted by
// the wall-clock watchdog (then the world is abandoned, untouched).
func runWorld(env *Env, s Scenario, o RunOptions, res *Result) (aborted bool) {
	if err := setup(env, s); err != nil {
		res.Failures = append(res.Failures, env.t.overOr(err.Error()))
		return false
	}
	stop := startWatchdog(env.World, o.WallLimit)
	err := env.World.Run(sim.Time(s.deadline()))
	stop()
	if errors.Is(err, sim.ErrAborted) {
		res.Failures = append(res.Failures, fmt.Sprintf("a handler did not return within %v of wall time (endless loop?); the run was abandoned", o.WallLimit))
		return true
	}
	switch {
	case env.t.over != nil: // whatever the implementation made of the budget's panic
		res.Failures = append(res.Failures, env.t.over.Error())
	case err != nil:
		res.Failures = append(res.Failures, describeWorldError(err))
	case !env.finished:
		res.Failures = append(res.Failures, fmt.Sprintf("liveness: the scenario did not finish within %v of simulated time", s.deadline()))
		res.Failures = append(res.Failures, env.t.openState()...)
	}
	env.World.Close()
	return false
}

// setup runs the scenario's Setup, turning a panic into an error.
func setup(env *Env, s Scenario) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("scenario setup panicked: %v", r)
		}
	}()
	s.Setup(env)
	return nil
}

func describeWorldError(err error) string {
	var pe *sim.PanicError
	if errors.As(err, &pe) {
		return fmt.Sprintf("crash: process %q panicked at %v: %v", pe.Proc, pe.At, pe.Value)
	}
	var be *sim.BudgetError
	if errors.As(err, &be) {
		return fmt.Sprintf("liveness: %v", be)
	}
	return "harness: " + err.Error()
}
