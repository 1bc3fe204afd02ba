package conformance

import (
	"bufio"
	"io"
	"slices"
	"strconv"
)

// Report is the outcome of checking one trace.
type Report struct {
	Profile        Profile
	Events         int64   // events checked (lines that parsed, fault lines included)
	Conns          int64   // distinct connections seen
	Open           []int64 // connections still open at the end, ascending
	Violations     []Violation
	ViolationCount int64 // all violations, kept or not
	// Rules has one entry per rule of the profile, in catalogue order.
	Rules []RuleResult
}

// RuleResult says how one rule fared.
type RuleResult struct {
	Rule         string
	Checks       int64 // times the rule was evaluated
	Violations   int64
	NotEvaluated int64 // times it could not be, for lack of a field
	// Reason is "missing FIELD" when the rule could not always be
	// evaluated (FIELD is the first field found missing), "no occasion"
	// when nothing in the trace called for it, and empty otherwise. A rule
	// with no Checks was not evaluated: it did not pass.
	Reason string
}

// OK reports whether the trace broke no rule.
func (r *Report) OK() bool { return r.ViolationCount == 0 }

// Rule returns the result for one rule id.
func (r *Report) Rule(id string) (RuleResult, bool) {
	for _, rr := range r.Rules {
		if rr.Rule == id {
			return rr, true
		}
	}
	return RuleResult{}, false
}

func (c *Checker) buildReport() *Report {
	r := &Report{
		Profile:        c.opts.Profile,
		Events:         c.events,
		Conns:          c.nconns,
		Violations:     c.violations,
		ViolationCount: c.total,
		Open:           c.conns.appendIDs(make([]int64, 0, c.conns.len())),
	}
	slices.Sort(r.Open)
	for i := range catalogue {
		if c.on(ruleID(i)) {
			r.Rules = append(r.Rules, c.ruleResult(ruleID(i)))
		}
	}
	return r
}

func (c *Checker) ruleResult(id ruleID) RuleResult {
	rc := c.res[id]
	rr := RuleResult{Rule: catalogue[id].ID, Checks: c.checks[id], Violations: rc.violations, NotEvaluated: rc.notEval}
	switch {
	case rc.notEval > 0:
		rr.Reason = "missing " + rc.reason
	case rr.Checks == 0:
		rr.Reason = "no occasion"
	}
	return rr
}

// WriteText writes the report in a stable, readable form: a summary line;
// each kept violation as "RULE conn N line L (seq S, poll P): message"
// with its context indented below it, the offending line marked '>'; one
// line per rule; the connections left open.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("profile " + r.Profile.String() + ": " + plural(r.Events, "event") + ", " +
		plural(r.Conns, "connection") + ", " + plural(r.ViolationCount, "violation") + "\n")
	for i := range r.Violations {
		writeViolation(bw, &r.Violations[i])
	}
	if n := r.ViolationCount - int64(len(r.Violations)); n > 0 {
		bw.WriteString("... and " + plural(n, "more violation") + " (not kept)\n")
	}
	bw.WriteString("rules:\n")
	for _, rr := range r.Rules {
		writeRuleLine(bw, rr)
	}
	bw.WriteString("open connections: " + idList(r.Open) + "\n")
	return bw.Flush()
}

// String is the violation's one-line form, "RULE conn N line L (seq S,
// poll P): message", without what it does not have: a connection, a line
// (a live run's events have none), a seq or a poll.
func (v *Violation) String() string {
	s := v.Rule
	if v.Conn != NoConn {
		s += " conn " + itoa(v.Conn)
	}
	if v.Line > 0 { // a live run's events have no line
		s += " line " + strconv.Itoa(v.Line)
	}
	switch {
	case v.Seq != 0 && v.Poll != 0:
		s += " (seq " + itoa(v.Seq) + ", poll " + itoa(v.Poll) + ")"
	case v.Seq != 0:
		s += " (seq " + itoa(v.Seq) + ")"
	}
	return s + ": " + v.Msg
}

func writeViolation(bw *bufio.Writer, v *Violation) {
	bw.WriteString(v.String() + "\n")
	for _, l := range v.Context {
		bw.WriteString("    " + l + "\n")
	}
}

func writeRuleLine(bw *bufio.Writer, rr RuleResult) {
	level := "?"
	if rule, ok := LookupRule(rr.Rule); ok {
		level = rule.Level.String()
	}
	bw.WriteString("  " + pad(rr.Rule, 7) + " " + pad(level, 8) + " " + ruleStatus(rr) + "\n")
}

func ruleStatus(rr RuleResult) string {
	var s string
	switch {
	case rr.Violations > 0:
		s = "FAILED: " + itoa(rr.Violations) + " of " + plural(rr.Checks, "check")
	case rr.Checks > 0:
		s = "ok: " + plural(rr.Checks, "check")
	case rr.NotEvaluated > 0:
		return "not evaluated: " + rr.Reason + " (" + plural(rr.NotEvaluated, "time") + ")"
	default:
		return "not evaluated: no occasion"
	}
	if rr.NotEvaluated > 0 {
		s += "; not evaluated " + plural(rr.NotEvaluated, "time") + " (" + rr.Reason + ")"
	}
	return s
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return itoa(n) + " " + word + "s"
}

func pad(s string, n int) string {
	for len(s) < n {
		s += " "
	}
	return s
}

func idList(ids []int64) string {
	if len(ids) == 0 {
		return "none"
	}
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += " "
		}
		s += itoa(id)
	}
	return s
}
