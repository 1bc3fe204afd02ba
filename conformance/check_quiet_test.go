package conformance

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The quiet-POLL path (check_quiet.go) must give the report of the full
// path, evaluation counts included, on any trace: these tests check both
// ways on traces broken around their POLLs and compare.

// checkBothWays checks evs on the full path and with quiet POLLs, and
// returns both reports and how many events took the quiet path.
func checkBothWays(evs []Event, p Profile) (full, quick *Report, quiet int64) {
	o := CheckOptions{Profile: p, MaxKept: 1 << 20}
	slow, fast := NewChecker(o), NewChecker(o)
	slow.fullPolls = true
	for i := range evs {
		slow.Add(&evs[i])
		fast.Add(&evs[i])
	}
	return slow.Finish(), fast.Finish(), fast.quiet
}

func assertSameReport(t fataler, what string, evs []Event, p Profile) int64 {
	t.Helper()
	full, quick, quiet := checkBothWays(evs, p)
	if !reflect.DeepEqual(full, quick) {
		t.Fatalf("%s, profile %s: the quiet path's report differs from the full path's\nquiet:\n%s\nfull:\n%s\ntrace:\n%s",
			what, p, reportText(quick), reportText(full), traceText(evs))
	}
	return quiet
}

type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// TestQuietPollMatchesFullPath: every single-line mutant of the real 6.18
// traces and every check case, under both profiles.
func TestQuietPollMatchesFullPath(t *testing.T) {
	var quiet int64
	for _, path := range realTraces {
		name := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		evs := loadEvents(t, path)
		for _, p := range allProfiles {
			quiet += assertSameReport(t, name, evs, p)
			for _, m := range mutantsOf(name, evs) {
				assertSameReport(t, m.key, m.evs, p)
			}
		}
	}
	cases, err := filepath.Glob("testdata/check/*.jsonl")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no check cases: %v", err)
	}
	for _, path := range cases {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range allProfiles {
			quiet += assertSameReport(t, path, readEvents(data), p)
		}
	}
	if quiet < 20 {
		t.Fatalf("only %d events took the quiet path: the comparison tests little", quiet)
	}
}

// A timer of -0 equals 0, so a POLL that finds 0 and leaves -0 is quiet;
// the timer it leaves is -0 all the same, which a later message shows.
func TestQuietPollKeepsNegativeZero(t *testing.T) {
	line := func(seq, poll int, ev, data, flags, timer, after string) string {
		return `{"seq":` + strconv.Itoa(seq) + `,"t":1,"conn":1,"role":"outbound","udp":false,"ev":"` + ev + `"` + data +
			`,"recv_len":0,"send_len":0,"recv_after":0,"send_after":0,"flags":` + flags + `,"flags_after":` + flags +
			`,"queued":0,"removed":0,"timer":` + timer + `,"timer_after":` + after + `,"poll":` + strconv.Itoa(poll) + `,"origin":"connect"}` + "\n"
	}
	for _, zeros := range [][2]string{{"0", "-0"}, {"-0", "0"}} {
		trace := line(1, 1, "POLL", `,"data":1`, "8", zeros[0], zeros[0]) +
			line(2, 1, "CONNECT", `,"data":0`, "0", zeros[0], zeros[0]) +
			line(3, 2, "POLL", `,"data":1`, "0", zeros[1], zeros[1]) + // quiet
			line(4, 3, "POLL", `,"data":1`, "0", "5", "5") // TM-2a: says what the previous handler left
		evs := readEvents([]byte(trace))
		if len(evs) != 4 {
			t.Fatalf("%d events parsed", len(evs))
		}
		if assertSameReport(t, "timer "+zeros[0]+" then "+zeros[1], evs, ProfileM618) == 0 {
			t.Fatal("the POLL with the other zero was not quiet")
		}
	}
}

// TestQuietPollMatchesFullPathWhenBroken breaks synthetic sessions at
// random, around their POLLs: each break changes one field of one event
// (a buffer length, a flag bit, the timer, a missing field, the role) so
// that a POLL is just quiet, or just not, and the two paths must agree.
func TestQuietPollMatchesFullPathWhenBroken(t *testing.T) {
	bases := [][]Event{
		readEvents((&synth{t: 1000}).trace(6)),
		readEvents((&synth{t: 1000, peers: true, digests: true}).trace(6)),
		readEvents((&synth{t: 1000, outOnly: true}).trace(6)),
		loadEvents(t, realTraces[0]),
		loadEvents(t, realTraces[1]),
	}
	for i, b := range bases[:4] { // refused_then_timer has none: each POLL follows a change
		if _, _, quiet := checkBothWays(b, ProfileM618); quiet == 0 {
			t.Fatalf("base %d has no quiet POLL", i)
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		evs := slices.Clone(bases[rapid.IntRange(0, len(bases)-1).Draw(rt, "base")])
		for range rapid.IntRange(1, 3).Draw(rt, "breaks") {
			i := pickEvent(rt, evs)
			breakField(rt, &evs[i])
		}
		p := rapid.SampledFrom(allProfiles).Draw(rt, "profile")
		assertSameReport(rt, "broken trace", evs, p)
	})
}

// pickEvent draws an event, a POLL or the call just before one most of
// the time.
func pickEvent(t *rapid.T, evs []Event) int {
	i := rapid.IntRange(0, len(evs)-1).Draw(t, "event")
	if rapid.Bool().Draw(t, "near a POLL") {
		for j := i; j < len(evs); j++ {
			if evs[j].Ev == EvPoll {
				return max(j-rapid.IntRange(0, 1).Draw(t, "before"), 0)
			}
		}
	}
	return i
}

// breakField changes one field of e.
func breakField(t *rapid.T, e *Event) {
	d := rapid.SampledFrom([]int64{-1, 1, 7}).Draw(t, "by")
	bit := rapid.SampledFrom([]uint32{fListening, fUDP, fResolving, fConnecting, fWantRead, fSendAndClose, fCloseImmediately, fProto1, 1 << 20}).Draw(t, "bit")
	has := rapid.SampledFrom([]Has{HasFlags, HasFlagsAfter, HasRecvAfter, HasSendAfter, HasQueued, HasRemoved, HasTimer, HasTimerAfter, HasPoll, HasPeer, HasUDP}).Draw(t, "field")
	switch rapid.IntRange(0, 17).Draw(t, "break") {
	case 0:
		e.RecvLen += d
	case 1:
		e.RecvAfter += d
	case 2:
		e.SendLen += d
	case 3:
		e.SendAfter += d
	case 4:
		e.Queued += d
	case 5:
		e.Removed += d
	case 6:
		e.Flags ^= bit
	case 7:
		e.FlagsAfter ^= bit
	case 8:
		e.Flags, e.FlagsAfter = e.Flags^bit, e.FlagsAfter^bit
	case 9:
		e.Timer += float64(d)
	case 10:
		e.TimerAfter += float64(d)
	case 11:
		e.Timer, e.TimerAfter = math.NaN(), math.NaN()
	case 12:
		e.Has &^= has
	case 13:
		e.UDP = !e.UDP
	case 14:
		e.Role = rapid.SampledFrom([]Role{RoleUnknown, RoleListener, RoleInbound, RoleOutbound}).Draw(t, "role")
	case 15:
		e.Peer, e.Has = e.Peer+d, e.Has|HasPeer
	case 16:
		e.Ev = EvPoll
		e.DataKind, e.DataInt, e.DataFloat = DataInt, int64(e.T), float64(int64(e.T))
	case 17:
		e.Timer, e.TimerAfter = math.Copysign(0, -1), math.Copysign(0, -1)
	}
}

var allProfiles = []Profile{ProfileCore, ProfileM618, ProfileTextbook}
