package conformance

import (
	"fmt"
	"time"
)

// Group 1: connection lifecycle and the per-connection grammar.

func init() {
	register(
		Scenario{ID: "1.1", Name: "tcp/connect-accept-close", Title: "one client connects, says nothing, and closes; the server closes on EOF",
			Rules: []string{"TR-1", "TR-2", "TR-3", "EV-1", "EV-2", "EV-3", "EV-3a", "EV-4", "EV-7", "EV-8", "EV-9a", "CL-5", "CL-6"}, Setup: connectAcceptClose},
		Scenario{ID: "1.2", Name: "tcp/refused", Title: "a connect to a port nobody listens on fails with ECONNREFUSED and closes",
			Rules: []string{"EV-3", "EV-6", "CL-4", "CL-5"}, Setup: refused},
		Scenario{ID: "1.3", Name: "tcp/connect-timeout", Title: "a connect to a silent host is abandoned by a timer: CLOSE without CONNECT",
			Rules: []string{"EV-3", "TM-1", "TM-2", "TM-5", "CL-4"}, Deadline: 30 * time.Second, Setup: connectTimeoutByTimer},
		Scenario{ID: "1.4", Name: "tcp/simultaneous-clients", Title: "30 clients connect at once; the listener accepts them",
			Rules: []string{"EV-2", "EV-4", "EV-9", "EV-10", "EV-7"}, Setup: simultaneousClients},
		Scenario{ID: "1.5", Name: "tcp/listener-closed-first", Title: "closing the listener leaves its accepted connections working",
			Rules: []string{"EV-1", "EV-4", "CL-4"}, Setup: listenerClosedFirst},
		Scenario{ID: "1.6", Name: "addsock/socketless", Title: "a socket-less connection gets only POLL, TIMER and CLOSE",
			Rules: []string{"EV-1", "EV-7", "TM-1", "TM-2", "TM-5"}, Setup: socketless},
		Scenario{ID: "1.7", Name: "tcp/connect-from-handler", Title: "a handler opens new connections during a poll; they start in the next one",
			Rules: []string{"EV-3", "EV-7", "EV-9"}, Setup: connectFromHandler},
		Scenario{ID: "1.8", Name: "tcp/refused-kept-alive", Title: "a handler clears CLOSE_IMMEDIATELY after a failed CONNECT; with nothing to read or write the connection lives until it closes itself",
			Rules: []string{"EV-3", "CL-3", "CL-5"}, Setup: refusedKeptAlive},
		Scenario{ID: "1.9", Name: "mgr/free-closes-all", Title: "mg_mgr_free closes every connection, listeners included, newest first",
			Rules: []string{"EV-1", "CL-6", "EV-7"}, Setup: freeClosesAll},
		Scenario{ID: "1.10", Name: "tcp/core-flags-restored", Title: "a handler that sets core-owned flags has them undone",
			Rules: []string{"CL-3", "CL-3a"}, Setup: coreFlagsRestored},
		Scenario{ID: "1.11", Name: "tcp/no-such-host", Title: "a connect to an address with no host times out with ETIMEDOUT",
			Rules: []string{"EV-3", "EV-6", "CL-5"}, Deadline: 300 * time.Second, Setup: noSuchHost},
	)
}

func connectAcceptClose(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	done := countdown(e, 2)
	server := func(c Conn, ev Ev, d Data) {
		if ev == EvClose && c.Listener() != nil {
			done()
		}
	}
	client := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			if d.Int != 0 {
				e.Errorf("connect failed: %d", d.Int)
			}
			c.SetFlags(c.Flags() | FlagSendAndClose)
		case EvClose:
			done()
		}
	}
	if _, err := srv.Bind(TCP(sh, 80), server); !must(e, "bind", err) {
		return
	}
	if _, err := cli.Connect(TCP(sh, 80), client); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

// connectFailed is a client handler that expects a failed CONNECT with
// code want (0: any non-zero code), then CLOSE.
func connectFailed(e *Env, want int64, done func()) Handler {
	var k counts
	var code int64
	return func(c Conn, ev Ev, d Data) {
		k.add(ev)
		switch ev {
		case EvConnect:
			code = d.Int
		case EvRecv, EvSend, EvAccept:
			e.Errorf("unexpected %v on a failed connection", ev)
		case EvClose:
			if k[EvConnect] != 1 || code == 0 || (want != 0 && code != want) {
				e.Errorf("want one CONNECT failing with %d, got %v (last code %d)", want, k, code)
			}
			done()
		}
	}
}

func refused(e *Env) {
	h := e.Host("client")
	e.Host("server") // exists, but nobody listens
	m := e.NewManager(h)
	done := countdown(e, 1)
	c, err := m.Connect("tcp://10.0.0.2:9", connectFailed(e, 111, done))
	if !must(e, "connect", err) {
		return
	}
	c.Send([]byte("never sent"))
	e.Loop("client", m, 100)
}

func noSuchHost(e *Env) {
	h := e.Host("client")
	m := e.NewManager(h)
	if _, err := m.Connect("tcp://10.9.9.9:80", connectFailed(e, 110, countdown(e, 1))); must(e, "connect", err) {
		e.Loop("client", m, 1000)
	}
}

// connectTimeoutByTimer is Mongoose's documented connect-timeout idiom: arm
// a timer after mg_connect, disarm it on CONNECT, close on TIMER.
func connectTimeoutByTimer(e *Env) {
	h := e.Host("client")
	m := e.NewManager(h)
	var k counts
	done := countdown(e, 1)
	client := func(c Conn, ev Ev, d Data) {
		k.add(ev)
		switch ev {
		case EvConnect:
			c.SetTimer(0)
		case EvTimer:
			if c.Flags()&FlagConnecting == 0 {
				e.Errorf("timer fired after the connect completed")
			}
			c.SetFlags(c.Flags() | FlagCloseImmediately)
		case EvClose:
			if k[EvConnect] != 0 || k[EvTimer] != 1 {
				e.Errorf("want TIMER then CLOSE and no CONNECT, got %v", k)
			}
			done()
		}
	}
	c, err := m.Connect("tcp://10.9.9.9:80", client)
	if !must(e, "connect", err) {
		return
	}
	c.SetTimer(m.Time() + 1.5)
	e.Loop("client", m, 100)
}

func simultaneousClients(e *Env) {
	sh, ch := e.Host("server"), e.Host("clients")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	const n = 30
	accepted := 0
	done := countdown(e, n)
	server := func(c Conn, ev Ev, d Data) {
		if ev == EvAccept {
			accepted++
			c.Send([]byte("welcome\n"))
			c.SetFlags(c.Flags() | FlagSendAndClose)
		}
	}
	if _, err := srv.Bind(TCP(sh, 21), server); !must(e, "bind", err) {
		return
	}
	for i := 0; i < n; i++ {
		c := &streamClient{e: e, name: fmt.Sprintf("client %d", i), msg: []byte("welcome\n"), chunk: 0, sent: 8}
		c.done = done
		if _, err := cli.Connect(TCP(sh, 21), c.handle); !must(e, "connect", err) {
			return
		}
	}
	e.Loop("server", srv, 100)
	e.Loop("clients", cli, 100)
}

func listenerClosedFirst(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	var listener Conn
	server := func(c Conn, ev Ev, d Data) {
		switch {
		case ev == EvAccept:
			listener.SetFlags(listener.Flags() | FlagCloseImmediately)
		case ev == EvRecv && c.Listener() != nil:
			echoHandler(c, ev, d)
		}
	}
	l, err := srv.Bind(TCP(sh, 8081), server)
	if !must(e, "bind", err) {
		return
	}
	listener = l
	c := &streamClient{e: e, name: "client", msg: payload(e.Rand, 20000), chunk: 2000, done: countdown(e, 1)}
	if _, err := cli.Connect(TCP(sh, 8081), c.handle); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

// socketless: a socket-less connection with a timer re-armed twice never
// sees a socket event.
func socketless(e *Env) {
	h := e.Host("box")
	m := e.NewManager(h)
	var k counts
	done := countdown(e, 1)
	fires := 0
	handler := func(c Conn, ev Ev, d Data) {
		k.add(ev)
		switch ev {
		case EvTimer:
			fires++
			if fires < 3 {
				c.SetTimer(d.Time + 0.25)
			} else {
				c.SetFlags(c.Flags() | FlagCloseImmediately)
			}
		case EvAccept, EvConnect, EvRecv, EvSend:
			e.Errorf("socket-less connection got %v", ev)
		case EvClose:
			if fires != 3 || k[EvPoll] == 0 {
				e.Errorf("want 3 TIMERs and some POLLs, got %v", k)
			}
			done()
		}
	}
	c, err := m.AddSock(handler)
	if !must(e, "add_sock", err) {
		return
	}
	c.SetTimer(m.Time() + 0.1)
	e.Loop("box", m, 100)
}

// connectFromHandler: every ACCEPT on the server makes the server open a
// connection back to the client host's listener, from inside the handler.
func connectFromHandler(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	const n = 5
	done := countdown(e, 2*n)
	back := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			if d.Int != 0 {
				e.Errorf("callback connect failed: %d", d.Int)
			}
			c.SetFlags(c.Flags() | FlagSendAndClose)
		case EvClose:
			done()
		}
	}
	server := func(c Conn, ev Ev, d Data) {
		switch {
		case ev == EvAccept:
			if _, err := srv.Connect(TCP(ch, 9000), back); err != nil {
				e.Errorf("connect from handler: %v", err)
			}
			c.SetFlags(c.Flags() | FlagSendAndClose)
		}
	}
	clientListener := func(c Conn, ev Ev, d Data) {
		if ev == EvClose && c.Listener() != nil {
			done()
		}
	}
	if _, err := srv.Bind(TCP(sh, 9000), server); !must(e, "bind", err) {
		return
	}
	if _, err := cli.Bind(TCP(ch, 9000), clientListener); !must(e, "bind", err) {
		return
	}
	for i := 0; i < n; i++ {
		if _, err := cli.Connect(TCP(sh, 9000), func(c Conn, ev Ev, d Data) {}); !must(e, "connect", err) {
			return
		}
	}
	e.Loop("server", srv, 100)
	e.Loop("client", cli, 100)
}

func refusedKeptAlive(e *Env) {
	h := e.Host("client")
	m := e.NewManager(h)
	var k counts
	polls := 0
	done := countdown(e, 1)
	handler := func(c Conn, ev Ev, d Data) {
		k.add(ev)
		switch ev {
		case EvConnect:
			if d.Int == 0 {
				e.Errorf("connect to a closed port succeeded")
			}
			c.SetFlags(c.Flags() &^ FlagCloseImmediately)
		case EvPoll:
			if k[EvConnect] == 1 {
				polls++
			}
			if polls == 5 {
				c.SetFlags(c.Flags() | FlagCloseImmediately)
			}
		case EvRecv:
			e.Errorf("RECV on a failed connection")
		case EvClose:
			if polls < 5 {
				e.Errorf("closed after %d polls; clearing CLOSE_IMMEDIATELY should keep it", polls)
			}
			done()
		}
	}
	c, err := m.Connect("tcp://10.0.0.1:1", handler)
	if !must(e, "connect", err) {
		return
	}
	// With a receive limit of 0 and nothing queued the failed socket is
	// never read or written, so its error never closes it (D-RECV-5).
	c.SetRecvLimit(0)
	e.Loop("client", m, 50)
}

// freeClosesAll: the scenario finishes while every connection is still
// open; Free must close them all.
func freeClosesAll(e *Env) {
	h := e.Host("box")
	m := e.NewManager(h)
	open, closes := 0, 0
	h1 := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvAccept, EvConnect:
			open++
			if open == 4 {
				e.Finish()
			}
		case EvClose:
			closes++
		}
	}
	if _, err := m.Bind("tcp://127.0.0.1:5000", h1); !must(e, "bind", err) {
		return
	}
	for i := 0; i < 2; i++ {
		if _, err := m.Connect("tcp://127.0.0.1:5000", h1); !must(e, "connect", err) {
			return
		}
	}
	if _, err := m.AddSock(h1); !must(e, "add_sock", err) {
		return
	}
	e.Loop("box", m, 10)
}

// coreFlagsRestored: handlers try to set LISTENING, UDP, CONNECTING and
// WANT_READ; the core must undo every change to its own bits.
func coreFlagsRestored(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	core := FlagListening | FlagUDP | FlagConnecting | FlagWantRead | FlagRecvAndClose
	tamper := func(c Conn, ev Ev, d Data) {
		if ev != EvClose {
			c.SetFlags(c.Flags() ^ (FlagWantRead | FlagUser3))
		}
	}
	server := func(c Conn, ev Ev, d Data) {
		tamper(c, ev, d)
		if ev == EvRecv {
			echoHandler(c, ev, d)
		}
	}
	sc := &streamClient{e: e, name: "client", msg: payload(e.Rand, 5000), chunk: 1000, done: countdown(e, 1)}
	client := func(c Conn, ev Ev, d Data) {
		if c.Flags()&(FlagListening|FlagUDP|FlagRecvAndClose|FlagWantRead) != 0 {
			e.Errorf("%v: core-owned flags set by the previous handler call survived: %#x", ev, c.Flags())
		}
		sc.handle(c, ev, d)
		if ev != EvClose {
			c.SetFlags(c.Flags() | core&^FlagConnecting)
		}
	}
	if _, err := srv.Bind(TCP(sh, 4000), server); !must(e, "bind", err) {
		return
	}
	if _, err := cli.Connect(TCP(sh, 4000), client); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}
