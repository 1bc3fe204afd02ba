package reference_test

import (
	"strings"
	"syscall"
	"testing"

	"github.com/mgsim/mgsim/reference"
)

// D-CLOSE-6: RECV_AND_CLOSE (set outside a handler: handlers cannot set
// it) closes after a last read; while the receive limit blocks that read,
// the close waits and the connection gets no POLL.
func TestRecvAndCloseDefersWhileThrottled(t *testing.T) {
	e := newEnv(t)
	c, peer := acceptOne(t, e, on(reference.EvRecv, func(c *reference.Conn, _ reference.EventData) {
		if c.UserData == "drain" {
			drain(c)
		}
	}))
	c.RecvMbufLimit = 2
	e.net.rawSend(peer, "abcd")
	e.poll("2:2 POLL [0]", "2:2 RECV(2) [0]", "2:1 POLL [LISTENING]")
	c.Flags |= reference.FlagRecvAndClose
	e.poll("3:1 POLL [LISTENING]")
	c.UserData = "drain"
	c.RecvMbuf.Remove(2)
	e.poll("4:2 RECV(2) [RECV_AND_CLOSE]", "4:2 CLOSE [RECV_AND_CLOSE|CLOSE_IMMEDIATELY]", "4:1 POLL [LISTENING]")
}

// D-RECV-2: a read asks for all the free capacity after growing the buffer
// to fit one chunk; capacity the application left (here with Resize in
// POLL) makes a read larger than 1460 bytes, as in C.
func TestRecvUsesSpareCapacity(t *testing.T) {
	e := newEnv(t)
	c, peer := acceptOne(t, e, nil)
	c.RecvMbuf.Resize(10000)
	e.net.rawSend(peer, strings.Repeat("a", 4000))
	e.poll("2:2 POLL [0]", "2:2 RECV(4000) [0]", "2:1 POLL [LISTENING]")
}

// Options: the IO sizes are configurable (MG_TCP_IO_SIZE, MG_UDP_IO_SIZE).
func TestIOSizeOptions(t *testing.T) {
	e := newEnvOpts(t, reference.Options{TCPIOSize: 100, UDPIOSize: 10})
	c, peer := acceptOne(t, e, nil)
	e.net.rawSend(peer, strings.Repeat("a", 250))
	c.Send(make([]byte, 250))
	e.poll("2:2 POLL [0]", "2:2 RECV(100) [0]", "2:2 RECV(100) [0]", "2:2 RECV(50) [0]", "2:2 SEND(100) [0]", "2:1 POLL [LISTENING]")
	e.bind("udp://127.0.0.1:9000", nil)
	u := e.net.rawUDP()
	e.net.rawSendTo(u, udpAddr, strings.Repeat("u", 50))
	e.poll("3:3 POLL [LISTENING|UDP]", "3:4 ACCEPT(127.0.0.1:40002) [UDP|SEND_AND_CLOSE]", "3:4 RECV(10) [UDP|SEND_AND_CLOSE]",
		"3:2 POLL [0]", "3:2 SEND(100) [0]", "3:1 POLL [LISTENING]")
}

// Printf is mg_printf: it queues the formatted text and returns its length.
func TestPrintf(t *testing.T) {
	e := newEnv(t)
	c := e.m.AddSock(nil)
	if n := c.Printf("%s=%d;", "x", 42); n != 5 || string(c.SendMbuf.Bytes()) != "x=42;" {
		t.Fatalf("Printf = %d, buffer %q", n, c.SendMbuf.Bytes())
	}
	if n := c.Printf(""); n != 0 || c.SendMbuf.Len() != 5 {
		t.Fatalf("empty Printf = %d, len %d", n, c.SendMbuf.Len())
	}
}

// C3: last_io_time (whole seconds) moves on Send and on successful IO.
func TestLastIOTime(t *testing.T) {
	e := newEnv(t)
	c, peer := acceptOne(t, e, nil)
	if c.LastIOTime() != 1000 {
		t.Fatalf("at accept: %v", c.LastIOTime())
	}
	e.net.now = 1500e9 + 7e8
	c.Send([]byte("x"))
	if c.LastIOTime() != 1500 {
		t.Fatalf("after Send: %v", c.LastIOTime())
	}
	e.net.now = 1600e9
	e.net.rawSend(peer, "y")
	e.m.Poll(0)
	if c.LastIOTime() != 1600 {
		t.Fatalf("after IO: %v", c.LastIOTime())
	}
}

// UDP errors: a read error closes the reading connection (listener or
// outbound) with no event; a send error gives SEND(-1).
func TestUDPErrors(t *testing.T) {
	e := newEnv(t)
	e.bind("udp://127.0.0.1:9000", nil)
	e.net.socks[3].readErr = syscall.ECONNREFUSED
	e.poll("1:1 POLL [LISTENING|UDP]")
	e.poll("2:1 CLOSE [LISTENING|UDP|CLOSE_IMMEDIATELY]")
	e.net.rawUDP()
	c := e.connect("udp://127.0.0.1:40001", on(reference.EvConnect, func(c *reference.Conn, _ reference.EventData) {
		c.Send([]byte("x"))
	}))
	e.net.socks[5].writeErr = syscall.EMSGSIZE
	e.poll("3:2 POLL [UDP|CONNECTING]", "3:2 CONNECT(0) [UDP]", "3:2 SEND(-1) [UDP|CLOSE_IMMEDIATELY]")
	e.poll("4:2 CLOSE [UDP|CLOSE_IMMEDIATELY]")
	if c.RecvMbuf.Len() != 0 || e.net.isOpen(5) {
		t.Fatal("outbound UDP socket not closed (G9)")
	}
}
