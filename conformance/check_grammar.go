package conformance

// The per-connection grammar: EV-2 to EV-6 (EV-1 is in connFor and
// identity; EV-7 and up are about polls).

func (c *Checker) grammar(cs *connState, e *Event) {
	switch cs.role {
	case RoleInbound:
		ev2 := c.eval(rEV2)
		if ev2 && (cs.events == 0 && e.Ev != EvAccept || e.Ev == EvAccept && cs.accepted) || e.Ev == EvConnect {
			c.inbound(cs, e, ev2)
		}
	case RoleListener:
		if c.eval(rEV4) && e.Ev != EvPoll && e.Ev != EvTimer && e.Ev != EvClose {
			c.listenerGets(cs, e)
		}
	case RoleOutbound:
		if e.Ev == EvAccept || !cs.byConnect || !cs.connectOrClose || e.Ev == EvConnect && cs.hadConnect {
			c.outbound(cs, e)
		} else {
			c.eval(rEV3) // connectFirst's check, which passes
		}
	}
	if e.Ev == EvRecv {
		c.established(cs)
	}
	if cs.connectFailed {
		c.afterFailedConnect(cs, e)
	}
}

// inbound: EV-2 (ACCEPT first and once; ev2: being evaluated), EV-3 (no
// CONNECT).
func (c *Checker) inbound(cs *connState, e *Event, ev2 bool) {
	if ev2 {
		switch {
		case cs.events == 0 && e.Ev != EvAccept:
			c.fail(rEV2, cs.id, "inbound connection "+itoa(cs.id)+"'s first event is "+e.Ev.String()+", not ACCEPT")
		case e.Ev == EvAccept && cs.accepted:
			c.fail(rEV2, cs.id, "second ACCEPT for connection "+itoa(cs.id)+": an inbound connection gets exactly one")
		}
	}
	if e.Ev == EvConnect && c.eval(rEV3) {
		c.fail(rEV3, cs.id, "CONNECT on inbound connection "+itoa(cs.id)+": only connections made by connect get CONNECT")
	}
}

// listenerGets: EV-4 failed, a listener got something else than POLL,
// TIMER or CLOSE.
func (c *Checker) listenerGets(cs *connState, e *Event) {
	c.fail(rEV4, cs.id, "listener "+itoa(cs.id)+" gets "+e.Ev.String()+": a listener gets only POLL, TIMER and CLOSE (ACCEPT goes to the new connection)")
}

// outbound: EV-2 (no ACCEPT), EV-3 (CONNECT or CLOSE first after
// POLL/TIMER, one CONNECT, none for add_sock), EV-3a (textbook).
func (c *Checker) outbound(cs *connState, e *Event) {
	if e.Ev == EvAccept && c.eval(rEV2) {
		c.fail(rEV2, cs.id, "ACCEPT on outbound connection "+itoa(cs.id)+": only an inbound connection gets ACCEPT")
	}
	if !cs.byConnect {
		if e.Ev == EvConnect && c.eval(rEV3) {
			c.fail(rEV3, cs.id, "CONNECT on connection "+itoa(cs.id)+", which was not made by connect (add_sock)")
		}
		return
	}
	c.connectFirst(cs, e)
	if !cs.connectOrClose && (e.Ev == EvPoll || e.Ev == EvTimer) && c.eval(rEV3a) {
		c.fail(rEV3a, cs.id, e.Ev.String()+" for connection "+itoa(cs.id)+" before its CONNECT: the textbook order has CONNECT first")
	}
}

func (c *Checker) connectFirst(cs *connState, e *Event) {
	if !c.eval(rEV3) {
		return
	}
	switch {
	case e.Ev == EvConnect && cs.hadConnect:
		c.fail(rEV3, cs.id, "second CONNECT for connection "+itoa(cs.id)+": it gets at most one")
	case !cs.connectOrClose && e.Ev != EvPoll && e.Ev != EvTimer && e.Ev != EvConnect && e.Ev != EvClose:
		c.fail(rEV3, cs.id, "connection "+itoa(cs.id)+"'s first event other than POLL and TIMER is "+e.Ev.String()+", not CONNECT or CLOSE")
	}
}

// established: EV-5, no RECV before ACCEPT / CONNECT(0), none after a
// failed CONNECT.
func (c *Checker) established(cs *connState) {
	switch {
	case cs.role == RoleInbound:
		if c.eval(rEV5) && !cs.accepted {
			c.fail(rEV5, cs.id, "RECV on connection "+itoa(cs.id)+" before its ACCEPT")
		}
	case cs.byConnect:
		if !c.eval(rEV5) || cs.connected {
			return
		}
		if cs.connectFailed {
			c.fail(rEV5, cs.id, "RECV on connection "+itoa(cs.id)+" after its CONNECT failed")
		} else {
			c.fail(rEV5, cs.id, "RECV on connection "+itoa(cs.id)+" before its CONNECT")
		}
	}
}

// afterFailedConnect: EV-6.
func (c *Checker) afterFailedConnect(cs *connState, e *Event) {
	if e.Ev == EvSend && c.eval(rEV6) && e.DataInt > 0 {
		c.fail(rEV6, cs.id, "SEND of "+itoa(e.DataInt)+" bytes on connection "+itoa(cs.id)+" after its CONNECT failed")
	}
	if !cs.mustClose || e.Ev == EvPoll || e.Ev == EvTimer {
		return
	}
	cs.mustClose = false
	if c.eval(rEV6) && e.Ev != EvClose {
		c.fail(rEV6, cs.id, "connection "+itoa(cs.id)+" gets "+e.Ev.String()+" after a failed CONNECT that left CLOSE_IMMEDIATELY set: the next event other than POLL and TIMER is CLOSE")
	}
}
