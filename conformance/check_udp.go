package conformance

// UDP: UDP-1, UDP-2 and UDP-3 (UDP-3a, one datagram per poll, is with the
// turns in check_turns.go).

// udpRecvSide: UDP-1 and UDP-3 on the receive buffer. A child keeps what
// its handler leaves; an outbound UDP connection may empty its buffer after
// each RECV (Mongoose 6.18 does, G5).
func (c *Checker) udpRecvSide(cs *connState, e *Event) {
	if e.Ev == EvAccept && cs.role == RoleInbound {
		c.newChild(cs, e)
	}
	switch {
	case cs.role == RoleListener:
		return
	case e.Ev == EvRecv:
		c.datagramIn(cs, e)
	case cs.role == RoleOutbound && cs.udpRecvPrev:
		c.emptiedAfterRecv(cs, e)
	default:
		c.recvUnchanged(cs, e, rUDP1)
	}
}

func (c *Checker) datagramIn(cs *connState, e *Event) {
	if c.eval(rUDP1) && e.DataInt <= 0 {
		c.fail(rUDP1, cs.id, "RECV count "+itoa(e.DataInt)+" is not positive: a datagram gives one RECV of its size (an empty one gives none)")
	}
	if cs.role != RoleOutbound || !cs.recvKnown || e.RecvLen == cs.recvAfter+e.DataInt {
		c.recvGrew(cs, e, rUDP1)
		if cs.role == RoleOutbound && cs.recvKnown && e.RecvLen != e.DataInt && c.eval(rUDP3) {
			c.fail(rUDP3, cs.id, "outbound UDP RECV of "+itoa(e.DataInt)+" with recv_len "+itoa(e.RecvLen)+": the buffer is emptied after each RECV, so a RECV starts from empty")
		}
		return
	}
	if c.eval(rUDP1) && e.RecvLen != e.DataInt {
		c.fail(rUDP1, cs.id, "RECV of "+itoa(e.DataInt)+" with recv_len "+itoa(e.RecvLen)+": recv_mbuf should hold the "+itoa(cs.recvAfter)+" bytes left by the previous handler plus the datagram, or just the datagram")
	}
}

// emptiedAfterRecv: after an outbound UDP RECV, recv_len is what the
// handler left or 0 (UDP-1), and 0 in Mongoose 6.18 (UDP-3).
func (c *Checker) emptiedAfterRecv(cs *connState, e *Event) {
	if !cs.recvKnown {
		c.skip(rUDP1, "recv_after")
		return
	}
	if c.eval(rUDP1) && e.RecvLen != cs.recvAfter && e.RecvLen != 0 {
		c.fail(rUDP1, cs.id, e.Ev.String()+" with recv_len "+itoa(e.RecvLen)+" after a RECV whose handler left "+itoa(cs.recvAfter)+": recv_mbuf changed between calls")
		return
	}
	if c.eval(rUDP3) && e.RecvLen != 0 {
		c.fail(rUDP3, cs.id, e.Ev.String()+" with recv_len "+itoa(e.RecvLen)+" after a RECV: an outbound UDP connection's recv_mbuf is emptied after each RECV")
	}
}

// udpSizes: UDP-3 on sizes and a child's first flags.
func (c *Checker) udpSizes(cs *connState, e *Event) {
	if !c.eval(rUDP3) {
		return
	}
	switch {
	case e.Ev == EvRecv && e.DataInt > int64(c.opts.UDPIOSize):
		c.fail(rUDP3, cs.id, "UDP RECV of "+itoa(e.DataInt)+" bytes: datagrams are cut to "+itoa(int64(c.opts.UDPIOSize)))
	case e.Ev == EvSend && e.DataInt > 0 && e.SendLen != 0:
		c.fail(rUDP3, cs.id, "UDP SEND of "+itoa(e.DataInt)+" leaves send_len "+itoa(e.SendLen)+": all of send_mbuf goes out as one datagram")
	case e.Ev == EvAccept && e.Has&HasFlags != 0 && e.Flags != fUDP|fSendAndClose:
		c.fail(rUDP3, cs.id, "UDP child "+itoa(cs.id)+" starts with flags "+hexFlags(e.Flags)+", not UDP|SEND_AND_CLOSE (0x402)")
	}
}

// newChild: UDP-2, one live child per peer of a listener.
func (c *Checker) newChild(cs *connState, e *Event) {
	if e.Has&HasListener == 0 {
		c.skip(rUDP2, "listener")
		return
	}
	l := c.conns.get(e.Listener)
	if l == nil || e.DataKind != DataString || !c.eval(rUDP2) {
		return
	}
	if other, ok := l.children[e.DataStr]; ok && other != cs.id {
		c.fail(rUDP2, cs.id, "UDP listener "+itoa(l.id)+" makes connection "+itoa(cs.id)+" for peer "+e.DataStr+", whose connection "+itoa(other)+" is still open: later datagrams go to the live child")
	}
	if l.children == nil {
		l.children = make(map[string]int64)
	}
	l.children[e.DataStr] = cs.id
	cs.childAddr = e.DataStr
}

// forgetChild drops a closing UDP child from its listener's peers.
func (c *Checker) forgetChild(cs *connState) {
	if cs.childAddr == "" {
		return
	}
	if l := c.conns.get(cs.listener); l != nil && l.children[cs.childAddr] == cs.id {
		delete(l.children, cs.childAddr)
	}
}
