package mutants_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
	"github.com/mgsim/mgsim/reference/mutants"
	"github.com/mgsim/mgsim/sim"
)

var update = flag.Bool("update", false, "rewrite testdata/score.txt from a full hunt")

const scoreFile = "testdata/score.txt"

// fullHunt reports whether the tests hunt over the whole suite; under
// -short or the race detector they replay the catches recorded in
// testdata/score.txt instead.
func fullHunt() bool { return *update || !(testing.Short() || raceEnabled) }

// TestSuiteCatchesEveryMutant hunts every mutant of the catalogue over
// the whole suite (every scenario and profile, seeds 1..3, each under its
// Level, stopping at its first failing run), runs the reference on all of
// those runs, and compares the score table with testdata/score.txt, so
// that a change in the suite's teeth shows up in review.
func TestSuiteCatchesEveryMutant(t *testing.T) {
	if !fullHunt() {
		t.Skip("-short or -race: TestRecordedCatches replays the recorded catches instead")
	}
	t.Parallel()
	score := hunt(t, mutants.Catalogue(), mutants.Options{})
	if !score.Control.OK() {
		t.Errorf("the reference failed %d of %d runs: a suite that fails the reference proves nothing", score.Control.Failed, score.Control.Runs)
	}
	for _, v := range score.Verdicts {
		if !v.Caught() {
			t.Errorf("%s survived %d runs (level %s): %s", v.Mutant.Name, v.Runs, v.Mutant.Level, v.Mutant.Bug)
		}
	}
	var got bytes.Buffer
	if err := score.WriteText(&got); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, got.Bytes())
}

func compareGolden(t *testing.T, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(scoreFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(scoreFile)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the score differs from %s (go test -update rewrites it after review):\n--- got\n%s--- want\n%s", scoreFile, got, want)
	}
}

// recorded is one catch from testdata/score.txt.
type recorded struct {
	mutant, caughtBy, scenario, net string
	seed                            sim.Seed
}

var firstRe = regexp.MustCompile(`^(\S+) \S+ \((\w+), seed (\d+)\)$`)

func readRecorded(t *testing.T) map[string]recorded {
	t.Helper()
	data, err := os.ReadFile(scoreFile)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]recorded{}
	for _, line := range strings.Split(string(data), "\n") {
		cols := strings.Split(line, " | ")
		if len(cols) != 3 || !strings.HasPrefix(cols[0], mutants.Prefix) {
			continue
		}
		m := firstRe.FindStringSubmatch(cols[2])
		if m == nil {
			t.Fatalf("%s: cannot read the first failing run in %q", scoreFile, line)
		}
		var seed sim.Seed
		fmt.Sscan(m[3], &seed)
		name := strings.TrimSpace(cols[0])
		out[name] = recorded{mutant: name, caughtBy: strings.TrimSpace(cols[1]), scenario: m[1], net: m[2], seed: seed}
	}
	return out
}

// replaySteps is the step budget of a replayed run: the hunt's, except
// under the race detector, where a run that livelocks until its deadline
// (mutant/udp-no-child's catch takes about a million steps) would take
// most of a minute. 100,000 steps is still twice what the reference's
// longest run needs, and a run cut short fails as liveness, as it would at
// its deadline.
func replaySteps() uint64 {
	if raceEnabled {
		return 100_000
	}
	return mutants.DefaultMaxSteps
}

// TestRecordedCatches replays, for every mutant, the run that
// testdata/score.txt says catches it: the run must fail, for the recorded
// reasons, and the reference must pass it. It is the fast form of
// TestSuiteCatchesEveryMutant, run always (and alone under -short and
// -race).
func TestRecordedCatches(t *testing.T) {
	rec := readRecorded(t)
	for _, m := range mutants.Catalogue() {
		t.Run(strings.TrimPrefix(m.Name, mutants.Prefix), func(t *testing.T) {
			t.Parallel()
			r, ok := rec[m.Name]
			if !ok {
				t.Fatalf("%s has no line in %s (go test -update)", m.Name, scoreFile)
			}
			s, ok := conformance.LookupScenario(r.scenario)
			if !ok {
				t.Fatalf("%s: unknown scenario %s", scoreFile, r.scenario)
			}
			res := conformance.RunScenario(m.Impl, s, r.seed, conformance.RunOptions{Rules: m.Level, Net: r.net, MaxSteps: replaySteps()})
			v := mutants.Verdict{Mutant: m, Runs: 1, First: res}
			if res.OK() || v.CaughtBy() != r.caughtBy {
				t.Errorf("%s on %s (%s, seed %d): caught by %q, recorded %q", m.Name, r.scenario, r.net, r.seed, v.CaughtBy(), r.caughtBy)
			}
			ref := conformance.RunScenario(adapter.New(), s, r.seed, conformance.RunOptions{Rules: conformance.ProfileM618, Net: r.net, MaxSteps: replaySteps()})
			if !ref.OK() {
				t.Errorf("the reference fails the run that catches %s:\n%s", m.Name, ref.Summary())
			}
		})
	}
}

// TestKnownSurvivorsStillSurvive: a known survivor marks a gap in the
// suite. When the suite closes the gap, this test fails, and the mutant
// moves to the catalogue. Survivors are hunted under the strongest
// profile, mongoose-6.18.
func TestKnownSurvivorsStillSurvive(t *testing.T) {
	if !fullHunt() {
		t.Skip("-short or -race: a survivor needs every run of the suite")
	}
	t.Parallel()
	ms := mutants.Survivors()
	for i := range ms {
		ms[i].Level = conformance.ProfileM618
	}
	for _, v := range hunt(t, ms, mutants.Options{SkipControl: true}).Verdicts {
		if v.Caught() {
			t.Errorf("%s is now caught by %s on %s: move it from the survivors to the catalogue (gap was: %s)", v.Mutant.Name, v.CaughtBy(), v.FirstFailure(), v.Mutant.Gap)
		}
	}
}

func TestCatalogueShape(t *testing.T) {
	all := append(mutants.Catalogue(), mutants.Survivors()...)
	if n := len(mutants.Catalogue()); n < 20 {
		t.Errorf("the catalogue has %d mutants, want at least 20", n)
	}
	seen := map[string]bool{}
	for _, m := range all {
		if seen[m.Name] || !strings.HasPrefix(m.Name, mutants.Prefix) || m.Impl == nil || m.Impl.Name() != m.Name || m.Bug == "" {
			t.Errorf("bad or repeated mutant %+v", m)
		}
		seen[m.Name] = true
		if m.Level != conformance.ProfileCore && m.Level != conformance.ProfileM618 {
			t.Errorf("%s: level %s, want core or mongoose-6.18", m.Name, m.Level)
		}
		if got, ok := mutants.Lookup(m.Name); !ok || got.Name != m.Name {
			t.Errorf("Lookup(%q) = %v, %v", m.Name, got.Name, ok)
		}
	}
	for _, m := range mutants.Catalogue() {
		if m.Gap != "" {
			t.Errorf("%s is in the catalogue but has a gap", m.Name)
		}
	}
	for _, m := range mutants.Survivors() {
		if m.Gap == "" {
			t.Errorf("%s is a survivor without a gap", m.Name)
		}
	}
	if _, ok := mutants.Lookup("mutant/no-such-bug"); ok {
		t.Error("Lookup found a mutant that does not exist")
	}
}

func TestScoreFileIsInTestdata(t *testing.T) {
	if filepath.Dir(scoreFile) != "testdata" {
		t.Fatal("the score file must live in testdata/, which the go tool ignores")
	}
}
