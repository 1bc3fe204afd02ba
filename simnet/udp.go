package simnet

import (
	"net/netip"
	"syscall"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// MaxDatagram is the largest UDP payload WriteTo accepts (IPv4's limit).
const MaxDatagram = 65507

// udpSock is a bound datagram socket with a bounded receive queue.
type udpSock struct {
	h     *Host
	addr  netip.AddrPort
	rand  *sim.Rand
	queue []*packet // received datagrams, oldest first from head
	head  int
	bytes int // payload bytes queued
	sockBase
}

func (u *udpSock) localAddr() netip.AddrPort { return u.addr }

func (u *udpSock) ready() int16 {
	if u.head < len(u.queue) {
		return PollIn | PollOut
	}
	return PollOut
}

// ListenUDP binds a datagram socket. The unspecified address receives on
// all of this host's addresses; port 0 picks an ephemeral port. Errors as
// for [Host.ListenTCP].
func (h *Host) ListenUDP(addr netip.AddrPort) (int, error) {
	if h.down {
		return -1, syscall.ENETDOWN
	}
	a, err := h.bindAddr(addr)
	if err != nil {
		return -1, err
	}
	port, err := h.udpPort(a, addr.Port())
	if err != nil {
		return -1, err
	}
	return h.newUDP(netip.AddrPortFrom(a, port)), nil
}

// OpenUDP returns a datagram socket bound to the unspecified address and
// an ephemeral port, as an unbound socket is once it first sends
// (Mongoose's UDP "connect").
func (h *Host) OpenUDP() (int, error) {
	if h.down {
		return -1, syscall.ENETDOWN
	}
	port, err := h.udpPort(h.unspecified(), 0)
	if err != nil {
		return -1, err
	}
	return h.newUDP(netip.AddrPortFrom(h.unspecified(), port)), nil
}

func (h *Host) newUDP(addr netip.AddrPort) int {
	u := &udpSock{h: h, addr: addr, rand: h.net.stream("udp " + h.name + " " + addr.String())}
	h.udps[addr.Port()] = append(h.udps[addr.Port()], u)
	return h.allocFD(u)
}

func (h *Host) udpPort(a netip.Addr, port uint16) (uint16, error) {
	if port == 0 {
		return ephemeral(&h.nextUDP, func(p uint16) bool { return len(h.udps[p]) > 0 })
	}
	for _, u := range h.udps[port] {
		if overlaps(u.addr.Addr(), a) {
			return 0, syscall.EADDRINUSE
		}
	}
	return port, nil
}

// udpFor finds the socket for a datagram to dst: bound to exactly that
// address, else to the unspecified address.
func (h *Host) udpFor(dst netip.AddrPort) *udpSock {
	var any *udpSock
	for _, u := range h.udps[dst.Port()] {
		if u.addr.Addr() == dst.Addr() {
			return u
		}
		if u.addr.Addr().IsUnspecified() {
			any = u
		}
	}
	return any
}

// udpArrive queues a datagram and reports whether it kept the packet. A
// datagram with no socket, or that does not fit in the queue, is dropped.
func (h *Host) udpArrive(p *packet) bool {
	u := h.udpFor(p.to)
	if u == nil || u.bytes+len(p.data) > h.net.cfg.RecvBuffer {
		h.net.drop(p)
		return false
	}
	u.queue = append(u.queue, p)
	u.bytes += len(p.data)
	u.waiters.notify(u.ready())
	return true
}

// readFrom takes the oldest datagram, truncated to len(p).
func (u *udpSock) readFrom(p []byte) (int, netip.AddrPort, error) {
	if u.head == len(u.queue) {
		return 0, netip.AddrPort{}, syscall.EAGAIN
	}
	d := u.queue[u.head]
	u.queue[u.head] = nil
	u.head++
	u.bytes -= len(d.data)
	if u.head == len(u.queue) {
		u.queue, u.head = u.queue[:0], 0
	}
	n, from := copy(p, d.data), d.from
	u.h.net.release(d)
	return n, from, nil
}

// writeTo sends one datagram.
func (u *udpSock) writeTo(p []byte, to netip.AddrPort) (int, error) {
	dst, err := destination(to)
	if err != nil || dst.Port() == 0 {
		return 0, syscall.EINVAL
	}
	if len(p) > MaxDatagram {
		return 0, syscall.EMSGSIZE
	}
	src, err := u.source(dst.Addr())
	if err != nil {
		return 0, err
	}
	d := u.h.net.newPacket(pDatagram, u.h, netip.AddrPortFrom(src, u.addr.Port()), dst)
	d.setData(p)
	u.h.net.sendDatagram(d, u.rand)
	return len(p), nil
}

// sendDatagram puts a datagram on the network: the rules judge it, then
// the link may lose it, hold it back (reorder) or deliver it twice. Random
// draws, in this order and only for the impairments that are on: loss,
// jitter, reordering, duplication (and the copy's jitter and reordering).
func (n *Network) sendDatagram(d *packet, r *sim.Rand) {
	v, in := n.judge(d)
	switch v {
	case Drop:
		n.release(d)
		return
	case Held:
		in.hold(d)
		return
	}
	l := n.linkFrom(d.src, d.to.Addr())
	if r.Chance(l.cfg.UDPLoss) {
		n.emitPacket(KindFaultLoss, d, "")
		n.release(d)
		return
	}
	n.scheduleDatagram(l, d, v.Delay(), r)
	if r.Chance(l.cfg.UDPDup) {
		n.emitPacket(KindFaultDup, d, "")
		n.scheduleDatagram(l, d.clone(), v.Delay(), r)
	}
}

// scheduleDatagram schedules a datagram's arrival over l, extra later, and
// sometimes later still (reordering).
func (n *Network) scheduleDatagram(l *link, d *packet, extra time.Duration, r *sim.Rand) {
	at := l.arrival(n.w.Now(), len(d.data), UDPHeader, r).Add(extra)
	if r.Chance(l.cfg.UDPReorder) {
		late := l.reorderDelay(r)
		n.emitPacket(KindFaultReorder, d, "+"+late.String())
		at = at.Add(late)
	}
	n.w.At(at, d)
}

// source is the datagram's source address: the bound one, or the host's
// address for dst.
func (u *udpSock) source(dst netip.Addr) (netip.Addr, error) {
	a := u.addr.Addr()
	switch {
	case a.IsUnspecified():
		return u.h.sourceFor(dst)
	case a.IsLoopback() != dst.IsLoopback():
		return a, syscall.ENETUNREACH
	}
	return a, nil
}

func (u *udpSock) close() {
	for _, d := range u.queue[u.head:] {
		u.h.net.release(d)
	}
	u.queue, u.head, u.bytes = nil, 0, 0
	port := u.addr.Port()
	us := remove(u.h.udps[port], u)
	if len(us) == 0 {
		delete(u.h.udps, port)
	} else {
		u.h.udps[port] = us
	}
}
