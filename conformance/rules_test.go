package conformance

import (
	"regexp"
	"testing"
)

// The catalogue ids of spec/semantics.md, each of which the checker must
// know under the same id.
var specRuleIDs = []string{
	"TR-1", "TR-2", "TR-3", "TR-4",
	"EV-1", "EV-2", "EV-3", "EV-4", "EV-5", "EV-6", "EV-7", "EV-8", "EV-9", "EV-10",
	"BUF-1", "BUF-2", "BUF-3", "BUF-4", "BUF-5", "BUF-6", "BUF-7", "BUF-8", "BUF-9",
	"CL-1", "CL-2", "CL-3", "CL-4", "CL-5", "CL-6",
	"TM-1", "TM-2", "TM-3", "TM-4", "TM-5",
	"UDP-1", "UDP-2", "UDP-3",
}

func TestRulesCatalogue(t *testing.T) {
	rules := Rules()
	seen := map[string]bool{}
	idForm := regexp.MustCompile(`^(TR|EV|BUF|CL|TM|UDP)-[0-9]+[a-z]?$`)
	for i, r := range rules {
		if !idForm.MatchString(r.ID) || seen[r.ID] {
			t.Errorf("rule %d: bad or repeated id %q", i, r.ID)
		}
		seen[r.ID] = true
		if r.Text == "" || r.Looks == "" {
			t.Errorf("%s: empty text", r.ID)
		}
		if got, ok := LookupRule(r.ID); !ok || got.ID != r.ID {
			t.Errorf("LookupRule(%q) = %v, %v", r.ID, got.ID, ok)
		}
	}
	for _, id := range specRuleIDs {
		if !seen[id] {
			t.Errorf("spec rule %s is missing", id)
		}
	}
	if _, ok := LookupRule("EV-99"); ok {
		t.Error("LookupRule found EV-99")
	}
	rules[0].ID = "changed"
	if Rules()[0].ID != "TR-1" {
		t.Error("Rules returned the catalogue itself")
	}
}

// A refinement comes right after the rule it refines, and each group keeps
// the spec's order.
func TestRulesOrder(t *testing.T) {
	var ids []string
	for _, r := range Rules() {
		if regexp.MustCompile(`^[A-Z]+-[0-9]+$`).MatchString(r.ID) {
			ids = append(ids, r.ID)
		}
	}
	for i := range ids {
		if ids[i] != specRuleIDs[i] {
			t.Fatalf("rule %d is %s, want %s", i, ids[i], specRuleIDs[i])
		}
	}
}

func TestProfiles(t *testing.T) {
	for _, p := range []Profile{ProfileCore, ProfileM618, ProfileTextbook} {
		if got, err := ParseProfile(p.String()); err != nil || got != p {
			t.Errorf("ParseProfile(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParseProfile("mongoose"); err == nil || err.Error() != `unknown profile "mongoose" (want core, mongoose-6.18 or textbook)` {
		t.Errorf("ParseProfile(mongoose): %v", err)
	}
	if s := Profile(9).String(); s != "unknown(9)" {
		t.Errorf("Profile(9) = %q", s)
	}
	if s := Level(7).String(); s != "unknown(7)" {
		t.Errorf("Level(7) = %q", s)
	}
	if ProfileCore.Includes(LevelM618) || !ProfileM618.Includes(LevelCore) || ProfileM618.Includes(LevelTextbook) || !ProfileTextbook.Includes(LevelTextbook) {
		t.Error("Includes is wrong")
	}
}
