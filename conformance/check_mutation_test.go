package conformance

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The mutation table: every single-line mutation of the real 6.18 traces
// must be caught, except the few listed below, each with the reason why
// the rules rightly let it pass.

// m618Blind lists the mutants the mongoose-6.18 profile cannot flag: each
// one is a trace a real run could have produced.
var m618Blind = map[string]string{
	"hello_echo drop 16":         "the client's RECV of the echo: a run where the echo was lost and EOF came first (EOF raises no event); lost bytes show only with peer digests (BUF-7)",
	"hello_echo drop 22":         "the last poll's only POLL: a run with one poll fewer before mg_mgr_free",
	"hello_echo drop 23":         "the listener's CLOSE in mg_mgr_free: a valid prefix of the trace",
	"refused_then_timer drop 1":  "connection 1's first POLL: the add_sock connection could have been made just after poll 1",
	"refused_then_timer drop 14": "the last CLOSE: a valid prefix of the trace",
}

// coreBlind lists the drops, duplicates and miscounts that the core
// profile lets pass beyond m618Blind's. Core does not fix the order inside
// a poll, so swaps and renames are left to the mongoose-6.18 profile.
var coreBlind = map[string]string{
	"hello_echo drop 1":         "the client's POLL before CONNECT: core lets an outbound connection get CONNECT first (the textbook order)",
	"hello_echo drop 4":         "the listener's POLL in poll 1: core does not say that a listener that accepts existed when the poll began",
	"refused_then_timer drop 2": "connection 2's POLL before its CONNECT: as hello_echo drop 1",
}

// mutant is a trace with one mutation, seq renumbered and t kept
// non-decreasing, so that TR-2 and TR-3 do not catch it trivially.
type mutant struct {
	key  string // "<trace> <kind> <line>[ <detail>]", line counted in events from 1
	kind string
	evs  []Event
}

func loadEvents(t *testing.T, path string) []Event {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Event
	r := NewReader(f)
	for {
		var e Event
		err := r.Next(&e)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, e)
	}
}

func mutantsOf(name string, evs []Event) []mutant {
	var out []mutant
	add := func(kind string, i int, detail string, m []Event) {
		key := name + " " + kind + " " + strconv.Itoa(i+1)
		if detail != "" {
			key += " " + detail
		}
		out = append(out, mutant{key: key, kind: kind, evs: renumber(m)})
	}
	for i := range evs {
		add("drop", i, "", slices.Delete(slices.Clone(evs), i, i+1))
		add("dup", i, "", slices.Insert(slices.Clone(evs), i, evs[i]))
		if i+1 < len(evs) {
			add("swap", i, "", swapKeepingTime(evs, i))
		}
		for _, c := range countChanges(evs[i]) {
			m := slices.Clone(evs)
			c.apply(&m[i])
			add("count", i, c.name, m)
		}
		for ev := EvPoll; ev <= EvTimer; ev++ {
			if ev != evs[i].Ev {
				m := slices.Clone(evs)
				rename(&m[i], ev)
				add("rename", i, ev.String(), m)
			}
		}
	}
	return out
}

// renumber sets seq to 1, 2, ... and keeps t from going back.
func renumber(evs []Event) []Event {
	for i := range evs {
		evs[i].Seq = int64(i + 1)
		if i > 0 {
			evs[i].T = math.Max(evs[i].T, evs[i-1].T)
		}
	}
	return evs
}

// swapKeepingTime swaps events i and i+1 but leaves each line's t where
// it was.
func swapKeepingTime(evs []Event, i int) []Event {
	m := slices.Clone(evs)
	m[i], m[i+1] = m[i+1], m[i]
	m[i].T, m[i+1].T = evs[i].T, evs[i+1].T
	return m
}

type countChange struct {
	name  string
	apply func(e *Event)
}

// countChanges: data of RECV and SEND, recv_len and send_len, each ±1.
func countChanges(e Event) []countChange {
	var out []countChange
	for _, d := range []int64{1, -1} {
		sign := "+1"
		if d < 0 {
			sign = "-1"
		}
		if e.Ev == EvRecv || e.Ev == EvSend {
			out = append(out, countChange{"data" + sign, func(e *Event) { e.DataInt += d; e.DataFloat = float64(e.DataInt) }})
		}
		out = append(out,
			countChange{"recv_len" + sign, func(e *Event) { e.RecvLen += d }},
			countChange{"send_len" + sign, func(e *Event) { e.SendLen += d }})
	}
	return out
}

// rename turns e into another core event, with data of the right kind so
// that the line still parses (TR-1 would catch it trivially otherwise).
func rename(e *Event, ev Ev) {
	count := e.DataInt
	if e.Ev != EvRecv && e.Ev != EvSend {
		count = 1
	}
	e.Ev, e.Name = ev, ev.String()
	e.DataKind, e.DataInt, e.DataFloat, e.DataStr = DataInt, 0, 0, ""
	switch ev {
	case EvClose:
		e.DataKind = DataNone
	case EvPoll:
		e.DataInt = int64(math.Floor(e.T))
	case EvTimer:
		e.DataKind, e.DataFloat = DataFloat, e.T
		if e.Has&HasTimer != 0 && e.Timer > 0 {
			e.DataFloat = e.Timer
		}
	case EvAccept:
		e.DataKind, e.DataStr = DataString, "127.0.0.1:1"
	case EvRecv, EvSend:
		e.DataInt = count
	}
	if e.DataKind == DataInt {
		e.DataFloat = float64(e.DataInt)
	}
}

// checkEvents checks events written out as trace lines.
func checkEvents(evs []Event, p Profile) *Report {
	c := NewChecker(CheckOptions{Profile: p, Context: -1})
	var line []byte
	for i := range evs {
		line = AppendEvent(line[:0], &evs[i])
		c.AddLine(line, i+1)
	}
	return c.Finish()
}

func traceText(evs []Event) string {
	var b []byte
	for i := range evs {
		b = AppendEvent(b, &evs[i])
		b = append(b, '\n')
	}
	return string(b)
}

func TestMutationsAreCaught(t *testing.T) {
	used := map[string]bool{}
	for _, path := range realTraces {
		name := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		evs := loadEvents(t, path)
		orig := traceText(renumber(slices.Clone(evs)))
		n := 0
		for _, m := range mutantsOf(name, evs) {
			if traceText(m.evs) == orig {
				continue // no change of meaning (e.g. a count already at its value)
			}
			n++
			checkMutant(t, m, used)
		}
		t.Logf("%s: %d mutants", name, n)
	}
	for _, list := range []map[string]string{m618Blind, coreBlind} {
		for key := range list {
			if !used[key] {
				t.Errorf("%q is listed as undetectable but is not a mutant that passes", key)
			}
		}
	}
}

func checkMutant(t *testing.T, m mutant, used map[string]bool) {
	t.Helper()
	m618 := checkEvents(m.evs, ProfileM618)
	if rr, _ := m618.Rule("TR-1"); rr.Violations > 0 {
		t.Errorf("%s: the mutant does not parse: %v", m.key, m618.Violations[0].Msg)
	}
	_, blind := m618Blind[m.key]
	if flagged := !m618.OK(); flagged == blind {
		t.Errorf("%s: mongoose-6.18 profile flags it: %v, want %v%s", m.key, flagged, !blind, mutantDetail(m, m618))
	}
	used[m.key] = used[m.key] || blind
	if m.kind == "swap" || m.kind == "rename" {
		return
	}
	_, coreOnly := coreBlind[m.key]
	core := checkEvents(m.evs, ProfileCore)
	if flagged := !core.OK(); flagged == (blind || coreOnly) {
		t.Errorf("%s: core profile flags it: %v, want %v%s", m.key, flagged, !(blind || coreOnly), mutantDetail(m, core))
	}
	used[m.key] = used[m.key] || coreOnly
}

func mutantDetail(m mutant, r *Report) string {
	return "\n" + reportText(r) + traceText(m.evs)
}

// A sample of mutants, with the rules that catch them.
func TestMutationsRules(t *testing.T) {
	cases := []struct {
		mutant  string
		profile Profile
		rules   []string
	}{
		{"hello_echo count 7 data+1", ProfileCore, []string{"BUF-1"}},
		{"hello_echo count 11 data-1", ProfileCore, []string{"BUF-3"}},
		{"hello_echo count 9 send_len+1", ProfileCore, []string{"BUF-4"}},
		{"hello_echo drop 6", ProfileCore, []string{"EV-7"}},
		{"hello_echo drop 5", ProfileCore, []string{"EV-2", "EV-5"}},
		{"hello_echo dup 2", ProfileCore, []string{"EV-3", "BUF-4"}},
		{"hello_echo dup 16", ProfileCore, []string{"CL-3a"}},
		{"hello_echo swap 5", ProfileCore, []string{"TR-3", "EV-2"}},
		{"hello_echo swap 8", ProfileM618, []string{"EV-9"}},
		{"hello_echo swap 4", ProfileM618, []string{"EV-9a"}},
		{"hello_echo swap 15", ProfileM618, []string{"EV-8", "CL-3a"}},
		{"hello_echo rename 23 POLL", ProfileCore, []string{"EV-7"}},
		{"hello_echo rename 22 CLOSE", ProfileCore, []string{"EV-1"}},
		{"hello_echo drop 1", ProfileM618, []string{"EV-8"}},
		{"refused_then_timer drop 3", ProfileCore, []string{"CL-3"}},
		{"refused_then_timer drop 8", ProfileCore, []string{"TM-2a"}},
		{"refused_then_timer dup 8", ProfileCore, []string{"TM-2"}},
		{"refused_then_timer swap 8", ProfileM618, []string{"TM-2", "TM-2a", "TM-5"}},
		{"refused_then_timer rename 14 POLL", ProfileM618, []string{"CL-4"}},
		{"refused_then_timer rename 6 TIMER", ProfileCore, []string{"EV-7", "TM-1", "TM-2"}},
	}
	all := map[string]mutant{}
	for _, path := range realTraces {
		name := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		for _, m := range mutantsOf(name, loadEvents(t, path)) {
			all[m.key] = m
		}
	}
	for _, c := range cases {
		m, ok := all[c.mutant]
		if !ok {
			t.Fatalf("no mutant %q", c.mutant)
		}
		r := checkEvents(m.evs, c.profile)
		if got := violated(r); !slices.Equal(got, c.rules) {
			t.Errorf("%s, profile %s: rules %v, want %v%s", c.mutant, c.profile, got, c.rules, mutantDetail(m, r))
		}
	}
}
