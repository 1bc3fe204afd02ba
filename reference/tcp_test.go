package reference_test

import (
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/mgsim/mgsim/reference"
)

var srvAddr = netip.MustParseAddrPort("127.0.0.1:8000")

// acceptOne binds a listener with handler h, connects a raw peer and runs
// the accept poll. The accepted connection is conn 2.
func acceptOne(t *testing.T, e *env, h reference.Handler) (*reference.Conn, *fsock) {
	t.Helper()
	e.bind("127.0.0.1:8000", h)
	peer := e.net.rawDial(srvAddr)
	e.poll("1:1 POLL [LISTENING]", "1:2 ACCEPT(127.0.0.1:40001) [0]")
	return e.m.Next(nil), peer
}

// D-CONNECT-4, D-FIRST-2: POLL (CONNECTING) before CONNECT; data queued in
// the CONNECT handler is written in the same poll; the listener's accept in
// that poll gives the new connection ACCEPT and nothing else (D-ACCEPT-3).
func TestConnectPollBeforeConnectAndSendInSamePoll(t *testing.T) {
	e := newEnv(t)
	e.bind("127.0.0.1:8000", nil)
	e.connect("tcp://127.0.0.1:8000", on(reference.EvConnect, func(c *reference.Conn, _ reference.EventData) {
		c.Send([]byte("hello\n"))
	}))
	if n := e.poll(
		"1:2 POLL [CONNECTING]",
		"1:2 CONNECT(0) [0]",
		"1:2 SEND(6) [0]",
		"1:1 POLL [LISTENING]",
		"1:3 ACCEPT(127.0.0.1:40001) [0]",
	); n != 3 {
		t.Fatalf("Poll returned %d, want 3 (B3)", n)
	}
	e.poll("2:3 POLL [0]", "2:3 RECV(6) [0]", "2:2 POLL [0]", "2:1 POLL [LISTENING]")
}

// D-CONNECT-3, D-CONNECT-5: a refused connect gives CONNECT(111) with
// CONNECTING cleared and CLOSE_IMMEDIATELY set at entry, then CLOSE in the
// next poll with the unsent data still queued.
func TestConnectRefused(t *testing.T) {
	e := newEnv(t)
	c := e.connect("127.0.0.1:9", nil)
	c.Send([]byte("0123456789"))
	e.poll("1:1 POLL [CONNECTING]", "1:1 CONNECT(111) [CLOSE_IMMEDIATELY]")
	e.m.Poll(10)
	if got := e.rec.log[0]; got.Ev != reference.EvClose || got.SendLen != 10 || got.Poll != 2 {
		t.Fatalf("got %v with send_len %d, want 2:1 CLOSE with send_len 10", got, got.SendLen)
	}
}

// D-CONNECT-2: a connect that fails at once (no socket) is reported at the
// first poll; Connect itself succeeds (D-CONNECT-1). F4: clearing
// CLOSE_IMMEDIATELY in the CONNECT handler keeps the connection.
func TestConnectStoredErrorAndF4(t *testing.T) {
	e := newEnv(t)
	e.net.dialErr = syscall.ENETUNREACH
	keep := e.connect("127.0.0.1:9", on(reference.EvConnect, func(c *reference.Conn, _ reference.EventData) {
		c.Flags &^= reference.FlagCloseImmediately
	}))
	drop := e.connect("127.0.0.1:9", nil)
	e.poll(
		"1:2 POLL [CONNECTING]", "1:2 CONNECT(101) [CLOSE_IMMEDIATELY]",
		"1:1 POLL [CONNECTING]", "1:1 CONNECT(101) [CLOSE_IMMEDIATELY]",
	)
	e.poll("2:2 CLOSE [CLOSE_IMMEDIATELY]", "2:1 POLL [0]")
	e.poll("3:1 POLL [0]")
	if keep.Flags != 0 || drop.Flags != reference.FlagCloseImmediately {
		t.Fatalf("flags keep=%v drop=%v", keep.Flags, drop.Flags)
	}
}

// D-CONNECT-7, D-CLOSE-5: the timer idiom closes a connect that never
// completes; TIMER comes with CONNECTING set, and there is no CONNECT.
func TestConnectTimeoutByTimer(t *testing.T) {
	e := newEnv(t)
	e.net.blackhole[netip.MustParseAddrPort("10.0.0.1:80")] = true
	c := e.connect("10.0.0.1:80", on(reference.EvTimer, func(c *reference.Conn, _ reference.EventData) {
		c.Flags |= reference.FlagCloseImmediately
	}))
	c.SetTimer(e.m.Time() + 0.015)
	e.poll("1:1 POLL [CONNECTING]")
	e.poll("2:1 TIMER(1000.015) [CONNECTING]", "2:1 POLL [CONNECTING|CLOSE_IMMEDIATELY]")
	e.poll("3:1 CLOSE [CONNECTING|CLOSE_IMMEDIATELY]")
}

// The seam's EINPROGRESS from ConnectError means "still connecting": no
// CONNECT until SO_ERROR says otherwise.
func TestConnectErrorInProgressWaits(t *testing.T) {
	e := newEnv(t)
	e.bind("127.0.0.1:8000", nil)
	c := e.connect("127.0.0.1:8000", nil)
	s := e.net.socks[3+1]
	s.inProgress = true
	e.poll("1:2 POLL [CONNECTING]", "1:1 POLL [LISTENING]", "1:3 ACCEPT(127.0.0.1:40001) [0]")
	s.inProgress = false
	e.poll("2:3 POLL [0]", "2:2 POLL [CONNECTING]", "2:2 CONNECT(0) [0]", "2:1 POLL [LISTENING]")
	if c.Flags != 0 {
		t.Fatalf("flags %v", c.Flags)
	}
}

// D-ACCEPT-1..3: ACCEPT goes to the new connection, which copies the
// listener's handler, user data and receive limit; one accept per poll.
func TestAcceptOnePerPollAndInheritance(t *testing.T) {
	e := newEnv(t)
	l, err := e.m.BindOpt(":8000", e.rec.wrap(nil), reference.ConnOpts{UserData: "L", Flags: reference.FlagUser1})
	if err != nil {
		t.Fatal(err)
	}
	l.RecvMbufLimit = 100
	p1 := e.net.rawDial(srvAddr)
	e.net.rawDial(srvAddr)
	e.net.rawSend(p1, "x")
	e.poll("1:1 POLL [LISTENING|USER_1]", "1:2 ACCEPT(127.0.0.1:40001) [0]")
	e.poll("2:2 POLL [0]", "2:2 RECV(1) [0]", "2:1 POLL [LISTENING|USER_1]", "2:3 ACCEPT(127.0.0.1:40002) [0]")
	c := e.m.Next(nil)
	if c.UserData != "L" || c.RecvMbufLimit != 100 || c.Listener() != l || c.Origin() != reference.OriginAccept {
		t.Fatalf("accepted: user data %v, limit %d, listener %v, origin %v", c.UserData, c.RecvMbufLimit, c.Listener(), c.Origin())
	}
	if c.Addr().String() != "127.0.0.1:40002" || c.LocalAddr() != srvAddr {
		t.Fatalf("addresses: peer %v local %v", c.Addr(), c.LocalAddr())
	}
}

// A failed accept is silent (mg_accept_conn).
func TestAcceptErrorIsSilent(t *testing.T) {
	e := newEnv(t)
	e.bind(":8000", nil)
	e.net.rawDial(srvAddr)
	e.net.socks[3].acceptErr = syscall.EMFILE
	e.poll("1:1 POLL [LISTENING]")
	e.net.socks[3].acceptErr = nil
	e.poll("2:1 POLL [LISTENING]", "2:2 ACCEPT(127.0.0.1:40001) [0]")
}

// D-RECV-2..4, A13: a TCP read loop in chunks of 1460, one RECV each; the
// count is the chunk, recv_len grows with leftovers, and the buffer is
// trimmed before each RECV.
func TestRecvLoopChunks(t *testing.T) {
	e := newEnv(t)
	c, peer := acceptOne(t, e, nil)
	e.net.rawSend(peer, strings.Repeat("a", 4000))
	e.poll("2:2 POLL [0]", "2:2 RECV(1460) [0]", "2:2 RECV(1460) [0]", "2:2 RECV(1080) [0]", "2:1 POLL [LISTENING]")
	e.net.rawSend(peer, "b")
	e.poll("3:2 POLL [0]", "3:2 RECV(1) [0]", "3:1 POLL [LISTENING]")
	if c.RecvMbuf.Len() != 4001 || c.RecvMbuf.Size() != 4001 {
		t.Fatalf("recv len %d size %d, want 4001 4001", c.RecvMbuf.Len(), c.RecvMbuf.Size())
	}
}

// D-RECV-4, A13 with the recorded entries: recv_len includes leftovers and
// size equals len at every RECV.
func TestRecvLenIncludesLeftovers(t *testing.T) {
	e := newEnv(t)
	_, peer := acceptOne(t, e, nil)
	e.net.rawSend(peer, strings.Repeat("a", 4000))
	e.m.Poll(10)
	var lens []int
	for _, r := range e.rec.log {
		if r.Ev == reference.EvRecv {
			lens = append(lens, r.RecvLen)
			if r.RecvSize != r.RecvLen {
				t.Errorf("RECV %d: size %d != len %d (A13)", r.Data.Int, r.RecvSize, r.RecvLen)
			}
		}
	}
	if len(lens) != 3 || lens[0] != 1460 || lens[1] != 2920 || lens[2] != 4000 {
		t.Fatalf("recv_len at RECVs = %v, want [1460 2920 4000]", lens)
	}
}

// D-RECV-5, test_buffer_limit: limit 1 gives one-byte RECVs.
func TestRecvLimitOneByteReads(t *testing.T) {
	e := newEnv(t)
	l := e.bind("127.0.0.1:8000", on(reference.EvRecv, func(c *reference.Conn, _ reference.EventData) { drain(c) }))
	l.RecvMbufLimit = 1
	peer := e.net.rawDial(srvAddr)
	e.net.rawSend(peer, "abcd")
	e.poll("1:1 POLL [LISTENING]", "1:2 ACCEPT(127.0.0.1:40001) [0]")
	e.poll("2:2 POLL [0]", "2:2 RECV(1) [0]", "2:2 RECV(1) [0]", "2:2 RECV(1) [0]", "2:2 RECV(1) [0]", "2:1 POLL [LISTENING]")
}

// D-RECV-5: a full connection is not read (so EOF goes unnoticed) and is
// never closed for being full.
func TestRecvLimitFullConnectionStays(t *testing.T) {
	e := newEnv(t)
	l := e.bind("127.0.0.1:8000", nil)
	l.RecvMbufLimit = 3
	peer := e.net.rawDial(srvAddr)
	e.net.rawSend(peer, "abcdef")
	e.net.Close(peer.fd)
	e.poll("1:1 POLL [LISTENING]", "1:2 ACCEPT(127.0.0.1:40001) [0]")
	e.poll("2:2 POLL [0]", "2:2 RECV(3) [0]", "2:1 POLL [LISTENING]")
	for i := 3; i <= 5; i++ {
		e.m.Poll(10)
	}
	e.expect("3:2 POLL [0]", "3:1 POLL [LISTENING]", "4:2 POLL [0]", "4:1 POLL [LISTENING]", "5:2 POLL [0]", "5:1 POLL [LISTENING]")
}

// D-RECV-5 (observed): limit 1000, 400 drained per POLL: reads of 1000,
// 800, 800, 400, every other poll, because the poll set is built before
// POLL drains.
func TestRecvLimitThrottledEveryOtherPoll(t *testing.T) {
	e := newEnv(t)
	l := e.bind("127.0.0.1:8000", on(reference.EvPoll, func(c *reference.Conn, _ reference.EventData) {
		c.RecvMbuf.Remove(400)
	}))
	l.RecvMbufLimit = 1000
	peer := e.net.rawDial(srvAddr)
	e.net.rawSend(peer, strings.Repeat("z", 3000))
	for range 9 {
		e.m.Poll(10)
	}
	var got []string
	for _, r := range e.rec.log {
		if r.Ev == reference.EvRecv {
			got = append(got, r.String())
		}
	}
	want := []string{"2:2 RECV(1000) [0]", "4:2 RECV(800) [0]", "6:2 RECV(800) [0]", "8:2 RECV(400) [0]"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("RECVs %v, want %v", got, want)
	}
}

// D-RECV-6: EOF gives no event and sets SEND_AND_CLOSE; queued output is
// still sent, then the connection closes.
func TestRecvEOFSetsSendAndClose(t *testing.T) {
	e := newEnv(t)
	_, peer := acceptOne(t, e, on(reference.EvRecv, func(c *reference.Conn, _ reference.EventData) {
		c.Send([]byte("re:" + drain(c)))
	}))
	e.net.rawSend(peer, "bye")
	peer.peer.eof = true // the peer's FIN is already there
	e.poll("2:2 POLL [0]", "2:2 RECV(3) [0]", "2:1 POLL [LISTENING]")
	e.poll("3:2 POLL [SEND_AND_CLOSE]", "3:2 SEND(6) [SEND_AND_CLOSE]", "3:1 POLL [LISTENING]")
	e.poll("4:2 CLOSE [SEND_AND_CLOSE|CLOSE_IMMEDIATELY]", "4:1 POLL [LISTENING]")
	if got := e.net.rawTake(peer); got != "re:bye" {
		t.Fatalf("peer got %q", got)
	}
}

// D-RECV-7, D-SEND-5: a read error sets CLOSE_IMMEDIATELY with no event,
// the write of that poll is skipped, and CLOSE shows the unsent data.
func TestRecvErrorClosesNextPoll(t *testing.T) {
	e := newEnv(t)
	c, peer := acceptOne(t, e, nil)
	c.Send([]byte("pending"))
	peer.peer.readErr = syscall.ECONNRESET
	e.poll("2:2 POLL [0]", "2:1 POLL [LISTENING]")
	e.m.Poll(10)
	if r := e.rec.log[0]; r.String() != "3:2 CLOSE [CLOSE_IMMEDIATELY]" || r.SendLen != 7 {
		t.Fatalf("got %v send_len %d, want 3:2 CLOSE [CLOSE_IMMEDIATELY] with send_len 7", r, r.SendLen)
	}
	if got := e.net.rawTake(peer); got != "" {
		t.Fatalf("peer got %q, want nothing", got)
	}
}

// D-SEND-2, D-SEND-3, A13: one write of at most 1460 bytes per poll; SEND
// carries the count, send_len is the remainder, and the buffer is trimmed.
func TestSendOneChunkPerPoll(t *testing.T) {
	e := newEnv(t)
	c, peer := acceptOne(t, e, nil)
	c.Send([]byte(strings.Repeat("s", 4000)))
	e.poll("2:2 POLL [0]", "2:2 SEND(1460) [0]", "2:1 POLL [LISTENING]")
	e.poll("3:2 POLL [0]", "3:2 SEND(1460) [0]", "3:1 POLL [LISTENING]")
	if c.SendMbuf.Len() != 1080 || c.SendMbuf.Size() != 1080 {
		t.Fatalf("send len %d size %d, want 1080 1080", c.SendMbuf.Len(), c.SendMbuf.Size())
	}
	e.poll("4:2 POLL [0]", "4:2 SEND(1080) [0]", "4:1 POLL [LISTENING]")
	e.poll("5:2 POLL [0]", "5:1 POLL [LISTENING]")
	if got := e.net.rawTake(peer); len(got) != 4000 {
		t.Fatalf("peer got %d bytes, want 4000", len(got))
	}
}

// D-SEND-3: partial writes are normal; a write that would block gives no
// event.
func TestSendPartialAndBlocked(t *testing.T) {
	e := newEnv(t)
	c, _ := acceptOne(t, e, nil)
	srv := e.net.socks[5]
	srv.writeMax = 100
	c.Send([]byte(strings.Repeat("s", 300)))
	e.poll("2:2 POLL [0]", "2:2 SEND(100) [0]", "2:1 POLL [LISTENING]")
	srv.blocked = true
	e.poll("3:2 POLL [0]", "3:1 POLL [LISTENING]")
	if c.SendMbuf.Len() != 200 {
		t.Fatalf("send len %d, want 200", c.SendMbuf.Len())
	}
}

// D-SEND-4: a write error sets CLOSE_IMMEDIATELY and still gives SEND, with
// -1; the data stays queued. F4: the handler may clear the flag.
func TestSendErrorGivesNegativeSend(t *testing.T) {
	e := newEnv(t)
	c, _ := acceptOne(t, e, nil)
	e.net.socks[5].writeErr = syscall.EPIPE
	c.Send([]byte("abc"))
	e.poll("2:2 POLL [0]", "2:2 SEND(-1) [CLOSE_IMMEDIATELY]", "2:1 POLL [LISTENING]")
	e.m.Poll(10)
	if r := e.rec.log[0]; r.String() != "3:2 CLOSE [CLOSE_IMMEDIATELY]" || r.SendLen != 3 {
		t.Fatalf("got %v send_len %d", r, r.SendLen)
	}
}

// B5: data queued by a handler during a poll, on a connection that had
// nothing queued when the poll set was built, is written in the next poll.
func TestSendQueuedDuringPollWaitsForNextPoll(t *testing.T) {
	e := newEnv(t)
	acceptOne(t, e, on(reference.EvPoll, func(c *reference.Conn, _ reference.EventData) {
		if c.Flags&reference.FlagListening == 0 && c.UserData == nil {
			c.UserData = "sent"
			c.Send([]byte("tick"))
		}
	}))
	e.poll("2:2 POLL [0]", "2:1 POLL [LISTENING]")
	e.poll("3:2 POLL [0]", "3:2 SEND(4) [0]", "3:1 POLL [LISTENING]")
}
