package main

import (
	"strings"
	"testing"
)

func runArgs(t *testing.T, args ...string) (code int, stdout, stderr string) {
	return mgsim(t, "", args...)
}

func TestMutantsList(t *testing.T) {
	code, out, _ := runArgs(t, "mutants", "--list")
	if code != 0 || !strings.Contains(out, "mutant/close-twice\tcore\tCLOSE is delivered twice\n") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	code, out, _ = runArgs(t, "mutants", "--list", "--survivors")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || strings.Contains(out, "mutant/close-twice") {
		t.Errorf("--survivors: exit %d, output:\n%s", code, out)
	}
	for _, l := range lines {
		if l != "" && !strings.Contains(l, "\tgap: ") {
			t.Errorf("--survivors: a survivor without its gap: %q", l)
		}
	}
}

func TestMutantsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"mutants", "--seeds", "0"},
		{"mutants", "--jobs", "0"},
		{"mutants", "extra"},
		{"mutants", "--bogus"},
	} {
		if code, _, errs := runArgs(t, args...); code != 2 || !strings.Contains(errs, "mutants") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a usage message", args, code, errs)
		}
	}
}

// A mutant runs like any implementation, under its own level.
func TestRunMutant(t *testing.T) {
	code, out, _ := runArgs(t, "run", "--impl", "mutant/close-twice", "--scenario", "1.1", "--seed", "1", "--profile", "lan")
	if code != 1 || !strings.Contains(out, "impl mutant/close-twice, rules core") || !strings.Contains(out, "EV-1") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	code, _, errs := runArgs(t, "run", "--impl", "mutant/no-such-bug")
	if code != 2 || !strings.Contains(errs, "mgsim mutants --list") {
		t.Errorf("unknown mutant: exit %d, stderr %q", code, errs)
	}
}
