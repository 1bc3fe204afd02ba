package conformance

import "strconv"

// BUF-7: what one end of a TCP stream sent is what the other received, in
// order, none twice, checked through the running digests the kit writes
// (tx_bytes/tx_sum on SEND, rx_bytes/rx_sum on RECV, peer).

// stream is what one sender has written: its total and the digests at the
// counts it recorded that its peer has not read past yet.
type stream struct {
	sent           uint64
	marks          []mark
	head           int
	senderClosed   bool
	receiverClosed bool
}

type mark struct{ at, sum uint64 }

func (s *stream) push(at, sum uint64) {
	if s.head > 32 && 2*s.head > len(s.marks) {
		n := copy(s.marks, s.marks[s.head:])
		s.marks, s.head = s.marks[:n], 0
	}
	s.marks = append(s.marks, mark{at, sum})
	s.sent = at
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
	if !c.eval(rBUF7) {
		return
	}
	st := c.streams[cs.peer]
	var sent uint64
	if st != nil {
		sent = st.sent
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

// closeStreams forgets streams both of whose ends are closed.
func (c *Checker) closeStreams(cs *connState) {
	if st := c.streams[cs.id]; st != nil {
		st.senderClosed = true
		if st.receiverClosed || cs.hasPeer && c.closed.has(cs.peer) {
			delete(c.streams, cs.id)
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

func hex16(v uint64) string { return string(appendHex16(nil, v)) }

func utoa(n uint64) string { return strconv.FormatUint(n, 10) }
