package conformance_test

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
	"github.com/mgsim/mgsim/reference/mutants"
)

// TestLiveCheckMatchesTraceCheck: the report of a run's live checker (the
// tracer builds each event in the checker's ring, which checks them in
// batches) is the report of checking the run's JSONL trace, but for the
// line numbers, which a live run does not have. The reference passes; the
// mutants break rules in every part of a turn.
func TestLiveCheckMatchesTraceCheck(t *testing.T) {
	if raceEnabled {
		t.Skip("each run is one goroutine's work: nothing here for the race detector, at 15x the time")
	}
	t.Parallel()
	net := "chop" // segments cut small: reads and writes of every size
	if testing.Short() {
		net = "lan"
	}
	impls := []conformance.Impl{adapter.New()}
	for _, name := range []string{"close-twice", "io-inside-send", "timer-fires-twice", "recv-limit-ignored", "udp-no-child"} {
		m, ok := mutants.Lookup(mutants.Prefix + name)
		if !ok {
			t.Fatalf("no mutant %s", name)
		}
		impls = append(impls, m.Impl)
	}
	violations := 0
	for _, impl := range impls {
		for _, s := range conformance.Scenarios() {
			violations += liveMatchesFile(t, impl, s, net)
		}
	}
	if violations == 0 {
		t.Fatal("no run broke a rule: the comparison tests little")
	}
}

// liveMatchesFile runs s on impl and compares the live report with the
// trace's; it returns the violations found.
func liveMatchesFile(t *testing.T, impl conformance.Impl, s conformance.Scenario, net string) int {
	t.Helper()
	var trace bytes.Buffer
	res := conformance.RunScenario(impl, s, 1, conformance.RunOptions{Rules: conformance.ProfileM618, Net: net, Trace: &trace})
	if res.Check == nil {
		return 0 // abandoned: no live report
	}
	file, err := conformance.CheckReader(&trace, conformance.CheckOptions{Profile: conformance.ProfileM618})
	if err != nil {
		t.Fatal(err)
	}
	for i := range file.Violations {
		file.Violations[i].Line = 0
	}
	if !reflect.DeepEqual(res.Check, file) {
		t.Fatalf("%s on %s, %s: the live report differs from its trace's: %s", res.Impl, s.ID, net, firstReportDiff(res.Check, file))
	}
	return len(file.Violations)
}

// firstReportDiff says where two reports first differ.
func firstReportDiff(live, file *conformance.Report) string {
	for i := range min(len(live.Violations), len(file.Violations)) {
		if a, b := live.Violations[i], file.Violations[i]; !reflect.DeepEqual(a, b) {
			return fmt.Sprintf("violation %d:\nlive: %s %s\nfile: %s %s", i, a.Rule, a.Msg, b.Rule, b.Msg)
		}
	}
	if len(live.Violations) != len(file.Violations) {
		return fmt.Sprintf("%d violations live, %d in the file", len(live.Violations), len(file.Violations))
	}
	return fmt.Sprintf("live %+v\nfile %+v", live.Rules, file.Rules)
}
