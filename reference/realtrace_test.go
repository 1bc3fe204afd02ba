package reference_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/mgsim/mgsim/reference"
)

// traceLine is the part of a trace line (trace.md) the real-trace tests
// compare. Connection ids are renumbered by first appearance; ACCEPT keeps
// only the peer's IP (ports differ run to run).
type traceLine struct {
	Poll                 int
	Conn                 int
	Ev                   string
	Data                 string
	Flags, FlagsAfter    uint32
	RecvLen, SendLen     int
	RecvAfter, SendAfter int
	Timer, TimerAfter    float64
	TimerData            float64
}

func (l traceLine) String() string {
	return fmt.Sprintf("poll %d conn %d %s(%s) flags %d->%d recv %d->%d send %d->%d timer %.6f->%.6f data %.6f",
		l.Poll, l.Conn, l.Ev, l.Data, l.Flags, l.FlagsAfter, l.RecvLen, l.RecvAfter, l.SendLen, l.SendAfter,
		l.Timer, l.TimerAfter, l.TimerData)
}

// same compares two lines, with times equal to within 2 µs (the fixtures
// print microseconds).
func (l traceLine) same(o traceLine) bool {
	near := func(a, b float64) bool { return math.Abs(a-b) <= 2e-6 }
	times := near(l.Timer, o.Timer) && near(l.TimerAfter, o.TimerAfter) && near(l.TimerData, o.TimerData)
	l.Timer, l.TimerAfter, l.TimerData = 0, 0, 0
	o.Timer, o.TimerAfter, o.TimerData = 0, 0, 0
	return times && l == o
}

// renumber gives connections ids in order of first appearance.
type renumber map[uint64]int

func (r renumber) id(c uint64) int {
	if _, ok := r[c]; !ok {
		r[c] = len(r) + 1
	}
	return r[c]
}

// readFixture parses a real trace (JSON Lines, '#' comments).
func readFixture(t *testing.T, name string) []traceLine {
	t.Helper()
	f, err := os.Open("../conformance/testdata/real/" + name)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	defer f.Close()
	var out []traceLine
	ids := renumber{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, parseFixtureLine(t, line, ids))
		}
	}
	return out
}

func parseFixtureLine(t *testing.T, line string, ids renumber) traceLine {
	t.Helper()
	var raw struct {
		Poll       int
		Conn       uint64
		Ev         string
		Data       json.RawMessage
		Flags      uint32
		FlagsAfter uint32 `json:"flags_after"`
		RecvLen    int    `json:"recv_len"`
		SendLen    int    `json:"send_len"`
		RecvAfter  int    `json:"recv_after"`
		SendAfter  int    `json:"send_after"`
		Timer      float64
		TimerAfter float64 `json:"timer_after"`
	}
	if err := json.Unmarshal([]byte(line), &raw); err != nil {
		t.Fatalf("fixture line %q: %v", line, err)
	}
	l := traceLine{
		Poll: raw.Poll, Conn: ids.id(raw.Conn), Ev: raw.Ev, Flags: raw.Flags, FlagsAfter: raw.FlagsAfter,
		RecvLen: raw.RecvLen, SendLen: raw.SendLen, RecvAfter: raw.RecvAfter, SendAfter: raw.SendAfter,
		Timer: raw.Timer, TimerAfter: raw.TimerAfter,
	}
	switch raw.Ev {
	case "TIMER":
		json.Unmarshal(raw.Data, &l.TimerData)
	case "ACCEPT":
		var s string
		json.Unmarshal(raw.Data, &s)
		l.Data = netip.MustParseAddrPort(s).Addr().String()
	case "CLOSE":
	default:
		l.Data = string(raw.Data)
	}
	return l
}

// normalize turns recorded calls into trace lines.
func normalize(calls []call) []traceLine {
	ids := renumber{}
	out := make([]traceLine, len(calls))
	for i, c := range calls {
		l := traceLine{
			Poll: c.Poll, Conn: ids.id(c.Conn), Ev: c.Ev.String(), Flags: uint32(c.Flags), FlagsAfter: uint32(c.FlagsAfter),
			RecvLen: c.RecvLen, SendLen: c.SendLen, RecvAfter: c.RecvAfter, SendAfter: c.SendAfter,
			Timer: c.Timer, TimerAfter: c.TimerAfter,
		}
		switch c.Ev {
		case reference.EvTimer:
			l.TimerData = c.Data.Time
		case reference.EvAccept:
			l.Data = c.Data.Addr.Addr().String()
		case reference.EvClose:
		default:
			l.Data = fmt.Sprint(c.Data.Int)
		}
		out[i] = l
	}
	return out
}

func compareTraces(t *testing.T, got, want []traceLine) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		var g, w traceLine
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if i >= len(got) || i >= len(want) || !g.same(w) {
			t.Fatalf("line %d differs (got %d lines, want %d):\n got: %v\nwant: %v", i+1, len(got), len(want), g, w)
		}
	}
}

// pollUntil polls (10 ms) until done, then twice more, then frees the
// manager, as the recording programs did.
func pollUntil(t *testing.T, m *reference.Manager, done func() bool) {
	t.Helper()
	for i := 0; !done(); i++ {
		if i == 100 {
			t.Fatal("scenario did not finish in 100 polls")
		}
		m.Poll(10)
	}
	m.Poll(10)
	m.Poll(10)
	m.Free()
}

// hello_echo: the client sends "hello\n" on CONNECT; the server echoes it
// and sets SEND_AND_CLOSE; the client consumes the echo and sets
// SEND_AND_CLOSE.
func TestRealTraceHelloEcho(t *testing.T) {
	e := newEnv(t)
	e.net.now = 1795790330449440000
	e.bind("127.0.0.1:8000", on(reference.EvRecv, func(c *reference.Conn, _ reference.EventData) {
		c.Send(c.RecvMbuf.Bytes())
		drain(c)
		c.Flags |= reference.FlagSendAndClose
	}))
	clientClosed := false
	e.connect("127.0.0.1:8000", func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		switch {
		case ev == reference.EvConnect && d.Int == 0:
			c.Send([]byte("hello\n"))
		case ev == reference.EvRecv:
			drain(c)
			c.Flags |= reference.FlagSendAndClose
		case ev == reference.EvClose:
			clientClosed = true
		}
	})
	pollUntil(t, e.m, func() bool { return clientClosed })
	compareTraces(t, normalize(e.rec.log), readFixture(t, "hello_echo.jsonl"))
}

// refused_then_timer: a connect to a closed port with a timer at +0.05 s,
// and a socket-less connection with a timer at +0.03 s, re-armed once to
// data+0.03, setting CLOSE_IMMEDIATELY on its second TIMER.
func TestRealTraceRefusedThenTimer(t *testing.T) {
	e := newEnv(t)
	e.net.now = 1795790330472467000
	closed := 0
	countClose := func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		if ev == reference.EvClose {
			closed++
		}
	}
	c := e.connect("127.0.0.1:9", countClose)
	c.SetTimer(e.m.Time() + 0.05)
	fired := 0
	s := e.m.AddSock(e.rec.wrap(func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		if ev == reference.EvTimer {
			if fired++; fired == 1 {
				c.SetTimer(d.Time + 0.03)
			} else {
				c.Flags |= reference.FlagCloseImmediately
			}
		}
		countClose(c, ev, d)
	}))
	s.SetTimer(e.m.Time() + 0.03)
	pollUntil(t, e.m, func() bool { return closed == 2 })
	if e.m.Polls() != 12 {
		t.Errorf("polls %d, want 12 (9 until both closed, 2 more, 1 in Free)", e.m.Polls())
	}
	compareTraces(t, normalize(e.rec.log), readFixture(t, "refused_then_timer.jsonl"))
}
