package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// failureText describes a failed run for humans: its own failures, then
// each kept violation with the events around it.
func failureText(r *Result) string {
	var b strings.Builder
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	if r.Check == nil {
		return b.String()
	}
	for i := range r.Check.Violations {
		v := &r.Check.Violations[i]
		b.WriteString("  " + v.String() + "\n")
		for _, c := range v.Context {
			fmt.Fprintf(&b, "      %s\n", c)
		}
	}
	if n := r.Check.ViolationCount - int64(len(r.Check.Violations)); n > 0 {
		fmt.Fprintf(&b, "  ... and %d more violations\n", n)
	}
	return b.String()
}

// WriteText writes the suite report for humans: one line per scenario, the
// first failure of each failing scenario with its replay command, and a
// total. It is byte-identical for the same options and build.
func (s *SuiteResult) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "mgsim conformance: impl %s, rules %s, %s, profiles %s\n", s.Impl, s.Rules, seedText(s), strings.Join(s.Nets, ","))
	for _, sr := range s.Scenarios {
		writeScenarioLine(&b, sr)
	}
	passed := 0
	for _, sr := range s.Scenarios {
		if sr.OK() {
			passed++
		}
	}
	fmt.Fprintf(&b, "%d scenarios, %d runs: %d scenarios passed, %d failed (%d failing runs)\n",
		len(s.Scenarios), s.Runs, passed, len(s.Scenarios)-passed, s.Failed)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeScenarioLine(b *strings.Builder, sr *ScenarioResult) {
	verdict := "PASS"
	if !sr.OK() {
		verdict = "FAIL"
	}
	if sr.Runs == 0 {
		verdict = "SKIP"
	}
	fmt.Fprintf(b, "%s %-5s %-36s %d/%d runs\n", verdict, sr.Scenario.ID, sr.Scenario.Name, sr.Runs-sr.Failed, sr.Runs)
	if r := sr.First; r != nil {
		fmt.Fprintf(b, "     first failure: seed %d, profile %s\n", r.Seed, r.Net)
		b.WriteString(indent(failureText(r), "   "))
		fmt.Fprintf(b, "     replay: %s\n", r.Replay())
	}
}

func indent(text, prefix string) string {
	if text == "" {
		return ""
	}
	lines := strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n")
	return prefix + strings.Join(lines, prefix) + "\n"
}

func seedText(s *SuiteResult) string {
	switch n := len(s.Seeds); n {
	case 0:
		return "no seeds"
	case 1:
		return fmt.Sprintf("seed %d", s.Seeds[0])
	default:
		return fmt.Sprintf("seeds %d..%d", s.Seeds[0], s.Seeds[n-1])
	}
}

// jsonSuite is the JSON form of a suite report.
type jsonSuite struct {
	Impl      string         `json:"impl"`
	Rules     string         `json:"rules"`
	Seeds     []uint64       `json:"seeds"`
	Profiles  []string       `json:"profiles"`
	Runs      int            `json:"runs"`
	Failed    int            `json:"failed_runs"`
	OK        bool           `json:"ok"`
	Scenarios []jsonScenario `json:"scenarios"`
}

type jsonScenario struct {
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Title  string      `json:"title"`
	Rules  []string    `json:"rules"`
	Runs   int         `json:"runs"`
	Failed int         `json:"failed_runs"`
	Events int64       `json:"events"`
	First  *jsonResult `json:"first_failure,omitempty"`
}

type jsonResult struct {
	Seed       uint64          `json:"seed"`
	Profile    string          `json:"profile"`
	Failures   []string        `json:"failures"`
	Violations []jsonViolation `json:"violations"`
	Replay     string          `json:"replay"`
}

type jsonViolation struct {
	Rule    string   `json:"rule"`
	Conn    int64    `json:"conn"`
	Line    int      `json:"line"`
	Seq     int64    `json:"seq"`
	Poll    int64    `json:"poll"`
	Message string   `json:"message"`
	Context []string `json:"context"`
}

// WriteJSON writes the suite report as one JSON document (deterministic).
func (s *SuiteResult) WriteJSON(w io.Writer) error {
	doc := jsonSuite{Impl: s.Impl, Rules: s.Rules.String(), Profiles: s.Nets, Runs: s.Runs, Failed: s.Failed, OK: s.OK()}
	for _, seed := range s.Seeds {
		doc.Seeds = append(doc.Seeds, uint64(seed))
	}
	for _, sr := range s.Scenarios {
		doc.Scenarios = append(doc.Scenarios, jsonScenarioOf(sr))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func jsonScenarioOf(sr *ScenarioResult) jsonScenario {
	js := jsonScenario{ID: sr.Scenario.ID, Name: sr.Scenario.Name, Title: sr.Scenario.Title, Rules: sr.Scenario.Rules, Runs: sr.Runs, Failed: sr.Failed, Events: sr.Events}
	if r := sr.First; r != nil {
		jr := &jsonResult{Seed: uint64(r.Seed), Profile: r.Net, Failures: r.Failures, Replay: r.Replay()}
		if r.Check != nil {
			for _, v := range r.Check.Violations {
				jr.Violations = append(jr.Violations, jsonViolation{v.Rule, v.Conn, v.Line, v.Seq, v.Poll, v.Msg, v.Context})
			}
		}
		js.First = jr
	}
	return js
}

// JUnit XML, in the shape of the common JUnit schema (the one Jenkins and
// most CI systems read): testsuites > testsuite > testcase, with
// properties, failure, system-out and system-err elements.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Package    string          `xml:"package,attr"`
	ID         int             `xml:"id,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the suite as JUnit XML: one testcase per scenario
// (classname "mgsim.<impl>", name "<id> <name>"), failing with the first
// failure's details and replay command. started and elapsed are the only
// wall-clock values in it (attributes timestamp and time).
func (s *SuiteResult) WriteJUnit(w io.Writer, started time.Time, elapsed time.Duration) error {
	secs := fmt.Sprintf("%.3f", elapsed.Seconds())
	suite := junitSuite{Name: "mgsim conformance (" + s.Impl + ")", Package: "mgsim", Time: secs,
		Timestamp: started.UTC().Format("2006-01-02T15:04:05"), Hostname: "localhost"}
	suite.Properties = []junitProperty{{"impl", s.Impl}, {"rules", s.Rules.String()}, {"seeds", seedText(s)}, {"profiles", strings.Join(s.Nets, ",")}}
	for _, sr := range s.Scenarios {
		suite.Cases = append(suite.Cases, junitCaseOf(s.Impl, sr))
		suite.Tests++
		if sr.Runs == 0 {
			suite.Skipped++
		} else if !sr.OK() {
			suite.Failures++
		}
	}
	doc := junitSuites{Name: "mgsim", Tests: suite.Tests, Failures: suite.Failures, Time: secs, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitCaseOf(impl string, sr *ScenarioResult) junitCase {
	c := junitCase{Name: sr.Scenario.ID + " " + sr.Scenario.Name, Classname: "mgsim." + impl, Time: "0"}
	if sr.Runs == 0 {
		c.Skipped = &struct{}{}
	}
	if r := sr.First; r != nil {
		msg := fmt.Sprintf("%d of %d runs failed; first: seed %d, profile %s", sr.Failed, sr.Runs, r.Seed, r.Net)
		c.Failure = &junitFailure{Message: msg, Type: "conformance", Text: failureText(r) + "replay: " + r.Replay() + "\n"}
	}
	return c
}
