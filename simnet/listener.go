package simnet

import (
	"net/netip"
	"slices"
	"syscall"
	"time"
)

// tcpListener is a listening TCP socket. Its backlog holds half-open
// endpoints (SYN-ACK sent) and established ones waiting for Accept.
type tcpListener struct {
	h     *Host
	addr  netip.AddrPort
	half  []*tcpConn // waiting for the handshake's ACK
	queue []*tcpConn // established, waiting for Accept (oldest first)
	sockBase
}

func (l *tcpListener) localAddr() netip.AddrPort { return l.addr }

func (l *tcpListener) ready() int16 {
	if len(l.queue) > 0 {
		return PollIn
	}
	return 0
}

// ListenTCP binds a listening TCP socket. The unspecified address (0.0.0.0
// or ::) listens on all of this host's addresses; port 0 picks an
// ephemeral port. Errors: EINVAL (invalid address), EADDRNOTAVAIL (not
// this host's address), EADDRINUSE (port already listened on), ENETDOWN
// (the host is crashed).
func (h *Host) ListenTCP(addr netip.AddrPort) (int, error) {
	if h.down {
		return -1, syscall.ENETDOWN
	}
	a, err := h.bindAddr(addr)
	if err != nil {
		return -1, err
	}
	port, err := h.listenPort(a, addr.Port())
	if err != nil {
		return -1, err
	}
	l := &tcpListener{h: h, addr: netip.AddrPortFrom(a, port)}
	h.listeners[port] = append(h.listeners[port], l)
	return h.allocFD(l), nil
}

func (h *Host) listenPort(a netip.Addr, port uint16) (uint16, error) {
	if port == 0 {
		return ephemeral(&h.nextTCP, h.tcpPortUsed)
	}
	for _, l := range h.listeners[port] {
		if overlaps(l.addr.Addr(), a) {
			return 0, syscall.EADDRINUSE
		}
	}
	return port, nil
}

func (h *Host) tcpPortUsed(p uint16) bool {
	return h.tcpPorts[p] > 0 || len(h.listeners[p]) > 0
}

// listenerFor finds the listener for a SYN to dst: one bound to exactly
// that address, else one bound to the unspecified address.
func (h *Host) listenerFor(dst netip.AddrPort) *tcpListener {
	var any *tcpListener
	for _, l := range h.listeners[dst.Port()] {
		if l.addr.Addr() == dst.Addr() {
			return l
		}
		if l.addr.Addr().IsUnspecified() {
			any = l
		}
	}
	return any
}

// onSYN answers a connection request, unless the backlog is full: then the
// SYN is dropped and the client retransmits it later.
func (l *tcpListener) onSYN(p *packet) {
	if len(l.half)+len(l.queue) >= l.h.net.cfg.Backlog {
		l.h.net.drop(p)
		return
	}
	c := l.h.newConn(p.to, p.from, stSynRcvd)
	c.listener, c.peerRight = l, p.right
	l.half = append(l.half, c)
	c.send(c.packet(pSYNACK))
}

// established moves c from the half-open list to the accept queue.
func (l *tcpListener) established(c *tcpConn) {
	l.half = remove(l.half, c)
	l.queue = append(l.queue, c)
	l.waiters.notify(l.ready())
}

// forget removes a half-open endpoint that was reset.
func (l *tcpListener) forget(c *tcpConn) {
	l.half = remove(l.half, c)
}

// pop takes the oldest acceptable connection, or nil.
func (l *tcpListener) pop() *tcpConn {
	if len(l.queue) == 0 {
		return nil
	}
	c := l.queue[0]
	l.queue = slices.Delete(l.queue, 0, 1)
	c.listener = nil
	return c
}

// close unbinds the listener and resets every connection in its backlog.
func (l *tcpListener) close() {
	for _, c := range slices.Concat(l.half, l.queue) {
		c.listener = nil
		c.abort()
	}
	l.half, l.queue = nil, nil
	ls := remove(l.h.listeners[l.addr.Port()], l)
	if len(ls) == 0 {
		delete(l.h.listeners, l.addr.Port())
	} else {
		l.h.listeners[l.addr.Port()] = ls
	}
}

// Accept takes one established connection from a listener's queue and
// returns its descriptor and peer address, or syscall.EAGAIN when none is
// waiting. A connection reset before it was accepted is still returned;
// its reads then fail with ECONNRESET. The host's [Adversary] may fail it
// with EAGAIN or EINTR, accepting nothing.
func (h *Host) Accept(fd int) (int, netip.AddrPort, error) {
	l, ok := h.sock(fd).(*tcpListener)
	if !ok {
		return -1, netip.AddrPort{}, badSocket(h.sock(fd))
	}
	if h.advOn {
		if err := h.refuse(l); err != nil {
			return -1, netip.AddrPort{}, err
		}
	}
	c := l.pop()
	if c == nil {
		return -1, netip.AddrPort{}, syscall.EAGAIN
	}
	return h.allocFD(c), c.remote, nil
}

// DialTCP starts a non-blocking connect to addr and returns the descriptor
// at once (EINPROGRESS is implied). The result comes later: the socket
// polls writable when the connect finished, and [Host.ConnectError] tells
// how. Errors at once: EINVAL (invalid address), ENETUNREACH (address
// family this host has no address of), EADDRNOTAVAIL (no ephemeral port),
// ENETDOWN (the host is crashed).
func (h *Host) DialTCP(addr netip.AddrPort) (int, error) {
	if h.down {
		return -1, syscall.ENETDOWN
	}
	dst, err := destination(addr)
	if err != nil {
		return -1, err
	}
	src, err := h.sourceFor(dst.Addr())
	if err != nil {
		return -1, err
	}
	port, err := ephemeral(&h.nextTCP, func(p uint16) bool {
		return h.tcpPortUsed(p) || src == dst.Addr() && p == dst.Port()
	})
	if err != nil {
		return -1, err
	}
	c := h.newConn(netip.AddrPortFrom(src, port), dst, stSynSent)
	c.rto = time.Second
	c.sendSYN()
	return h.allocFD(c), nil
}

// tcpArrive hands a TCP packet to its endpoint, or to a listener (a SYN).
// Anything else that finds no endpoint is answered with a RST, except a
// RST, which is dropped.
func (h *Host) tcpArrive(p *packet) {
	if c := h.endpointFor(p); c != nil {
		c.arrive(p)
		return
	}
	if l := h.listenerFor(p.to); l != nil && p.kind == pSYN {
		l.onSYN(p)
		return
	}
	if p.kind == pRST {
		h.net.drop(p)
		return
	}
	h.replyRST(p)
}

// endpointFor returns the endpoint of h that p is addressed to, or nil.
// The sending endpoint remembers the last one its packets reached: while
// that one is linked and on h with the right addresses, it is the one in
// the table (linked endpoints are exactly the table's), and the lookup is
// skipped.
func (h *Host) endpointFor(p *packet) *tcpConn {
	s := p.conn
	if s != nil {
		if c := s.peer; c != nil && c.linked && c.h == h && c.local == p.to && c.remote == p.from {
			return c
		}
	}
	c := h.conns[connKey{p.to, p.from}]
	if s != nil && c != nil {
		s.peer = c
	}
	return c
}

// replyRST answers p with a RST from the address it was sent to.
func (h *Host) replyRST(p *packet) {
	r := h.net.newPacket(pRST, h, p.to, p.from)
	v, in := h.net.judge(r)
	switch v {
	case Drop:
		h.net.release(r)
	case Held:
		in.hold(r)
	default:
		l := h.net.linkFrom(h, r.to.Addr())
		h.net.w.At(l.arrival(h.net.w.Now(), 0, TCPHeader, h.rand).Add(v.Delay()), r)
	}
}

// remove deletes the first x from s.
func remove[T comparable](s []T, x T) []T {
	if i := slices.Index(s, x); i >= 0 {
		return slices.Delete(s, i, i+1)
	}
	return s
}

// badSocket is the error for a call on the wrong kind of socket: EBADF
// for no socket at all, EINVAL otherwise.
func badSocket(s sock) error {
	if s == nil {
		return syscall.EBADF
	}
	return syscall.EINVAL
}
