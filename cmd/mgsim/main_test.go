package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
)

// mgsim runs the command in-process and returns its exit status, stdout
// and stderr.
func mgsim(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadUsageIsOneLineAndExit2(t *testing.T) {
	dir := t.TempDir()
	cases := [][]string{
		{"bogus"},
		{"run", "--bogus"},
		{"run", "--scenario", "9.99"},
		{"run", "--seeds", "-1"},
		{"run", "--seed", "minus-one"},
		{"run", "--impl", "nope"},
		{"run", "--profile", "moon"},
		{"run", "--rules", "strict"},
		{"run", "--jobs", "0"},
		{"run", "--max-calls", "0"},
		{"run", "--max-queued", "0"},
		{"run", "--scenario", "1.1", "--seed", "1", "--trace", filepath.Join(dir, "no", "such", "dir", "t.jsonl")},
		{"run", "--junit", filepath.Join(dir, "no", "such", "dir", "j.xml")},
		{"run", "--trace", filepath.Join(dir, "t.jsonl")},
		{"run", "extra"},
		{"check"},
		{"check", "--profile", "strict", "x"},
		{"check", "x", "--profile", "strict"},
		{"check", "--", "--profile"}, // after --, a file named --profile
		{"run", "--seeds", "1", "extra"},
		{"check", filepath.Join(dir, "missing.jsonl")},
		{"rules", "extra"},
		{"run", "--profile-file", filepath.Join(dir, "missing.net")},
		{"run", "--profile-file", badProfile(t, dir)},
		{"run", "--profile", "lan", "--profile-file", badProfile(t, dir)},
	}
	for _, args := range cases {
		code, _, stderr := mgsim(t, "", args...)
		lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
		if code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "mgsim: ") {
			t.Errorf("mgsim %s: exit %d, stderr %q; want exit 2 and one line", strings.Join(args, " "), code, stderr)
		}
	}
	if code, _, _ := mgsim(t, ""); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
}

func TestListPrintsEveryScenarioID(t *testing.T) {
	code, out, _ := mgsim(t, "", "run", "--list")
	ids := strings.Fields(out)
	if code != 0 || len(ids) != len(conformance.Scenarios()) || ids[0] != "1.1" {
		t.Fatalf("exit %d, %d ids (want %d): %q", code, len(ids), len(conformance.Scenarios()), out)
	}
}

func TestRunOneScenarioPasses(t *testing.T) {
	code, out, stderr := mgsim(t, "", "run", "--scenario", "1.2", "--seed", "3", "--profile", "lan")
	if code != 0 || !strings.Contains(out, "PASS 1.2") || !strings.Contains(out, "1 scenarios, 1 runs") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
}

// A run over its budget of handler calls fails with a liveness message,
// and its replay command carries the budget, so that it fails the same way.
func TestRunBudgetIsInTheReplay(t *testing.T) {
	code, out, _ := mgsim(t, "", "run", "--scenario", "2.1", "--seed", "3", "--profile", "lan", "--max-calls", "10")
	if code != 1 || !strings.Contains(out, "liveness: 10 handler calls by ") ||
		!strings.Contains(out, "replay: go run ./cmd/mgsim run --impl reference --scenario 2.1 --seed 3 --profile lan --rules mongoose-6.18 --max-calls 10\n") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// A budget given as negative (no bound) replays as such: the flag takes it.
func TestRunWithoutBudgetReplays(t *testing.T) {
	r := conformance.RunScenario(adapter.New(), conformance.Scenarios()[0], 1, conformance.RunOptions{MaxCalls: -1, MaxQueued: -1})
	replay := r.Replay()
	if !strings.HasSuffix(replay, " --max-calls -1 --max-queued -1") {
		t.Fatalf("replay %q", replay)
	}
	args := strings.Fields(strings.TrimPrefix(replay, "go run ./cmd/mgsim "))
	if code, out, stderr := mgsim(t, "", args...); code != 0 {
		t.Fatalf("%v: exit %d\n%s%s", args, code, out, stderr)
	}
}

func TestRunJSONIsValid(t *testing.T) {
	code, out, _ := mgsim(t, "", "run", "--scenario", "1.2", "--seeds", "2", "--json")
	var doc struct {
		OK   bool `json:"ok"`
		Runs int  `json:"runs"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || !doc.OK || doc.Runs != 2*len(conformance.NetProfileNames()) {
		t.Fatalf("exit %d, doc %+v:\n%s", code, doc, out)
	}
}

// TestTraceThenCheck: the trace written by --trace passes "mgsim check"
// with the strict profile; the same trace with a line dropped does not.
func TestTraceThenCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	if code, out, errs := mgsim(t, "", "run", "--scenario", "3.1", "--seed", "5", "--trace", path); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := mgsim(t, "", "check", "--profile", "mongoose-6.18", path); code != 0 || !strings.Contains(out, "0 violations") {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(string(data), "\n")
	broken := strings.Join(append(lines[:10:10], lines[11:]...), "\n")
	if code, out, _ := mgsim(t, broken, "check", "-"); code != 1 || !strings.Contains(out, "violation") {
		t.Fatalf("check of a broken trace from stdin: exit %d\n%s", code, out)
	}
}

func TestCheckRealTracesBothProfiles(t *testing.T) {
	for _, p := range []string{"core", "mongoose-6.18"} {
		code, out, _ := mgsim(t, "", "check", "--profile", p, "../../conformance/testdata/real/hello_echo.jsonl", "../../conformance/testdata/real/refused_then_timer.jsonl")
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", p, code, out)
		}
	}
}

// Flags may come after the files, as people type them.
func TestFlagsAfterFiles(t *testing.T) {
	code, out, errs := mgsim(t, "", "check", "../../conformance/testdata/real/hello_echo.jsonl", "--profile", "mongoose-6.18", "../../conformance/testdata/real/refused_then_timer.jsonl")
	if code != 0 || strings.Count(out, "(mongoose-6.18)") != 2 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

func TestMalformedLineIsReportedWithItsNumber(t *testing.T) {
	code, out, _ := mgsim(t, "# a comment\n{\"seq\":1}\nnot json\n", "check", "-")
	if code != 1 || !strings.Contains(out, "TR-1") || !strings.Contains(out, "line 3") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestRulesListsEveryRule(t *testing.T) {
	code, out, _ := mgsim(t, "", "rules")
	for _, r := range conformance.Rules() {
		if !strings.Contains(out, r.ID+" ") {
			t.Errorf("rule %s missing from mgsim rules", r.ID)
		}
	}
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestJUnitFileIsWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junit.xml")
	code, _, _ := mgsim(t, "", "run", "--scenario", "1.1", "--seeds", "1", "--junit", path)
	data, err := os.ReadFile(path)
	if code != 0 || err != nil || !bytes.Contains(data, []byte(`<testcase name="1.1 tcp/connect-accept-close"`)) {
		t.Fatalf("exit %d, err %v:\n%s", code, err, data)
	}
}

func TestHelp(t *testing.T) {
	if code, out, _ := mgsim(t, "", "help"); code != 0 || !strings.Contains(out, "mgsim run") {
		t.Fatalf("help: exit %d\n%s", code, out)
	}
	if code, _, errs := mgsim(t, "", "run", "-h"); code != 0 || !strings.Contains(errs, "-seeds") {
		t.Fatalf("run -h: exit %d\n%s", code, errs)
	}
}

func badProfile(t *testing.T, dir string) string {
	path := filepath.Join(dir, "bad.net")
	if err := os.WriteFile(path, []byte("name = bad\nlatency = fast\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCustomProfileFile: a profile read from a file runs, and its replay
// command names the file.
func TestCustomProfileFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.net")
	os.WriteFile(path, []byte("# a slow, choppy link\nname = mine\nlatency = 5ms\nmin_segment = 1\nmax_segment = 50\n"), 0o644)
	code, out, errs := mgsim(t, "", "run", "--scenario", "2.3", "--seeds", "2", "--profile-file", path)
	if code != 0 || !strings.Contains(out, "profiles mine") || !strings.Contains(out, "2/2 runs") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}
