package conformance

import (
	"github.com/mgsim/mgsim/simnet"
)

// Mgr is a traced manager: the implementation's [Manager] with every
// handler call recorded. Scenarios create managers with [Env.NewManager]
// and use them as they would mg_mgr.
type Mgr struct {
	impl Manager
	t    *tracer
	idx  int64
	host *simnet.Host
}

// Host returns the simulated host the manager runs on.
func (m *Mgr) Host() *simnet.Host { return m.host }

// Bind is mg_bind, traced.
func (m *Mgr) Bind(addr string, h Handler) (Conn, error) {
	return m.open(RoleListener, OriginBind, h, func(d Handler) (Conn, error) { return m.impl.Bind(addr, d) })
}

// Connect is mg_connect, traced.
func (m *Mgr) Connect(addr string, h Handler) (Conn, error) {
	return m.open(RoleOutbound, OriginConnect, h, func(d Handler) (Conn, error) { return m.impl.Connect(addr, d) })
}

// AddSock is mg_add_sock(mgr, INVALID_SOCKET, h), traced.
func (m *Mgr) AddSock(h Handler) (Conn, error) {
	return m.open(RoleOutbound, OriginAddSock, h, m.impl.AddSock)
}

func (m *Mgr) open(role Role, origin Origin, h Handler, create func(Handler) (Conn, error)) (Conn, error) {
	r := m.t.newRec(m, role, origin, h)
	c, err := create(r.dispatch)
	if err != nil {
		return nil, err
	}
	if r.c == nil {
		r.c = c
		m.t.byConn[c] = r
	}
	return r, nil
}

// Poll is mg_mgr_poll.
func (m *Mgr) Poll(timeoutMs int) int { return m.impl.Poll(timeoutMs) }

// Free is mg_mgr_free.
func (m *Mgr) Free() { m.impl.Free() }

// Time is mg_time().
func (m *Mgr) Time() float64 { return m.impl.Time() }
