package reference

import (
	"math"
	"time"

	"github.com/mgsim/mgsim/reference/internal/mutation"
)

// What the poll set says about one connection's socket (_MG_F_FD_*).
const (
	fdCanRead  = 1 << 0
	fdCanWrite = 1 << 1
)

// Poll is mg_mgr_poll (B3-B9). It builds the poll set before any handler
// runs, waits at most timeoutMs milliseconds (less when a timer is due
// sooner, never below 0), reads the clock once, and then serves every
// connection listed when the wait ended, newest first. It returns the
// number of handler calls other than POLL that it made.
//
// Poll does nothing and returns 0 when called from a handler, or after
// Free. If a handler panics, the panic propagates as a *HandlerPanicError
// and the manager stays usable (Free still works).
func (m *Manager) Poll(timeoutMs int) int {
	if m.busy || m.freed {
		return 0
	}
	m.busy = true
	defer m.endPoll()
	m.polls++
	m.pollIndex = m.polls
	before := m.numCalls
	earliest := m.buildPollSet()
	if m.bugs&mutation.NowBeforeWait != 0 {
		return m.pollStale(timeoutMs, earliest, before)
	}
	ready := m.wait(m.pollTimeout(timeoutMs, earliest))
	m.serve(m.Time(), ready) // B7: now is sampled once, after the wait
	return m.numCalls - before
}

func (m *Manager) endPoll() { m.busy, m.pollIndex = false, 0 }

// buildPollSet is B5: every listed socket's interest, decided before any
// handler runs, one entry per descriptor (a UDP child's interest goes on
// its listener's descriptor, as an fd_set would have it). It returns the
// earliest armed timer, or 0.
func (m *Manager) buildPollSet() (earliest float64) {
	m.pfds = m.pfds[:0]
	if len(m.fdEntry) > 0 {
		clear(m.fdEntry)
	}
	for c := m.head; c != nil; c = c.next {
		c.pfd = -1
		if c.sock != invalidSocket {
			c.pfd = m.addInterest(c.sock, c.pollEvents(), c.sharesSocket())
		}
		if c.timer > 0 && (earliest == 0 || c.timer < earliest) {
			earliest = c.timer
		}
		if c.dns != nil && c.dns.deadline > 0 && (earliest == 0 || c.dns.deadline < earliest) {
			earliest = c.dns.deadline
		}
	}
	return earliest
}

// addInterest merges events into fd's entry of the poll set and returns
// the entry's index, or -1 when there are no events to add. Only a
// descriptor that connections may share (UDP) is looked up; any other
// gets an entry of its own.
func (m *Manager) addInterest(fd int, events int16, shared bool) int {
	if events == 0 {
		return -1
	}
	if !shared {
		m.pfds = append(m.pfds, PollFD{FD: fd, Events: events})
		return len(m.pfds) - 1
	}
	i, ok := m.fdEntry[fd]
	if !ok {
		i = len(m.pfds)
		m.pfds = append(m.pfds, PollFD{FD: fd})
		m.fdEntry[fd] = i
	}
	m.pfds[i].Events |= events
	return i
}

// pollTimeout is B6: the caller's milliseconds, cut to
// (earliest - now)*1000 + 1 when a timer is armed and that is smaller
// (truncated to whole milliseconds as C's int cast does), never below 0.
func (m *Manager) pollTimeout(ms int, earliest float64) time.Duration {
	if earliest > 0 && m.bugs&mutation.NoTimerWakeup == 0 {
		if t := (earliest-m.Time())*1000 + 1; t < float64(ms) {
			ms = int(max(t, -1))
		}
	}
	return msDuration(ms)
}

// msDuration converts milliseconds to a Duration: 0 for negative values,
// capped where a Duration would overflow.
func msDuration(ms int) time.Duration {
	const maxMs = int64(math.MaxInt64 / int64(time.Millisecond))
	return time.Duration(min(int64(max(ms, 0)), maxMs)) * time.Millisecond
}

// wait is B6's select: it reports whether any descriptor is ready. An error
// counts as "nothing ready", as num_ev <= 0 does in C.
func (m *Manager) wait(timeout time.Duration) bool {
	n, err := m.s.Poll(m.pfds, timeout)
	return err == nil && n > 0
}

// serve is B9: the walk from the head, saving next before each connection,
// so connections created during the walk wait for the next poll.
func (m *Manager) serve(now float64, ready bool) {
	var next *Conn
	lastOld := m.lastID
	for c := m.head; c != nil; c = next {
		fd := m.fdFlags(c, ready)
		next = c.next
		m.handleConn(c, fd, now)
	}
	if m.bugs&mutation.NewServedSamePoll != 0 {
		m.serveNew(lastOld, now)
	}
}

// fdFlags reads c's readiness from the poll set, the way select(2) reports
// it: readable needs read interest and PollIn, PollHup or PollErr (never for
// a UDP child); writable needs write interest and PollOut or PollErr. The
// entry is per descriptor, so a UDP child sees its listener's readiness.
func (m *Manager) fdFlags(c *Conn, ready bool) int {
	if !ready || c.sock == invalidSocket {
		return 0
	}
	i := c.pfd
	if i < 0 { // no interest of its own; another connection may share the descriptor
		if !c.sharesSocket() {
			return 0
		}
		var ok bool
		if i, ok = m.fdEntry[c.sock]; !ok {
			return 0
		}
	}
	e, f := m.pfds[i], 0
	if e.Events&PollIn != 0 && e.Revents&(PollIn|PollHup|PollErr) != 0 && !c.isUDPChild() {
		f |= fdCanRead
	}
	if e.Events&PollOut != 0 && e.Revents&(PollOut|PollErr) != 0 {
		f |= fdCanWrite
	}
	return f
}

// handleConn is mg_mgr_handle_conn (B9, H5): close check, TIMER and POLL;
// connect completion; one accept, one datagram or a read loop; one write.
func (m *Manager) handleConn(c *Conn, fd int, now float64) {
	if c.dns != nil {
		m.serveLookup(c, fd, now)
		return
	}
	if !m.ifPoll(c, now) {
		return
	}
	if c.Flags&FlagConnecting != 0 {
		m.checkConnect(c, fd)
	}
	if fd&fdCanRead != 0 {
		m.canRecv(c)
	}
	if fd&fdCanWrite != 0 {
		m.canSend(c)
	}
	if m.bugs&mutation.CloseAtEndOfTurn != 0 && c.Flags&FlagCloseImmediately != 0 {
		m.closeConn(c)
	}
}

// ifPoll is mg_if_poll (B9 step 1): it closes c and returns false when
// CLOSE_IMMEDIATELY is set, or SEND_AND_CLOSE with nothing left to send
// (D-SEND-6), or RECV_AND_CLOSE (D-CLOSE-6); otherwise it sends a due TIMER
// and then POLL (D-POLL-1, D-POLL-2) and returns true.
func (m *Manager) ifPoll(c *Conn, now float64) bool {
	if m.bugs&mutation.EventsAfterClose != 0 && !c.listed {
		return m.pollClosed(c, now)
	}
	switch {
	case c.Flags&FlagCloseImmediately != 0:
		m.closeConn(c)
		return false
	case c.Flags&FlagSendAndClose != 0:
		if c.SendMbuf.len == 0 || m.bugs&mutation.SendAndCloseDrops != 0 {
			c.Flags |= FlagCloseImmediately
			m.closeConn(c)
			return false
		}
	case c.Flags&FlagRecvAndClose != 0:
		m.closeConn(c)
		return false
	}
	if m.bugs&mutation.PollBeforeTimer != 0 {
		return m.pollThenTimer(c, now)
	}
	m.fireTimer(c, now)
	if m.bugs&mutation.NoPollForListeners != 0 && c.Flags&FlagListening != 0 {
		return true
	}
	m.call(c, EvPoll, EventData{Int: int(now)})
	return true
}

// fireTimer is mg_timer (D-TIMER-2, D-TIMER-3): a timer that is armed and
// due is disarmed, then TIMER carries the scheduled value.
func (m *Manager) fireTimer(c *Conn, now float64) {
	if m.bugs&mutation.TimerEarly != 0 {
		now += 0.010 // a timer due within 10 ms counts as due
	}
	if c.timer > 0 && now >= c.timer {
		at := c.timer
		c.timer = 0
		if m.bugs&mutation.TimerFiresTwice != 0 {
			c.timer = at // not disarmed before the handler
		}
		m.call(c, EvTimer, EventData{Time: at})
		if m.bugs&mutation.TimerLostOnRearm != 0 {
			c.timer = 0 // disarmed after the handler, losing its re-arm
		}
		if m.bugs&mutation.TimerRefiresSamePoll != 0 {
			m.fireTimer(c, now) // checked again: a re-arm into the past fires at once
		}
	}
}

// closeConn is mg_close_conn (D-CLOSE-2): a last read attempt (which, if
// the receive limit blocks it, defers the close with RECV_AND_CLOSE,
// D-CLOSE-6); then CLOSE_IMMEDIATELY, unlink, release the socket, CLOSE,
// and free the buffers.
func (m *Manager) closeConn(c *Conn) {
	if c.dns != nil {
		m.failLookup(c) // the DNS connection's CLOSE: resolve_cb's failure path
		return
	}
	if c.sock != invalidSocket && m.doRecv(c) == recvThrottled {
		c.Flags |= FlagRecvAndClose
		return
	}
	c.Flags |= FlagCloseImmediately
	if m.bugs&mutation.EventsAfterClose != 0 {
		c.listed = false // left in the list until its next turn: see pollClosed
	} else {
		m.removeConn(c)
	}
	m.releaseSocket(c)
	m.call(c, EvClose, EventData{})
	if m.bugs&mutation.CloseTwice != 0 {
		m.call(c, EvClose, EventData{})
	}
	c.freeBuffers()
}

// freeBuffers is the end of mg_destroy_conn: both mbufs are freed.
func (c *Conn) freeBuffers() {
	c.RecvMbuf.Free()
	c.SendMbuf.Free()
}

// releaseSocket is mg_socket_if_destroy_conn (G9, D-CLOSE-4): the socket is
// closed unless c is a UDP child, whose socket is its listener's.
func (m *Manager) releaseSocket(c *Conn) {
	if c.listener != nil && c.listener.children[c.sa] == c {
		delete(c.listener.children, c.sa)
	}
	if c.sock == invalidSocket {
		return
	}
	c.local = m.s.LocalAddr(c.sock)
	if !c.isUDPChild() {
		m.s.Close(c.sock)
	}
	c.sock = invalidSocket
}

// call is mg_call: the handler runs (recovering a panic into a
// *HandlerPanicError), then any change it made to flags outside the
// modifiable set is undone (F3), and every event but POLL is counted (B3).
func (m *Manager) call(c *Conn, ev Event, d EventData) {
	before := c.Flags
	if c.Handler != nil {
		invoke(c, ev, d)
	}
	if c.Flags != before && m.bugs&mutation.NoFlagMasking == 0 {
		c.Flags = before&^handlerModifiable | c.Flags&handlerModifiable
	}
	if ev != EvPoll {
		m.numCalls++
	}
}
