package reference_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mgsim/mgsim/reference"
)

var udpAddr = netip.MustParseAddrPort("127.0.0.1:9000")

// echoUDP replies with what it received.
func echoUDP(c *reference.Conn, ev reference.Event, _ reference.EventData) {
	if ev == reference.EvRecv {
		c.Send([]byte(drain(c)))
	}
}

// G2, G3, G9: a datagram from a new peer makes a child with
// UDP|SEND_AND_CLOSE that gets ACCEPT then RECV in the same poll; its reply
// goes out through the listener's socket in the next poll, and it closes in
// the one after, leaving the shared socket open.
func TestUDPChildLifetime(t *testing.T) {
	e := newEnv(t)
	l := e.bind("udp://127.0.0.1:9000", echoUDP)
	peer := e.net.rawUDP()
	e.net.rawSendTo(peer, udpAddr, "ping")
	e.poll("1:1 POLL [LISTENING|UDP]", "1:2 ACCEPT(127.0.0.1:40001) [UDP|SEND_AND_CLOSE]", "1:2 RECV(4) [UDP|SEND_AND_CLOSE]")
	e.poll("2:2 POLL [UDP|SEND_AND_CLOSE]", "2:2 SEND(4) [UDP|SEND_AND_CLOSE]", "2:1 POLL [LISTENING|UDP]")
	if got := e.net.rawRecvFrom(peer); !slices.Equal(got, []string{"127.0.0.1:9000 ping"}) {
		t.Fatalf("peer got %q", got)
	}
	e.poll("3:2 CLOSE [UDP|SEND_AND_CLOSE|CLOSE_IMMEDIATELY]", "3:1 POLL [LISTENING|UDP]")
	if !e.net.isOpen(3) || l.LocalAddr() != udpAddr {
		t.Fatal("closing a UDP child closed the listener's socket (G9)")
	}
	// G3: the peer's next datagram makes a new child.
	e.net.rawSendTo(peer, udpAddr, "again")
	e.poll("4:1 POLL [LISTENING|UDP]", "4:3 ACCEPT(127.0.0.1:40001) [UDP|SEND_AND_CLOSE]", "4:3 RECV(5) [UDP|SEND_AND_CLOSE]")
}

// G1, G3, G4: one datagram per poll; a child kept alive (SEND_AND_CLOSE
// cleared) gets later datagrams from its peer without a new ACCEPT, and
// its receive buffer keeps what the handler left.
func TestUDPLiveChildCollectsDatagrams(t *testing.T) {
	e := newEnv(t)
	e.bind("udp://127.0.0.1:9000", on(reference.EvAccept, func(c *reference.Conn, _ reference.EventData) {
		c.Flags &^= reference.FlagSendAndClose
	}))
	peer := e.net.rawUDP()
	e.net.rawSendTo(peer, udpAddr, "one")
	e.net.rawSendTo(peer, udpAddr, "two!")
	e.poll("1:1 POLL [LISTENING|UDP]", "1:2 ACCEPT(127.0.0.1:40001) [UDP|SEND_AND_CLOSE]", "1:2 RECV(3) [UDP]")
	e.poll("2:2 POLL [UDP]", "2:1 POLL [LISTENING|UDP]", "2:2 RECV(4) [UDP]")
	child := e.m.Next(nil)
	if got := string(child.RecvMbuf.Bytes()); got != "onetwo!" || child.Origin() != reference.OriginUDPChild {
		t.Fatalf("child buffer %q origin %v, want \"onetwo!\" udp_child", got, child.Origin())
	}
	if l := e.m.Next(child); l.RecvMbuf.Len() != 0 || l.RecvMbuf.Size() != 0 {
		t.Fatalf("listener buffer len %d size %d, want it freed (G4)", l.RecvMbuf.Len(), l.RecvMbuf.Size())
	}
}

// G7, G8, G3: datagrams are cut at 1460 bytes; an empty datagram from a
// new peer gives ACCEPT but no RECV; a child that does not reply closes in
// the next poll.
func TestUDPTruncationAndEmptyDatagram(t *testing.T) {
	e := newEnv(t)
	e.bind("udp://127.0.0.1:9000", nil)
	p1, p2 := e.net.rawUDP(), e.net.rawUDP()
	e.net.rawSendTo(p1, udpAddr, strings.Repeat("x", 2000))
	e.poll("1:1 POLL [LISTENING|UDP]", "1:2 ACCEPT(127.0.0.1:40001) [UDP|SEND_AND_CLOSE]", "1:2 RECV(1460) [UDP|SEND_AND_CLOSE]")
	e.net.rawSendTo(p2, udpAddr, "")
	e.poll("2:2 CLOSE [UDP|SEND_AND_CLOSE|CLOSE_IMMEDIATELY]", "2:1 POLL [LISTENING|UDP]", "2:3 ACCEPT(127.0.0.1:40002) [UDP|SEND_AND_CLOSE]")
}

// D-CONNECT-8, G5, G6: an outbound UDP connection gets CONNECT(0) when
// first writable; several sends go out as one datagram; its receive buffer
// is emptied after every RECV.
func TestUDPOutbound(t *testing.T) {
	e := newEnv(t)
	peer := e.net.rawUDP() // 127.0.0.1:40001
	c := e.connect("udp://127.0.0.1:40001", on(reference.EvConnect, func(c *reference.Conn, _ reference.EventData) {
		c.Send([]byte("ab"))
		c.Send([]byte("cd"))
	}))
	e.poll("1:1 POLL [UDP|CONNECTING]", "1:1 CONNECT(0) [UDP]", "1:1 SEND(4) [UDP]")
	got := e.net.rawRecvFrom(peer)
	if !slices.Equal(got, []string{"127.0.0.1:40002 abcd"}) {
		t.Fatalf("peer got %q, want one datagram \"abcd\"", got)
	}
	from := c.LocalAddr()
	e.net.rawSendTo(peer, from, strings.Repeat("r", 300))
	e.net.rawSendTo(peer, from, strings.Repeat("r", 200))
	e.poll("2:1 POLL [UDP]", "2:1 RECV(300) [UDP]")
	e.poll("3:1 POLL [UDP]", "3:1 RECV(200) [UDP]")
	if c.RecvMbuf.Len() != 0 {
		t.Fatalf("recv len %d after RECV, want 0 (G5)", c.RecvMbuf.Len())
	}
}

// G5 seen from the handler: every RECV of an outbound UDP connection
// starts from an empty buffer, even if the handler removed nothing.
func TestUDPOutboundRecvStartsEmpty(t *testing.T) {
	e := newEnv(t)
	peer := e.net.rawUDP()
	c := e.connect("udp://127.0.0.1:40001", on(reference.EvConnect, func(c *reference.Conn, _ reference.EventData) {
		c.Send([]byte("hi")) // binds the socket to a local port
	}))
	e.m.Poll(10)
	e.net.rawSendTo(peer, c.LocalAddr(), strings.Repeat("r", 300))
	e.m.Poll(10)
	e.net.rawSendTo(peer, c.LocalAddr(), strings.Repeat("r", 200))
	e.m.Poll(10)
	var lens []int
	for _, r := range e.rec.log {
		if r.Ev == reference.EvRecv {
			lens = append(lens, r.RecvLen)
		}
	}
	if !slices.Equal(lens, []int{300, 200}) {
		t.Fatalf("recv_len at RECV = %v, want [300 200]", lens)
	}
}

// B5: a UDP child's queued output puts the listener's descriptor in the
// write set; the child writes through it even though it is never read.
func TestUDPChildSendsThroughListenerSocket(t *testing.T) {
	e := newEnv(t)
	e.bind("udp://127.0.0.1:9000", on(reference.EvAccept, func(c *reference.Conn, _ reference.EventData) {
		c.Flags &^= reference.FlagSendAndClose
	}))
	peer := e.net.rawUDP()
	e.net.rawSendTo(peer, udpAddr, "hi")
	e.m.Poll(10)
	child := e.m.Next(nil)
	child.Send([]byte("late"))
	e.rec.take()
	e.poll("2:2 POLL [UDP]", "2:2 SEND(4) [UDP]", "2:1 POLL [LISTENING|UDP]")
	if got := e.net.rawRecvFrom(peer); !slices.Equal(got, []string{"127.0.0.1:9000 late"}) {
		t.Fatalf("peer got %q", got)
	}
}
