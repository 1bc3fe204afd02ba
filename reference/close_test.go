package reference_test

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/mgsim/mgsim/reference"
)

// D-CLOSE-2: during CLOSE the connection is already unlinked (mg_next does
// not find it) and its socket closed; its local address is still known.
func TestCloseStateDuringHandler(t *testing.T) {
	e := newEnv(t)
	var open, listedAtClose bool
	var local netip.AddrPort
	c, _ := acceptOne(t, e, on(reference.EvClose, func(c *reference.Conn, _ reference.EventData) {
		open, listedAtClose, local = e.net.isOpen(5), listed(e.m, c), c.LocalAddr()
	}))
	c.Flags |= reference.FlagCloseImmediately
	e.poll("2:2 CLOSE [CLOSE_IMMEDIATELY]", "2:1 POLL [LISTENING]")
	if open || listedAtClose || local != srvAddr {
		t.Fatalf("during CLOSE: socket open %v, listed %v, local %v", open, listedAtClose, local)
	}
}

// D-CLOSE-1, D-CLOSE-2 with recorded fields: one CLOSE, unlisted at entry,
// recv_len and send_len show what was left.
func TestCloseKeepsBuffersAndUnlinksFirst(t *testing.T) {
	e := newEnv(t)
	c, peer := acceptOne(t, e, nil)
	e.net.rawSend(peer, "unread")
	e.m.Poll(10) // RECV(6), the handler leaves it
	c.Send([]byte("unsent"))
	c.Flags |= reference.FlagCloseImmediately
	e.rec.take()
	for range 3 {
		e.m.Poll(10)
	}
	var closes []call
	for _, r := range e.rec.log {
		if r.Ev == reference.EvClose {
			closes = append(closes, r)
		}
	}
	if len(closes) != 1 {
		t.Fatalf("%d CLOSEs, want 1", len(closes))
	}
	r := closes[0]
	if r.Listed || r.RecvLen != 6 || r.SendLen != 6 || r.Flags != reference.FlagCloseImmediately {
		t.Fatalf("CLOSE: listed %v recv_len %d send_len %d flags %v", r.Listed, r.RecvLen, r.SendLen, r.Flags)
	}
	if e.net.isOpen(5) || c.RecvMbuf.Len() != 0 || c.RecvMbuf.Size() != 0 {
		t.Fatalf("after CLOSE: socket open %v, recv len %d size %d", e.net.isOpen(5), c.RecvMbuf.Len(), c.RecvMbuf.Size())
	}
}

// B9: flagging a connection the walk has not reached yet closes it in this
// poll; flagging one already served closes it in the next. Either way it
// gets CLOSE alone, with no TIMER or POLL.
func TestCloseFlaggedByAnotherConnection(t *testing.T) {
	e := newEnv(t)
	older := e.m.AddSock(e.rec.wrap(nil)) // 1, served last
	e.m.AddSock(e.rec.wrap(on(reference.EvPoll, func(c *reference.Conn, _ reference.EventData) {
		older.Flags |= reference.FlagCloseImmediately
	})))
	older.SetTimer(e.m.Time()) // due, but the close comes first
	e.poll("1:2 POLL [0]", "1:1 CLOSE [CLOSE_IMMEDIATELY]")
}

// B9, CL-4: a connection that flags itself closes at the start of its turn
// in the next poll, and gets no TIMER or POLL there.
func TestCloseImmediatelyNextPoll(t *testing.T) {
	e := newEnv(t)
	e.m.AddSock(e.rec.wrap(on(reference.EvPoll, func(c *reference.Conn, _ reference.EventData) {
		c.Flags |= reference.FlagCloseImmediately
		c.SetTimer(e.m.Time()) // due in the next poll, which closes first
	})))
	e.poll("1:1 POLL [0]")
	e.poll("2:1 CLOSE [CLOSE_IMMEDIATELY]")
	e.poll()
}

// D-SEND-6: SEND_AND_CLOSE with data queued keeps the connection working
// (POLL, one write per poll) and closes it in the first poll with an empty
// send buffer.
func TestSendAndCloseDrainsFirst(t *testing.T) {
	e := newEnv(t)
	c, peer := acceptOne(t, e, nil)
	c.Send(make([]byte, 2000))
	c.Flags |= reference.FlagSendAndClose
	e.poll("2:2 POLL [SEND_AND_CLOSE]", "2:2 SEND(1460) [SEND_AND_CLOSE]", "2:1 POLL [LISTENING]")
	e.poll("3:2 POLL [SEND_AND_CLOSE]", "3:2 SEND(540) [SEND_AND_CLOSE]", "3:1 POLL [LISTENING]")
	e.poll("4:2 CLOSE [SEND_AND_CLOSE|CLOSE_IMMEDIATELY]", "4:1 POLL [LISTENING]")
	if got := e.net.rawTake(peer); len(got) != 2000 || !peer.eof {
		t.Fatalf("peer got %d bytes, eof %v", len(got), peer.eof)
	}
}

// D-CLOSE-4: closing a listener does not close the connections it
// accepted; their Listener stays set.
func TestClosingListenerKeepsAccepted(t *testing.T) {
	e := newEnv(t)
	c, _ := acceptOne(t, e, nil)
	l := c.Listener()
	l.Flags |= reference.FlagCloseImmediately
	e.poll("2:2 POLL [0]", "2:1 CLOSE [LISTENING|CLOSE_IMMEDIATELY]")
	e.poll("3:2 POLL [0]")
	if c.Listener() != l || !e.net.isOpen(5) || e.net.isOpen(3) {
		t.Fatalf("listener %v, accepted socket open %v, listener socket open %v", c.Listener(), e.net.isOpen(5), e.net.isOpen(3))
	}
}

// B11: Free runs one last poll (queued data is still sent), then closes
// every remaining connection newest first, outside any poll.
func TestFree(t *testing.T) {
	e := newEnv(t)
	c, peer := acceptOne(t, e, nil)
	e.m.AddSock(e.rec.wrap(nil)) // 3
	c.Send([]byte("last"))
	e.m.Free()
	e.expect(
		"2:3 POLL [0]", "2:2 POLL [0]", "2:2 SEND(4) [0]", "2:1 POLL [LISTENING]",
		"0:3 CLOSE [CLOSE_IMMEDIATELY]", "0:2 CLOSE [CLOSE_IMMEDIATELY]", "0:1 CLOSE [LISTENING|CLOSE_IMMEDIATELY]",
	)
	if got := e.net.rawTake(peer); got != "last" {
		t.Fatalf("peer got %q", got)
	}
	if e.m.Next(nil) != nil || e.m.Polls() != 2 || e.m.PollIndex() != 0 {
		t.Fatalf("after Free: head %v polls %d index %d", e.m.Next(nil), e.m.Polls(), e.m.PollIndex())
	}
	if n := e.m.Poll(10); n != 0 || e.m.Polls() != 2 {
		t.Fatalf("Poll after Free = %d (polls %d), want a no-op", n, e.m.Polls())
	}
	if _, err := e.m.Bind(":1", nil); !errors.Is(err, reference.ErrFreed) {
		t.Fatalf("Bind after Free: %v", err)
	}
	e.m.Free()
	e.expect()
}

// B11: Free and Poll called from a handler do nothing.
func TestNestedPollAndFreeAreIgnored(t *testing.T) {
	e := newEnv(t)
	var nested []int
	e.m.AddSock(e.rec.wrap(on(reference.EvPoll, func(c *reference.Conn, _ reference.EventData) {
		nested = append(nested, e.m.Poll(0))
		e.m.Free()
	})))
	e.poll("1:1 POLL [0]")
	if !slices.Equal(nested, []int{0}) || e.m.Polls() != 1 {
		t.Fatalf("nested Poll returned %v, polls %d", nested, e.m.Polls())
	}
}

// B1, B2: the list is newest first; Next walks it.
func TestNextNewestFirst(t *testing.T) {
	e := newEnv(t)
	e.bind(":8000", nil)
	e.m.AddSock(nil)
	e.connect("127.0.0.1:8000", nil)
	var ids []uint64
	for c := e.m.Next(nil); c != nil; c = e.m.Next(c) {
		ids = append(ids, c.ID())
	}
	if !slices.Equal(ids, []uint64{3, 2, 1}) {
		t.Fatalf("list %v, want [3 2 1]", ids)
	}
}

// B9: connections created during the walk are not served in that poll.
func TestConnectionsMadeDuringWalkWait(t *testing.T) {
	e := newEnv(t)
	made := false
	e.bind(":8000", nil)
	e.m.AddSock(e.rec.wrap(on(reference.EvPoll, func(c *reference.Conn, _ reference.EventData) {
		if !made {
			made = true
			if _, err := e.m.Connect("127.0.0.1:8000", e.rec.wrap(nil)); err != nil {
				t.Error(err)
			}
		}
	})))
	e.poll("1:2 POLL [0]", "1:1 POLL [LISTENING]")
	e.poll("2:3 POLL [CONNECTING]", "2:3 CONNECT(0) [0]", "2:2 POLL [0]", "2:1 POLL [LISTENING]", "2:4 ACCEPT(127.0.0.1:40001) [0]")
}

// B3: Poll returns the number of handler calls other than POLL, CLOSE and
// TIMER included.
func TestPollReturnCountsNonPollCalls(t *testing.T) {
	e := newEnv(t)
	c := e.m.AddSock(e.rec.wrap(on(reference.EvTimer, func(c *reference.Conn, _ reference.EventData) {
		c.Flags |= reference.FlagCloseImmediately
	})))
	c.SetTimer(e.m.Time())
	if n := e.m.Poll(0); n != 1 {
		t.Fatalf("poll with TIMER+POLL returned %d, want 1", n)
	}
	if n := e.m.Poll(0); n != 1 {
		t.Fatalf("poll with CLOSE returned %d, want 1", n)
	}
	if n := e.m.Poll(0); n != 0 {
		t.Fatalf("empty poll returned %d, want 0", n)
	}
}
