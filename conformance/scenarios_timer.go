package conformance

import "fmt"

// Group 4: timers.

func init() {
	register(
		Scenario{ID: "4.1", Name: "timer/rearm-from-handler", Title: "a timer re-armed from its own handler at data+0.1 fires five times, once per arming",
			Rules: []string{"TM-1", "TM-2", "TM-3", "TM-4", "EV-8"}, Setup: rearmFromHandler},
		Scenario{ID: "4.2", Name: "timer/rearm-into-past", Title: "a timer re-armed into the past fires in the next poll, not the same one",
			Rules: []string{"TM-5", "TM-2", "EV-8"}, Setup: rearmIntoPast},
		Scenario{ID: "4.3", Name: "timer/disarm", Title: "mg_set_timer returns the previous value; 0 disarms",
			Rules: []string{"TM-2a", "TM-3"}, Setup: disarm},
		Scenario{ID: "4.4", Name: "timer/many", Title: "50 socket-less connections with random timers, each re-armed 3 times",
			Rules: []string{"TM-1", "TM-2", "TM-3", "EV-7", "EV-9"}, Setup: manyTimers},
		Scenario{ID: "4.5", Name: "timer/on-listener", Title: "a listener's timer fires while it accepts",
			Rules: []string{"TM-1", "TM-3", "EV-4"}, Setup: timerOnListener},
		Scenario{ID: "4.6", Name: "timer/while-connecting", Title: "a timer due before the connect completes fires before CONNECT",
			Rules: []string{"TM-1", "TM-3", "EV-3", "EV-8"}, Setup: timerWhileConnecting},
		Scenario{ID: "4.7", Name: "timer/cuts-long-poll", Title: "a poll asked to wait 10 s wakes for a timer due in 50 ms",
			Rules: []string{"TM-1", "TM-5"}, Setup: timerCutsLongPoll},
		Scenario{ID: "4.8", Name: "timer/close-from-timer", Title: "CLOSE_IMMEDIATELY set in TIMER: POLL still comes in that poll, CLOSE in the next",
			Rules: []string{"CL-4", "TM-2", "EV-8"}, Setup: closeFromTimer},
	)
}

// timerBox runs one socket-less connection with handler h (made for
// the manager) on a host of its own, its timer first armed first seconds
// from now, its manager polled every pollMs.
func timerBox(e *Env, pollMs int, first float64, h func(m *Mgr) Handler) {
	m := e.NewManager(e.Host("box"))
	c, err := m.AddSock(h(m))
	if !must(e, "add_sock", err) {
		return
	}
	c.SetTimer(m.Time() + first)
	e.Loop("box", m, pollMs)
}

// ticker returns a handler that re-arms its timer at data+period until it
// has fired times times, then sets CLOSE_IMMEDIATELY. It checks what a
// TIMER handler must see: the timer already disarmed, a value not in the
// future.
func ticker(e *Env, name string, m *Mgr, period float64, times int, done func()) Handler {
	fired := 0
	return func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvTimer:
			fired++
			if c.Timer() != 0 {
				e.Errorf("%s: timer still armed (%s) inside TIMER", name, ftoa(c.Timer()))
			}
			if d.Time > m.Time() {
				e.Errorf("%s: TIMER for %.9f fired early at %.9f", name, d.Time, m.Time())
			}
			if fired < times {
				if prev := c.SetTimer(d.Time + period); prev != 0 {
					e.Errorf("%s: re-arming returned %s, want 0", name, ftoa(prev))
				}
			} else {
				c.SetFlags(c.Flags() | FlagCloseImmediately)
			}
		case EvClose:
			if fired != times {
				e.Errorf("%s: fired %d times, want %d", name, fired, times)
			}
			done()
		}
	}
}

func rearmFromHandler(e *Env) {
	h := e.Host("box")
	m := e.NewManager(h)
	done := countdown(e, 2)
	c, err := m.AddSock(ticker(e, "add_sock", m, 0.1, 5, done))
	if !must(e, "add_sock", err) {
		return
	}
	if prev := c.SetTimer(m.Time() + 0.05); prev != 0 {
		e.Errorf("first mg_set_timer returned %s, want 0", ftoa(prev))
	}
	l, err := m.Bind(TCP(h, 80), ticker(e, "listener", m, 0.07, 5, done))
	if !must(e, "bind", err) {
		return
	}
	l.SetTimer(m.Time() + 0.02)
	e.Loop("box", m, 1000)
}

func rearmIntoPast(e *Env) {
	timerBox(e, 1000, 0.5, func(m *Mgr) Handler { return ticker(e, "timer", m, -0.1, 3, countdown(e, 1)) })
}

func disarm(e *Env) {
	h := e.Host("box")
	m := e.NewManager(h)
	done := countdown(e, 1)
	polls := 0
	handler := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvTimer:
			e.Errorf("a disarmed timer fired")
		case EvPoll:
			polls++
			if polls == 20 {
				c.SetFlags(c.Flags() | FlagCloseImmediately)
			}
		case EvClose:
			done()
		}
	}
	c, err := m.AddSock(handler)
	if !must(e, "add_sock", err) {
		return
	}
	now := m.Time()
	steps := []struct{ set, want float64 }{{now + 0.1, 0}, {now + 0.2, now + 0.1}, {0, now + 0.2}, {-5, 0}}
	for _, s := range steps {
		if got := c.SetTimer(s.set); got != s.want {
			e.Errorf("mg_set_timer(%s) returned %s, want %s", ftoa(s.set), ftoa(got), ftoa(s.want))
		}
	}
	e.Loop("box", m, 50)
}

func manyTimers(e *Env) {
	h := e.Host("box")
	m := e.NewManager(h)
	const n = 50
	done := countdown(e, n)
	for i := 0; i < n; i++ {
		period := 0.01 + e.Rand.Float64()*0.5
		c, err := m.AddSock(ticker(e, fmt.Sprintf("timer %d", i), m, period, 3, done))
		if !must(e, "add_sock", err) {
			return
		}
		c.SetTimer(m.Time() + e.Rand.Float64())
	}
	e.Loop("box", m, 1000)
}

func timerOnListener(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	fired := 0
	server := func(c Conn, ev Ev, d Data) {
		switch {
		case c.Listener() != nil:
			echoHandler(c, ev, d)
		case ev == EvTimer:
			fired++
			if d.Time > srv.Time() {
				e.Errorf("listener TIMER for %.9f fired early at %.9f", d.Time, srv.Time())
			}
			if !e.Finished() {
				c.SetTimer(d.Time + 0.003)
			}
		case ev == EvClose && fired == 0:
			e.Errorf("the listener's timer never fired")
		}
	}
	l, err := srv.Bind(TCP(sh, 80), server)
	if !must(e, "bind", err) {
		return
	}
	l.SetTimer(srv.Time() + 0.001)
	sc := &streamClient{e: e, name: "client", msg: payload(e.Rand, 30000), chunk: 3000, done: countdown(e, 1)}
	if _, err := cli.Connect(TCP(sh, 80), sc.handle); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

func timerWhileConnecting(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	if _, err := srv.Bind(TCP(sh, 80), echoHandler); !must(e, "bind", err) {
		return
	}
	var k counts
	done := countdown(e, 1)
	client := func(c Conn, ev Ev, d Data) {
		k.add(ev)
		switch ev {
		case EvTimer:
			if k[EvConnect] != 0 {
				e.Errorf("the timer, due at once, fired after CONNECT")
			}
		case EvConnect:
			c.SetFlags(c.Flags() | FlagSendAndClose)
		case EvClose:
			if k[EvTimer] != 1 || k[EvConnect] != 1 {
				e.Errorf("want one TIMER and one CONNECT, got %v", k)
			}
			done()
		}
	}
	c, err := cli.Connect(TCP(sh, 80), client)
	if !must(e, "connect", err) {
		return
	}
	c.SetTimer(cli.Time() + 0.0000001)
	e.Loop("server", srv, 100)
	e.Loop("client", cli, 100)
}

// timerCutsLongPoll: a poll asked to wait 10 s must wake for the timer, each
// time; the CLOSE_IMMEDIATELY set at the last TIMER closes only after a
// full 10 s wait, as a flag does not cut the wait (B6).
func timerCutsLongPoll(e *Env) {
	timerBox(e, 10000, 0.05, func(m *Mgr) Handler {
		tick := ticker(e, "timer", m, 0.05, 3, countdown(e, 1))
		return func(c Conn, ev Ev, d Data) {
			if late := m.Time() - d.Time; ev == EvTimer && late > 0.002 {
				e.Errorf("TIMER fired %.6f s late; the poll's 10 s wait must be cut to the timer", late)
			}
			tick(c, ev, d)
		}
	})
}

// closeFromTimer: CLOSE_IMMEDIATELY set in TIMER; the checker holds the
// order (POLL still in that poll, CLOSE at the start of the next).
func closeFromTimer(e *Env) {
	timerBox(e, 10, 0.03, func(m *Mgr) Handler { return ticker(e, "timer", m, 0, 1, countdown(e, 1)) })
}
