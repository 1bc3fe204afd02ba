package reference

import (
	"fmt"
	"net/netip"

	"github.com/mgsim/mgsim/reference/internal/mutation"
)

// Conn is a connection: struct mg_connection (C3). Handlers read and change
// the exported fields directly, as C handlers do; the core undoes a
// handler's changes to the flags it owns (F3).
type Conn struct {
	// What every poll reads of every connection comes first, within the
	// first 128 bytes (see TestConnHotFields): two cache lines, or three
	// when the Conn's allocation does not start on a line boundary.
	Flags         Flags
	pfd           int     // this poll's entry for sock in Manager.pfds, or -1
	sock          int     // descriptor, or invalidSocket
	timer         float64 // ev_timer_time
	next          *Conn
	dns           *lookup // set on the internal entry of a lookup (Next never returns it)
	Handler       Handler
	RecvMbufLimit int // recv_mbuf_limit; new connections: math.MaxInt ("all ones"); accepted/children inherit the listener's
	RecvMbuf      Mbuf
	SendMbuf      Mbuf
	UserData      any

	id       uint64
	mgr      *Manager
	sa       netip.AddrPort // nc->sa: the peer (a listener's own address)
	local    netip.AddrPort // last known local address, for after the socket is gone
	listener *Conn
	prev     *Conn
	lastIO   int64 // last_io_time, whole seconds (time_t)
	err      int   // nc->err: a connect error to report at the next poll
	origin   Origin
	listed   bool
	children map[netip.AddrPort]*Conn // UDP listener: live children by peer address
	dnsConn  *Conn                    // RESOLVING: the internal entry doing its lookup
}

// Send is mg_send (D-SEND-1): it appends p to SendMbuf and updates the last
// IO time. No IO, no event; data that cannot be queued (see
// [Mbuf.SetAllocLimit]) is dropped silently (E2).
func (c *Conn) Send(p []byte) {
	c.lastIO = c.mgr.timeT()
	if c.mgr.bugs&mutation.IOInsideSend != 0 {
		p = c.mgr.sendNow(c, p)
	}
	c.SendMbuf.Append(p)
}

// Printf is mg_printf: it formats with fmt.Sprintf rules, sends the result
// with [Conn.Send] when it is not empty, and returns its length.
func (c *Conn) Printf(format string, args ...any) int {
	m := c.mgr
	m.printBuf = fmt.Appendf(m.printBuf[:0], format, args...)
	if len(m.printBuf) > 0 {
		c.Send(m.printBuf)
	}
	return len(m.printBuf)
}

// SetTimer is mg_set_timer (D-TIMER-1): it stores t, an absolute time in
// seconds comparable with [Manager.Time], and returns the previous value. A
// timer fires when it is > 0 and a poll's time reaches it; so t <= 0
// disarms. The value is stored as given, as in C. On a RESOLVING
// connection the value is also set on its lookup, whose expiry ends the
// resolution with TIMER, CONNECT(-1) and CLOSE (D-TIMER-7).
func (c *Conn) SetTimer(t float64) float64 {
	prev := c.timer
	c.timer = t
	if c.Flags&FlagResolving != 0 && c.dnsConn != nil {
		c.dnsConn.timer = t
	}
	return prev
}

// Timer is ev_timer_time: the armed timer, 0 (or less) when none.
func (c *Conn) Timer() float64 { return c.timer }

// Listener is nc->listener: the listener that accepted this connection, or
// whose UDP child it is; nil otherwise. It stays set after the listener
// closes (D-CLOSE-4).
func (c *Conn) Listener() *Conn { return c.listener }

// Addr is nc->sa: the remote peer (for a listener, its own bound address).
func (c *Conn) Addr() netip.AddrPort { return c.sa }

// LocalAddr is the connection's own address: the socket's, while it has
// one (a UDP child shares its listener's), and the last one seen after the
// socket is closed. It is the zero AddrPort for a socket-less connection.
func (c *Conn) LocalAddr() netip.AddrPort {
	if c.sock != invalidSocket {
		c.local = c.mgr.s.LocalAddr(c.sock)
	}
	return c.local
}

// ID is the connection's number within its manager: 1 for the first
// connection listed, and so on (a connection to a host name gets its
// number when Connect returns it). Failed Bind or Connect calls use no
// number.
func (c *Conn) ID() uint64 { return c.id }

// Origin says how the connection was made.
func (c *Conn) Origin() Origin { return c.origin }

// Manager is the manager the connection belongs to.
func (c *Conn) Manager() *Manager { return c.mgr }

// LastIOTime is last_io_time: the time of the last successful read or
// write, or of the last Send, in whole seconds (a time_t, as in 6.x).
func (c *Conn) LastIOTime() float64 { return float64(c.lastIO) }

// isUDPChild reports whether c shares a UDP listener's socket.
func (c *Conn) isUDPChild() bool { return c.Flags&FlagUDP != 0 && c.listener != nil }

// sharesSocket reports whether other connections may use c's descriptor
// too (a UDP listener's children do): its poll set entry is merged. A
// lookup's descriptor is its own, like a TCP socket's.
func (c *Conn) sharesSocket() bool { return c.Flags&FlagUDP != 0 }

// recvAvail is recv_avail_size: how much of max the receive limit allows.
func (c *Conn) recvAvail(max int) int {
	if c.mgr.bugs&mutation.RecvLimitIgnored != 0 {
		return max
	}
	if c.RecvMbufLimit < c.RecvMbuf.len {
		return 0
	}
	return min(max, c.RecvMbufLimit-c.RecvMbuf.len)
}

// pollEvents is the interest B5 gives c's socket: read when below the
// receive limit and not a UDP child; write while connecting (unless TLS
// wants to read), or when output is queued and it is not connecting.
func (c *Conn) pollEvents() int16 {
	if c.dns != nil {
		return PollIn // a lookup: readable when answered
	}
	var ev int16
	if c.RecvMbuf.len < c.RecvMbufLimit && !c.isUDPChild() {
		ev |= PollIn
	}
	connecting := c.Flags&FlagConnecting != 0
	if (connecting && c.Flags&FlagWantRead == 0) || (c.SendMbuf.len > 0 && !connecting) {
		ev |= PollOut
	}
	return ev
}
