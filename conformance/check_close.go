package conformance

// Flags and closing: CL-1, CL-2, CL-3, CL-4's check at CLOSE, and BUF-6,
// which is decided at CLOSE (CL-4 and CL-5 at a turn's start are in
// check_turns.go, CL-6 in check_poll.go).

func (c *Checker) flagRules(cs *connState, e *Event) {
	if (e.Ev == EvRecv || e.Ev == EvSend && e.DataInt > 0) && cs.events != 0 {
		c.afterCloseImmediately(cs, e)
	}
	if e.Has&HasFlags == 0 {
		c.skip(rCL3, "flags")
		return
	}
	if c.eval(rCL3) { // the core-owned bits at entry are those of the previous entry
		core := e.Flags & fCoreOwned
		switch {
		case (e.Flags&fListening != 0) != (cs.role == RoleListener) || e.Has&HasUDP != 0 && (e.Flags&fUDP != 0) != e.UDP:
			c.fail(rCL3, cs.id, roleFlags(cs, e))
		case e.Ev == EvConnect && core&fConnecting != 0:
			c.fail(rCL3, cs.id, "CONNECT's flags ("+hexFlags(e.Flags)+") still have CONNECTING: the core clears it before delivering CONNECT")
		case cs.coreKnown && core != cs.coreFlags:
			c.coreFlagsChanged(cs, e, core)
		}
	}
	if c.prevCall && c.prevConn == cs.id && c.prevPoll != 0 && c.prevPoll == pollOf(e) {
		c.handlerFlagsKept(cs, e)
	}
}

// handlerFlagsKept: CL-3a, across two adjacent calls of one connection.
func (c *Checker) handlerFlagsKept(cs *connState, e *Event) {
	if !cs.afterKnown {
		c.skip(rCL3a, "flags_after")
		return
	}
	if !c.eval(rCL3a) {
		return
	}
	left, now := cs.flagsAfter&fModifiable, e.Flags&fModifiable
	lost, gained := left&^now, now&^left&^(fCloseImmediately|fSendAndClose)
	if lost|gained != 0 {
		c.fail(rCL3a, cs.id, e.Ev.String()+" on connection "+itoa(cs.id)+" enters with flags "+hexFlags(e.Flags)+", but its previous handler, the last call, left "+hexFlags(cs.flagsAfter)+": the core keeps the bits a handler may change")
	}
}

// afterCloseImmediately: CL-1, at a RECV or a positive SEND after the
// connection's first call.
func (c *Checker) afterCloseImmediately(cs *connState, e *Event) {
	if !cs.afterKnown {
		c.skip(rCL1, "flags_after")
		return
	}
	if c.eval(rCL1) && cs.flagsAfter&fCloseImmediately != 0 {
		c.fail(rCL1, cs.id, e.Ev.String()+" on connection "+itoa(cs.id)+" after its handler returned with CLOSE_IMMEDIATELY set: no more RECV or positive SEND")
	}
}

// coreFlagsChanged: the core-owned bits changed since the previous entry;
// CL-3 fails unless the core itself made the change.
func (c *Checker) coreFlagsChanged(cs *connState, e *Event, core uint32) {
	if msg := coreChange(cs.coreFlags, core, cs.hadConnect, e.Ev == EvConnect); msg != "" {
		c.fail(rCL3, cs.id, e.Ev.String()+" on connection "+itoa(cs.id)+": "+msg)
	}
}

// roleFlags says how LISTENING or UDP disagrees with the line's role and
// udp ("" when they agree).
func roleFlags(cs *connState, e *Event) string {
	if (e.Flags&fListening != 0) != (cs.role == RoleListener) {
		return "flags " + hexFlags(e.Flags) + " of " + cs.role.String() + " connection " + itoa(cs.id) + ": LISTENING is set exactly on listeners"
	}
	if e.Has&HasUDP != 0 && (e.Flags&fUDP != 0) != e.UDP {
		return "flags " + hexFlags(e.Flags) + " of connection " + itoa(cs.id) + ": UDP disagrees with udp"
	}
	return ""
}

// coreChange says what is wrong with a change of core-owned bits from one
// entry to the next, "" when it is one the core makes.
func coreChange(prev, now uint32, connectedBefore, atConnect bool) string {
	diff := (prev ^ now) &^ fCoreMoves
	if now&fRecvAndClose != 0 {
		diff &^= fRecvAndClose
	}
	if prev&fResolving != 0 && now&fResolving == 0 && !connectedBefore {
		diff &^= fResolving | fConnecting
	}
	if diff&fConnecting != 0 {
		switch {
		case now&fConnecting != 0:
			return "CONNECTING set again (flags " + hexFlags(prev) + " at the previous entry, " + hexFlags(now) + " now)"
		case !atConnect:
			return "CONNECTING cleared without CONNECT (flags " + hexFlags(prev) + " at the previous entry, " + hexFlags(now) + " now): the core clears it when it delivers CONNECT"
		}
		diff &^= fConnecting
	}
	if diff != 0 {
		return "core-owned flags changed between calls (" + hexFlags(prev) + " at the previous entry, " + hexFlags(now) + " now): the core undoes a handler's change to them"
	}
	return ""
}

// failedConnectFlags, at a failed CONNECT not on the resolver's path: the
// core sets CLOSE_IMMEDIATELY before it delivers a failed CONNECT, so that the CLOSE follows in the next poll (D-CONNECT-3,
// D-CONNECT-5); resolve_cb's CONNECT(-1) is the exception, its CLOSE comes
// in the same call (D-CONNECT-6).
func (c *Checker) failedConnectFlags(cs *connState, e *Event) {
	if e.Has&HasFlags == 0 {
		c.skip(rCL5, "flags")
		return
	}
	if c.eval(rCL5) && e.Flags&fCloseImmediately == 0 {
		c.fail(rCL5, cs.id, "CONNECT("+itoa(e.DataInt)+") entered with flags "+hexFlags(e.Flags)+": the core sets CLOSE_IMMEDIATELY before a failed CONNECT")
	}
}

// closeRules runs the checks due at CLOSE.
func (c *Checker) closeRules(m *mgrState, cs *connState, e *Event, inPoll bool) {
	// resolve_cb calls the CLOSE handler directly, without setting
	// CLOSE_IMMEDIATELY (D-CONNECT-6).
	if e.Has&HasFlags != 0 && !cs.resolving && c.eval(rCL4) && e.Flags&fCloseImmediately == 0 {
		c.fail(rCL4, cs.id, "CLOSE of connection "+itoa(cs.id)+" with flags "+hexFlags(e.Flags)+", without CLOSE_IMMEDIATELY: the core sets it before the CLOSE handler")
	}
	c.sendAndCloseDrained(m, cs, e, inPoll)
	if !cs.udp {
		c.balance(cs, e)
	}
}

// sendAndCloseDrained: CL-2.
func (c *Checker) sendAndCloseDrained(m *mgrState, cs *connState, e *Event, inPoll bool) {
	switch {
	case !inPoll && !m.hasPolls:
		c.skip(rCL2, "poll")
		return
	case !inPoll || cs.events == 0:
		return
	case !cs.afterKnown:
		c.skip(rCL2, "flags_after")
		return
	}
	fa := cs.flagsAfter
	if fa&fSendAndClose == 0 || fa&fCloseImmediately != 0 || cs.lastError || cs.faultMark != c.faults {
		return
	}
	if c.eval(rCL2) && e.SendLen != 0 {
		c.fail(rCL2, cs.id, "CLOSE of connection "+itoa(cs.id)+" with send_len "+itoa(e.SendLen)+": it closed for SEND_AND_CLOSE, which sends all queued data first")
	}
}

// balance: BUF-6, the life-long sums at CLOSE.
func (c *Checker) balance(cs *connState, e *Event) {
	switch {
	case cs.bufFailed:
		return
	case !cs.sumsOK:
		c.skip(rBUF6, cs.sumsMissing)
		return
	case !c.eval(rBUF6):
		return
	}
	if cs.sumRecv != cs.sumRemoved+e.RecvLen {
		c.fail(rBUF6, cs.id, "connection "+itoa(cs.id)+"'s RECV counts add up to "+itoa(cs.sumRecv)+", but its handlers removed "+itoa(cs.sumRemoved)+" and "+itoa(e.RecvLen)+" remain at CLOSE: bytes were lost or made up")
	}
	if want := cs.initialSend + cs.sumQueued - e.SendLen; cs.sumSend != want {
		c.fail(rBUF6, cs.id, "connection "+itoa(cs.id)+"'s SEND counts add up to "+itoa(cs.sumSend)+", but "+itoa(cs.initialSend)+" were queued before its first event, its handlers queued "+itoa(cs.sumQueued)+" and "+itoa(e.SendLen)+" remain at CLOSE ("+itoa(want)+" sent)")
	}
}
