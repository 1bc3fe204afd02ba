package conformance

// Turns: inside a poll each connection is served once, in list order, with
// its events in a fixed order (EV-7 to EV-10, TM-5, CL-4, CL-5, UDP-3a).

// Stages of a connection's turn (B9): close check, TIMER, POLL, connect,
// read, write.
const (
	stNone uint8 = iota
	stTimer
	stPoll
	stConnect
	stRecv
	stSend
)

// inPollRules places an event inside its manager's poll: the poll's
// clock (TR-4), then, for a connection's own events, its turn.
func (c *Checker) inPollRules(m *mgrState, cs *connState, e *Event) {
	if cs.pollIdx != m.poll {
		cs.newPoll(m.poll)
	}
	if c.pollClock && c.eval(rTR4) && e.T != m.firstT {
		c.notPollTime(m, e)
	}
	switch { // every POLL of a poll carries the same data, the poll's clock (TR-4)
	case e.Ev != EvPoll:
	case !m.hasPollData:
		c.firstPollData(m, e)
	case c.eval(rTR4) && e.DataInt != m.pollData:
		c.fail(rTR4, e.Conn, "POLL data "+itoa(e.DataInt)+" differs from "+itoa(m.pollData)+" earlier in poll "+itoa(m.poll)+": now is read once per poll")
	}
	if e.Ev == EvAccept || e.Ev == EvRecv && cs.udp && cs.role == RoleInbound || cs.created != 0 && cs.createdPoll == m.poll ||
		!cs.everPolled && cs.role == RoleOutbound && e.Ev != EvPoll {
		if c.notOwnTurn(m, cs, e) {
			return
		}
	}
	c.ownEvent(m, cs, e)
}

// notOwnTurn handles the events that are not the connection's own in its
// turn, and reports whether e was one: the resolver's calls, an ACCEPT, a
// UDP child's datagram, and anything for a connection accepted in this
// poll.
func (c *Checker) notOwnTurn(m *mgrState, cs *connState, e *Event) bool {
	switch {
	case cs.resolving:
	case e.Ev == EvAccept:
		c.acceptInTurn(m, cs, e)
	case e.Ev == EvRecv && cs.udp && cs.role == RoleInbound:
		c.childRecv(m, cs)
	case cs.createdPoll == m.poll && cs.created != 0:
		if c.eval(rEV9) {
			c.fail(rEV9, cs.id, "connection "+itoa(cs.id)+", accepted in poll "+itoa(m.poll)+", gets "+e.Ev.String()+" in it: a connection created during a poll gets nothing else in it")
		}
	default:
		return false
	}
	return true
}

// newPoll resets what the connection keeps about the poll.
func (cs *connState) newPoll(poll int64) {
	cs.pollIdx, cs.stage, cs.sawPoll, cs.sawTimer, cs.sawRecv = poll, stNone, false, false, false
	cs.recvStart, cs.recvStartOK = cs.recvAfter, cs.recvKnown
	cs.timerStart, cs.timerOK = cs.timerAfter, cs.timerKnown
}

// markResolver, for an outbound connection never polled and an event
// other than POLL, notes whether the connection is on the resolver's path:
// a connection waiting for DNS is not in the list; its TIMER, CONNECT(-1)
// and CLOSE come from the resolver, in another connection's turn
// (D-CONNECT-6, D-TIMER-7). It is a fact about the connection, known with
// or without poll fields.
func (c *Checker) markResolver(cs *connState, e *Event) {
	if e.Has&HasFlags != 0 && e.Flags&fResolving != 0 || e.Ev == EvConnect && e.DataInt == -1 {
		cs.resolving = true
	}
}

// acceptInTurn: an ACCEPT creates its connection during the listener's
// turn (EV-9a), one per TCP listener and poll (EV-10), one datagram per
// UDP listener and poll (UDP-3a).
func (c *Checker) acceptInTurn(m *mgrState, cs *connState, e *Event) {
	if cs.events == 0 {
		c.creation++
		cs.created, cs.createdPoll = c.creation, m.poll
	}
	if e.Has&HasListener == 0 {
		c.skip(rEV9a, "listener")
		c.skip(rEV10, "listener")
		return
	}
	l := c.conns.get(e.Listener)
	c.inListenerTurn(m, l, cs, e.Listener, "ACCEPT")
	switch {
	case l == nil:
	case cs.udp:
		c.datagram(m, l, cs, true)
	case c.eval(rEV10):
		if l.acceptPoll == m.poll {
			c.fail(rEV10, cs.id, "listener "+itoa(l.id)+" accepts a second connection ("+itoa(cs.id)+") in poll "+itoa(m.poll)+": one accept per listener and poll")
		}
		l.acceptPoll = m.poll
	}
}

// childRecv: a UDP child's datagram is read by its listener, in the
// listener's turn.
func (c *Checker) childRecv(m *mgrState, cs *connState) {
	if !cs.hasLis {
		c.skip(rEV9a, "listener")
		return
	}
	l := c.conns.get(cs.listener)
	c.inListenerTurn(m, l, cs, cs.listener, "RECV of UDP child")
	if l != nil {
		c.datagram(m, l, cs, false)
	}
}

// inListenerTurn: EV-9a.
func (c *Checker) inListenerTurn(m *mgrState, l, cs *connState, lid int64, what string) {
	if !c.eval(rEV9a) {
		return
	}
	if l == nil || m.curTurn != l || l.pollIdx != m.poll || !l.sawPoll {
		c.fail(rEV9a, cs.id, what+" "+itoa(cs.id)+" outside the turn of its listener "+itoa(lid)+": the listener's read stage, after its POLL, creates it")
	}
}

// datagram: a UDP listener reads one datagram per poll; a new child's
// ACCEPT and its first RECV are the same datagram (UDP-3a).
func (c *Checker) datagram(m *mgrState, l, child *connState, accept bool) {
	if !c.eval(rUDP3a) {
		return
	}
	switch {
	case l.dgPoll != m.poll:
		l.dgPoll, l.dgChild, l.dgRecv = m.poll, child.id, !accept
	case !accept && l.dgChild == child.id && !l.dgRecv:
		l.dgRecv = true
	default:
		c.fail(rUDP3a, child.id, "UDP listener "+itoa(l.id)+" delivers a second datagram in poll "+itoa(m.poll)+": a UDP socket reads one datagram per poll")
	}
}

// ownEvent places one of the connection's own events in its turn, in
// the order of a turn: CLOSE alone, or TIMER? POLL CONNECT? RECV* SEND?
// (EV-8; TM-5 for TIMER, EV-7 for a second POLL, BUF-8 for a second SEND).
func (c *Checker) ownEvent(m *mgrState, cs *connState, e *Event) {
	switch {
	case cs.turnPoll != m.poll:
		c.startTurn(m, cs, e)
	case m.curTurn != cs:
		if c.eval(rEV9) {
			c.fail(rEV9, cs.id, "connection "+itoa(cs.id)+"'s events in poll "+itoa(m.poll)+" are split by connection "+itoa(turnID(m.curTurn))+"'s turn: a poll serves each connection once")
		}
		m.curTurn = cs
	}
	switch e.Ev {
	case EvPoll:
		if c.eval(rEV7) && cs.sawPoll {
			c.fail(rEV7, cs.id, "second POLL for connection "+itoa(cs.id)+" in poll "+itoa(cs.pollIdx)+": one POLL per connection and poll")
		} else if c.eval(rEV8) && cs.stage > stPoll {
			c.fail(rEV8, cs.id, "POLL after "+cs.lastOwn.String()+" in the same poll: POLL comes before any IO")
		}
		cs.sawPoll = true
		cs.stage = max(cs.stage, stPoll)
	case EvClose:
		if c.eval(rEV8) && cs.stage != stNone {
			c.fail(rEV8, cs.id, "CLOSE after "+cs.lastOwn.String()+" in the same poll: a connection closes at the start of its turn, alone")
		}
	case EvTimer:
		c.stageTimer(cs)
	case EvConnect:
		c.stageIO(cs, e, stConnect)
	case EvRecv:
		c.stageIO(cs, e, stRecv)
	case EvSend:
		c.stageIO(cs, e, stSend)
	}
	cs.lastOwn = e.Ev
}

func turnID(cs *connState) int64 {
	if cs == nil {
		return NoConn
	}
	return cs.id
}

func (c *Checker) startTurn(m *mgrState, cs *connState, e *Event) {
	cs.turnPoll, m.curTurn = m.poll, cs
	m.turns = append(m.turns, cs)
	if c.eval(rEV9) {
		if w := &m.walk; cs.hadTurn && (!w.oldSeen || cs.rank >= w.lastOldRank) {
			w.oldSeen, w.lastOldRank, w.lastOld = true, cs.rank, cs.id // serve's common case
		} else if msg := w.serve(cs); msg != "" {
			c.fail(rEV9, cs.id, msg)
		}
	}
	// A turn that does not begin with CLOSE must not find the connection
	// flagged to close (CL-4 for flags its handler set, CL-5 for flags the
	// core set).
	switch {
	case e.Ev == EvClose:
	case e.Has&HasFlags == 0:
		c.skip(rCL4, "flags")
		c.skip(rCL5, "flags")
	default:
		c.eval(rCL4)
		c.eval(rCL5)
		if e.Flags&fCloseImmediately != 0 || e.Flags&fSendAndClose != 0 && e.SendLen == 0 {
			c.flaggedAtTurnStart(cs, e)
		}
	}
	if e.Ev != EvTimer && e.Has&HasTimer != 0 {
		cs.timerStart, cs.timerOK = e.Timer, true
	}
}

// flaggedAtTurnStart: CL-4 or CL-5 failed, a turn began with the
// connection flagged to close.
func (c *Checker) flaggedAtTurnStart(cs *connState, e *Event) {
	switch {
	case e.Flags&fCloseImmediately != 0:
		c.fail(pick(cs.handlerCI, rCL4, rCL5), cs.id, e.Ev.String()+" starts connection "+itoa(cs.id)+"'s turn with CLOSE_IMMEDIATELY set (flags "+hexFlags(e.Flags)+"): it must be closed at the start of its turn instead")
	case e.Flags&fSendAndClose != 0 && e.SendLen == 0:
		c.fail(pick(cs.handlerSAC, rCL4, rCL5), cs.id, e.Ev.String()+" starts connection "+itoa(cs.id)+"'s turn with SEND_AND_CLOSE set and send_mbuf empty: it must be closed at the start of its turn instead")
	}
}

func pick(cond bool, a, b ruleID) ruleID {
	if cond {
		return a
	}
	return b
}

func (c *Checker) stageTimer(cs *connState) {
	if c.eval(rTM5) {
		switch {
		case cs.sawTimer:
			c.fail(rTM5, cs.id, "second TIMER for connection "+itoa(cs.id)+" in poll "+itoa(cs.pollIdx)+": a timer re-armed by its handler fires in the next poll")
		case cs.stage != stNone:
			c.fail(rTM5, cs.id, "TIMER after "+cs.lastOwn.String()+" in the same poll: TIMER comes first in a connection's turn")
		}
	}
	cs.sawTimer = true
	cs.stage = max(cs.stage, stTimer)
}

func (c *Checker) stageIO(cs *connState, e *Event, want uint8) {
	if want == stSend && cs.stage == stSend {
		if c.eval(rBUF8) {
			c.fail(rBUF8, cs.id, "second SEND for connection "+itoa(cs.id)+" in poll "+itoa(cs.pollIdx)+": at most one write per connection and poll")
		}
		return
	}
	if c.eval(rEV8) {
		switch {
		case !cs.sawPoll:
			c.fail(rEV8, cs.id, e.Ev.String()+" before POLL in connection "+itoa(cs.id)+"'s turn: POLL comes first (after TIMER)")
		case cs.stage > want:
			c.fail(rEV8, cs.id, e.Ev.String()+" after "+cs.lastOwn.String()+" in the same poll: the order is POLL, CONNECT, RECV, SEND")
		}
	}
	if want == stRecv && cs.udp {
		c.outboundDatagram(cs)
	}
	cs.stage = max(cs.stage, want)
}

// outboundDatagram: an outbound UDP connection reads one datagram per poll
// (UDP-3a).
func (c *Checker) outboundDatagram(cs *connState) {
	second := cs.sawRecv
	cs.sawRecv = true
	if c.eval(rUDP3a) && second {
		c.fail(rUDP3a, cs.id, "second RECV for UDP connection "+itoa(cs.id)+" in poll "+itoa(cs.pollIdx)+": a UDP socket reads one datagram per poll")
	}
}
