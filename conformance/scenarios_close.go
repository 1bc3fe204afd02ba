package conformance

import (
	"bytes"
	"math"
)

// Group 3: closing.

func init() {
	register(
		Scenario{ID: "3.1", Name: "tcp/send-and-close-drain", Title: "SEND_AND_CLOSE with 256 KiB queued: everything is sent before CLOSE",
			Rules: []string{"CL-2", "BUF-3", "BUF-8", "BUF-7"}, Setup: sendAndCloseDrain},
		Scenario{ID: "3.2", Name: "tcp/close-immediately-discards", Title: "CLOSE_IMMEDIATELY with 64 KiB queued: nothing more is sent",
			Rules: []string{"CL-1", "CL-4", "BUF-6"}, Setup: closeImmediatelyDiscards},
		Scenario{ID: "3.3", Name: "tcp/peer-closes-first", Title: "the server replies and closes; the client reads the reply and sees EOF with no event",
			Rules: []string{"CL-5", "EV-1", "BUF-7"}, Setup: peerClosesFirst},
		Scenario{ID: "3.4", Name: "tcp/late-send-after-eof", Title: "after the peer's EOF a client still sends a late reply, then closes",
			Rules: []string{"CL-5", "CL-2", "BUF-3"}, Setup: lateSendAfterEOF},
		Scenario{ID: "3.5", Name: "tcp/reset-by-peer", Title: "the peer closes with unread data: a reset, and a silent close in the next poll",
			Rules: []string{"CL-5", "CL-1", "EV-1"}, Setup: resetByPeer},
		Scenario{ID: "3.6", Name: "tcp/close-other-connection", Title: "one connection's handler sets CLOSE_IMMEDIATELY on another",
			Rules: []string{"CL-1", "CL-4", "EV-8"}, Setup: closeOther},
		Scenario{ID: "3.7", Name: "tcp/send-and-close-empty", Title: "SEND_AND_CLOSE with nothing queued closes at the next poll",
			Rules: []string{"CL-4", "CL-2"}, Setup: sendAndCloseEmpty},
		Scenario{ID: "3.8", Name: "tcp/close-while-connecting", Title: "CLOSE_IMMEDIATELY set from POLL while still connecting: CLOSE without CONNECT",
			Rules: []string{"EV-3", "CL-4", "EV-8"}, Setup: closeWhileConnecting},
		Scenario{ID: "3.9", Name: "tcp/close-immediately-in-recv", Title: "CLOSE_IMMEDIATELY set in RECV skips the write of that same poll",
			Rules: []string{"CL-1", "CL-4", "EV-8"}, Setup: closeInRecv},
	)
}

// request is a client that sends req at CONNECT, collects everything it
// receives, and checks it against want when it closes (after EOF).
type request struct {
	e    *Env
	req  []byte
	want []byte
	got  arrivals
	done func()
}

func (r *request) handle(c Conn, ev Ev, d Data) {
	switch ev {
	case EvConnect:
		if d.Int != 0 {
			r.e.Errorf("connect failed: %d", d.Int)
			return
		}
		c.Send(r.req)
	case EvRecv:
		r.got.add(c.RecvBuf(), r.want)
		c.Remove(len(c.RecvBuf()))
	case EvClose:
		if !r.got.equal(r.want) {
			r.e.Errorf("client received %d bytes, want %d (or different bytes)", r.got.n, len(r.want))
		}
		r.done()
	}
}

// replyServer answers each connection's request — everything up to its
// first newline, however many RECVs it takes to arrive — with reply, and
// then applies flags.
func replyServer(reply []byte, flags uint32) Handler {
	answered := map[Conn]bool{}
	return func(c Conn, ev Ev, d Data) {
		if ev != EvRecv || answered[c] {
			return
		}
		i := bytes.IndexByte(c.RecvBuf(), '\n')
		if i < 0 {
			return
		}
		answered[c] = true
		c.Remove(i + 1)
		c.Send(reply)
		c.SetFlags(c.Flags() | flags)
	}
}

// requestReply wires a request client to a reply server.
func requestReply(e *Env, req, reply, want []byte, flags uint32) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	if _, err := srv.Bind(TCP(sh, 80), replyServer(reply, flags)); !must(e, "bind", err) {
		return
	}
	r := &request{e: e, req: req, want: want, done: countdown(e, 1)}
	if _, err := cli.Connect(TCP(sh, 80), r.handle); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

func sendAndCloseDrain(e *Env) {
	reply := payload(e.Rand, 256<<10)
	requestReply(e, []byte("GET /big\n"), reply, reply, FlagSendAndClose)
}

func closeImmediatelyDiscards(e *Env) {
	requestReply(e, []byte("GET /big\n"), payload(e.Rand, 64<<10), nil, FlagCloseImmediately)
}

func peerClosesFirst(e *Env) {
	reply := []byte("HTTP/1.0 200 OK\r\n\r\nbye")
	requestReply(e, []byte("GET /\n"), reply, reply, FlagSendAndClose)
}

// lateSendAfterEOF: the client holds its receive limit at 0 until the
// server's last bytes and its FIN are both waiting, so that one poll reads
// the bytes and then the EOF; the RECV handler queues a late message, and
// the EOF (which raises no event and only sets SEND_AND_CLOSE, D-RECV-6)
// must not keep it from going out before the close.
func lateSendAfterEOF(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	done := countdown(e, 1)
	if _, err := srv.Bind(TCP(sh, 81), replyServer([]byte("bye\n"), FlagSendAndClose)); !must(e, "bind", err) {
		return
	}
	var opened float64
	late, sent := false, 0
	client := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			c.Send([]byte("hi\n"))
			c.SetRecvLimit(0)
			opened = cli.Time() + 2 // long enough for the reply and the FIN on every profile
		case EvPoll:
			if c.RecvLimit() == 0 && cli.Time() >= opened {
				c.SetRecvLimit(math.MaxUint64)
			}
		case EvRecv:
			c.Remove(len(c.RecvBuf()))
			if !late {
				late = true
				c.Send([]byte("late"))
			}
		case EvSend:
			sent += int(d.Int)
		case EvClose:
			if sent != len("hi\n")+len("late") || c.SendLen() != 0 {
				e.Errorf("the client closed having sent %d bytes (%d unsent); want the late message out first", sent, c.SendLen())
			}
			done()
		}
	}
	if _, err := cli.Connect(TCP(sh, 81), client); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

// resetByPeer: the server closes while the client's data is still unread
// in its socket, so its stack resets the connection; the client, which is
// still sending, sees an error and is closed without an event for it.
func resetByPeer(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	done := countdown(e, 2)
	server := func(c Conn, ev Ev, d Data) {
		switch {
		case ev == EvRecv:
			c.SetRecvLimit(1) // stop reading: the rest stays unread in the socket
			c.SetFlags(c.Flags() | FlagCloseImmediately)
		case ev == EvClose && c.Listener() != nil:
			done()
		}
	}
	client := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			c.Send(payload(e.Rand, 200<<10))
		case EvClose:
			if c.SendLen() == 0 {
				e.Errorf("the client sent all its data though the server reset the connection")
			}
			done()
		}
	}
	if _, err := srv.Bind(TCP(sh, 82), server); !must(e, "bind", err) {
		return
	}
	if _, err := cli.Connect(TCP(sh, 82), client); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

// closeOther: two clients in one manager; when the first gets its reply it
// sets CLOSE_IMMEDIATELY on the second, which must then close at its next
// turn (in this poll if the walk has not reached it yet).
func closeOther(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	if _, err := srv.Bind(TCP(sh, 83), echoHandler); !must(e, "bind", err) {
		return
	}
	done := countdown(e, 2)
	var second Conn
	first := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			c.Send([]byte("ping"))
		case EvRecv:
			c.Remove(len(c.RecvBuf()))
			second.SetFlags(second.Flags() | FlagCloseImmediately)
			c.SetFlags(c.Flags() | FlagSendAndClose)
		case EvClose:
			done()
		}
	}
	other := func(c Conn, ev Ev, d Data) {
		if ev == EvClose {
			done()
		}
	}
	s, err := cli.Connect(TCP(sh, 83), other)
	if !must(e, "connect", err) {
		return
	}
	second = s
	if _, err := cli.Connect(TCP(sh, 83), first); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

func sendAndCloseEmpty(e *Env) {
	requestReply(e, []byte("QUIT\n"), nil, nil, FlagSendAndClose)
}

func closeWhileConnecting(e *Env) {
	h := e.Host("client")
	m := e.NewManager(h)
	var k counts
	done := countdown(e, 1)
	handler := func(c Conn, ev Ev, d Data) {
		k.add(ev)
		switch ev {
		case EvPoll:
			if c.Flags()&FlagConnecting != 0 && k[EvPoll] == 2 {
				c.SetFlags(c.Flags() | FlagCloseImmediately)
			}
		case EvClose:
			if k[EvConnect] != 0 {
				e.Errorf("got CONNECT though closed while connecting: %v", k)
			}
			done()
		}
	}
	if _, err := m.Connect("tcp://10.9.9.9:80", handler); must(e, "connect", err) {
		e.Loop("client", m, 100)
	}
}

// closeInRecv: the server queues a reply and sets CLOSE_IMMEDIATELY in the
// same RECV; the client must get nothing.
func closeInRecv(e *Env) {
	requestReply(e, []byte("x\n"), []byte("never sent"), nil, FlagCloseImmediately)
}
