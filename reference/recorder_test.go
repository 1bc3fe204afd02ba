package reference_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mgsim/mgsim/reference"
)

// call is one recorded handler call, with the fields of the trace contract
// (trace.md) that the tests compare.
type call struct {
	Poll                 int
	Conn                 uint64
	Ev                   reference.Event
	Data                 reference.EventData
	Flags, FlagsAfter    reference.Flags
	RecvLen, SendLen     int
	RecvAfter, SendAfter int
	RecvSize             int // recv_mbuf.size at entry
	Timer, TimerAfter    float64
	Listed               bool // mg_next still finds the connection at entry
}

// recorder wraps handlers and logs every call they get.
type recorder struct {
	m   *reference.Manager
	log []call
}

// wrap returns a handler that records each call around h (h may be nil).
func (r *recorder) wrap(h reference.Handler) reference.Handler {
	return func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		e := call{
			Poll: r.m.PollIndex(), Conn: c.ID(), Ev: ev, Data: d, Flags: c.Flags,
			RecvLen: c.RecvMbuf.Len(), SendLen: c.SendMbuf.Len(), RecvSize: c.RecvMbuf.Size(),
			Timer: c.Timer(), Listed: listed(r.m, c),
		}
		if h != nil {
			h(c, ev, d)
		}
		e.FlagsAfter, e.TimerAfter = c.Flags, c.Timer()
		e.RecvAfter, e.SendAfter = c.RecvMbuf.Len(), c.SendMbuf.Len()
		r.log = append(r.log, e)
	}
}

func listed(m *reference.Manager, c *reference.Conn) bool {
	for x := m.Next(nil); x != nil; x = m.Next(x) {
		if x == c {
			return true
		}
	}
	return false
}

// String is a compact form: "poll:conn EV(data) [flags]". POLL's data (the
// time) is left out; CLOSE has none.
func (e call) String() string {
	return fmt.Sprintf("%d:%d %s%s [%s]", e.Poll, e.Conn, e.Ev, dataString(e.Ev, e.Data), e.Flags)
}

func dataString(ev reference.Event, d reference.EventData) string {
	switch ev {
	case reference.EvConnect, reference.EvRecv, reference.EvSend:
		return fmt.Sprintf("(%d)", d.Int)
	case reference.EvTimer:
		return fmt.Sprintf("(%.3f)", d.Time)
	case reference.EvAccept:
		return "(" + d.Addr.String() + ")"
	}
	return ""
}

// take returns the calls logged since the last take, in compact form.
func (r *recorder) take() []string {
	out := make([]string, len(r.log))
	for i, e := range r.log {
		out[i] = e.String()
	}
	r.log = r.log[:0]
	return out
}

// env is a manager on a fake network with a recorder.
type env struct {
	t   *testing.T
	net *fakeNet
	m   *reference.Manager
	rec *recorder
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOpts(t, reference.Options{})
}

func newEnvOpts(t *testing.T, o reference.Options) *env {
	t.Helper()
	n := newFakeNet()
	m := reference.NewManager(n, o)
	return &env{t: t, net: n, m: m, rec: &recorder{m: m}}
}

func (e *env) bind(addr string, h reference.Handler) *reference.Conn {
	e.t.Helper()
	c, err := e.m.Bind(addr, e.rec.wrap(h))
	if err != nil {
		e.t.Fatalf("Bind(%q): %v", addr, err)
	}
	return c
}

func (e *env) connect(addr string, h reference.Handler) *reference.Conn {
	e.t.Helper()
	c, err := e.m.Connect(addr, e.rec.wrap(h))
	if err != nil {
		e.t.Fatalf("Connect(%q): %v", addr, err)
	}
	return c
}

// poll runs one Poll(10) and checks the events it produced.
func (e *env) poll(want ...string) int {
	e.t.Helper()
	n := e.m.Poll(10)
	e.expect(want...)
	return n
}

// expect checks the events logged since the last check.
func (e *env) expect(want ...string) {
	e.t.Helper()
	got := e.rec.take()
	if !slices.Equal(got, want) {
		e.t.Fatalf("events:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

// drain removes everything from c's receive buffer and returns it.
func drain(c *reference.Conn) string {
	s := string(c.RecvMbuf.Bytes())
	c.RecvMbuf.Remove(c.RecvMbuf.Len())
	return s
}

// on returns a handler that runs f for one event only.
func on(ev reference.Event, f func(c *reference.Conn, d reference.EventData)) reference.Handler {
	return func(c *reference.Conn, e reference.Event, d reference.EventData) {
		if e == ev {
			f(c, d)
		}
	}
}
