package conformance

import (
	"strings"
	"testing"
)

func TestViolationString(t *testing.T) {
	cases := []struct {
		v    Violation
		want string
	}{
		{Violation{Rule: "BUF-3", Conn: 2, Line: 8, Seq: 7, Poll: 3, Msg: "m"}, "BUF-3 conn 2 line 8 (seq 7, poll 3): m"},
		{Violation{Rule: "CL-6", Conn: 0, Line: 9, Seq: 8, Msg: "m"}, "CL-6 conn 0 line 9 (seq 8): m"},
		{Violation{Rule: "TR-1", Conn: NoConn, Line: 4, Msg: "m"}, "TR-1 line 4: m"},
		{Violation{Rule: "TM-2", Conn: 1, Seq: 5, Poll: 2, Msg: "m"}, "TM-2 conn 1 (seq 5, poll 2): m"}, // from a live run
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestWriteText(t *testing.T) {
	r := &Report{
		Profile: ProfileM618, Events: 1, Conns: 3, Open: []int64{4, 9}, ViolationCount: 3,
		Violations: []Violation{{Rule: "EV-7", Conn: 4, Line: 2, Seq: 2, Poll: 1, Msg: "no POLL", Context: []string{"  a", "> b"}}},
		Rules: []RuleResult{
			{Rule: "TR-1", Checks: 1},
			{Rule: "EV-7", Checks: 4, Violations: 3},
			{Rule: "BUF-7", NotEvaluated: 1, Reason: "missing peer"},
			{Rule: "TM-3", Checks: 2, NotEvaluated: 5, Reason: "missing timer"},
			{Rule: "UDP-1", Reason: "no occasion"},
		},
	}
	want := `profile mongoose-6.18: 1 event, 3 connections, 3 violations
EV-7 conn 4 line 2 (seq 2, poll 1): no POLL
      a
    > b
... and 2 more violations (not kept)
rules:
  TR-1    core     ok: 1 check
  EV-7    core     FAILED: 3 of 4 checks
  BUF-7   core     not evaluated: missing peer (1 time)
  TM-3    core     ok: 2 checks; not evaluated 5 times (missing timer)
  UDP-1   core     not evaluated: no occasion
open connections: 4 9
`
	var b strings.Builder
	if err := r.WriteText(&b); err != nil || b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if rr, ok := r.Rule("TM-3"); !ok || rr.NotEvaluated != 5 {
		t.Errorf("Rule(TM-3) = %+v, %v", rr, ok)
	}
	if _, ok := r.Rule("TM-9"); ok {
		t.Error("Rule(TM-9) found")
	}
	if r.OK() || !(&Report{}).OK() {
		t.Error("OK is wrong")
	}
}

// A rule result says "not evaluated", never "ok", when the rule had no
// field to work with.
func TestRuleResultReasons(t *testing.T) {
	in := `{"seq":1,"t":1,"conn":1,"role":"outbound","ev":"POLL","data":1,"recv_len":0,"send_len":0}` + "\n"
	r, _ := CheckReader(strings.NewReader(in), CheckOptions{Profile: ProfileM618})
	for _, c := range []struct{ rule, reason string }{
		{"TR-4", "missing poll"}, {"EV-7", "missing poll"}, {"CL-3", "missing flags"}, {"BUF-2a", "missing recv_after"},
		{"TM-2", "no occasion"}, {"UDP-1", "no occasion"},
	} {
		rr, _ := r.Rule(c.rule)
		if rr.Checks != 0 || rr.Reason != c.reason {
			t.Errorf("%s: %+v, want not evaluated: %s", c.rule, rr, c.reason)
		}
	}
}
