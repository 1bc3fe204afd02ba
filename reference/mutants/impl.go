package mutants

import (
	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/reference/adapter"
	"github.com/mgsim/mgsim/reference/internal/mutation"
	"github.com/mgsim/mgsim/simnet"
)

// armed is the reference adapter with bugs armed in every manager it makes.
type armed struct {
	name string
	bug  mutation.Bug
}

func (a armed) Name() string { return a.name }

func (a armed) NewManager(h *simnet.Host) (conformance.Manager, error) {
	var o reference.Options
	if err := mutation.Arm(&o, a.bug); err != nil {
		return nil, err
	}
	return adapter.Impl{Options: o}.NewManager(h)
}

// removeClamps is the reference whose mbuf_remove, as handlers call it,
// clamps a count above len to len, as Mongoose 7.x does; 6.x removes
// nothing (A10). The bug lives in a library function handlers call, so it
// is a wrapper around the adapter's connections.
type removeClamps struct{}

func (removeClamps) Name() string { return Prefix + "remove-clamps" }

func (removeClamps) NewManager(h *simnet.Host) (conformance.Manager, error) {
	m, err := adapter.New().NewManager(h)
	if err != nil {
		return nil, err
	}
	return clampManager{m}, nil
}

// clampManager hands handlers clampConns.
type clampManager struct{ conformance.Manager }

func (m clampManager) Bind(addr string, h conformance.Handler) (conformance.Conn, error) {
	return clamped(m.Manager.Bind(addr, clampHandler(h)))
}

func (m clampManager) Connect(addr string, h conformance.Handler) (conformance.Conn, error) {
	return clamped(m.Manager.Connect(addr, clampHandler(h)))
}

func (m clampManager) AddSock(h conformance.Handler) (conformance.Conn, error) {
	return clamped(m.Manager.AddSock(clampHandler(h)))
}

func clamped(c conformance.Conn, err error) (conformance.Conn, error) {
	if err != nil {
		return nil, err
	}
	return clampConn{c}, nil
}

func clampHandler(h conformance.Handler) conformance.Handler {
	return func(c conformance.Conn, ev conformance.Ev, d conformance.Data) { h(clampConn{c}, ev, d) }
}

// clampConn is comparable when the connection it wraps is, so it keeps the
// suite's rule that one connection is always the same Conn value.
type clampConn struct{ conformance.Conn }

// Remove is the bug: a count above len removes everything.
func (c clampConn) Remove(n int) { c.Conn.Remove(min(n, len(c.RecvBuf()))) }

func (c clampConn) Listener() conformance.Conn {
	if l := c.Conn.Listener(); l != nil {
		return clampConn{l}
	}
	return nil
}
