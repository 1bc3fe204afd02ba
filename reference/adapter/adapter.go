// Package adapter plugs the reference poll core into the conformance suite:
// it is the reference's [conformance.Impl], built the way any other Go
// implementation's adapter would be. Copy it as the model for your own.
//
// The reference needs nothing but a network that satisfies its small
// socket seam; a simulated host does, which is asserted at compile time
// here, where both packages meet.
package adapter

import (
	"math"
	"net/netip"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/simnet"
)

// A simulated host is a network the reference can run on.
var _ reference.Sockets = (*simnet.Host)(nil)

// Impl is the reference implementation as a [conformance.Impl].
type Impl struct {
	// Options are passed to every manager. The zero value is Mongoose 6.18's
	// defaults.
	Options reference.Options
}

// New returns the reference implementation with Mongoose 6.18's defaults.
func New() Impl { return Impl{} }

// Name is "reference".
func (Impl) Name() string { return "reference" }

// NewManager creates a reference manager on host h.
func (i Impl) NewManager(h *simnet.Host) (conformance.Manager, error) {
	return &manager{m: reference.NewManager(h, i.Options)}, nil
}

type manager struct{ m *reference.Manager }

func (m *manager) Bind(addr string, h conformance.Handler) (conformance.Conn, error) {
	return wrapConn(m.m.Bind(addr, wrap(h)))
}

func (m *manager) Connect(addr string, h conformance.Handler) (conformance.Conn, error) {
	return wrapConn(m.m.Connect(addr, wrap(h)))
}

func (m *manager) AddSock(h conformance.Handler) (conformance.Conn, error) {
	return conn{m.m.AddSock(wrap(h))}, nil
}

func (m *manager) Poll(timeoutMs int) int { return m.m.Poll(timeoutMs) }
func (m *manager) Free()                  { m.m.Free() }
func (m *manager) Time() float64          { return m.m.Time() }
func (m *manager) PollIndex() int         { return m.m.PollIndex() }

func wrapConn(c *reference.Conn, err error) (conformance.Conn, error) {
	if err != nil {
		return nil, err
	}
	return conn{c}, nil
}

// wrap turns a conformance handler into a reference handler. The conn
// value is pointer-shaped, so passing it as an interface does not allocate.
func wrap(h conformance.Handler) reference.Handler {
	return func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		h(conn{c}, conformance.Ev(ev), conformance.Data{Int: int64(d.Int), Time: d.Time, Addr: d.Addr})
	}
}

// conn is a reference connection seen through conformance.Conn. Two conns
// wrapping the same connection are equal, as the suite requires.
type conn struct{ c *reference.Conn }

func (k conn) Send(p []byte)              { k.c.Send(p) }
func (k conn) Flags() uint32              { return uint32(k.c.Flags) }
func (k conn) SetFlags(f uint32)          { k.c.Flags = reference.Flags(f) }
func (k conn) RecvBuf() []byte            { return k.c.RecvMbuf.Bytes() }
func (k conn) Remove(n int)               { k.c.RecvMbuf.Remove(n) }
func (k conn) SendLen() int               { return k.c.SendMbuf.Len() }
func (k conn) SetTimer(t float64) float64 { return k.c.SetTimer(t) }
func (k conn) Timer() float64             { return k.c.Timer() }
func (k conn) Addr() netip.AddrPort       { return k.c.Addr() }
func (k conn) LocalAddr() netip.AddrPort  { return k.c.LocalAddr() }

// RecvLimit reports "all ones" for an unlimited buffer, as size_t -1 reads
// in the real library's traces.
func (k conn) RecvLimit() uint64 {
	if k.c.RecvMbufLimit == math.MaxInt {
		return math.MaxUint64
	}
	return uint64(k.c.RecvMbufLimit)
}

func (k conn) SetRecvLimit(n uint64) {
	if n > math.MaxInt {
		n = math.MaxInt
	}
	k.c.RecvMbufLimit = int(n)
}

func (k conn) Listener() conformance.Conn {
	if l := k.c.Listener(); l != nil {
		return conn{l}
	}
	return nil
}
