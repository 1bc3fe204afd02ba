package conformance

import (
	"bytes"
	"fmt"
	"time"
)

// Group 2: data and buffers.

func init() {
	register(
		Scenario{ID: "2.1", Name: "tcp/echo-many-clients", Title: "20 clients on another host echo messages of 1-8 KiB, one of 128 KiB, through one server",
			Rules: []string{"EV-2", "EV-3", "EV-5", "EV-7", "EV-9", "EV-10", "BUF-1", "BUF-2", "BUF-3", "BUF-4", "BUF-6", "BUF-7", "BUF-8"},
			Setup: func(e *Env) { echoMany(e, 20, 8<<10, 128<<10) }},
		Scenario{ID: "2.2", Name: "tcp/echo-large-message", Title: "one client echoes 512 KiB in 4 KiB chunks",
			Rules: []string{"BUF-1", "BUF-3", "BUF-4", "BUF-6", "BUF-7", "BUF-8"},
			Setup: func(e *Env) { echoMany(e, 1, 0, 512<<10) }},
		Scenario{ID: "2.3", Name: "tcp/partial-consume", Title: "a line server consumes only whole lines and leaves the rest in recv_mbuf",
			Rules: []string{"BUF-1", "BUF-2", "BUF-2a", "BUF-6", "BUF-7"}, Setup: partialConsume},
		Scenario{ID: "2.4", Name: "tcp/recv-limit", Title: "recv_mbuf_limit 1000 with a handler that drains 400 bytes per POLL",
			Rules: []string{"BUF-5", "BUF-9", "BUF-1", "BUF-6"}, Setup: func(e *Env) { recvLimit(e, 1000, 400, 20<<10) }},
		Scenario{ID: "2.5", Name: "tcp/recv-limit-one", Title: "recv_mbuf_limit 1 gives one-byte RECVs",
			Rules: []string{"BUF-5", "BUF-9", "BUF-8"}, Setup: func(e *Env) { recvLimit(e, 1, 1, 300) }},
		Scenario{ID: "2.6", Name: "tcp/send-before-connect", Title: "data queued right after mg_connect goes out once the connect completes",
			Rules: []string{"BUF-4", "EV-3", "BUF-7"}, Setup: sendBeforeConnect},
		Scenario{ID: "2.7", Name: "tcp/bidirectional", Title: "both ends stream 64 KiB at each other at once",
			Rules: []string{"BUF-1", "BUF-3", "BUF-6", "BUF-7", "BUF-8"}, Setup: bidirectional},
		Scenario{ID: "2.8", Name: "tcp/remove-too-much", Title: "mbuf_remove of more than recv_mbuf holds changes nothing",
			Rules: []string{"BUF-1", "BUF-2", "BUF-6"}, Setup: removeTooMuch},
		Scenario{ID: "2.9", Name: "tcp/heartbeat-from-poll", Title: "a client queues a heartbeat on POLL; it goes out in a later poll",
			Rules: []string{"BUF-4", "BUF-3", "EV-7", "EV-8"}, Setup: heartbeat},
		Scenario{ID: "2.10", Name: "tcp/slow-reader", Title: "the reader takes 100 bytes per POLL while the writer pushes 64 KiB",
			Rules: []string{"BUF-3", "BUF-4", "BUF-6", "BUF-7"}, Setup: slowReader},
		Scenario{ID: "2.11", Name: "tcp/loopback-one-manager", Title: "client and server in one manager over 127.0.0.1, as in the recorded traces",
			Rules: []string{"EV-2", "EV-3", "EV-9", "BUF-1", "BUF-3", "BUF-7"}, Setup: loopbackOneManager},
	)
}

// echoMany runs n clients on their own host against an echo server; each
// sends a message of 1..maxSmall bytes, and the first one large bytes (when
// large > 0).
func echoMany(e *Env, n, maxSmall, large int) {
	sh, ch := e.Host("server"), e.Host("clients")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	if _, err := srv.Bind(TCP(sh, 8000), echoHandler); !must(e, "bind", err) {
		return
	}
	done := countdown(e, n)
	for i := 0; i < n; i++ {
		size := 1 + e.Rand.IntN(max(maxSmall, 1))
		if i == 0 && large > 0 {
			size = large
		}
		c := &streamClient{e: e, name: fmt.Sprintf("client %d", i), msg: payload(e.Rand, size), chunk: 4096, done: done}
		if _, err := cli.Connect(TCP(sh, 8000), c.handle); !must(e, "connect", err) {
			return
		}
	}
	e.Loop("server", srv, 100)
	e.Loop("clients", cli, 100)
}

// partialConsume: a server that echoes only whole lines, keeping partial
// ones in recv_mbuf until the rest arrives.
func partialConsume(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	lines := func(c Conn, ev Ev, d Data) {
		if ev != EvRecv {
			return
		}
		buf := c.RecvBuf()
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			c.Send(buf[:i+1])
			c.Remove(i + 1)
		}
	}
	if _, err := srv.Bind(TCP(sh, 7000), lines); !must(e, "bind", err) {
		return
	}
	var msg []byte
	for i := 0; i < 200; i++ {
		msg = append(msg, payload(e.Rand, e.Rand.IntN(300))...)
		msg = append(msg, '\n')
	}
	c := &streamClient{e: e, name: "client", msg: msg, chunk: 777, done: countdown(e, 1)}
	if _, err := cli.Connect(TCP(sh, 7000), c.handle); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

// recvLimit: the server's listener has a receive limit; accepted
// connections inherit it, and the handler drains drain bytes per POLL.
func recvLimit(e *Env, limit, drain, total int) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	want := payload(e.Rand, total)
	var got []byte
	done := countdown(e, 2)
	h := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvPoll:
			n := min(drain, len(c.RecvBuf()))
			got = append(got, c.RecvBuf()[:n]...)
			c.Remove(n)
		case EvRecv:
			if len(c.RecvBuf()) > limit {
				e.Errorf("recv_mbuf holds %d bytes, over the limit %d", len(c.RecvBuf()), limit)
			}
		case EvClose:
			if c.Listener() != nil {
				if !bytes.Equal(got, want) {
					e.Errorf("server got %d of %d bytes (or different bytes)", len(got), len(want))
				}
				done()
			}
		}
		if len(got) == len(want) && c.Listener() != nil && ev != EvClose {
			c.SetFlags(c.Flags() | FlagSendAndClose)
		}
	}
	l, err := srv.Bind(TCP(sh, 7001), h)
	if !must(e, "bind", err) {
		return
	}
	l.SetRecvLimit(uint64(limit))
	cl := &sender{e: e, msg: want, done: done}
	if _, err := cli.Connect(TCP(sh, 7001), cl.handle); must(e, "connect", err) {
		e.Loop("server", srv, 50)
		e.Loop("client", cli, 50)
	}
}

// sender queues its whole message at CONNECT and closes when the peer has
// closed (it sees EOF, which sets SEND_AND_CLOSE).
type sender struct {
	e    *Env
	msg  []byte
	done func()
}

func (s *sender) handle(c Conn, ev Ev, d Data) {
	switch ev {
	case EvConnect:
		if d.Int != 0 {
			s.e.Errorf("connect failed with %d", d.Int)
			return
		}
		c.Send(s.msg)
	case EvClose:
		if c.SendLen() != 0 {
			s.e.Errorf("sender closed with %d bytes unsent", c.SendLen())
		}
		s.done()
	}
}

// sendBeforeConnect queues the message right after mg_connect, before any
// poll.
func sendBeforeConnect(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	if _, err := srv.Bind(TCP(sh, 7002), echoHandler); !must(e, "bind", err) {
		return
	}
	c := &streamClient{e: e, name: "client", msg: payload(e.Rand, 3000), chunk: 1 << 30, done: countdown(e, 1)}
	conn, err := cli.Connect(TCP(sh, 7002), c.handle)
	if !must(e, "connect", err) {
		return
	}
	conn.Send(c.msg)
	c.sent = len(c.msg)
	e.Loop("server", srv, 100)
	e.Loop("client", cli, 100)
}

// bidirectional: after connecting, both ends send 64 KiB and read the
// other's 64 KiB; each closes when it has everything.
func bidirectional(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	done := countdown(e, 2)
	a := &duplex{e: e, name: "server", out: payload(e.Rand, 64<<10), in: 64 << 10, done: done}
	b := &duplex{e: e, name: "client", out: payload(e.Rand, 64<<10), in: 64 << 10, done: done}
	if _, err := srv.Bind(TCP(sh, 7003), a.handle); !must(e, "bind", err) {
		return
	}
	if _, err := cli.Connect(TCP(sh, 7003), b.handle); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

// duplex sends out (in 2 KiB pieces as its buffer drains) and expects in
// bytes; it sets SEND_AND_CLOSE when both are done.
type duplex struct {
	e        *Env
	name     string
	out      []byte
	sent     int
	in, got  int
	finished bool
	done     func()
}

func (x *duplex) handle(c Conn, ev Ev, d Data) {
	if c.Flags()&FlagListening != 0 {
		return
	}
	switch ev {
	case EvAccept, EvConnect, EvSend, EvPoll:
		if c.Flags()&FlagConnecting == 0 && c.SendLen() < 4096 && x.sent < len(x.out) {
			n := min(2048, len(x.out)-x.sent)
			c.Send(x.out[x.sent : x.sent+n])
			x.sent += n
		}
	case EvRecv:
		x.got += len(c.RecvBuf())
		c.Remove(len(c.RecvBuf()))
	case EvClose:
		if x.got != x.in || x.sent != len(x.out) || c.SendLen() != 0 {
			x.e.Errorf("%s closed having received %d/%d and sent %d/%d (%d unsent)", x.name, x.got, x.in, x.sent, len(x.out), c.SendLen())
		}
		x.done()
	}
	if !x.finished && x.got == x.in && x.sent == len(x.out) && ev != EvClose {
		x.finished = true
		c.SetFlags(c.Flags() | FlagSendAndClose)
	}
}

// removeTooMuch: the server asks to remove more than recv_mbuf holds (a
// no-op in 6.x, A10) before removing the right amount.
func removeTooMuch(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	h := func(c Conn, ev Ev, d Data) {
		if ev != EvRecv {
			return
		}
		n := len(c.RecvBuf())
		c.Remove(n + 1)
		if len(c.RecvBuf()) != n {
			e.Errorf("removing %d of %d bytes changed recv_mbuf to %d bytes; 6.x mbuf_remove does nothing", n+1, n, len(c.RecvBuf()))
		}
		c.Send(c.RecvBuf())
		c.Remove(n)
	}
	if _, err := srv.Bind(TCP(sh, 7004), h); !must(e, "bind", err) {
		return
	}
	c := &streamClient{e: e, name: "client", msg: payload(e.Rand, 10000), chunk: 1000, done: countdown(e, 1)}
	if _, err := cli.Connect(TCP(sh, 7004), c.handle); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

// heartbeat: the client queues "ping\n" on every POLL for 2 seconds of
// virtual time; the server counts the bytes.
func heartbeat(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	var queued, got int
	done := countdown(e, 2)
	server := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvRecv:
			got += len(c.RecvBuf())
			c.Remove(len(c.RecvBuf()))
		case EvClose:
			if c.Listener() != nil {
				if got != queued {
					e.Errorf("server got %d heartbeat bytes, client queued %d", got, queued)
				}
				done()
			}
		}
	}
	var start float64
	client := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			start = cli.Time()
		case EvPoll:
			if c.Flags()&(FlagConnecting|FlagSendAndClose) != 0 {
				return
			}
			if cli.Time()-start > 2 {
				c.SetFlags(c.Flags() | FlagSendAndClose)
				return
			}
			c.Send([]byte("ping\n"))
			queued += 5
		case EvClose:
			done()
		}
	}
	if _, err := srv.Bind(TCP(sh, 7005), server); !must(e, "bind", err) {
		return
	}
	if _, err := cli.Connect(TCP(sh, 7005), client); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 20)
	}
}

// slowReader: the server takes at most 100 bytes per POLL, so the client's
// writes back up into short writes and partial SENDs.
func slowReader(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	want := payload(e.Rand, 64<<10)
	var got []byte
	done := countdown(e, 2)
	server := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvPoll:
			if c.Listener() == nil {
				return
			}
			n := min(100, len(c.RecvBuf()))
			got = append(got, c.RecvBuf()[:n]...)
			c.Remove(n)
			if len(got) == len(want) {
				c.SetFlags(c.Flags() | FlagSendAndClose)
			}
		case EvClose:
			if c.Listener() != nil {
				if !bytes.Equal(got, want) {
					e.Errorf("slow reader got %d of %d bytes (or different bytes)", len(got), len(want))
				}
				done()
			}
		}
	}
	if _, err := srv.Bind(TCP(sh, 7006), server); !must(e, "bind", err) {
		return
	}
	cl := &sender{e: e, msg: want, done: done}
	if _, err := cli.Connect(TCP(sh, 7006), cl.handle); must(e, "connect", err) {
		e.Loop("server", srv, 10)
		e.Loop("client", cli, 100)
	}
}

// loopbackOneManager mirrors the recorded hello_echo trace: one manager
// holds the listener and the client, talking over 127.0.0.1.
func loopbackOneManager(e *Env) {
	h := e.Host("box")
	m := e.NewManager(h)
	if _, err := m.Bind("tcp://127.0.0.1:8080", echoHandler); !must(e, "bind", err) {
		return
	}
	c := &streamClient{e: e, name: "client", msg: []byte("hello\n"), chunk: 64, done: countdown(e, 1)}
	if _, err := m.Connect("tcp://127.0.0.1:8080", c.handle); must(e, "connect", err) {
		e.Loop("box", m, 10)
	}
}

var _ = time.Second
