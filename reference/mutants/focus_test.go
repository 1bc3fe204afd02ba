package mutants_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
	"github.com/mgsim/mgsim/reference/mutants"
	"github.com/mgsim/mgsim/sim"
)

// The focused tests show that each bug really happens: a footprint, read
// straight from the trace of one run (not from the rule checker), that the
// mutant leaves and the reference does not. A survivor's footprint proves
// it is a live mutant the suite misses, not an equivalent one.

type ev = conformance.Event

// footprint finds the bug's mark in a trace and describes it, or returns "".
type footprint func(evs []ev) string

type focus struct {
	mutant   string
	scenario conformance.Scenario
	net      string
	mark     footprint
}

func TestEachBugHappens(t *testing.T) {
	for _, f := range focuses() {
		t.Run(f.mutant, func(t *testing.T) {
			t.Parallel()
			m, ok := mutants.Lookup(mutants.Prefix + f.mutant)
			if !ok {
				t.Fatalf("no mutant %s", f.mutant)
			}
			if got := f.mark(traceOf(t, m.Impl, f.scenario, f.net)); got == "" {
				t.Errorf("%s on %s leaves no footprint: the bug did not happen", m.Name, f.scenario.ID)
			}
			if got := f.mark(traceOf(t, adapter.New(), f.scenario, f.net)); got != "" {
				t.Errorf("the reference on %s shows the footprint of %s: %s", f.scenario.ID, m.Name, got)
			}
		})
	}
}

// TestEveryMutantHasAFocus keeps the table complete.
func TestEveryMutantHasAFocus(t *testing.T) {
	have := map[string]bool{}
	for _, f := range focuses() {
		have[mutants.Prefix+f.mutant] = true
	}
	for _, m := range append(mutants.Catalogue(), mutants.Survivors()...) {
		if !have[m.Name] {
			t.Errorf("%s has no focused test", m.Name)
		}
	}
}

func focuses() []focus {
	s := suite
	return []focus{
		{"recv-before-accept", s("1.5"), "lan", where(func(p, e *ev) bool {
			return p == nil && e.Role == conformance.RoleInbound && e.Ev == conformance.EvRecv
		})},
		{"close-twice", s("1.1"), "lan", where(func(p, e *ev) bool { return p != nil && p.Ev == conformance.EvClose && e.Ev == conformance.EvClose })},
		{"io-inside-send", s("1.4"), "lan", where(func(p, e *ev) bool { return e.Queued > 0 && e.SendAfter < e.SendLen+e.Queued })},
		{"timer-early", s("4.1"), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvTimer && e.DataFloat > e.T })},
		{"timer-fires-twice", s("1.3"), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvTimer && e.Timer != 0 })},
		{"send-count-requested", s("1.5"), "wan", where(func(p, e *ev) bool {
			return p != nil && e.Ev == conformance.EvSend && e.DataInt > 0 && e.DataInt != p.SendAfter-e.SendLen
		})},
		{"send-and-close-drops", s("3.1"), "lan", where(func(p, e *ev) bool {
			return p != nil && e.Ev == conformance.EvClose && e.SendLen > 0 && p.FlagsAfter&conformance.FlagSendAndClose != 0 && p.FlagsAfter&conformance.FlagCloseImmediately == 0
		})},
		{"no-poll-for-listeners", s("1.1"), "lan", listenerWithoutPoll},
		{"recv-limit-ignored", s("2.4"), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvRecv && uint64(e.RecvLen) > e.RecvLimit })},
		{"events-after-close", s("1.1"), "lan", where(func(p, e *ev) bool { return p != nil && p.Ev == conformance.EvClose })},
		{"accept-all-pending", backlog(), "lan", twoAcceptsInOnePoll},
		{"poll-before-timer", s("1.3"), "lan", where(func(p, e *ev) bool {
			return sameTurn(p, e) && p.Ev == conformance.EvPoll && e.Ev == conformance.EvTimer
		})},
		{"new-served-same-poll", s("1.1"), "lan", where(func(p, e *ev) bool {
			return sameTurn(p, e) && p.Ev == conformance.EvAccept && e.Ev == conformance.EvPoll
		})},
		{"no-flag-masking", s("1.10"), "lan", where(func(p, e *ev) bool { return e.Flags&conformance.FlagWantRead != 0 })},
		{"eof-as-recv-zero", s("1.1"), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvRecv && e.DataInt == 0 })},
		{"close-immediately-writes", s("1.2"), "lan", where(func(p, e *ev) bool {
			return e.Ev == conformance.EvSend && e.Flags&conformance.FlagCloseImmediately != 0
		})},
		{"big-tcp-write", s("1.5"), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvSend && !e.UDP && e.DataInt > 1460 })},
		{"two-writes-per-poll", s("1.5"), "lan", where(func(p, e *ev) bool { return sameTurn(p, e) && p.Ev == conformance.EvSend && e.Ev == conformance.EvSend })},
		{"recv-count-whole-buffer", s("2.3"), "lan", where(func(p, e *ev) bool {
			return p != nil && e.Ev == conformance.EvRecv && !e.UDP && e.DataInt != e.RecvLen-p.RecvAfter
		})},
		{"close-at-end-of-turn", s("1.2"), "lan", where(func(p, e *ev) bool { return sameTurn(p, e) && e.Ev == conformance.EvClose })},
		{"failed-connect-no-close", s("1.2"), "lan", where(func(p, e *ev) bool {
			return e.Ev == conformance.EvConnect && e.DataInt != 0 && e.Flags&conformance.FlagCloseImmediately == 0
		})},
		{"connect-twice", closeAfterConnect(), "lan", secondConnect},
		{"udp-merged-datagrams", twoDatagrams(), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvRecv && e.DataInt > 200 })},
		{"udp-no-child", twoDatagrams(), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvRecv && e.Role == conformance.RoleListener })},
		{"remove-clamps", s("2.8"), "lan", where(func(p, e *ev) bool {
			return e.Ev == conformance.EvRecv && e.Role == conformance.RoleInbound && e.Queued == 0
		})},
		{"timer-lost-on-rearm", s("1.6"), "lan", where(func(p, e *ev) bool {
			return p != nil && p.Ev == conformance.EvTimer && p.TimerAfter > 0 && e.Timer == 0
		})},
		{"now-before-wait", s("1.3"), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvPoll && e.Timer > 0 && e.Timer <= e.T })},
		{"send-zero", s("1.1"), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvSend && e.DataInt == 0 })},
		{"eof-closes-immediately", lateReplyAtEOF(), "lan", closedWithUnsentData},
		{"accept-to-listener", s("1.1"), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvAccept && e.Role == conformance.RoleListener })},
		{"udp-child-keeps-alive", s("5.1"), "lan", where(func(p, e *ev) bool {
			return e.Ev == conformance.EvAccept && e.UDP && e.Flags&conformance.FlagSendAndClose == 0
		})},
		{"timer-refires-same-poll", s("4.2"), "lan", where(func(p, e *ev) bool {
			return sameTurn(p, e) && p.Ev == conformance.EvTimer && e.Ev == conformance.EvTimer
		})},
		{"no-timer-wakeup", s("4.7"), "lan", where(func(p, e *ev) bool { return e.Ev == conformance.EvTimer && e.T-e.DataFloat > 1 })},
	}
}

func suite(id string) conformance.Scenario {
	s, ok := conformance.LookupScenario(id)
	if !ok {
		panic("no scenario " + id) // a typo in the table above
	}
	return s
}

// traceOf runs s once (seed 1) and returns its events.
func traceOf(t *testing.T, impl conformance.Impl, s conformance.Scenario, net string) []ev {
	t.Helper()
	var buf bytes.Buffer
	conformance.RunScenario(impl, s, 1, conformance.RunOptions{Net: net, Trace: &buf, MaxSteps: mutants.DefaultMaxSteps})
	var out []ev
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		var e ev
		if err := conformance.ParseEvent(line, &e); err != nil {
			t.Fatalf("%s: trace line %q: %v", impl.Name(), line, err)
		}
		out = append(out, e)
	}
	return out
}

// where returns a footprint that is the first event e for which mark(p,
// e) holds, p being the previous event of e's connection (nil for its
// first).
func where(mark func(p, e *ev) bool) footprint {
	return func(evs []ev) string {
		prev := map[int64]*ev{}
		for i := range evs {
			e := &evs[i]
			if mark(prev[e.Conn], e) {
				return describe(prev[e.Conn], e)
			}
			prev[e.Conn] = e
		}
		return ""
	}
}

func describe(p, e *ev) string {
	var b strings.Builder
	if p != nil {
		fmt.Fprintf(&b, "after %s (seq %d, poll %d): ", p.Ev, p.Seq, p.Poll)
	}
	fmt.Fprintf(&b, "conn %d %s seq %d poll %d data %v", e.Conn, e.Ev, e.Seq, e.Poll, e.DataFloat)
	return b.String()
}

// sameTurn: p and e are events of one connection in one poll.
func sameTurn(p, e *ev) bool { return p != nil && p.Poll > 0 && p.Poll == e.Poll && p.Mgr == e.Mgr }

func listenerWithoutPoll(evs []ev) string {
	polls := map[int64]int{}
	for _, e := range evs {
		if e.Role == conformance.RoleListener {
			polls[e.Conn] += 0
			if e.Ev == conformance.EvPoll {
				polls[e.Conn]++
			}
		}
	}
	for c, n := range polls {
		if n == 0 {
			return fmt.Sprintf("listener %d got no POLL", c)
		}
	}
	return ""
}

func secondConnect(evs []ev) string {
	seen := map[int64]bool{}
	for _, e := range evs {
		if e.Ev == conformance.EvConnect {
			if seen[e.Conn] {
				return fmt.Sprintf("conn %d got a second CONNECT in poll %d", e.Conn, e.Poll)
			}
			seen[e.Conn] = true
		}
	}
	return ""
}

func twoAcceptsInOnePoll(evs []ev) string {
	type key struct{ mgr, poll, listener int64 }
	seen := map[key]bool{}
	for _, e := range evs {
		if e.Ev != conformance.EvAccept || e.UDP {
			continue
		}
		k := key{e.Mgr, e.Poll, e.Listener}
		if seen[k] {
			return fmt.Sprintf("listener %d accepted twice in poll %d", e.Listener, e.Poll)
		}
		seen[k] = true
	}
	return ""
}

// closedWithUnsentData: a CLOSE with data still queued on a connection
// whose handlers never set CLOSE_IMMEDIATELY.
func closedWithUnsentData(evs []ev) string {
	closing := map[int64]bool{}
	for _, e := range evs {
		if e.Ev == conformance.EvClose && e.SendLen > 0 && !closing[e.Conn] {
			return fmt.Sprintf("conn %d closed with %d bytes unsent", e.Conn, e.SendLen)
		}
		if e.FlagsAfter&conformance.FlagCloseImmediately != 0 {
			closing[e.Conn] = true
		}
	}
	return ""
}

// backlog: three clients connect while the server sleeps 50 ms between
// zero-timeout polls, so they all wait in its backlog.
func backlog() conformance.Scenario {
	return conformance.Scenario{ID: "focus.1", Name: "focus/backlog", Title: "three connections wait in a sleeping server's backlog", Setup: func(e *conformance.Env) {
		sh, ch := e.Host("server"), e.Host("client")
		srv, cli := e.NewManager(sh), e.NewManager(ch)
		closed := 0
		server := func(c conformance.Conn, ev conformance.Ev, _ conformance.Data) {
			if ev == conformance.EvClose && c.Listener() != nil {
				if closed++; closed == 3 {
					e.Finish()
				}
			}
		}
		client := func(c conformance.Conn, ev conformance.Ev, _ conformance.Data) {
			if ev == conformance.EvConnect {
				c.SetFlags(c.Flags() | conformance.FlagSendAndClose)
			}
		}
		if _, err := srv.Bind(conformance.TCP(sh, 80), server); err != nil {
			e.Errorf("bind: %v", err)
			return
		}
		for range 3 {
			if _, err := cli.Connect(conformance.TCP(sh, 80), client); err != nil {
				e.Errorf("connect: %v", err)
			}
		}
		e.Loop("client", cli, 100)
		sleepyLoop(e, "server", srv)
	}}
}

// sleepyLoop polls m with a zero timeout every 50 ms of virtual time.
func sleepyLoop(e *conformance.Env, name string, m *conformance.Mgr) {
	e.World.Go(name, func(p *sim.Proc) {
		for !e.Finished() {
			p.Sleep(50 * time.Millisecond)
			m.Poll(0)
		}
		m.Poll(0)
		m.Free()
	})
}

// twoDatagrams: a peer sends datagrams of 100 and 200 bytes at once to a
// UDP server that sleeps between polls.
func twoDatagrams() conformance.Scenario {
	return conformance.Scenario{ID: "focus.2", Name: "focus/two-datagrams", Title: "two datagrams wait in a sleeping server's socket", Setup: func(e *conformance.Env) {
		sh, ch := e.Host("server"), e.Host("client")
		srv := e.NewManager(sh)
		total := 0
		server := func(c conformance.Conn, ev conformance.Ev, _ conformance.Data) {
			if ev == conformance.EvRecv {
				total += len(c.RecvBuf())
				c.Remove(len(c.RecvBuf()))
				if total >= 300 {
					e.Finish()
				}
			}
		}
		l, err := srv.Bind(conformance.UDP(sh, 53), server)
		if err != nil {
			e.Errorf("bind: %v", err)
			return
		}
		fd, err := ch.OpenUDP()
		if err != nil {
			e.Errorf("open: %v", err)
			return
		}
		ch.WriteTo(fd, make([]byte, 100), l.LocalAddr())
		ch.WriteTo(fd, make([]byte, 200), l.LocalAddr())
		sleepyLoop(e, "server", srv)
	}}
}

// lateReplyAtEOF: the server says "bye" and closes; the client holds its
// receive limit at 0 until both the bytes and the EOF are in, so it reads
// them in one poll, and answers the bytes with a late reply. (The server
// polls every millisecond, so that its close follows "bye" at once.) Mongoose
// sends the reply before it closes (D-RECV-6).
func lateReplyAtEOF() conformance.Scenario {
	return conformance.Scenario{ID: "focus.3", Name: "focus/late-reply-at-eof", Title: "a reply queued in the poll that reads the EOF", Setup: func(e *conformance.Env) {
		sh, ch := e.Host("server"), e.Host("client")
		srv, cli := e.NewManager(sh), e.NewManager(ch)
		server := func(c conformance.Conn, ev conformance.Ev, _ conformance.Data) {
			if ev == conformance.EvAccept {
				c.Send([]byte("bye\n"))
				c.SetFlags(c.Flags() | conformance.FlagSendAndClose)
			}
		}
		client := func(c conformance.Conn, ev conformance.Ev, _ conformance.Data) {
			switch ev {
			case conformance.EvConnect:
				c.SetRecvLimit(0)
				c.SetTimer(cli.Time() + 0.05)
			case conformance.EvTimer:
				c.SetRecvLimit(math.MaxUint64)
			case conformance.EvRecv:
				c.Remove(len(c.RecvBuf()))
				c.Send([]byte("late"))
			case conformance.EvClose:
				e.Finish()
			}
		}
		if _, err := srv.Bind(conformance.TCP(sh, 80), server); err != nil {
			e.Errorf("bind: %v", err)
			return
		}
		if _, err := cli.Connect(conformance.TCP(sh, 80), client); err != nil {
			e.Errorf("connect: %v", err)
			return
		}
		e.Loop("server", srv, 1) // closes, and sends its FIN, within 1 ms of "bye"
		e.Loop("client", cli, 100)
	}}
}

// closeAfterConnect: a client closes at the first POLL after its CONNECT.
func closeAfterConnect() conformance.Scenario {
	return conformance.Scenario{ID: "focus.4", Name: "focus/close-after-connect", Title: "a client closes at its first POLL after CONNECT", Setup: func(e *conformance.Env) {
		sh, ch := e.Host("server"), e.Host("client")
		srv, cli := e.NewManager(sh), e.NewManager(ch)
		connected := false
		client := func(c conformance.Conn, ev conformance.Ev, _ conformance.Data) {
			switch ev {
			case conformance.EvConnect:
				connected = true
			case conformance.EvPoll:
				if connected {
					c.SetFlags(c.Flags() | conformance.FlagCloseImmediately)
				}
			case conformance.EvClose:
				e.Finish()
			}
		}
		if _, err := srv.Bind(conformance.TCP(sh, 80), nil); err != nil {
			e.Errorf("bind: %v", err)
			return
		}
		if _, err := cli.Connect(conformance.TCP(sh, 80), client); err != nil {
			e.Errorf("connect: %v", err)
			return
		}
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}}
}
