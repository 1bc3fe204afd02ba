package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// runFlags are the flags of "mgsim run".
type runFlags struct {
	seeds     int
	seed      string
	scenarios listFlag
	list      bool
	trace     string
	impl      string
	json      bool
	junit     string
	profiles  listFlag
	profFile  string
	rules     string
	jobs      int
	verbose   bool
	digests   bool
	maxCalls  int64
	maxQueued int64
}

func (f *runFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.seeds, "seeds", 10, "number of seeds per scenario and profile (seeds 1..N)")
	fs.StringVar(&f.seed, "seed", "", "run only this seed (as printed by a failure)")
	fs.Var(&f.scenarios, "scenario", "run only these scenarios (id or name; repeat or comma-separate)")
	fs.BoolVar(&f.list, "list", false, "list scenario ids, one per line, and exit (with -v: names and titles)")
	fs.StringVar(&f.trace, "trace", "", "write the JSONL trace of the one run selected by --scenario and --seed to FILE")
	fs.StringVar(&f.impl, "impl", "reference", "implementation to run the suite on ("+implNames()+")")
	fs.BoolVar(&f.json, "json", false, "print the report as JSON")
	fs.StringVar(&f.junit, "junit", "", "also write a JUnit XML report to FILE")
	fs.Var(&f.profiles, "profile", "network profiles to run on ("+strings.Join(conformance.NetProfileNames(), ", ")+"; default all)")
	fs.StringVar(&f.profFile, "profile-file", "", "run on a custom network profile read from FILE (key = value lines; see simnet.ParseProfile)")
	fs.StringVar(&f.rules, "rules", "", "checker profile: core, mongoose-6.18 or textbook (default: what the implementation claims)")
	fs.IntVar(&f.jobs, "jobs", runtime.GOMAXPROCS(0), "runs at once (the output is the same for any value)")
	fs.BoolVar(&f.verbose, "v", false, "print a line for every run")
	fs.BoolVar(&f.digests, "digests", false, "print the SHA-256 of every run's trace instead of the report (for determinism checks)")
	fs.Int64Var(&f.maxCalls, "max-calls", conformance.DefaultMaxCalls, "fail a run after this many handler calls, a core that never gets anywhere (negative: no bound)")
	fs.Int64Var(&f.maxQueued, "max-queued", conformance.DefaultMaxQueued, "fail a run after its handlers queued this many bytes with mg_send (negative: no bound)")
}

func runCmd(args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := newFlagSet("run", stderr)
	f.register(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("run: unexpected argument %q", fs.Arg(0))
	}
	plan, err := f.plan()
	if err != nil {
		return err
	}
	if f.list {
		return listScenarios(plan.opts.Scenarios, f.verbose, stdout)
	}
	return execute(plan, f, stdout, stderr)
}

// runPlan is a validated "mgsim run".
type runPlan struct {
	impl impl
	opts conformance.SuiteOptions
}

func (f *runFlags) plan() (runPlan, error) {
	var p runPlan
	im, ok := impls()[f.impl]
	if !ok {
		return p, usageErr("run: unknown implementation %q (have %s)", f.impl, implNames())
	}
	p.impl = im
	p.opts.Rules = im.rules
	if f.rules != "" {
		r, err := conformance.ParseProfile(f.rules)
		if err != nil {
			return p, usageErr("run: --rules: %v", err)
		}
		p.opts.Rules = r
	}
	if f.jobs < 1 {
		return p, usageErr("run: --jobs must be at least 1, got %d", f.jobs)
	}
	p.opts.Jobs = f.jobs
	if f.maxCalls == 0 || f.maxQueued == 0 {
		return p, usageErr("run: --max-calls and --max-queued must not be 0 (negative: no bound), got %d and %d", f.maxCalls, f.maxQueued)
	}
	p.opts.MaxCalls, p.opts.MaxQueued = f.maxCalls, f.maxQueued
	var err error
	if p.opts.Scenarios, err = selectScenarios(f.scenarios); err != nil {
		return p, err
	}
	if p.opts.Nets, err = selectProfiles(f.profiles, f.trace != ""); err != nil {
		return p, err
	}
	if f.profFile != "" {
		if len(f.profiles) > 0 {
			return p, usageErr("run: give --profile or --profile-file, not both")
		}
		if p.opts.Profile, err = readProfile(f.profFile); err != nil {
			return p, err
		}
		p.opts.ProfileFile, p.opts.Nets = f.profFile, []string{p.opts.Profile.Name}
	}
	p.opts.Seeds, err = f.selectSeeds()
	if err != nil {
		return p, err
	}
	if f.trace != "" && (len(p.opts.Scenarios) != 1 || f.seed == "" || len(p.opts.Nets) != 1) {
		return p, usageErr("run: --trace writes one run: give one --scenario, a --seed and at most one --profile")
	}
	return p, nil
}

func selectScenarios(keys []string) ([]conformance.Scenario, error) {
	if len(keys) == 0 {
		return conformance.Scenarios(), nil
	}
	var out []conformance.Scenario
	for _, k := range keys {
		s, ok := conformance.LookupScenario(k)
		if !ok {
			return nil, usageErr("run: unknown scenario %q (see mgsim run --list)", k)
		}
		out = append(out, s)
	}
	return out, nil
}

func selectProfiles(names []string, tracing bool) ([]string, error) {
	if len(names) == 0 {
		if tracing {
			return []string{"lan"}, nil
		}
		return conformance.NetProfileNames(), nil
	}
	for _, n := range names {
		if _, ok := conformance.LookupNetProfile(n); !ok {
			return nil, usageErr("run: unknown network profile %q (have %s)", n, strings.Join(conformance.NetProfileNames(), ", "))
		}
	}
	return names, nil
}

// readProfile reads a custom network profile from a file.
func readProfile(path string) (*simnet.Profile, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("run: --profile-file: %v", unwrapRead(err))
	}
	prof, err := simnet.ParseProfile(string(text))
	if err != nil {
		return nil, usageErr("run: --profile-file %s: %v", path, err)
	}
	if prof.Name == "" {
		prof.Name = "custom"
	}
	return &prof, nil
}

func (f *runFlags) selectSeeds() ([]sim.Seed, error) {
	if f.seed != "" {
		s, err := sim.ParseSeed(f.seed)
		if err != nil {
			return nil, usageErr("run: --seed: %v", err)
		}
		return []sim.Seed{s}, nil
	}
	if f.seeds < 0 {
		return nil, usageErr("run: --seeds must not be negative, got %d", f.seeds)
	}
	return conformance.SeedRange(1, f.seeds), nil
}

func listScenarios(ss []conformance.Scenario, verbose bool, out io.Writer) error {
	for _, s := range ss {
		if verbose {
			fmt.Fprintf(out, "%s\t%s\t%s\n", s.ID, s.Name, s.Title)
		} else {
			fmt.Fprintln(out, s.ID)
		}
	}
	return nil
}

// execute runs the plan and writes the reports.
func execute(p runPlan, f runFlags, stdout, stderr io.Writer) error {
	traceFile, junitFile, err := openOutputs(f)
	if err != nil {
		return err
	}
	if traceFile != nil {
		defer traceFile.Close()
		return runTraced(p, traceFile, stdout)
	}
	switch {
	case f.digests:
		p.opts.Digest = true
		p.opts.OnResult = func(r *conformance.Result) {
			fmt.Fprintf(stdout, "%s %s seed %d %s\n", r.Scenario.ID, r.Net, r.Seed, r.Digest)
		}
	case f.verbose:
		p.opts.OnResult = func(r *conformance.Result) { printRun(stderr, r) }
	}
	started := time.Now()
	res := conformance.RunSuite(p.impl.impl, p.opts)
	elapsed := time.Since(started)
	if !f.digests {
		if err := writeReport(res, f.json, stdout); err != nil {
			return err
		}
	}
	if junitFile != nil {
		defer junitFile.Close()
		if err := res.WriteJUnit(junitFile, started, elapsed); err != nil {
			return fmt.Errorf("run: write --junit: %v", err)
		}
	}
	if !res.OK() {
		return errFailed
	}
	return nil
}

// openOutputs creates the files asked for before anything runs, so that an
// unwritable path is a usage error, not a lost report.
func openOutputs(f runFlags) (trace, junit *os.File, err error) {
	if f.trace != "" {
		if trace, err = os.Create(f.trace); err != nil {
			return nil, nil, usageErr("run: --trace: %v", unwrapPath(err))
		}
	}
	if f.junit != "" {
		if junit, err = os.Create(f.junit); err != nil {
			if trace != nil {
				trace.Close()
			}
			return nil, nil, usageErr("run: --junit: %v", unwrapPath(err))
		}
	}
	return trace, junit, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("cannot write %s: %v", pe.Path, pe.Err)
	}
	return err
}

func runTraced(p runPlan, out io.Writer, stdout io.Writer) error {
	r := conformance.RunScenario(p.impl.impl, p.opts.Scenarios[0], p.opts.Seeds[0],
		conformance.RunOptions{Rules: p.opts.Rules, Net: p.opts.Nets[0], Trace: out, Profile: p.opts.Profile, ProfileFile: p.opts.ProfileFile,
			MaxCalls: p.opts.MaxCalls, MaxQueued: p.opts.MaxQueued})
	printRun(stdout, r)
	if !r.OK() {
		return errFailed
	}
	return nil
}

func printRun(w io.Writer, r *conformance.Result) {
	verdict := "ok  "
	if !r.OK() {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s %s %s seed %d profile %s: %d events, %v simulated\n", verdict, r.Scenario.ID, r.Scenario.Name, r.Seed, r.Net, r.Events, r.SimTime)
	if !r.OK() {
		fmt.Fprint(w, r.Summary())
		fmt.Fprintf(w, "replay: %s\n", r.Replay())
	}
}

func writeReport(res *conformance.SuiteResult, asJSON bool, w io.Writer) error {
	if asJSON {
		return res.WriteJSON(w)
	}
	return res.WriteText(w)
}
