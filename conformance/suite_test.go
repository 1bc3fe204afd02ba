package conformance_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
	"github.com/mgsim/mgsim/sim"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/rules.md from the code")

// TestReferenceConformsToEverything runs the whole suite on the reference
// under the strictest profile it claims: it must pass every scenario on
// every network profile.
func TestReferenceConformsToEverything(t *testing.T) {
	skipUnderRace(t)
	res := conformance.RunSuite(adapter.New(), conformance.SuiteOptions{Rules: conformance.ProfileM618, Seeds: conformance.SeedRange(1, 3)})
	if !res.OK() {
		var b bytes.Buffer
		res.WriteText(&b)
		t.Fatalf("the reference fails its own suite:\n%s", b.String())
	}
	if res.Runs < 3*len(conformance.Scenarios()) {
		t.Fatalf("only %d runs: the suite skipped scenarios", res.Runs)
	}
}

// The reference also runs the suite the way a user's Go implementation
// would, one subtest per scenario.
func TestRunAsAUserWould(t *testing.T) {
	conformance.Run(t, adapter.New(), conformance.Seeds(1, 1), conformance.Nets("lan"), conformance.RuleProfile(conformance.ProfileM618))
}

// TestScenarioRulesAreExercised keeps the coverage table honest: every rule
// a scenario names is evaluated at least once when it runs, and every rule
// of the catalogue is named by some scenario.
func TestScenarioRulesAreExercised(t *testing.T) {
	skipUnderRace(t)
	for _, s := range conformance.Scenarios() {
		evaluated := map[string]bool{}
		for _, net := range conformance.NetProfileNames() {
			for _, p := range []conformance.Profile{conformance.ProfileM618, conformance.ProfileTextbook} {
				r := conformance.RunScenario(adapter.New(), s, 1, conformance.RunOptions{Rules: p, Net: net})
				for _, rr := range r.Check.Rules {
					if rr.Checks > 0 {
						evaluated[rr.Rule] = true
					}
				}
			}
		}
		for _, id := range s.Rules {
			if _, ok := conformance.LookupRule(id); !ok {
				t.Errorf("scenario %s names unknown rule %s", s.ID, id)
			} else if !evaluated[id] {
				t.Errorf("scenario %s claims rule %s, but running it never evaluates that rule", s.ID, id)
			}
		}
	}
	cover := conformance.Coverage()
	for _, r := range conformance.Rules() {
		if len(cover[r.ID]) == 0 {
			t.Errorf("rule %s is exercised by no scenario", r.ID)
		}
	}
}

func TestScenarioCatalogueShape(t *testing.T) {
	ss := conformance.Scenarios()
	if len(ss) < 40 {
		t.Fatalf("%d scenarios; the catalogue promises at least 40", len(ss))
	}
	ids, names := map[string]bool{}, map[string]bool{}
	for _, s := range ss {
		if ids[s.ID] || names[s.Name] {
			t.Errorf("duplicate scenario id or name: %s %s", s.ID, s.Name)
		}
		ids[s.ID], names[s.Name] = true, true
		if s.Title == "" || len(s.Rules) == 0 || s.Setup == nil {
			t.Errorf("scenario %s lacks a title, rules or setup", s.ID)
		}
	}
}

// skipUnderRace skips a test that runs many whole worlds and checks their
// outcome, not concurrency: a world runs one goroutine at a time, so the
// race detector adds nothing there but a tenfold cost. The concurrent
// parts (the suite's workers, the baton between processes, the watchdog)
// keep their tests under -race, and scripts/determinism.sh compares a -race
// build's traces with a normal one's.
func skipUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("runs without -race; see skipUnderRace")
	}
}

// traceDigest runs one scenario and returns the SHA-256 of its trace.
func traceDigest(s conformance.Scenario, seed sim.Seed) (string, *conformance.Result) {
	r := conformance.RunScenario(adapter.New(), s, seed, conformance.RunOptions{Rules: conformance.ProfileM618, Digest: true})
	return r.Digest, r
}

// digests runs every scenario on seeds 1..n on the "lan" profile and
// returns the trace digests in suite order.
func digests(t *testing.T, n, jobs int) []string {
	var out []string
	conformance.RunSuite(adapter.New(), conformance.SuiteOptions{Seeds: conformance.SeedRange(1, n), Nets: []string{"lan"},
		Rules: conformance.ProfileM618, Digest: true, Jobs: jobs,
		OnResult: func(r *conformance.Result) {
			if r.Events == 0 {
				t.Errorf("scenario %s seed %d: empty trace proves nothing", r.Scenario.ID, r.Seed)
			}
			out = append(out, r.Scenario.ID+" seed "+r.Seed.String()+" "+r.Digest+" replay: "+r.Replay())
		}})
	return out
}

func compareDigests(t *testing.T, a, b []string) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d runs against %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("two runs gave different traces:\n%s\n%s", a[i], b[i])
		}
	}
}

// TestDeterminism: for every scenario and 200 seeds (20 with -short or
// under the race detector), two runs give byte-identical traces.
// scripts/determinism.sh also compares separate processes: GOMAXPROCS=1,
// GOMAXPROCS=8 and a -race build.
func TestDeterminism(t *testing.T) {
	seeds := 200
	switch {
	case raceEnabled:
		seeds = 5
	case testing.Short():
		seeds = 20
	}
	compareDigests(t, digests(t, seeds, 0), digests(t, seeds, 0))
}

// TestDeterminismAcrossGOMAXPROCS: the same traces with one processor and
// with eight.
func TestDeterminismAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	seeds := 5
	if raceEnabled {
		seeds = 2
	}
	runtime.GOMAXPROCS(1)
	one := digests(t, seeds, 1)
	runtime.GOMAXPROCS(8)
	compareDigests(t, one, digests(t, seeds, 8))
}

// TestDifferentSeedsDiffer guards TestDeterminism against a harness that
// ignores the seed.
func TestDifferentSeedsDiffer(t *testing.T) {
	s, _ := conformance.LookupScenario("2.1")
	a, _ := traceDigest(s, 1)
	b, _ := traceDigest(s, 2)
	if a == b {
		t.Fatal("seeds 1 and 2 gave the same trace")
	}
}

// TestParallelSuiteEqualsSerial: the report does not depend on --jobs.
func TestParallelSuiteEqualsSerial(t *testing.T) {
	report := func(jobs int) string {
		var b bytes.Buffer
		res := conformance.RunSuite(adapter.New(), conformance.SuiteOptions{Seeds: conformance.SeedRange(1, 2), Jobs: jobs, Nets: []string{"lan"}})
		res.WriteText(&b)
		res.WriteJSON(&b)
		return b.String()
	}
	if a, b := report(1), report(4); a != b {
		t.Fatalf("serial and parallel reports differ:\n%s\n---\n%s", a, b)
	}
}

func panicking(c conformance.Conn, ev conformance.Ev, d conformance.Data) {
	if ev == conformance.EvTimer {
		panic("handler bug")
	}
}

// TestCrashesAreReportedNotFatal: a handler that panics, and one that never
// returns, each become a reported failure of their run.
func TestCrashesAreReportedNotFatal(t *testing.T) {
	crash := conformance.Scenario{ID: "99.1", Name: "test/panic", Title: "a handler panics", Rules: []string{"EV-1"}, Setup: func(e *conformance.Env) {
		m := e.NewManager(e.Host("box"))
		c, _ := m.AddSock(panicking)
		c.SetTimer(m.Time() + 0.5)
		e.Loop("box", m, 100)
	}}
	r := conformance.RunScenario(adapter.New(), crash, 7, conformance.RunOptions{})
	if r.OK() || !strings.Contains(r.Summary(), "panicked") || !strings.Contains(r.Summary(), "handler bug") {
		t.Fatalf("panic not reported as a failure:\n%s", r.Summary())
	}
	release := make(chan struct{})
	defer close(release)
	loop := conformance.Scenario{ID: "99.2", Name: "test/loop", Title: "a handler never returns", Rules: []string{"EV-1"}, Setup: func(e *conformance.Env) {
		m := e.NewManager(e.Host("box"))
		c, _ := m.AddSock(func(c conformance.Conn, ev conformance.Ev, d conformance.Data) {
			if ev == conformance.EvTimer {
				<-release // stands for an endless loop
			}
		})
		c.SetTimer(m.Time() + 0.5)
		e.Loop("box", m, 100)
	}}
	r = conformance.RunScenario(adapter.New(), loop, 7, conformance.RunOptions{WallLimit: 200 * time.Millisecond})
	if r.OK() || !strings.Contains(r.Summary(), "did not return") {
		t.Fatalf("endless handler not reported:\n%s", r.Summary())
	}
}

// TestLivenessFailureNamesStuckConnections: a scenario that never finishes
// fails at its deadline and says what is still open.
func TestLivenessFailureNamesStuckConnections(t *testing.T) {
	stuck := conformance.Scenario{ID: "99.3", Name: "test/stuck", Title: "never finishes", Rules: []string{"EV-1"}, Deadline: 5 * time.Second, Setup: func(e *conformance.Env) {
		m := e.NewManager(e.Host("box"))
		m.AddSock(nil)
		e.Loop("box", m, 1000)
	}}
	r := conformance.RunScenario(adapter.New(), stuck, 1, conformance.RunOptions{})
	if r.OK() || !strings.Contains(r.Summary(), "did not finish within 5s") || !strings.Contains(r.Summary(), "open: conn 1 (outbound, add_sock)") {
		t.Fatalf("liveness failure not described:\n%s", r.Summary())
	}
}

// TestJUnitShape checks the JUnit report against the structure of the common
// JUnit schema: required attributes and elements are present.
func TestJUnitShape(t *testing.T) {
	s, _ := conformance.LookupScenario("1.2")
	res := conformance.RunSuite(adapter.New(), conformance.SuiteOptions{Scenarios: []conformance.Scenario{s, brokenScenario()}, Seeds: []sim.Seed{1}, Nets: []string{"lan"}})
	var b bytes.Buffer
	if err := res.WriteJUnit(&b, time.Unix(0, 0), time.Second); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Name       string    `xml:"name,attr"`
			Tests      string    `xml:"tests,attr"`
			Failures   string    `xml:"failures,attr"`
			Errors     string    `xml:"errors,attr"`
			Timestamp  string    `xml:"timestamp,attr"`
			Hostname   string    `xml:"hostname,attr"`
			Properties *struct{} `xml:"properties"`
			Cases      []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
			SystemOut *string `xml:"system-out"`
			SystemErr *string `xml:"system-err"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("want one testsuite:\n%s", b.String())
	}
	su := doc.Suites[0]
	if su.Name == "" || su.Tests != "2" || su.Failures != "1" || su.Errors != "0" || su.Timestamp == "" || su.Hostname == "" || su.Properties == nil || su.SystemOut == nil || su.SystemErr == nil {
		t.Fatalf("testsuite lacks required parts:\n%s", b.String())
	}
	if len(su.Cases) != 2 || su.Cases[1].Failure == nil || !strings.Contains(su.Cases[1].Failure.Text, "replay: ") {
		t.Fatalf("the failing scenario has no failure with a replay command:\n%s", b.String())
	}
}

func brokenScenario() conformance.Scenario {
	return conformance.Scenario{ID: "99.4", Name: "test/broken", Title: "expects the impossible", Rules: []string{"EV-1"}, Setup: func(e *conformance.Env) {
		e.Errorf("this scenario always fails")
		e.Finish()
	}}
}

// TestRulesDocUpToDate: docs/rules.md is generated from the code; run
// go test ./conformance -run RulesDoc -update-docs after changing rules or
// scenarios.
func TestRulesDocUpToDate(t *testing.T) {
	want := conformance.RulesMarkdown()
	path := "../docs/rules.md"
	if *updateDocs {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("docs/rules.md is out of date; regenerate it with: go test ./conformance -run RulesDocUpToDate -update-docs")
	}
}

// busyForever never finishes: a socket-less connection re-arms its timer
// every millisecond, so its manager keeps calling its handler, which
// queues a kilobyte at every POLL (that no socket ever sends).
func busyForever(e *conformance.Env) {
	m := e.NewManager(e.Host("box"))
	kilo := make([]byte, 1024)
	c, err := m.AddSock(func(c conformance.Conn, ev conformance.Ev, d conformance.Data) {
		switch ev {
		case conformance.EvTimer:
			c.SetTimer(d.Time + 0.001)
		case conformance.EvPoll:
			c.Send(kilo)
		}
	})
	if err != nil {
		e.Errorf("add_sock: %v", err)
		return
	}
	c.SetTimer(m.Time() + 0.001)
	e.Loop("box", m, 1)
}

// A run that keeps calling handlers, or queueing bytes, without finishing
// ends at its budget, deterministically, with a liveness failure that
// says which; with budgets it stays under, it runs on to its deadline.
func TestBudgetsEndARunThatNeverFinishes(t *testing.T) {
	s := conformance.Scenario{ID: "x.1", Name: "busy-forever", Deadline: 10 * time.Second, Setup: busyForever}
	run := func(o conformance.RunOptions) *conformance.Result {
		o.Digest = true
		return conformance.RunScenario(adapter.New(), s, 1, o)
	}
	for _, c := range []struct {
		o    conformance.RunOptions
		want string
	}{
		{conformance.RunOptions{MaxCalls: 5000, MaxQueued: 1 << 30}, "liveness: 5000 handler calls by "},
		{conformance.RunOptions{MaxCalls: 1 << 20, MaxQueued: 100 << 10}, "liveness: more than 102400 bytes queued with mg_send by "},
		{conformance.RunOptions{MaxCalls: 1 << 20, MaxQueued: 1 << 30}, "liveness: the scenario did not finish within 10s of simulated time"},
	} {
		r := run(c.o)
		if len(r.Failures) == 0 || !strings.HasPrefix(r.Failures[0], c.want) {
			t.Fatalf("%+v: %d events, failures %q", c.o, r.Events, r.Failures)
		}
		if again := run(c.o); again.Digest != r.Digest || again.Failures[0] != r.Failures[0] {
			t.Fatalf("%+v: the same run ended differently: %q, then %q", c.o, r.Failures[0], again.Failures[0])
		}
	}
	// Over the budget already in the scenario's set-up: the same failure,
	// not a crash of the set-up.
	s.Setup = func(e *conformance.Env) {
		c, _ := e.NewManager(e.Host("box")).AddSock(nil)
		for range 200 {
			c.Send(make([]byte, 1024))
		}
	}
	r := run(conformance.RunOptions{MaxQueued: 100 << 10})
	if want := "liveness: more than 102400 bytes queued with mg_send by 0s "; len(r.Failures) != 1 || !strings.HasPrefix(r.Failures[0], want) {
		t.Fatalf("set-up over budget: failures %q, want one starting %q", r.Failures, want)
	}
}

// While one run is slow, the other workers start at most a window of runs
// after it (runWindow: 16 per worker), so finished results do not pile up
// behind it. The suite's first run waits, in its set-up, until the other
// runs stop starting.
func TestSlowRunHoldsBackAWindow(t *testing.T) {
	var started atomic.Int64
	release := make(chan struct{})
	s := conformance.Scenario{ID: "x.1", Name: "first-is-slow", Deadline: time.Second, Setup: func(e *conformance.Env) {
		if e.Seed == 1 {
			<-release
		} else {
			started.Add(1)
		}
		e.Finish()
	}}
	done := make(chan *conformance.SuiteResult)
	go func() {
		done <- conformance.RunSuite(adapter.New(), conformance.SuiteOptions{Scenarios: []conformance.Scenario{s},
			Seeds: conformance.SeedRange(1, 200), Nets: []string{"lan"}, Jobs: 2})
	}()
	const ahead = 2*16 - 1 // the window, less the slow run
	for wait := time.Now(); started.Load() < ahead; runtime.Gosched() {
		if time.Since(wait) > 10*time.Second { // bounds a hang, times nothing
			close(release)
			t.Fatalf("only %d runs started while the first one was held; want %d", started.Load(), ahead)
		}
	}
	// Give a run past the window every chance to start (a run takes well
	// under a millisecond); with the window kept, none does.
	for wait := time.Now(); started.Load() == ahead && time.Since(wait) < 50*time.Millisecond; {
		runtime.Gosched()
	}
	if n := started.Load(); n != ahead {
		t.Errorf("%d runs started while the first one was held; want %d", n, ahead)
	}
	close(release)
	if r := <-done; !r.OK() || r.Runs != 200 {
		t.Fatalf("%d runs, %d failed", r.Runs, r.Failed)
	}
}
