package simnet

import (
	"net/netip"
	"syscall"

	"github.com/mgsim/mgsim/sim"
)

// Ephemeral ports are handed out in order from this range, per host and
// protocol, skipping ports in use.
const (
	EphemeralFirst = 40000
	EphemeralLast  = 65535
)

// firstFD is the lowest descriptor a host hands out (0-2 are stdio).
const firstFD = 3

// Host is a machine on a [Network]. Its methods are a non-blocking socket
// API over integer descriptors, shaped like the POSIX calls a Mongoose
// 6.x-style poll loop makes; [Host.Poll] blocks in virtual time.
//
// Descriptors are per host and, as on Linux, the lowest free one is used.
// A bad descriptor gives syscall.EBADF, never a panic.
type Host struct {
	net       *Network
	name      string
	addr      netip.Addr
	rand      *sim.Rand // packets sent by no socket (RST replies)
	fds       []sock
	fdHint    int
	conns     map[connKey]*tcpConn
	tcpPorts  map[uint16]int // connections using each local port
	listeners map[uint16][]*tcpListener
	udps      map[uint16][]*udpSock
	nextTCP   int
	nextUDP   int
	regPool   [][]sock
	parks     uint64 // times a Poll parked (for tests of wake-up precision)

	down  bool                // crashed and not restarted
	procs []*sim.Proc         // processes started with Go (killed by a crash)
	boots []func(p *sim.Proc) // run at start and after every restart
	adv   Adversary           // the syscall adversary's probabilities
	advOn bool                // adv is not the zero value
	advR  *sim.Rand           // the adversary's stream
	polls uint64              // Poll calls so far (the adversary's "next call")
	eintr bool                // the last Poll returned the adversary's EINTR
}

// connKey names a TCP connection at one host: its local and remote ends.
type connKey struct{ local, remote netip.AddrPort }

func newHost(n *Network, name string, addr netip.Addr) *Host {
	h := &Host{
		net: n, name: name, addr: addr, rand: n.stream("host " + name),
		nextTCP: EphemeralFirst, nextUDP: EphemeralFirst, advR: n.stream("adversary " + name),
	}
	h.clearTables()
	h.setAdversary(n.cfg.Adversary)
	return h
}

// clearTables gives the host empty socket tables.
func (h *Host) clearTables() {
	h.fds, h.fdHint = nil, 0
	h.conns = map[connKey]*tcpConn{}
	h.tcpPorts = map[uint16]int{}
	h.listeners = map[uint16][]*tcpListener{}
	h.udps = map[uint16][]*udpSock{}
}

// Name returns the host's name.
func (h *Host) Name() string { return h.name }

// Addr returns the host's address.
func (h *Host) Addr() netip.Addr { return h.addr }

// Network returns the network the host belongs to.
func (h *Host) Network() *Network { return h.net }

// Now returns the virtual time in nanoseconds since the world's epoch.
func (h *Host) Now() int64 { return int64(h.net.w.Now()) }

// sock is what a descriptor refers to: a TCP connection, a TCP listener,
// a UDP socket or a name lookup.
type sock interface {
	ready() int16        // current readiness (Poll bits)
	waitList() *waitList // processes parked in Poll on it
	base() *sockBase
	localAddr() netip.AddrPort
}

// sockBase is what every kind of socket has: the processes polling it and
// the adversary's memory of it.
type sockBase struct {
	waiters  waitList
	hiddenAt uint64 // the Poll call (Host.polls) that last hid its readiness
	refused  bool   // the adversary refused the last call on it
}

func (b *sockBase) waitList() *waitList { return &b.waiters }
func (b *sockBase) base() *sockBase     { return b }

// sock returns the socket behind fd, or nil.
func (h *Host) sock(fd int) sock {
	if fd < 0 || fd >= len(h.fds) {
		return nil
	}
	return h.fds[fd]
}

// allocFD gives s the lowest free descriptor.
func (h *Host) allocFD(s sock) int {
	fd := max(h.fdHint, firstFD)
	for fd < len(h.fds) && h.fds[fd] != nil {
		fd++
	}
	for len(h.fds) <= fd {
		h.fds = append(h.fds, nil)
	}
	h.fds[fd] = s
	h.fdHint = fd + 1
	return fd
}

// freeFD releases fd and wakes any process polling it.
func (h *Host) freeFD(fd int) {
	s := h.fds[fd]
	h.fds[fd] = nil
	h.fdHint = min(h.fdHint, fd)
	s.waitList().wakeAll()
}

// LocalAddr returns the local address of fd (the zero value for a bad fd).
// A socket bound to an unspecified address reports that address, as
// getsockname does.
func (h *Host) LocalAddr(fd int) netip.AddrPort {
	if s := h.sock(fd); s != nil {
		return s.localAddr()
	}
	return netip.AddrPort{}
}

// RemoteAddr returns the peer of a TCP connection; the zero value for
// listeners, UDP sockets and bad descriptors.
func (h *Host) RemoteAddr(fd int) netip.AddrPort {
	if c, ok := h.sock(fd).(*tcpConn); ok {
		return c.remote
	}
	return netip.AddrPort{}
}

// Close releases fd at once. A TCP connection with no unread received data
// closes in order (the stack still sends what is buffered, then a FIN); one
// with unread data is reset, as Linux does. Closing a listener resets the
// connections waiting in its backlog.
func (h *Host) Close(fd int) error {
	switch s := h.sock(fd).(type) {
	case *tcpConn:
		s.close()
	case *tcpListener:
		s.close()
	case *udpSock:
		s.close()
	case *lookupSock:
		s.close()
	default:
		return syscall.EBADF
	}
	h.freeFD(fd)
	return nil
}

// Reset closes fd abortively, like close with SO_LINGER set to 0: a TCP
// connection sends a RST now and drops its buffers. Other sockets are
// simply closed.
func (h *Host) Reset(fd int) error {
	c, ok := h.sock(fd).(*tcpConn)
	if !ok {
		return h.Close(fd)
	}
	c.abort()
	h.freeFD(fd)
	return nil
}

// isLocal reports whether a is one of this host's addresses.
func (h *Host) isLocal(a netip.Addr) bool {
	return a == h.addr || a.IsLoopback() || a.IsUnspecified()
}

// loopback returns the loopback address of a's family.
func loopback(a netip.Addr) netip.Addr {
	if a.Is4() {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	return netip.IPv6Loopback()
}

// unspecified returns the unspecified address of the host's family.
func (h *Host) unspecified() netip.Addr {
	if h.addr.Is4() {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// destination normalises a destination address: 4-in-6 is unmapped and
// the unspecified address means this host (loopback), as on Linux.
func destination(ap netip.AddrPort) (netip.AddrPort, error) {
	a := ap.Addr().Unmap()
	if !a.IsValid() || a.Zone() != "" {
		return ap, syscall.EINVAL
	}
	if a.IsUnspecified() {
		a = loopback(a)
	}
	return netip.AddrPortFrom(a, ap.Port()), nil
}

// sourceFor picks the local address used to reach dst.
func (h *Host) sourceFor(dst netip.Addr) (netip.Addr, error) {
	if dst.IsLoopback() {
		return loopback(dst), nil
	}
	if dst.Is4() != h.addr.Is4() {
		return netip.Addr{}, syscall.ENETUNREACH
	}
	return h.addr, nil
}

// bindAddr checks a local address given to a listen call.
func (h *Host) bindAddr(ap netip.AddrPort) (netip.Addr, error) {
	a := ap.Addr().Unmap()
	switch {
	case !a.IsValid() || a.Zone() != "":
		return a, syscall.EINVAL
	case !h.isLocal(a):
		return a, syscall.EADDRNOTAVAIL
	}
	return a, nil
}

// ephemeral returns the next free port of the host's range for a protocol.
func ephemeral(next *int, used func(uint16) bool) (uint16, error) {
	for range EphemeralLast - EphemeralFirst + 1 {
		p := uint16(*next)
		*next++
		if *next > EphemeralLast {
			*next = EphemeralFirst
		}
		if !used(p) {
			return p, nil
		}
	}
	return 0, syscall.EADDRNOTAVAIL
}

// overlaps reports whether two bound addresses of one port conflict.
func overlaps(a, b netip.Addr) bool {
	return a == b || a.IsUnspecified() || b.IsUnspecified()
}
