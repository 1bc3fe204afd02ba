package conformance

// The quiet POLL: most events of a Mongoose trace are POLLs that find a TCP
// connection as its previous handler left it and leave it so (6.18 calls
// POLL on every connection in every poll; in the echo of BenchmarkCheckRun
// 95 % of the events are such POLLs). For one of them every rule outside
// the poll's turn passes by construction, so the checker runs the turn
// rules (inPollRules) in full and, for the other groups, only what they
// would have done: count their evaluations and update the connection's
// state. The report is the same as the full path's, counts included
// (TestQuietPollMatchesFullPath compares them on traces broken one field
// at a time).
//
// Why each group passes, given quietPoll:
//   - grammar: after the first event, a POLL breaks no grammar rule but
//     EV-3a (before an outbound connection's CONNECT); the quiet path
//     takes an outbound connection only once it was made by connect and
//     had its CONNECT or CLOSE, and EV-6 waits for an event other than
//     POLL;
//   - flagRules: LISTENING and UDP agree with the role, the core-owned
//     bits equal those of the previous entry (CL-3), and the flags equal
//     what the previous handler left (CL-3a);
//   - buffers: recv_len and send_len are what the previous handler left
//     (BUF-2, BUF-4), and the call neither removed nor queued (BUF-2a,
//     BUF-4); nothing at POLL reads or writes;
//   - timers: the timer is what the previous handler left (TM-2a);
//   - stream and remember: the POLL moves no byte; what changes is set
//     below as remember sets it.

// quietNeeds are the fields a quiet POLL must have: with them no rule of
// the groups it skips is "not evaluated".
const quietNeeds = HasFlags | HasFlagsAfter | HasRecvAfter | HasSendAfter | HasQueued | HasRemoved | HasTimer | HasTimerAfter

// quietPoll reports whether e, an event inside its manager's poll, is a
// POLL of a TCP connection that changes nothing and finds everything as
// the connection's previous call left it.
func quietPoll(cs *connState, e *Event) bool {
	return e.Ev == EvPoll && e.Has&quietNeeds == quietNeeds && !cs.udp && cs.events > 0 &&
		cs.recvKnown && cs.sendKnown && cs.afterKnown && cs.timerKnown && cs.coreKnown &&
		e.Queued == 0 && e.Removed == 0 &&
		e.RecvLen == cs.recvAfter && e.RecvAfter == e.RecvLen &&
		e.SendLen == cs.sendAfter && e.SendAfter == e.SendLen &&
		e.Flags == cs.flagsAfter && e.FlagsAfter == e.Flags && e.Flags&fCoreOwned == cs.coreFlags &&
		e.Timer == cs.timerAfter && e.TimerAfter == e.Timer &&
		(cs.role != RoleOutbound || cs.byConnect && cs.connectOrClose) &&
		(e.Flags&fListening != 0) == (cs.role == RoleListener) &&
		(e.Has&HasUDP == 0 || (e.Flags&fUDP != 0) == e.UDP)
}

// quietPollRules checks a quiet POLL: the turn rules in full, the other
// groups' evaluations and state, in checkEvent's order.
func (c *Checker) quietPollRules(m *mgrState, cs *connState, e *Event) {
	switch cs.role { // grammar
	case RoleInbound:
		c.eval(rEV2)
	case RoleListener:
		c.eval(rEV4)
	case RoleOutbound:
		c.eval(rEV3)
	}
	c.inPollRules(m, cs, e)
	c.eval(rCL3) // flagRules
	if c.prevCall && c.prevConn == cs.id && c.prevPoll != 0 && c.prevPoll == e.Poll {
		c.eval(rCL3a)
	}
	c.eval(rBUF2) // buffers
	c.eval(rBUF2a)
	c.evalN(rBUF4, 2)       // between the calls and within this one
	c.eval(rTM2a)           // timers
	if e.Has&HasPeer != 0 { // stream
		cs.peer, cs.hasPeer = e.Peer, true
	}
	// remember: flags, buffers and sums are as they were. So are handlerCI
	// and handlerSAC: each is set only with its bit in flags_after, and e's
	// flags are the previous flags_after. The timer is equal, but may be
	// -0 where it was 0, which messages show.
	cs.timerAfter = e.TimerAfter
	cs.everPolled, cs.resolving, cs.lastError, cs.udpRecvPrev = true, false, false, false
	cs.events++
	c.quiet++
	c.prevCall, c.prevConn, c.prevPoll = true, cs.id, e.Poll
	m.lastT, m.hasLast, m.lastIdx = e.T, true, c.cur
}
