package conformance

import (
	"net/netip"

	"github.com/mgsim/mgsim/simnet"
)

// Impl is an implementation of the Mongoose 6.x event model under test: a
// poll core. The suite drives it through this small interface, over a
// simulated host's sockets and the virtual clock. The reference
// implementation is one adapter among others (see package
// github.com/mgsim/mgsim/reference/adapter).
//
// An adapter must make the implementation do all of its IO through the
// [simnet.Host] it is given, and read time only from it: then a run is
// deterministic and every handler call can be traced.
type Impl interface {
	// Name identifies the implementation in reports ("reference").
	Name() string
	// NewManager creates a manager (mg_mgr_init) whose sockets live on host.
	NewManager(host *simnet.Host) (Manager, error)
}

// Manager is mg_mgr: it owns connections and polls them.
type Manager interface {
	// Bind creates a listening connection (mg_bind). addr is
	// "tcp://ip:port" or "udp://ip:port".
	Bind(addr string, h Handler) (Conn, error)
	// Connect creates an outbound connection (mg_connect). addr is
	// "tcp://ip:port" or "udp://ip:port".
	Connect(addr string, h Handler) (Conn, error)
	// AddSock creates a socket-less connection
	// (mg_add_sock(mgr, INVALID_SOCKET, h)): it gets TIMER, POLL and CLOSE.
	AddSock(h Handler) (Conn, error)
	// Poll runs one mg_mgr_poll with the given timeout in milliseconds and
	// returns its result.
	Poll(timeoutMs int) int
	// Free is mg_mgr_free: every remaining connection gets CLOSE.
	Free()
	// Time is mg_time(): the clock in seconds.
	Time() float64
	// PollIndex is the index (from 1) of the mg_mgr_poll call running now,
	// or 0 outside any poll (including the closes at the end of Free).
	PollIndex() int
}

// Conn is mg_connection as a handler sees it. An adapter must hand the
// same Conn value (==) to every call for one connection.
type Conn interface {
	// Send appends to send_mbuf (mg_send). It must do no IO.
	Send(p []byte)
	// Flags returns nc->flags (Mongoose 6.x bit values).
	Flags() uint32
	// SetFlags assigns nc->flags (handlers set and clear bits).
	SetFlags(f uint32)
	// RecvBuf returns the contents of recv_mbuf. The slice is valid until
	// the connection's buffer next changes; do not modify it.
	RecvBuf() []byte
	// Remove is mbuf_remove(&nc->recv_mbuf, n).
	Remove(n int)
	// SendLen is send_mbuf.len.
	SendLen() int
	// SetTimer is mg_set_timer: it arms the timer at absolute time t
	// (seconds) and returns the previous value; t <= 0 disarms.
	SetTimer(t float64) float64
	// Timer is ev_timer_time (0 when disarmed).
	Timer() float64
	// RecvLimit is recv_mbuf_limit (all ones: unlimited).
	RecvLimit() uint64
	// SetRecvLimit assigns recv_mbuf_limit.
	SetRecvLimit(n uint64)
	// Addr is nc->sa, the remote peer's address.
	Addr() netip.AddrPort
	// LocalAddr is the connection's own address (zero when socket-less).
	LocalAddr() netip.AddrPort
	// Listener is nc->listener: the listening connection that accepted this
	// one (or whose UDP child it is); nil otherwise.
	Listener() Conn
}

// Handler is a Mongoose event handler.
type Handler func(c Conn, ev Ev, d Data)

// Data is what ev_data points to, by event: CONNECT the result (0 or an
// errno), RECV/SEND the byte count, POLL the time in whole seconds (all in
// Int); TIMER the scheduled time that fired (Time); ACCEPT the peer address
// (Addr). CLOSE has none.
type Data struct {
	Int  int64
	Time float64
	Addr netip.AddrPort
}

// Mongoose 6.x flag bits, as Conn.Flags reports them.
const (
	FlagListening        uint32 = 1 << 0
	FlagUDP              uint32 = 1 << 1
	FlagResolving        uint32 = 1 << 2
	FlagConnecting       uint32 = 1 << 3
	FlagSSL              uint32 = 1 << 4
	FlagSSLHandshakeDone uint32 = 1 << 5
	FlagWantRead         uint32 = 1 << 6
	FlagWantWrite        uint32 = 1 << 7
	FlagIsWebsocket      uint32 = 1 << 8
	FlagRecvAndClose     uint32 = 1 << 9
	FlagSendAndClose     uint32 = 1 << 10
	FlagCloseImmediately uint32 = 1 << 11
	FlagProto1           uint32 = 1 << 12
	FlagProto2           uint32 = 1 << 13
	FlagEnableBroadcast  uint32 = 1 << 14
	FlagUser1            uint32 = 1 << 20
	FlagUser2            uint32 = 1 << 21
	FlagUser3            uint32 = 1 << 22
	FlagUser4            uint32 = 1 << 23
	FlagUser5            uint32 = 1 << 24
	FlagUser6            uint32 = 1 << 25
)
