package mutants_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/mutants"
)

func pick(t *testing.T, names ...string) []mutants.Mutant {
	t.Helper()
	var out []mutants.Mutant
	for _, n := range names {
		m, ok := mutants.Lookup(mutants.Prefix + n)
		if !ok {
			t.Fatalf("no mutant %s", n)
		}
		out = append(out, m)
	}
	return out
}

// hunt runs mutants.Hunt and fails the test on an error.
func hunt(t *testing.T, ms []mutants.Mutant, o mutants.Options) *mutants.Score {
	t.Helper()
	score, err := mutants.Hunt(ms, o)
	if err != nil {
		t.Fatal(err)
	}
	return score
}

func scenarios(ids ...string) []conformance.Scenario {
	var out []conformance.Scenario
	for _, id := range ids {
		out = append(out, suite(id))
	}
	return out
}

// The score is the same for any number of jobs: the first failing run is
// the first in suite order, not the first to finish.
func TestHuntSameForAnyJobs(t *testing.T) {
	ms := pick(t, "close-twice", "close-at-end-of-turn", "big-tcp-write", "udp-no-child")
	texts := map[int]string{}
	for _, jobs := range []int{1, 3} {
		score := hunt(t, ms, mutants.Options{Scenarios: scenarios("1.1", "1.2", "1.5"), Seeds: 2, Jobs: jobs})
		var b bytes.Buffer
		if err := score.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		texts[jobs] = b.String()
	}
	if texts[1] != texts[3] {
		t.Errorf("jobs 1 and 3 differ:\n%s\n%s", texts[1], texts[3])
	}
}

// A mutant that no run catches is reported as a survivor, and the score is
// not OK.
func TestHuntReportsSurvivors(t *testing.T) {
	ms := pick(t, "close-twice", "udp-no-child")
	score := hunt(t, ms, mutants.Options{Scenarios: scenarios("1.1"), Nets: []string{"lan"}, Seeds: 1})
	if score.OK() || score.Caught() != 1 {
		t.Fatalf("OK %v, caught %d; want a survivor", score.OK(), score.Caught())
	}
	v := score.Verdicts[1]
	if v.Caught() || v.Runs != 1 || v.CaughtBy() != "-" || v.FirstFailure() != "-" {
		t.Errorf("survivor verdict: caught %v, runs %d, by %q, first %q", v.Caught(), v.Runs, v.CaughtBy(), v.FirstFailure())
	}
	var b bytes.Buffer
	score.WriteText(&b)
	for _, want := range []string{"mutant/udp-no-child | SURVIVED  | -\n", "score: 1/2 mutants caught\n", "control: reference passed 1/1 runs (rules mongoose-6.18)\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("score text lacks %q:\n%s", want, b.String())
		}
	}
}

// Without the control, OK depends on the mutants alone and the text has
// no control line.
func TestHuntWithoutControl(t *testing.T) {
	score := hunt(t, pick(t, "close-twice"), mutants.Options{Scenarios: scenarios("1.1"), Nets: []string{"lan"}, Seeds: 1, SkipControl: true})
	var b bytes.Buffer
	score.WriteText(&b)
	if score.Control != nil || !score.OK() || strings.Contains(b.String(), "control:") {
		t.Errorf("control %v, OK %v, text:\n%s", score.Control, score.OK(), b.String())
	}
}

// A hunt that names an unknown network profile, or selects no run, is an
// error: otherwise every mutant would "survive" a hunt that ran nothing.
func TestHuntRejectsOptionsThatRunNothing(t *testing.T) {
	ms := pick(t, "close-twice")
	for name, o := range map[string]mutants.Options{
		"unknown profile": {Scenarios: scenarios("1.1"), Nets: []string{"lna"}, Seeds: 1, SkipControl: true},
		"no scenario":     {Scenarios: []conformance.Scenario{}, Seeds: 1, SkipControl: true},
		"negative seeds":  {Scenarios: scenarios("1.1"), Nets: []string{"lan"}, Seeds: -1, SkipControl: true},
	} {
		score, err := mutants.Hunt(ms, o)
		if err == nil || score != nil {
			t.Errorf("%s: Hunt = %v, %v; want an error and no score", name, score, err)
		}
	}
	_, err := mutants.Hunt(ms, mutants.Options{Scenarios: scenarios("1.1"), Nets: []string{"lna"}, Seeds: 1})
	if err == nil || !strings.Contains(err.Error(), `unknown network profile "lna"`) {
		t.Errorf("error %v does not name the unknown profile", err)
	}
}
