package simnet

import (
	"net/netip"
	"strconv"
)

// pktKind is the kind of a simulated packet.
type pktKind uint8

const (
	pSYN pktKind = iota
	pSYNACK
	pACK
	pWindow
	pData
	pFIN
	pRST
	pDatagram
)

var pktKindNames = [...]string{KindSYN, KindSYNACK, KindACK, KindWindow, KindSegment, KindFIN, KindRST, KindDatagram}

// piped reports whether packets of this kind travel a connection's
// reliable, ordered pipe (see pipe): segments and FINs.
func (k pktKind) piped() bool { return k == pData || k == pFIN }

// isAck reports whether packets of this kind only carry an acknowledgement
// and a window, which a later one supersedes.
func (k pktKind) isAck() bool { return k == pACK || k == pWindow }

func (k pktKind) String() string {
	if int(k) < len(pktKindNames) {
		return pktKindNames[k]
	}
	return "unknown(" + strconv.Itoa(int(k)) + ")"
}

// packet is one segment or datagram in flight. It owns its payload. It is
// the action that delivers it: scheduling a packet costs no allocation,
// and delivered packets go back to the network's free list.
type packet struct {
	n        *Network
	kind     pktKind
	src      *Host // the sending host (loopback packets return to it)
	from, to netip.AddrPort
	seq      int64 // pData: stream offset of the first byte
	ack      int64 // bytes of the peer's stream received so far
	right    int64 // the sender's receive window right edge: ack + free buffer
	finAck   bool  // the peer's FIN was received
	data     []byte
	conn     *tcpConn // the sending endpoint (TCP)
	order    uint64   // send order within the endpoint's pipe
}

// proto is the packet's transport protocol.
func (p *packet) proto() Proto {
	if p.kind == pDatagram {
		return UDP
	}
	return TCP
}

// clone returns a copy of a datagram with its own payload.
func (p *packet) clone() *packet {
	q := p.n.newPacket(p.kind, p.src, p.from, p.to)
	q.setData(p.data)
	return q
}

// Run delivers the packet; it is called by the world's scheduler.
func (p *packet) Run() { p.n.arrive(p) }

// newPacket returns a packet from the free list, with an empty payload.
func (n *Network) newPacket(kind pktKind, src *Host, from, to netip.AddrPort) *packet {
	var p *packet
	if k := len(n.free); k > 0 {
		p = n.free[k-1]
		n.free = n.free[:k-1]
	} else {
		p = &packet{n: n}
	}
	p.kind, p.src, p.from, p.to = kind, src, from, to
	return p
}

// release puts a delivered packet back on the free list, and its payload
// array with the spare arrays (so that arrays do not sit idle in packets
// that carry none, such as acknowledgements).
func (n *Network) release(p *packet) {
	if cap(p.data) > 0 {
		n.spare.put(p.data)
	}
	*p = packet{n: n}
	n.free = append(n.free, p)
}

// setData copies b into the packet's payload.
func (p *packet) setData(b []byte) {
	copy(p.resize(len(b)), b)
}

// resize makes the payload n bytes long (contents undefined). New storage
// comes from the spare arrays, which have room for the largest segment, so
// that recycled packets fit any.
func (p *packet) resize(n int) []byte {
	if cap(p.data) < n {
		p.data = p.n.spare.get(n)
	}
	p.data = p.data[:n]
	return p.data
}

// arrive handles a packet reaching its destination address.
func (n *Network) arrive(p *packet) {
	if len(n.observers) > 0 {
		n.emit(p.kind.String(), p.from, p.to, len(p.data))
	}
	h := n.route(p)
	if h == nil || h.down {
		n.drop(p)
		if p.conn == nil || !p.conn.lostInFlight(p) {
			n.release(p)
		}
		return
	}
	if p.kind == pDatagram {
		if !h.udpArrive(p) {
			n.release(p)
		}
		return
	}
	h.tcpArrive(p)
	n.release(p)
}

// drop reports that the packet just delivered was discarded.
func (n *Network) drop(p *packet) {
	n.emit(KindDrop, p.from, p.to, len(p.data))
}
