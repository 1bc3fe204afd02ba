package conformance

// Buffers: BUF-1 to BUF-5, BUF-8, BUF-9 per call (BUF-6 is decided at
// CLOSE, BUF-7 in check_stream.go; UDP's receive side in check_udp.go).

// buffers runs the buffer rules on one call. The checks that hold on
// almost every call are written out here; what is wrong, when something
// is, is said by a function of its own.
func (c *Checker) buffers(cs *connState, e *Event, inPoll bool) {
	switch {
	case cs.udp:
		c.udpRecvSide(cs, e)
	case e.Ev == EvRecv:
		c.tcpRecv(cs, e, inPoll)
	case !cs.recvKnown:
		c.skip(rBUF2, "recv_after")
	case c.eval(rBUF2) && e.RecvLen != cs.recvAfter:
		c.recvChanged(cs, e, rBUF2)
	}
	switch { // BUF-2a
	case e.Has&HasRecvAfter == 0:
		c.skip(rBUF2a, "recv_after")
	case e.Has&HasRemoved == 0:
		c.skip(rBUF2a, "removed")
	case c.eval(rBUF2a) && e.RecvAfter != e.RecvLen-e.Removed:
		c.removedWrong(cs, e)
	}
	if e.Ev == EvRecv {
		c.underLimit(e, cs)
	}
	switch { // BUF-3, BUF-4 between calls
	case !cs.sendKnown:
		if cs.events > 0 {
			c.skip(pick(e.Ev == EvSend, rBUF3, rBUF4), "send_after")
		}
	case e.Ev == EvSend:
		c.sentFromFront(cs, e)
	case c.eval(rBUF4) && e.SendLen != cs.sendAfter:
		c.sendChanged(cs, e)
	}
	switch { // BUF-4 within the call
	case e.Has&HasSendAfter == 0:
		c.skip(rBUF4, "send_after")
	case e.Has&HasQueued == 0:
		c.skip(rBUF4, "queued")
	case c.eval(rBUF4) && e.SendAfter != e.SendLen+e.Queued:
		c.queuedWrong(cs, e)
	}
	if cs.udp || e.Ev == EvRecv || e.Ev == EvSend {
		c.ioSizes(cs, e)
	}
}

// tcpRecv: BUF-1 and BUF-9 at a TCP RECV.
func (c *Checker) tcpRecv(cs *connState, e *Event, inPoll bool) {
	if c.eval(rBUF1) && e.DataInt <= 0 {
		c.bufFail(rBUF1, cs, "RECV count "+itoa(e.DataInt)+" is not positive: a read of nothing gives no event (EOF included)")
	}
	c.recvGrew(cs, e, rBUF1)
	c.notReadWhenFull(cs, e, inPoll)
}

// recvGrew: at RECV, recv_len = prev.recv_after + data.
func (c *Checker) recvGrew(cs *connState, e *Event, r ruleID) {
	if !cs.recvKnown {
		c.skip(r, "recv_after")
		return
	}
	if want := cs.recvAfter + e.DataInt; c.eval(r) && e.RecvLen != want {
		c.bufFail(r, cs, "RECV of "+itoa(e.DataInt)+" with recv_len "+itoa(e.RecvLen)+": the previous handler left "+itoa(cs.recvAfter)+" bytes, so recv_len should be "+itoa(want))
	}
}

// recvUnchanged: at any other event, recv_len = prev.recv_after.
func (c *Checker) recvUnchanged(cs *connState, e *Event, r ruleID) {
	if !cs.recvKnown {
		c.skip(r, "recv_after")
		return
	}
	if c.eval(r) && e.RecvLen != cs.recvAfter {
		c.recvChanged(cs, e, r)
	}
}

func (c *Checker) recvChanged(cs *connState, e *Event, r ruleID) {
	c.bufFail(r, cs, e.Ev.String()+" with recv_len "+itoa(e.RecvLen)+", but the previous handler left "+itoa(cs.recvAfter)+": recv_mbuf changed between calls without RECV")
}

func (c *Checker) bufFail(r ruleID, cs *connState, msg string) {
	cs.bufFailed = true
	c.fail(r, cs.id, msg)
}

// removedWrong: BUF-2a failed.
func (c *Checker) removedWrong(cs *connState, e *Event) {
	c.bufFail(rBUF2a, cs, "recv_after "+itoa(e.RecvAfter)+", but recv_len "+itoa(e.RecvLen)+" - removed "+itoa(e.Removed)+" = "+itoa(e.RecvLen-e.Removed)+": within a call recv_mbuf shrinks by exactly what the handler removed")
}

// underLimit: BUF-5, judged at RECV: the core reads at most up to the
// limit, but a handler may lower the limit below what is buffered.
func (c *Checker) underLimit(e *Event, cs *connState) {
	switch {
	case e.Ev != EvRecv:
	case e.Has&HasRecvLimit == 0:
		c.skip(rBUF5, "recv_limit")
	case c.eval(rBUF5) && e.RecvLen > 0 && uint64(e.RecvLen) > e.RecvLimit:
		c.fail(rBUF5, cs.id, "RECV of "+itoa(e.DataInt)+" leaves recv_len "+itoa(e.RecvLen)+", over recv_limit "+utoa(e.RecvLimit)+": a read stops at the limit")
	}
}

// notReadWhenFull: BUF-9, a TCP RECV needs room when the poll began and
// before the read.
func (c *Checker) notReadWhenFull(cs *connState, e *Event, inPoll bool) {
	if e.Has&HasRecvLimit == 0 {
		c.skip(rBUF9, "recv_limit")
		return
	}
	if !c.eval(rBUF9) {
		return
	}
	lim := e.RecvLimit
	switch {
	case inPoll && cs.recvStartOK && atLimit(cs.recvStart, lim):
		c.fail(rBUF9, cs.id, "RECV although recv_mbuf held "+itoa(cs.recvStart)+" bytes, its limit "+utoa(lim)+", when poll "+itoa(cs.pollIdx)+" began: a full connection is not read")
	case cs.recvKnown && atLimit(cs.recvAfter, lim):
		c.fail(rBUF9, cs.id, "RECV although recv_mbuf already held "+itoa(cs.recvAfter)+" bytes, its limit "+utoa(lim)+": a full connection is not read")
	}
}

func atLimit(n int64, lim uint64) bool { return n >= 0 && uint64(n) >= lim }

// sendChanged: BUF-4 failed between calls.
func (c *Checker) sendChanged(cs *connState, e *Event) {
	c.bufFail(rBUF4, cs, e.Ev.String()+" with send_len "+itoa(e.SendLen)+", but the previous handler left "+itoa(cs.sendAfter)+": send_mbuf changed between calls without SEND (output functions do no IO)")
}

// sentFromFront: BUF-3, a SEND takes its count from the front of what the
// previous handler left.
func (c *Checker) sentFromFront(cs *connState, e *Event) {
	want := cs.sendAfter
	if e.DataInt > 0 {
		want -= e.DataInt
	}
	if c.eval(rBUF3) && e.SendLen != want {
		c.bufFail(rBUF3, cs, "SEND of "+itoa(e.DataInt)+" with send_len "+itoa(e.SendLen)+": the previous handler left "+itoa(cs.sendAfter)+", so send_len should be "+itoa(want))
	}
}

// queuedWrong: BUF-4 failed within a call.
func (c *Checker) queuedWrong(cs *connState, e *Event) {
	c.bufFail(rBUF4, cs, "send_after "+itoa(e.SendAfter)+", but send_len "+itoa(e.SendLen)+" + queued "+itoa(e.Queued)+" = "+itoa(e.SendLen+e.Queued)+": within a call send_mbuf grows by exactly what the handler queued")
}

// ioSizes: BUF-8 (TCP sizes, SEND 0) and UDP-3 (datagram sizes, whole
// buffer sent, a child's first flags).
func (c *Checker) ioSizes(cs *connState, e *Event) {
	if e.Ev == EvSend && e.DataInt == 0 && c.eval(rBUF8) {
		c.fail(rBUF8, cs.id, "SEND with count 0: a write that moved nothing gives no SEND")
	}
	if cs.udp {
		c.udpSizes(cs, e)
		return
	}
	if (e.Ev == EvRecv || e.Ev == EvSend) && c.eval(rBUF8) && e.DataInt > c.maxIO(cs, e) {
		c.fail(rBUF8, cs.id, "TCP "+e.Ev.String()+" of "+itoa(e.DataInt)+" bytes: a read or write moves at most "+itoa(int64(c.opts.TCPIOSize))+
			" (a read more only into spare capacity the handler left in recv_mbuf)")
	}
	if e.Ev == EvRecv {
		cs.readChunk, cs.readPoll = c.maxIO(cs, e), e.Poll
		cs.recvSize = e.RecvLen
	}
}

// maxIO is the most one TCP read or write may move. A write moves at most
// TCPIOSize. A read fills the free capacity of recv_mbuf after growing it
// to fit one chunk (D-RECV-2): the chunk starts at TCPIOSize in each poll's
// read loop, and becomes the free capacity it found, which is more than the
// chunk only when removals left spare capacity since the buffer was last
// trimmed, at the previous read (A13: trimmed to recv_len; A10: removes
// never shrink it). mg_do_recv keeps that larger chunk for the rest of its
// loop.
func (c *Checker) maxIO(cs *connState, e *Event) int64 {
	chunk := int64(c.opts.TCPIOSize)
	if e.Ev != EvRecv {
		return chunk
	}
	if cs.readPoll == e.Poll && e.Has&HasPoll != 0 {
		chunk = max(chunk, cs.readChunk)
	}
	return max(chunk, cs.recvSize-(e.RecvLen-e.DataInt))
}
