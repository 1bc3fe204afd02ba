package reference

import (
	"fmt"

	"github.com/mgsim/mgsim/reference/internal/mutation"
)

// This file holds the longer buggy paths of the mutation points (see
// package reference/internal/mutation); the points themselves are one-line
// checks where each bug would live. No bug is armed unless a package
// inside reference/ arms it.

func init() { mutation.Arm = arm }

// arm is mutation.Arm: it sets the bugs of a *Options or a *Manager.
func arm(target any, b mutation.Bug) error {
	switch t := target.(type) {
	case *Options:
		t.bugs = b
	case *Manager:
		t.bugs = b
	default:
		return fmt.Errorf("reference: cannot arm bugs on %T (want *Options or *Manager)", target)
	}
	return nil
}

// sendNow is mutation.IOInsideSend: a connected TCP socket with nothing
// queued is written at once, with no SEND; what does not fit is returned
// for the send buffer.
func (m *Manager) sendNow(c *Conn, p []byte) []byte {
	if c.sock == invalidSocket || c.SendMbuf.len > 0 || c.Flags&(FlagUDP|FlagListening|FlagConnecting|FlagCloseImmediately) != 0 {
		return p
	}
	n, _ := m.s.Write(c.sock, p)
	return p[max(min(n, len(p)), 0):]
}

// pollClosed is mutation.EventsAfterClose: a connection closed in the
// previous poll was left in the list; its turn gives it one more POLL and
// then unlinks it.
func (m *Manager) pollClosed(c *Conn, now float64) bool {
	m.call(c, EvPoll, EventData{Int: int(now)})
	m.removeConn(c)
	return false
}

// serveNew is mutation.NewServedSamePoll: after the walk, connections made
// during it (ids above lastOld, at the head of the list) get a turn too,
// with no readiness (they were not in the poll set).
func (m *Manager) serveNew(lastOld uint64, now float64) {
	var next *Conn
	for c := m.head; c != nil && c.id > lastOld; c = next {
		next = c.next
		m.handleConn(c, 0, now)
	}
}

// mergeDatagrams is mutation.UDPMergedDatagrams: after a first datagram of
// got bytes (at most n), every datagram waiting is read behind it. It
// returns the bytes read in all.
func (m *Manager) mergeDatagrams(c *Conn, got, n int) int {
	b := &c.RecvMbuf
	base := b.len
	b.len += got
	for {
		b.Resize(b.len + n)
		k, _, err := m.s.ReadFrom(c.sock, b.readSpace(n))
		if err != nil || k <= 0 {
			break
		}
		b.len += min(k, n)
	}
	total := b.len - base
	b.len = base
	return total
}

// pollStale is Poll under mutation.NowBeforeWait: the clock is read before
// the wait, so the walk runs on a time that is as old as the wait was long.
func (m *Manager) pollStale(timeoutMs int, earliest float64, callsBefore int) int {
	now := m.Time()
	ready := m.wait(m.pollTimeout(timeoutMs, earliest))
	m.serve(now, ready)
	return m.numCalls - callsBefore
}

// pollThenTimer is the end of mg_if_poll under mutation.PollBeforeTimer:
// POLL first, then a due TIMER.
func (m *Manager) pollThenTimer(c *Conn, now float64) bool {
	m.call(c, EvPoll, EventData{Int: int(now)})
	m.fireTimer(c, now)
	return true
}
