package reference

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"
)

// Resolver is the optional extension of [Sockets] for host names: a
// Sockets that also implements it lets [Manager.Connect] take
// "tcp://name:port" and "udp://name:port" (simnet's Host does). The
// Manager finds it with a type assertion.
//
//   - Lookup starts resolving name and returns a descriptor at once; the
//     descriptor polls readable (PollIn) when the answer is there. An error
//     means the lookup could not even start.
//   - LookupResult gives the answer: an address, or an error —
//     syscall.ENOENT for no such name, syscall.ETIMEDOUT for a lookup that
//     timed out; syscall.EAGAIN (or EWOULDBLOCK, EINTR) while pending.
//   - The Manager releases the descriptor with Sockets.Close.
type Resolver interface {
	Lookup(name string) (fd int, err error)
	LookupResult(fd int) (netip.Addr, error)
}

// defaultResolveTimeout is Mongoose's resolver timeout
// (mg_resolve_async_opts.timeout).
const defaultResolveTimeout = 5 * time.Second

// resolveFailure is CONNECT's ev_data on the resolver's failure path
// (D-CONNECT-6).
const resolveFailure = -1

// lookup is the resolver's part of an internal list entry: Mongoose's DNS
// connection, reduced to what shows in the owner's events.
type lookup struct {
	owner    *Conn   // the connection waiting for the answer
	deadline float64 // the resolver timeout: start + Options.ResolveTimeout; 0 once decided
	timedOut bool    // the failure to deliver is a timeout (TIMER first)
}

// resolve starts the lookup of host for c (D-CONNECT-6): c gets RESOLVING
// and its number but is not listed; an internal entry that Next never
// returns is listed in its place and served in its turn, as Mongoose's DNS
// connection is.
func (m *Manager) resolve(c *Conn, host, addr string) error {
	fd, err := m.res.Lookup(host)
	if err != nil {
		return fmt.Errorf("reference: connect %q: cannot schedule DNS lookup: %w", addr, err)
	}
	c.Flags |= FlagResolving
	m.number(c)
	e := m.newConn(nil, nil, 0, 0)
	e.sock, e.dns = fd, &lookup{owner: c, deadline: m.Time() + m.resolveTimeout}
	c.dnsConn = e
	m.link(e)
	return nil
}

// serveLookup is the DNS connection's turn in a poll (mg_resolve_async_eh
// under mg_mgr_handle_conn): a failure decided in an earlier poll is
// delivered now (its CLOSE); a due timer or the resolver timeout marks the
// lookup timed out, to be delivered in the next poll; an answer connects
// the owner at once, or fails it in the next poll.
func (m *Manager) serveLookup(e *Conn, fd int, now float64) {
	switch {
	case e.Flags&FlagCloseImmediately != 0:
		m.failLookup(e)
	case e.timer > 0 && now >= e.timer || e.dns.deadline > 0 && now >= e.dns.deadline:
		e.timer = 0
		m.timeOutLookup(e)
	case fd&fdCanRead != 0:
		m.lookupAnswered(e)
	}
}

// lookupAnswered reads the answer. An IPv4 address connects the owner now
// (resolve_cb, mg_do_connect); an answer without one fails it now (no A
// record); "no such name" or another error fails it in the next poll (the
// DNS connection closes first), a timeout likewise with TIMER first.
func (m *Manager) lookupAnswered(e *Conn) {
	addr, err := m.res.LookupResult(e.sock)
	switch {
	case err == nil && addr.Unmap().Is4():
		m.resolved(e, addr.Unmap())
	case err == nil:
		m.failLookup(e)
	case wouldBlock(err):
	case errors.Is(err, syscall.ETIMEDOUT):
		m.timeOutLookup(e)
	default:
		e.dns.deadline = 0
		e.Flags |= FlagCloseImmediately
	}
}

// timeOutLookup marks a lookup timed out: the failure, with TIMER first,
// comes in the next poll, whose wait no deadline shortens any more.
func (m *Manager) timeOutLookup(e *Conn) {
	e.dns.timedOut, e.dns.deadline = true, 0
	e.Flags |= FlagCloseImmediately
}

// resolved connects the owner to addr as Connect does for a numeric
// address: CONNECTING, the socket, the head of the list (D-CONNECT-6).
func (m *Manager) resolved(e *Conn, addr netip.Addr) {
	c := m.dropLookup(e)
	c.sa = netip.AddrPortFrom(addr, c.sa.Port())
	m.doConnect(c)
}

// failLookup is resolve_cb's failure path (D-CONNECT-6, D-TIMER-7): the
// owner, never listed, gets TIMER with the current time if the lookup
// timed out, then CONNECT(-1), then CLOSE, in this one call.
func (m *Manager) failLookup(e *Conn) {
	c := m.dropLookup(e)
	if e.dns.timedOut {
		m.call(c, EvTimer, EventData{Time: m.Time()})
	}
	m.call(c, EvConnect, EventData{Int: resolveFailure})
	m.call(c, EvClose, EventData{})
	c.freeBuffers()
}

// dropLookup unlists the internal entry, releases its descriptor and
// returns the owner, no longer RESOLVING.
func (m *Manager) dropLookup(e *Conn) *Conn {
	m.removeConn(e)
	m.s.Close(e.sock)
	e.sock = invalidSocket
	c := e.dns.owner
	c.Flags &^= FlagResolving
	c.dnsConn = nil
	return c
}
