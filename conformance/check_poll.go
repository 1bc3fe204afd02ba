package conformance

import "math"

// Polls: where each event sits in its manager's sequence of polls (TR-3,
// TR-4), what a poll owes every connection (EV-7), and mg_mgr_free (CL-6).

// timeSlack allows for t printed to the microsecond when the poll's clock
// is only bounded by the calls' times.
const timeSlack = 1e-6

// enterPoll places e in its manager's polls and reports whether e is
// inside one.
func (c *Checker) enterPoll(m *mgrState, cs *connState, e *Event) bool {
	if e.Has&HasPoll == 0 {
		c.outsidePoll(m, cs, e)
		return false
	}
	first := !m.hasPolls
	m.hasPolls = true
	if m.freeing && e.Ev != EvOther && c.eval(rCL6) {
		c.fail(rCL6, cs.id, e.Ev.String()+" in poll "+itoa(e.Poll)+" after mg_mgr_free began closing manager "+itoa(m.id)+"'s connections")
	}
	c.eval(rTR3)
	switch {
	case first || e.Poll > m.poll:
		c.nextPoll(m, e, first)
	case e.Poll < m.poll:
		c.fail(rTR3, cs.id, "poll "+itoa(e.Poll)+" after poll "+itoa(m.poll)+" of manager "+itoa(m.id)+": poll went back")
	}
	m.inPoll = true
	return true
}

func (c *Checker) nextPoll(m *mgrState, e *Event, first bool) {
	if m.inPoll {
		c.endPoll(m, true)
	}
	if !first && e.Poll > m.poll+1 {
		c.missedPolls(m, m.poll+1, e.Poll-1)
	}
	m.inPoll, m.poll = true, e.Poll
	m.firstT = e.T
	m.lowerT, m.hasLower = m.lastT, m.hasLast
	m.hasPollData = false
	m.walk = walk{}
	m.curTurn = nil
	m.turns = m.turns[:0]
}

// outsidePoll handles an event without a poll index: in a manager that
// has polls only mg_mgr_free's CLOSEs come outside one (CL-6), and never a
// POLL (EV-7).
func (c *Checker) outsidePoll(m *mgrState, cs *connState, e *Event) {
	switch {
	case !m.hasPolls || e.Ev == EvOther:
		return
	case e.Ev == EvClose:
		c.freeClose(m, cs)
	case e.Ev == EvPoll:
		if c.eval(rEV7) {
			c.fail(rEV7, cs.id, "POLL for connection "+itoa(cs.id)+" outside any poll (no poll index)")
		}
	default:
		if c.eval(rCL6) {
			c.fail(rCL6, cs.id, e.Ev.String()+" for connection "+itoa(cs.id)+" outside any poll: only mg_mgr_free's CLOSEs come outside a poll")
		}
	}
}

// freeClose checks one of mg_mgr_free's closes: after the last poll, in
// list order, newest first (CL-6).
func (c *Checker) freeClose(m *mgrState, cs *connState) {
	if !m.freeing {
		if m.inPoll {
			c.endPoll(m, true)
		} else {
			c.rebuild(m)
		}
		m.freeing, m.walk = true, walk{}
	}
	if !c.eval(rCL6) {
		return
	}
	if msg := m.walk.serve(cs); msg != "" {
		c.fail(rCL6, cs.id, "mg_mgr_free: "+msg)
	}
}

// endPoll closes the manager's current poll: completeness checks when the
// poll is known to have ended, then the list order it showed. Every
// connection known before the poll got POLL in it or closed (EV-7); a new
// connection's turn has a POLL (EV-8); an armed timer due in the poll
// fired (TM-3, lostTimers).
func (c *Checker) endPoll(m *mgrState, complete bool) {
	if complete {
		c.everyonePolled(m)
		for _, cs := range m.turns {
			if !cs.closed && !cs.sawPoll && cs.firstPoll == m.poll && c.eval(rEV8) {
				c.failAt(rEV8, cs.id, m.lastIdx, "connection "+itoa(cs.id)+"'s turn in poll "+itoa(m.poll)+" has no POLL")
			}
		}
		c.lostTimers(m)
	}
	c.rebuild(m)
	m.inPoll = false
}

// everyonePolled: EV-7 at a poll's end, for each connection of the list
// still open. The evaluations are counted once for the whole list.
func (c *Checker) everyonePolled(m *mgrState) {
	if !c.on(rEV7) {
		return
	}
	open := int64(0)
	for _, cs := range m.conns {
		if cs.closed {
			continue
		}
		open++
		if cs.turnPoll != m.poll || !cs.sawPoll {
			c.failAt(rEV7, cs.id, m.lastIdx, "connection "+itoa(cs.id)+" got no POLL in poll "+itoa(m.poll)+": every open connection gets POLL in each poll")
		}
	}
	c.evalN(rEV7, open)
}

// missedPolls: polls that left no line while connections were open.
func (c *Checker) missedPolls(m *mgrState, from, to int64) {
	span := "poll " + itoa(from)
	if to > from {
		span = "polls " + itoa(from) + " to " + itoa(to)
	}
	for _, cs := range m.conns {
		if !cs.closed && c.eval(rEV7) {
			c.fail(rEV7, cs.id, "connection "+itoa(cs.id)+" got no POLL in "+span+", which recorded no events while it was open")
		}
	}
}

// rebuild sets the list order after a poll: the connections it served for
// the first time, in turn order, then the older ones in the order they had
// (a poll that served them in another order broke EV-9 and teaches
// nothing), then those first seen in it without a turn (accepted in it).
func (c *Checker) rebuild(m *mgrState) {
	if len(m.pending) == 0 && allHadTurn(m.turns) { // the list keeps its order
		m.turns = m.turns[:0]
		if len(m.closing) != 0 {
			m.conns = dropClosed(m.conns)
			c.release(m)
		}
		return
	}
	next := m.spare[:0]
	for _, cs := range m.turns {
		if !cs.hadTurn {
			next = keepOpen(next, cs)
		}
	}
	for _, cs := range m.conns {
		if cs.hadTurn || cs.turnPoll != m.poll {
			next = keepOpen(next, cs)
		}
	}
	for _, cs := range m.pending {
		if cs.turnPoll != m.poll {
			next = keepOpen(next, cs)
		}
	}
	for i, cs := range next {
		cs.rank = i
		cs.hadTurn = cs.hadTurn || cs.turnPoll == m.poll && m.inPoll
	}
	// The lists' spare capacity may keep stale pointers: they are never
	// read, and are at most as many as the lists' longest length.
	m.spare, m.conns, m.pending = m.conns[:0], next, m.pending[:0]
	m.turns = m.turns[:0]
	if len(m.closing) != 0 {
		c.release(m)
	}
}

// allHadTurn reports whether every connection served in the poll had a
// turn before it: then, with none new, the list keeps its order and ranks
// (ranks are only compared within one list), less those that closed.
func allHadTurn(turns []*connState) bool {
	for _, cs := range turns {
		if !cs.hadTurn {
			return false
		}
	}
	return true
}

func keepOpen(list []*connState, cs *connState) []*connState {
	if cs.closed {
		return list
	}
	return append(list, cs)
}

// finishManager ends the trace for a manager: its last poll may have been
// cut short (no completeness checks), but an mg_mgr_free that began must
// have closed everything (CL-6).
func (c *Checker) finishManager(m *mgrState) {
	if m.inPoll {
		c.endPoll(m, false)
	}
	if !m.freeing {
		return
	}
	for _, list := range [2][]*connState{m.conns, m.pending} {
		for _, cs := range list {
			if !cs.closed && c.eval(rCL6) {
				c.failAt(rCL6, cs.id, m.lastIdx, "connection "+itoa(cs.id)+" is still open after mg_mgr_free closed its manager's connections: it closes every one")
			}
		}
	}
}

// walk learns and checks the order in which a poll serves connections
// (EV-9), or mg_mgr_free closes them (CL-6): connections new since the
// previous poll first, newest first where their creation order is known,
// then the others in the order the previous poll showed.
type walk struct {
	oldSeen     bool
	lastOldRank int
	lastOld     int64
	lastNewSeq  int64
	lastNew     int64
}

// serve notes that cs is served next, and says what is wrong with that.
func (w *walk) serve(cs *connState) string {
	if cs.hadTurn {
		bad := w.oldSeen && cs.rank < w.lastOldRank
		prev := w.lastOld
		w.oldSeen, w.lastOldRank, w.lastOld = true, cs.rank, cs.id
		if bad {
			return servedOutOfOrder(cs.id, prev)
		}
		return ""
	}
	if w.oldSeen {
		return "connection " + itoa(cs.id) + ", new since the previous poll, is served after connection " + itoa(w.lastOld) + ", which is older: new connections are at the head of the list"
	}
	if cs.created == 0 {
		return ""
	}
	bad := w.lastNewSeq != 0 && cs.created > w.lastNewSeq
	prev := w.lastNew
	w.lastNewSeq, w.lastNew = cs.created, cs.id
	if bad {
		return "connection " + itoa(cs.id) + " is served after connection " + itoa(prev) + ", which was created before it: newest first"
	}
	return ""
}

func servedOutOfOrder(id, prev int64) string {
	return "connection " + itoa(id) + " is served after connection " + itoa(prev) + ", but came before it in the previous poll: the list keeps its order"
}

// notPollTime: TR-4 failed, with clock=poll a call's t is not its poll's.
func (c *Checker) notPollTime(m *mgrState, e *Event) {
	c.fail(rTR4, e.Conn, "t "+ftoa(e.T)+" differs from "+ftoa(m.firstT)+", the t of poll "+itoa(m.poll)+"'s first call: with clock=poll every call of a poll has the poll's time")
}

// firstPollData: TR-4 at a poll's first POLL, whose data is the poll's
// clock in whole seconds.
func (c *Checker) firstPollData(m *mgrState, e *Event) {
	m.pollData, m.hasPollData = e.DataInt, true
	if !c.eval(rTR4) {
		return
	}
	lo, hi := c.pollDataRange(m)
	if e.DataInt < lo || e.DataInt > hi {
		c.fail(rTR4, e.Conn, "POLL data "+itoa(e.DataInt)+" is outside ["+itoa(lo)+", "+itoa(hi)+"]: it is the poll's clock in whole seconds, read after the manager's previous call and before the poll's first")
	}
}

// pollDataRange is where floor(now) can lie.
func (c *Checker) pollDataRange(m *mgrState) (lo, hi int64) {
	if c.pollClock {
		f := int64(math.Floor(m.firstT))
		return f, f
	}
	lo, hi = math.MinInt64, int64(math.Floor(m.firstT+timeSlack))
	if m.hasLower {
		lo = int64(math.Floor(m.lowerT - timeSlack))
	}
	return lo, hi
}

// nowLower is a lower bound of the poll's clock.
func (c *Checker) nowLower(m *mgrState) (float64, bool) {
	if c.pollClock {
		return m.firstT, true
	}
	lower, ok := 0.0, false
	if m.hasLower {
		lower, ok = m.lowerT-timeSlack, true
	}
	if m.hasPollData && (!ok || float64(m.pollData) > lower) {
		lower, ok = float64(m.pollData), true
	}
	return lower, ok
}
