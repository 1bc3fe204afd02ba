package conformance

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var realTraces = []string{"testdata/real/hello_echo.jsonl", "testdata/real/refused_then_timer.jsonl"}

func checkFile(t *testing.T, path string, o CheckOptions) *Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := CheckReader(f, o)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

func reportText(r *Report) string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}

// violated returns the ids of the rules a report found broken, sorted.
func violated(r *Report) []string {
	var ids []string
	for _, rr := range r.Rules {
		if rr.Violations > 0 {
			ids = append(ids, rr.Rule)
		}
	}
	return ids
}

// Both real Mongoose 6.18 recordings keep every rule of both profiles.
func TestRealTracesPass(t *testing.T) {
	for _, path := range realTraces {
		for _, p := range []Profile{ProfileCore, ProfileM618} {
			r := checkFile(t, path, CheckOptions{Profile: p})
			if !r.OK() || len(r.Open) != 0 {
				t.Errorf("%s, profile %s:\n%s", path, p, reportText(r))
			}
		}
	}
}

// The real traces exercise most rules; those they cannot exercise say why.
func TestRealTracesEvaluateRules(t *testing.T) {
	evaluated := map[string]bool{}
	for _, path := range realTraces {
		r := checkFile(t, path, CheckOptions{Profile: ProfileM618})
		if len(r.Rules) != countLevels(LevelCore, LevelM618) {
			t.Fatalf("%d rule results, want one per core and m618 rule", len(r.Rules))
		}
		for _, rr := range r.Rules {
			if rr.Checks > 0 {
				evaluated[rr.Rule] = true
			}
		}
	}
	// Nothing in the two traces calls for these: no UDP, no stream digests,
	// no failed write, no timer in the wrong place.
	notInRealTraces := []string{"BUF-7", "UDP-1", "UDP-2", "UDP-3", "UDP-3a"}
	for _, rule := range Rules() {
		if rule.Level == LevelTextbook {
			continue
		}
		want := !slices.Contains(notInRealTraces, rule.ID)
		if evaluated[rule.ID] != want {
			t.Errorf("rule %s evaluated on the real traces: %v, want %v", rule.ID, evaluated[rule.ID], want)
		}
	}
	r := checkFile(t, realTraces[0], CheckOptions{})
	if rr, _ := r.Rule("BUF-7"); rr.Checks != 0 || rr.NotEvaluated == 0 || rr.Reason != "missing tx_bytes" {
		t.Errorf("BUF-7 on a trace without digests: %+v, want not evaluated for a missing field", rr)
	}
}

func countLevels(levels ...Level) int {
	n := 0
	for _, r := range Rules() {
		if slices.Contains(levels, r.Level) {
			n++
		}
	}
	return n
}

// checkCase is one file of testdata/check: a small trace that breaks
// exactly the rule named in its "# expect:" line ("ok": none), checked
// with the profiles of its "# profile:" line (default: the lowest profile
// holding the rule; core and mongoose-6.18 for "ok").
type checkCase struct {
	path     string
	expect   string
	profiles []Profile
}

func readCheckCase(t *testing.T, path string) checkCase {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := checkCase{path: path}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "# expect: "); ok {
			c.expect = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "# profile: "); ok {
			p, err := ParseProfile(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			c.profiles = append(c.profiles, p)
		}
	}
	if c.expect == "" {
		t.Fatalf("%s: no \"# expect:\" line", path)
	}
	if len(c.profiles) == 0 {
		c.profiles = defaultProfiles(t, c)
	}
	return c
}

func defaultProfiles(t *testing.T, c checkCase) []Profile {
	if c.expect == "ok" {
		return []Profile{ProfileCore, ProfileM618}
	}
	rule, ok := LookupRule(c.expect)
	if !ok {
		t.Fatalf("%s: unknown rule %q", c.path, c.expect)
	}
	return []Profile{[...]Profile{ProfileCore, ProfileM618, ProfileTextbook}[rule.Level]}
}

func TestCheckCases(t *testing.T) {
	paths, err := filepath.Glob("testdata/check/*.jsonl")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no test traces: %v", err)
	}
	covered := map[string]bool{}
	for _, path := range paths {
		c := readCheckCase(t, path)
		covered[c.expect] = true
		t.Run(strings.TrimSuffix(filepath.Base(path), ".jsonl"), func(t *testing.T) {
			for _, p := range c.profiles {
				r := checkFile(t, path, CheckOptions{Profile: p})
				want := []string{c.expect}
				if c.expect == "ok" {
					want = nil
				}
				if got := violated(r); !slices.Equal(got, want) {
					t.Errorf("profile %s: violated %v, want %v\n%s", p, got, want, reportText(r))
				}
			}
		})
	}
	for _, rule := range Rules() {
		if !covered[rule.ID] {
			t.Errorf("no trace in testdata/check breaks rule %s", rule.ID)
		}
	}
}

// Together, the valid traces of testdata/check and the real traces give
// every rule something to evaluate.
func TestValidTracesEvaluateEveryRule(t *testing.T) {
	paths, _ := filepath.Glob("testdata/check/ok_*.jsonl")
	evaluated := map[string]bool{}
	for _, path := range append(paths, realTraces...) {
		r := checkFile(t, path, CheckOptions{Profile: ProfileM618})
		for _, rr := range r.Rules {
			if rr.Checks > 0 {
				evaluated[rr.Rule] = true
			}
		}
	}
	for _, rule := range Rules() {
		if rule.Level != LevelTextbook && !evaluated[rule.ID] {
			t.Errorf("rule %s is evaluated by no valid trace", rule.ID)
		}
	}
}

// Malformed lines are TR-1 violations at their line, never a panic; the
// events around them are still checked.
func TestMalformedInput(t *testing.T) {
	lines := []string{
		`# a comment`,
		evA,
		`{"seq":2,"t":1,"conn":1,`,
		`{"seq":"3","t":1,"conn":1,"role":"outbound","ev":"POLL","data":1,"recv_len":0,"send_len":0}`,
		`{"seq":4,"t":1,"conn":1,"role":"outbound","ev":"POLL","data":1,"send_len":0}`,
		"\x00\x01\xff\xfe garbage \x7f",
		`{"pad":"` + strings.Repeat("z", MaxLineLen) + `"}`,
		`[]`,
		evB,
	}
	r, err := CheckReader(strings.NewReader(strings.Join(lines, "\n")), CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range r.Violations {
		got = append(got, fmt.Sprintf("%s line %d", v.Rule, v.Line))
	}
	want := []string{"TR-1 line 3", "TR-1 line 4", "TR-1 line 5", "TR-1 line 6", "TR-1 line 7", "TR-1 line 8"}
	if !slices.Equal(got, want) || r.Events != 2 {
		t.Errorf("violations %v, want %v; events %d, want 2\n%s", got, want, r.Events, reportText(r))
	}
	if v := r.Violations[0]; v.Conn != NoConn || !slices.Contains(v.Context, `> {"seq":2,"t":1,"conn":1,`) {
		t.Errorf("the malformed line is not marked in its context: %q", v.Context)
	}
}

// No input makes the checker panic: random bytes, and the real traces with
// random bytes changed, lines dropped, repeated or shuffled. The seed is
// fixed so that a failure reproduces.
func TestNoPanicOnAnyInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var seeds [][]byte
	for _, path := range realTraces {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	for i := 0; i < 2000; i++ {
		var in []byte
		if i%4 == 0 {
			in = randomBytes(rng, rng.IntN(2000))
		} else {
			in = mutateTrace(rng, seeds[i%len(seeds)])
		}
		for _, p := range []Profile{ProfileCore, ProfileM618, ProfileTextbook} {
			r, err := CheckReader(bytes.NewReader(in), CheckOptions{Profile: p, MaxKept: 5})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.WriteText(io.Discard); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return b
}

// mutateTrace applies a few random edits to a trace's bytes or lines.
func mutateTrace(rng *rand.Rand, data []byte) []byte {
	lines := bytes.Split(slices.Clone(data), []byte("\n"))
	for k := rng.IntN(4) + 1; k > 0; k-- {
		i := rng.IntN(len(lines))
		switch rng.IntN(6) {
		case 0: // change one byte
			if len(lines[i]) > 0 {
				lines[i] = slices.Clone(lines[i])
				lines[i][rng.IntN(len(lines[i]))] = byte(rng.IntN(256))
			}
		case 1: // drop a line
			lines = slices.Delete(lines, i, i+1)
		case 2: // repeat a line
			lines = slices.Insert(lines, i, lines[i])
		case 3: // swap two lines
			j := rng.IntN(len(lines))
			lines[i], lines[j] = lines[j], lines[i]
		case 4: // cut a line short
			lines[i] = lines[i][:rng.IntN(len(lines[i])+1)]
		case 5: // change a number
			lines[i] = bytes.Replace(lines[i], []byte(`:0,`), []byte(fmt.Sprintf(":%d,", rng.Int64()-rng.Int64())), 1)
		}
		if len(lines) == 0 {
			lines = [][]byte{nil}
		}
	}
	return bytes.Join(lines, []byte("\n"))
}

// The checker never panics on any input, and a trace it passes stays
// passed when its lines are written in canonical form.
func FuzzCheck(f *testing.F) {
	for _, path := range realTraces {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data) // a real 6.18 trace
	}
	f.Add([]byte("{\n}\n" + evA + "\n" + evA + "\n")) // malformed, then a repeated event
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := CheckReader(bytes.NewReader(data), CheckOptions{Profile: ProfileM618})
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() {
			return
		}
		var canon []byte
		rd := NewReader(bytes.NewReader(data))
		for {
			var e Event
			if err := rd.Next(&e); err != nil {
				break
			}
			canon = append(AppendEvent(canon, &e), '\n')
		}
		if r2, _ := CheckReader(bytes.NewReader(canon), CheckOptions{Profile: ProfileM618}); !r2.OK() {
			t.Fatalf("passes as written but not in canonical form:\n%s", reportText(r2))
		}
	})
}

// Memory follows the open connections: after thousands of connections have
// come and gone, only the listener is kept, and closed ids fit in one
// interval.
func TestMemoryFollowsOpenConnections(t *testing.T) {
	c := NewChecker(CheckOptions{Profile: ProfileM618})
	lines := bytes.Split(synthTrace(3000), []byte("\n"))
	for i, l := range lines[:len(lines)-3] { // stop before mg_mgr_free
		c.AddLine(l, i+1)
	}
	m := c.mgrs[0]
	if c.conns.len() != 1 || len(c.closed.iv) != 1 || len(m.conns)+len(m.pending) > 3 || len(c.streams) != 0 {
		t.Errorf("kept %d connections, %d closed intervals, %d listed, %d streams",
			c.conns.len(), len(c.closed.iv), len(m.conns)+len(m.pending), len(c.streams))
	}
	if r := c.Finish(); !r.OK() || r.Conns != 6001 || !slices.Equal(r.Open, []int64{1}) {
		t.Errorf("conns %d, open %v\n%s", r.Conns, r.Open, reportText(r))
	}
}

func TestIDSet(t *testing.T) {
	var s idSet
	for _, id := range []int64{5, 3, 4, 10, 1, minInt64, maxInt64, 9, 2, 11} {
		s.add(id)
		s.add(id)
	}
	want := []interval{{minInt64, minInt64}, {1, 5}, {9, 11}, {maxInt64, maxInt64}}
	if !slices.Equal(s.iv, want) {
		t.Errorf("intervals %v, want %v", s.iv, want)
	}
	for _, c := range []struct {
		id   int64
		want bool
	}{{0, false}, {1, true}, {5, true}, {6, false}, {8, false}, {10, true}, {12, false}, {minInt64, true}, {maxInt64 - 1, false}} {
		if s.has(c.id) != c.want {
			t.Errorf("has(%d) = %v", c.id, !c.want)
		}
	}
}

// A violation shows the events around it, of any connection, in
// canonical form, with the offending one marked.
func TestViolationContext(t *testing.T) {
	path := "testdata/check/ev7_missed_poll.jsonl"
	evs := loadEvents(t, path)
	r := checkFile(t, path, CheckOptions{Context: 2})
	if len(r.Violations) != 1 {
		t.Fatalf("%s", reportText(r))
	}
	v := r.Violations[0]
	// Poll 3 ends with the listener's POLL (the 12th event), where the
	// client's missing POLL shows.
	var want []string
	for i := 9; i <= 13; i++ {
		mark := "  "
		if i == 11 {
			mark = "> "
		}
		want = append(want, mark+string(AppendEvent(nil, &evs[i])))
	}
	if !slices.Equal(v.Context, want) || v.Seq != 12 || v.Line != evs[11].Line || v.Poll != 3 || v.Conn != 1 {
		t.Errorf("violation %+v\nwant context %q", v, want)
	}
	if r := checkFile(t, path, CheckOptions{Context: -1}); r.Violations[0].Context != nil {
		t.Errorf("Context -1 still gives %q", r.Violations[0].Context)
	}
}

func TestMaxKept(t *testing.T) {
	in := strings.Repeat("nonsense\n", 30)
	for _, c := range []struct{ max, kept int }{{0, 30}, {10, 10}, {-1, 0}} {
		r, _ := CheckReader(strings.NewReader(in), CheckOptions{MaxKept: c.max})
		if len(r.Violations) != c.kept || r.ViolationCount != 30 {
			t.Errorf("MaxKept %d: kept %d of %d", c.max, len(r.Violations), r.ViolationCount)
		}
	}
}

// With clock=poll (a directive or the option), every call of a poll has
// the poll's time; without it, call times within a poll may differ.
func TestPollClock(t *testing.T) {
	data, err := os.ReadFile("testdata/real/hello_echo.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in     []byte
		option bool
		tr4    bool
	}{
		{data, false, false},
		{data, true, true},
		{append([]byte("# mgsim-trace v1 clock=poll\n"), data...), false, true},
	} {
		r, _ := CheckReader(bytes.NewReader(c.in), CheckOptions{Profile: ProfileM618, PollClock: c.option})
		if got := slices.Contains(violated(r), "TR-4"); got != c.tr4 {
			t.Errorf("option %v, directive %v: TR-4 broken %v, want %v", c.option, c.in[0] == '#', got, c.tr4)
		}
	}
	// A kit trace: one time per poll.
	r := checkFile(t, "testdata/check/ok_timers.jsonl", CheckOptions{Profile: ProfileM618})
	if !r.OK() {
		t.Fatal(reportText(r))
	}
}

// Two managers in one trace, their polls interleaved: polls count per
// manager, and each is held to its own rules.
func TestTwoManagers(t *testing.T) {
	var b []byte
	for i, e := range loadEvents(t, "testdata/check/ok_echo.jsonl") {
		for m := int64(0); m < 2; m++ {
			e.Seq, e.Mgr, e.Conn, e.Has = int64(2*i+1)+m, m, e.Conn+10*m, e.Has|HasMgr
			if e.Has&HasListener != 0 {
				e.Listener = 2 + 10*m
			}
			b = append(AppendEvent(b, &e), '\n')
		}
	}
	r, _ := CheckReader(bytes.NewReader(b), CheckOptions{Profile: ProfileM618})
	if !r.OK() || r.Conns != 6 {
		t.Errorf("conns %d\n%s", r.Conns, reportText(r))
	}
}

// The same trace gives the same report, byte for byte.
func TestReportDeterministic(t *testing.T) {
	in := mutateTrace(rand.New(rand.NewPCG(3, 4)), synthTrace(40))
	var first string
	for i := 0; i < 5; i++ {
		r, _ := CheckReader(bytes.NewReader(in), CheckOptions{Profile: ProfileM618})
		if text := reportText(r); i == 0 {
			first = text
		} else if text != first {
			t.Fatalf("run %d differs:\n%s\n---\n%s", i, text, first)
		}
	}
}

// Checking events with Add gives what checking their lines gives, and
// Finish is idempotent.
func TestAddMatchesLines(t *testing.T) {
	evs := loadEvents(t, "testdata/check/cl6_left_open.jsonl")
	c := NewChecker(CheckOptions{Profile: ProfileM618})
	var e Event
	for i := range evs {
		e = evs[i]
		c.Add(&e)
		e = Event{} // the caller reuses its event
	}
	r := c.Finish()
	want := checkFile(t, "testdata/check/cl6_left_open.jsonl", CheckOptions{Profile: ProfileM618})
	if reportText(r) != reportText(want) || c.Finish() != r {
		t.Errorf("Add:\n%s\nlines:\n%s", reportText(r), reportText(want))
	}
}

// BenchmarkCheckFile parses and checks a long trace of real-trace-like
// lines: a listener and a stream of client sessions, all fields present.
func BenchmarkCheckFile(b *testing.B) {
	data := synthTrace(20000)
	lines := bytes.Count(data, []byte("\n"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := CheckReader(bytes.NewReader(data), CheckOptions{Profile: ProfileM618})
		if err != nil || !r.OK() {
			b.Fatal(err, reportText(r))
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// synthTrace: one listener (conn 1) and n sessions of the real hello_echo
// exchange, each with a new client and a new accepted connection.
func synthTrace(n int) []byte { return (&synth{t: 1000}).trace(n) }

// trace writes the header, n sessions and the manager's free.
func (g *synth) trace(n int) []byte {
	g.header()
	for i := 0; i < n; i++ {
		g.session(int64(2 + 2*i))
	}
	g.free()
	return g.buf
}

// checkLines hands every line of trace to a new mongoose-6.18 checker.
func checkLines(trace []byte) *Checker {
	c := NewChecker(CheckOptions{Profile: ProfileM618})
	for i, l := range bytes.Split(trace, []byte("\n")) {
		c.AddLine(l, i+1)
	}
	return c
}

type synth struct {
	buf  []byte
	seq  int64
	t    float64 // time of the last call
	now  float64 // the poll's clock
	poll int64

	digests bool // SEND and RECV carry tx/rx counts and digests (no peer)
	peers   bool // each end of a session names the other (peer)
	outOnly bool // only the listener's and the outbound connections' lines
}

func (g *synth) ev(conn int64, role Role, ev Ev, data int64, f func(e *Event)) {
	if g.outOnly && role == RoleInbound {
		return
	}
	g.seq++
	g.t += 0.000001
	e := Event{Seq: g.seq, T: math.Round(g.t*1e6) / 1e6, Conn: conn, Role: role, Ev: ev, Name: ev.String(),
		Has:       HasUDP | HasRecvAfter | HasSendAfter | HasFlags | HasFlagsAfter | HasQueued | HasRemoved | HasTimer | HasTimerAfter | HasRecvLimit | HasPoll | HasOrigin,
		RecvLimit: math.MaxUint64, Poll: g.poll}
	switch role {
	case RoleListener:
		e.Origin, e.Flags, e.FlagsAfter = OriginBind, fListening, fListening
	case RoleInbound:
		e.Origin, e.Listener, e.Has = OriginAccept, 1, e.Has|HasListener
	default:
		e.Origin = OriginConnect
	}
	switch ev {
	case EvClose:
	case EvAccept:
		e.DataKind, e.DataStr = DataString, "127.0.0.1:40000"
	default:
		e.DataKind, e.DataInt, e.DataFloat = DataInt, data, float64(data)
	}
	if ev == EvPoll {
		e.DataInt = int64(math.Floor(g.now))
		e.DataFloat = float64(e.DataInt)
	}
	if g.digests {
		g.digest(&e)
	}
	if g.peers && role != RoleListener {
		e.Peer, e.Has = conn+1, e.Has|HasPeer // a session's ends are c and c+1
		if role == RoleInbound {
			e.Peer = conn - 1
		}
	}
	if f != nil {
		f(&e)
	}
	g.buf = AppendEvent(g.buf, &e)
	g.buf = append(g.buf, '\n')
}

// digest adds the stream fields of a connection's first (and only) SEND
// or RECV of the 6-byte message.
func (g *synth) digest(e *Event) {
	sum := StreamSum(StreamSumInit, []byte("hello\n"))
	switch e.Ev {
	case EvSend:
		e.Has, e.TxBytes, e.TxSum = e.Has|HasTx, 6, sum
	case EvRecv:
		e.Has, e.RxBytes, e.RxSum = e.Has|HasRx, 6, sum
	}
}

func (g *synth) nextPoll() { g.poll++; g.t += 0.001; g.now = g.t }

func (g *synth) header() {
	g.buf = append(g.buf, "# synthetic: hello_echo sessions against one listener\n"...)
}

func (g *synth) session(c int64) {
	s := c + 1
	g.nextPoll()
	g.ev(c, RoleOutbound, EvPoll, 0, func(e *Event) { e.Flags, e.FlagsAfter = fConnecting, fConnecting })
	g.ev(c, RoleOutbound, EvConnect, 0, func(e *Event) { e.SendAfter, e.Queued = 6, 6 })
	g.ev(c, RoleOutbound, EvSend, 6, nil)
	g.ev(1, RoleListener, EvPoll, 0, nil)
	g.ev(s, RoleInbound, EvAccept, 0, nil)
	g.nextPoll()
	g.ev(s, RoleInbound, EvPoll, 0, nil)
	g.ev(s, RoleInbound, EvRecv, 6, func(e *Event) {
		e.RecvLen, e.Removed, e.Queued, e.SendAfter, e.FlagsAfter = 6, 6, 6, 6, fSendAndClose
	})
	g.ev(c, RoleOutbound, EvPoll, 0, nil)
	g.ev(1, RoleListener, EvPoll, 0, nil)
	g.nextPoll()
	g.ev(s, RoleInbound, EvPoll, 0, func(e *Event) {
		e.SendLen, e.SendAfter, e.Flags, e.FlagsAfter = 6, 6, fSendAndClose, fSendAndClose
	})
	g.ev(s, RoleInbound, EvSend, 6, func(e *Event) { e.Flags, e.FlagsAfter = fSendAndClose, fSendAndClose })
	g.ev(c, RoleOutbound, EvPoll, 0, nil)
	g.ev(1, RoleListener, EvPoll, 0, nil)
	g.nextPoll()
	g.ev(s, RoleInbound, EvClose, 0, func(e *Event) {
		e.Flags, e.FlagsAfter = fSendAndClose|fCloseImmediately, fSendAndClose|fCloseImmediately
	})
	g.ev(c, RoleOutbound, EvPoll, 0, nil)
	g.ev(c, RoleOutbound, EvRecv, 6, func(e *Event) { e.RecvLen, e.Removed, e.FlagsAfter = 6, 6, fSendAndClose })
	g.ev(1, RoleListener, EvPoll, 0, nil)
	g.nextPoll()
	g.ev(c, RoleOutbound, EvClose, 0, func(e *Event) {
		e.Flags, e.FlagsAfter = fSendAndClose|fCloseImmediately, fSendAndClose|fCloseImmediately
	})
	g.ev(1, RoleListener, EvPoll, 0, nil)
}

func (g *synth) free() {
	g.nextPoll()
	g.ev(1, RoleListener, EvPoll, 0, nil)
	g.ev(1, RoleListener, EvClose, 0, func(e *Event) {
		e.Has &^= HasPoll
		e.Flags, e.FlagsAfter = fListening|fCloseImmediately, fListening|fCloseImmediately
	})
}

// Memory follows the open connections when streams carry digests but no
// peer fields (a trace of one side): every closed sender's stream waits
// for a receiver that never comes, and only the newest maxUnclaimed are
// kept.
func TestMemoryFollowsOpenConnectionsWithoutPeers(t *testing.T) {
	c := checkLines((&synth{t: 1000, digests: true}).trace(3000))
	marks := 0
	for _, st := range c.streams {
		marks += len(st.marks)
	}
	if len(c.streams) > maxUnclaimed || marks > maxUnclaimed || len(c.unclaimed.forgotten.iv) > 2 {
		t.Errorf("kept %d streams with %d marks, %d forgotten intervals, after 6000 connections",
			len(c.streams), marks, len(c.unclaimed.forgotten.iv))
	}
	if r := c.Finish(); !r.OK() || r.Conns != 6001 {
		t.Errorf("conns %d\n%s", r.Conns, reportText(r))
	}
}

// Memory follows the open connections too when the trace holds one side
// and that side names peers the trace never shows: the senders' streams,
// which no receiver will ever read, wait with the other unclaimed ones.
// (The trace fails BUF-7: its receivers read from peers that sent nothing.)
func TestMemoryFollowsOpenConnectionsWithAbsentPeers(t *testing.T) {
	c := checkLines((&synth{t: 1000, digests: true, peers: true, outOnly: true}).trace(3000))
	if len(c.streams) > maxUnclaimed {
		t.Errorf("kept %d streams after 3000 closed senders", len(c.streams))
	}
	if r := c.Finish(); r.Conns != 3001 || r.OK() {
		t.Errorf("conns %d, OK %v; want 3001 connections and BUF-7 failing", r.Conns, r.OK())
	}
}

// A stream's marks are bounded: a receiver far behind its sender is
// compared at the counts still kept, and a wrong byte there still fails.
func TestStreamMarksBounded(t *testing.T) {
	var st stream
	for i := uint64(1); i <= 3*maxMarks; i++ {
		st.push(i, i*7)
	}
	if n := len(st.marks) - st.head; n != maxMarks {
		t.Fatalf("%d marks kept, want %d", n, maxMarks)
	}
	if _, ok := st.sumAt(10); ok {
		t.Fatal("an old mark is still there")
	}
	if sum, ok := st.sumAt(3*maxMarks - 5); !ok || sum != (3*maxMarks-5)*7 {
		t.Fatalf("sumAt(recent) = %d, %v", sum, ok)
	}
}

// BenchmarkCheckLive measures the checker alone, as a live run feeds it:
// events already in memory, handed to Add one by one.
func BenchmarkCheckLive(b *testing.B) {
	data := synthTrace(20000)
	var events []Event
	rd := NewReader(bytes.NewReader(data))
	for {
		var e Event
		if err := rd.Next(&e); err != nil {
			break
		}
		events = append(events, e)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := NewChecker(CheckOptions{Profile: ProfileM618})
		for j := range events {
			c.Add(&events[j])
		}
		if r := c.Finish(); !r.OK() {
			b.Fatal(reportText(r))
		}
	}
	b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// Whether a connection is on the resolver's path is a fact about the
// connection, not about turns: the resolver failure stays valid when its
// trace has no poll fields (no turn rules can be evaluated then).
func TestResolverFailureWithoutPollFields(t *testing.T) {
	events := loadEvents(t, "testdata/check/ok_resolver_failure.jsonl")
	c := NewChecker(CheckOptions{Profile: ProfileM618})
	for i := range events {
		events[i].Has &^= HasPoll
		c.Add(&events[i])
	}
	if r := c.Finish(); !r.OK() {
		t.Fatal(reportText(r))
	}
}

// A queueing checker, which checks a live run's events in batches, reports
// exactly what Add reports, event by event: the same violations, anchors
// and context, for violations on either side of a batch's end, with
// contexts of any width, whether an event is copied into the ring or built
// in its next entry (nextEvent), as the tracer does.
func TestQueueMatchesAdd(t *testing.T) {
	evs := readEvents(synthTrace(150))
	for _, every := range []int{0, 31, 233, 234, 235} {
		broken := breakEvery(evs, every)
		for _, ctx := range []int{-1, 0, 3, 40, 200} {
			if ctx > 3 && every == 31 || ctx > 40 && every == 234 {
				continue // thousands of wide contexts: slow, and no new case
			}
			o := CheckOptions{Profile: ProfileM618, Context: ctx, MaxKept: 100000}
			want, got := NewChecker(o), newQueueingChecker(o)
			for i := range broken {
				e := broken[i]
				want.Add(&e)
				if i%3 == 0 { // the tracer builds most events in place
					got.queue(&e)
				} else {
					in := got.nextEvent()
					*in = e
					got.queue(in)
				}
				e = Event{} // the caller reuses its event
			}
			w, g := want.Finish(), got.Finish()
			if !reflect.DeepEqual(w, g) {
				t.Fatalf("every %d, context %d: queue:\n%s\nAdd:\n%s", every, ctx, reportText(g), reportText(w))
			}
			if every != 0 && len(w.Violations) == 0 {
				t.Fatalf("every %d: the broken trace passed", every)
			}
		}
	}
}

// breakEvery returns a copy of evs with every n-th event broken (n = 0:
// none), in turn: its send_len off by 7 (BUF-4, at the event), its seq
// repeated (TR-2, on no connection), or the event left out (a POLL left
// out breaks EV-7 at its poll's end, anchored at an earlier event).
func breakEvery(evs []Event, n int) []Event {
	out := slices.Clone(evs)
	if n == 0 {
		return out
	}
	for i, k := n, 0; i < len(out); i, k = i+n, k+1 {
		switch k % 3 {
		case 0:
			out[i].SendLen += 7
		case 1:
			out[i].Seq = out[i-1].Seq
		case 2:
			out[i].Ev = EvOther // dropped below
		}
	}
	return slices.DeleteFunc(out, func(e Event) bool { return e.Ev == EvOther })
}
