package conformance

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// Group 5: UDP.

func init() {
	register(
		Scenario{ID: "5.1", Name: "udp/echo", Title: "a UDP client sends 10 datagrams one after another, resending lost ones; each makes a child that echoes and closes",
			Rules: []string{"UDP-1", "UDP-2", "UDP-3", "UDP-3a", "EV-2", "EV-9"}, Setup: udpEcho},
		Scenario{ID: "5.2", Name: "udp/child-kept-alive", Title: "a child that clears SEND_AND_CLOSE receives the peer's later datagrams with no new ACCEPT",
			Rules: []string{"UDP-2", "UDP-1", "UDP-3"}, Setup: udpChildKeptAlive},
		Scenario{ID: "5.3", Name: "udp/many-peers", Title: "20 peers each send a datagram to one UDP listener",
			Rules: []string{"UDP-2", "EV-2", "EV-9", "EV-4"}, Setup: udpManyPeers},
		Scenario{ID: "5.4", Name: "udp/large-datagram", Title: "a 2000-byte datagram arrives cut to the UDP IO size",
			Rules: []string{"UDP-1", "UDP-3"}, Needs: NeedReliableDatagrams, Setup: udpLargeDatagram},
		Scenario{ID: "5.5", Name: "udp/merged-sends", Title: "two sends queued between polls leave as one datagram",
			Rules: []string{"UDP-3", "UDP-1", "BUF-4"}, Needs: NeedReliableDatagrams, Setup: udpMergedSends},
		Scenario{ID: "5.7", Name: "udp/datagrams-waiting", Title: "three datagrams wait in the server's socket while it sleeps; each comes as its own RECV",
			Rules: []string{"UDP-1", "UDP-3a", "UDP-2"}, Needs: NeedReliableDatagrams, Setup: udpDatagramsWaiting},
		Scenario{ID: "5.6", Name: "udp/outbound-buffer-reset", Title: "an outbound UDP connection that leaves bytes in recv_mbuf loses them at the next datagram",
			Rules: []string{"UDP-3", "UDP-1"}, Needs: NeedReliableDatagrams, Setup: udpOutboundReset},
	)
}

// udpPinger sends msgs one at a time over an outbound UDP connection and
// waits for each echo, sending again every resend seconds until it comes
// (datagrams may be lost, duplicated or reordered): an echo that is not of
// the message it waits for is a duplicate or a late one, and is dropped.
// It closes after the last echo.
type udpPinger struct {
	e      *Env
	m      *Mgr
	msgs   [][]byte
	next   int
	resend float64
	done   func()
}

func (u *udpPinger) handle(c Conn, ev Ev, d Data) {
	switch ev {
	case EvConnect:
		if d.Int != 0 {
			u.e.Errorf("udp connect failed: %d", d.Int)
			return
		}
		u.send(c)
	case EvTimer:
		if u.next < len(u.msgs) {
			u.send(c)
		}
	case EvRecv:
		u.received(c)
	case EvClose:
		if u.next != len(u.msgs) {
			u.e.Errorf("udp client closed after %d of %d echoes", u.next, len(u.msgs))
		}
		u.done()
	}
}

func (u *udpPinger) send(c Conn) {
	c.Send(u.msgs[u.next])
	c.SetTimer(u.m.Time() + u.resend)
}

func (u *udpPinger) received(c Conn) {
	got := c.RecvBuf()
	match := u.next < len(u.msgs) && bytes.Equal(got, u.msgs[u.next])
	c.Remove(len(got))
	if !match {
		return
	}
	u.next++
	if u.next == len(u.msgs) {
		c.SetTimer(0)
		c.SetFlags(c.Flags() | FlagCloseImmediately)
		return
	}
	u.send(c)
}

func newPinger(e *Env, m *Mgr, done func(), msgs ...[]byte) *udpPinger {
	return &udpPinger{e: e, m: m, msgs: msgs, resend: 0.5, done: done}
}

func udpPair(e *Env) (sh *Mgr, cl *Mgr) {
	s, c := e.Host("server"), e.Host("client")
	return e.NewManager(s), e.NewManager(c)
}

func udpEcho(e *Env) {
	srv, cli := udpPair(e)
	if _, err := srv.Bind(UDP(srv.Host(), 5353), echoHandler); !must(e, "bind", err) {
		return
	}
	u := newPinger(e, cli, countdown(e, 1))
	for i := 0; i < 10; i++ {
		u.msgs = append(u.msgs, payload(e.Rand, 1+e.Rand.IntN(1000)))
	}
	if _, err := cli.Connect(UDP(srv.Host(), 5353), u.handle); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

func udpChildKeptAlive(e *Env) {
	srv, cli := udpPair(e)
	accepts := 0
	server := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvAccept:
			accepts++
			c.SetFlags(c.Flags() &^ FlagSendAndClose)
		case EvRecv:
			echoHandler(c, ev, d)
		case EvClose:
			if c.Listener() != nil && accepts != 1 {
				e.Errorf("%d ACCEPTs for one peer whose child stayed alive", accepts)
			}
		}
	}
	if _, err := srv.Bind(UDP(srv.Host(), 5354), server); !must(e, "bind", err) {
		return
	}
	u := newPinger(e, cli, countdown(e, 1))
	for i := 0; i < 5; i++ {
		u.msgs = append(u.msgs, payload(e.Rand, 10+i))
	}
	if _, err := cli.Connect(UDP(srv.Host(), 5354), u.handle); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

func udpManyPeers(e *Env) {
	srv, cli := udpPair(e)
	if _, err := srv.Bind(UDP(srv.Host(), 5355), echoHandler); !must(e, "bind", err) {
		return
	}
	done := countdown(e, 20)
	for i := 0; i < 20; i++ {
		u := newPinger(e, cli, done, []byte(fmt.Sprintf("peer %d", i)))
		if _, err := cli.Connect(UDP(srv.Host(), 5355), u.handle); !must(e, "connect", err) {
			return
		}
	}
	e.Loop("server", srv, 100)
	e.Loop("client", cli, 100)
}

// udpLargeDatagram: the server reports the size it received; the client
// sends 2000 bytes and accepts any answer (cutting is an m618 rule, checked
// by the checker, not by this scenario).
func udpLargeDatagram(e *Env) {
	srv, cli := udpPair(e)
	server := func(c Conn, ev Ev, d Data) {
		if ev == EvRecv {
			c.Send([]byte(fmt.Sprint(len(c.RecvBuf()))))
			c.Remove(len(c.RecvBuf()))
		}
	}
	if _, err := srv.Bind(UDP(srv.Host(), 5356), server); !must(e, "bind", err) {
		return
	}
	done := countdown(e, 1)
	client := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			c.Send(payload(e.Rand, 2000))
		case EvRecv:
			c.Remove(len(c.RecvBuf()))
			c.SetFlags(c.Flags() | FlagCloseImmediately)
		case EvClose:
			done()
		}
	}
	if _, err := cli.Connect(UDP(srv.Host(), 5356), client); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

func udpMergedSends(e *Env) {
	srv, cli := udpPair(e)
	if _, err := srv.Bind(UDP(srv.Host(), 5357), echoHandler); !must(e, "bind", err) {
		return
	}
	done := countdown(e, 1)
	total := 0
	client := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			c.Send(bytes.Repeat([]byte("a"), 100))
			c.Send(bytes.Repeat([]byte("b"), 100))
		case EvRecv:
			total += len(c.RecvBuf())
			c.Remove(len(c.RecvBuf()))
			if total >= 200 {
				c.SetFlags(c.Flags() | FlagCloseImmediately)
			}
		case EvClose:
			if total != 200 {
				e.Errorf("got %d echoed bytes, want 200", total)
			}
			done()
		}
	}
	if _, err := cli.Connect(UDP(srv.Host(), 5357), client); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

// udpOutboundReset: the client leaves each echo in recv_mbuf; Mongoose
// empties an outbound UDP buffer after every RECV anyway.
func udpOutboundReset(e *Env) {
	srv, cli := udpPair(e)
	if _, err := srv.Bind(UDP(srv.Host(), 5358), echoHandler); !must(e, "bind", err) {
		return
	}
	done := countdown(e, 1)
	recvs := 0
	client := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			c.Send(payload(e.Rand, 300))
		case EvRecv:
			recvs++
			if recvs < 4 {
				c.Send(payload(e.Rand, 100+recvs))
			} else {
				c.SetFlags(c.Flags() | FlagCloseImmediately)
			}
		case EvClose:
			done()
		}
	}
	if _, err := cli.Connect(UDP(srv.Host(), 5358), client); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

// udpDatagramsWaiting: the client sends three datagrams of different sizes
// in three polls; the server polls with a zero timeout and sleeps 100 ms
// between polls, so all three wait in its socket; it must see them as
// three RECVs of the sizes sent, in any order (one datagram per read,
// UDP-1).
func udpDatagramsWaiting(e *Env) {
	srv, cli := udpPair(e)
	sizes := []int{100, 150, 200}
	var got []int
	done := countdown(e, 2)
	server := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvAccept:
			c.SetFlags(c.Flags() &^ FlagSendAndClose) // keep the child for all three
		case EvRecv:
			got = append(got, int(d.Int))
			c.Remove(len(c.RecvBuf()))
			if len(got) == len(sizes) {
				slices.Sort(got) // jitter may reorder datagrams
				if fmt.Sprint(got) != fmt.Sprint(sizes) {
					e.Errorf("the server got datagrams of %v bytes, the client sent %v", got, sizes)
				}
				c.SetFlags(c.Flags() | FlagCloseImmediately)
			}
		case EvClose:
			if c.Listener() != nil {
				done()
			}
		}
	}
	if _, err := srv.Bind(UDP(srv.Host(), 5359), server); !must(e, "bind", err) {
		return
	}
	next := 0
	client := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect, EvSend:
			if next < len(sizes) {
				c.Send(payload(e.Rand, sizes[next]))
				next++
			} else if ev == EvSend {
				c.SetFlags(c.Flags() | FlagSendAndClose)
			}
		case EvClose:
			done()
		}
	}
	if _, err := cli.Connect(UDP(srv.Host(), 5359), client); !must(e, "connect", err) {
		return
	}
	srv.Host().Go("server", func(p *sim.Proc) {
		for !e.Finished() {
			srv.Poll(0)
			p.Sleep(100 * time.Millisecond)
		}
		srv.Poll(0)
		srv.Free()
	})
	e.Loop("client", cli, 10)
}
