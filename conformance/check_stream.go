package conformance

import "strconv"

// BUF-7: what one end of a TCP stream sent is what the other received, in
// order, none twice, checked through the running digests the kit writes
// (tx_bytes/tx_sum on SEND, rx_bytes/rx_sum on RECV, peer).

// What BUF-7 keeps is bounded, so that the checker's memory follows the
// open connections even when a stream's receiver is not in the trace (a
// trace of one side, or one without peer fields, or one whose senders name
// peers it never shows): nothing then reads the marks, and nothing says
// that nothing ever will.
const (
	// maxMarks is the most marks a stream keeps; a receiver further
	// behind its sender is compared at fewer counts (the oldest marks go).
	maxMarks = 1 << 12
	// maxUnclaimed is the most closed senders' streams kept for a receiver
	// that has not read from them yet. The oldest is forgotten, and a
	// receiver that reads from it later is not judged by BUF-7.
	maxUnclaimed = 1 << 10
)

// stream is what one sender has written: its total and the digests at the
// counts it recorded that its peer has not read past yet.
type stream struct {
	sent           uint64
	marks          []mark
	head           int
	senderClosed   bool
	receiverClosed bool
	claimed        bool // a receiver has read from it
}

type mark struct{ at, sum uint64 }

func (s *stream) push(at, sum uint64) {
	if len(s.marks)-s.head >= maxMarks {
		s.head++
	}
	if s.head > 32 && 2*s.head > len(s.marks) {
		n := copy(s.marks, s.marks[s.head:])
		s.marks, s.head = s.marks[:n], 0
	}
	s.marks = append(s.marks, mark{at, sum})
	s.sent = at
}

// unclaimedStreams is a FIFO of the ids of closed senders whose streams
// no receiver has claimed, at most maxUnclaimed long, and the set of the
// ids it forgot.
type unclaimedStreams struct {
	ids       []int64
	head      int
	forgotten idSet
}

// park queues a closed sender's unclaimed stream, forgetting the oldest
// one (unless claimed since) when the queue is full.
func (c *Checker) park(id int64) {
	u := &c.unclaimed
	u.ids = append(u.ids, id)
	if len(u.ids)-u.head <= maxUnclaimed {
		return
	}
	old := u.ids[u.head]
	u.head++
	if u.head > 64 && 2*u.head > len(u.ids) {
		n := copy(u.ids, u.ids[u.head:])
		u.ids, u.head = u.ids[:n], 0
	}
	if st := c.streams[old]; st != nil && !st.claimed {
		delete(c.streams, old)
		u.forgotten.add(old)
	}
}

// sumAt returns the digest the sender recorded at count at, if it did;
// counts below at are dropped (the receiver's count only grows).
func (s *stream) sumAt(at uint64) (uint64, bool) {
	for s.head < len(s.marks) && s.marks[s.head].at < at {
		s.head++
	}
	if s.head < len(s.marks) && s.marks[s.head].at == at {
		return s.marks[s.head].sum, true
	}
	return 0, false
}

func (c *Checker) stream(cs *connState, e *Event) {
	if cs.udp {
		return
	}
	if e.Has&HasPeer != 0 {
		cs.peer, cs.hasPeer = e.Peer, true
	}
	switch e.Ev {
	case EvSend:
		c.streamSend(cs, e)
	case EvRecv:
		c.streamRecv(cs, e)
	}
}

func (c *Checker) streamSend(cs *connState, e *Event) {
	if e.Has&HasTx == 0 {
		if e.DataInt > 0 {
			c.skip(rBUF7, "tx_bytes")
		}
		return
	}
	want := cs.txBytes + uint64(max(e.DataInt, 0))
	if c.eval(rBUF7) && e.TxBytes != want {
		c.fail(rBUF7, cs.id, "tx_bytes "+utoa(e.TxBytes)+" after a SEND of "+itoa(e.DataInt)+", but the stream stood at "+utoa(cs.txBytes)+": each byte is sent once")
	}
	cs.txBytes = e.TxBytes
	c.streamOf(cs.id).push(e.TxBytes, e.TxSum)
}

func (c *Checker) streamOf(id int64) *stream {
	st := c.streams[id]
	if st == nil {
		st = &stream{}
		c.streams[id] = st
	}
	return st
}

func (c *Checker) streamRecv(cs *connState, e *Event) {
	if e.Has&HasRx == 0 {
		c.skip(rBUF7, "rx_bytes")
		return
	}
	want := cs.rxBytes + uint64(max(e.DataInt, 0))
	if c.eval(rBUF7) && e.RxBytes != want {
		c.fail(rBUF7, cs.id, "rx_bytes "+utoa(e.RxBytes)+" after a RECV of "+itoa(e.DataInt)+", but the stream stood at "+utoa(cs.rxBytes)+": each byte is received once")
	}
	cs.rxBytes = e.RxBytes
	if !cs.hasPeer {
		c.skip(rBUF7, "peer")
		return
	}
	c.sameBytes(cs, e)
}

// sameBytes compares what cs received with what its peer sent.
func (c *Checker) sameBytes(cs *connState, e *Event) {
	st := c.streams[cs.peer]
	if st == nil && c.unclaimed.forgotten.has(cs.peer) || !c.eval(rBUF7) {
		return
	}
	var sent uint64
	if st != nil {
		sent, st.claimed = st.sent, true
	}
	if e.RxBytes > sent {
		c.fail(rBUF7, cs.id, "connection "+itoa(cs.id)+" has received "+utoa(e.RxBytes)+" bytes, but its peer "+itoa(cs.peer)+" has sent only "+utoa(sent))
		return
	}
	if st == nil {
		return
	}
	if sum, ok := st.sumAt(e.RxBytes); ok && sum != e.RxSum {
		c.fail(rBUF7, cs.id, "the first "+utoa(e.RxBytes)+" bytes connection "+itoa(cs.id)+" received differ from those its peer "+itoa(cs.peer)+" sent (digest "+hex16(e.RxSum)+", sent "+hex16(sum)+")")
	}
}

// closeStreams forgets streams both of whose ends are closed, and parks
// those no receiver has claimed (see maxUnclaimed).
func (c *Checker) closeStreams(cs *connState) {
	if st := c.streams[cs.id]; st != nil {
		st.senderClosed = true
		switch {
		case st.receiverClosed || cs.hasPeer && c.closed.has(cs.peer):
			delete(c.streams, cs.id)
		case !st.claimed && !c.peerKnown(cs):
			c.park(cs.id)
		}
	}
	if !cs.hasPeer {
		return
	}
	if st := c.streams[cs.peer]; st != nil {
		st.receiverClosed = true
		if st.senderClosed {
			delete(c.streams, cs.peer)
		}
	}
}

// peerKnown reports whether cs named a peer the trace has shown: one that
// may still read cs's stream, and whose close will end it.
func (c *Checker) peerKnown(cs *connState) bool {
	return cs.hasPeer && c.conns.get(cs.peer) != nil
}

func hex16(v uint64) string { return string(appendHex16(nil, v)) }

func utoa(n uint64) string { return strconv.FormatUint(n, 10) }
