package simnet

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/mgsim/mgsim/sim"
)

// Go starts a process that belongs to this host: it runs like one of
// [sim.World.Go], and a crash of the host ([Network.Crash]) kills it. On a
// crashed host the process is killed before it runs.
func (h *Host) Go(name string, fn func(p *sim.Proc)) *sim.Proc {
	p := h.net.w.Go(name, fn)
	if h.down {
		p.Kill()
		return p
	}
	h.procs = slices.DeleteFunc(h.procs, (*sim.Proc).Done)
	h.procs = append(h.procs, p)
	return p
}

// Boot registers fn as one of the host's boot functions: it is started now
// (if the host is up) and again after every restart, each time as a new
// process of the host (see [Host.Go]) named "<host> boot <k>", k counting
// from 1 in registration order.
func (h *Host) Boot(fn func(p *sim.Proc)) {
	h.boots = append(h.boots, fn)
	if !h.down {
		h.startBoot(len(h.boots) - 1)
	}
}

func (h *Host) startBoot(i int) {
	h.Go(h.name+" boot "+strconv.Itoa(i+1), h.boots[i])
}

// Down reports whether the host is crashed.
func (h *Host) Down() bool { return h.down }

// Crash stops host h at once: every socket of h vanishes without sending
// a packet (its peers hear nothing; their unacknowledged data times out,
// see [Config.TCPUserTimeout]), every process started with [Host.Go] or
// [Host.Boot] is killed ([sim.Proc.Kill]), processes parked in Poll on h
// are not woken, and packets arriving at h are dropped. New sockets fail
// with ENETDOWN until [Network.Restart]. The ephemeral port counters
// survive (as a stand-in for Linux's random port choice, so that a new
// connection does not reuse the 4-tuple of one a peer still remembers).
// It is reported as a "fault:crash" event.
func (n *Network) Crash(h *Host) error {
	if err := n.checkHost(h); err != nil {
		return err
	}
	if h.down {
		return fmt.Errorf("simnet: host %q is already down", h.name)
	}
	h.down = true
	n.emitNote(FaultPrefix+OpCrash.String(), h.name)
	for _, p := range h.procs {
		p.Kill()
	}
	h.procs = nil
	h.vanish()
	return nil
}

// Restart brings a crashed host back with no sockets: packets for the
// connections it had are answered with a reset, as TCP does. Its boot
// functions run again as new processes. It is reported as a
// "fault:restart" event.
func (n *Network) Restart(h *Host) error {
	if err := n.checkHost(h); err != nil {
		return err
	}
	if !h.down {
		return fmt.Errorf("simnet: host %q is not down", h.name)
	}
	h.down = false
	n.emitNote(FaultPrefix+OpRestart.String(), h.name)
	for i := range h.boots {
		h.startBoot(i)
	}
	return nil
}

func (n *Network) checkHost(h *Host) error {
	if h == nil || h.net != n {
		return errors.New("simnet: not a host of this network")
	}
	return nil
}

// vanish drops every socket of the host silently.
func (h *Host) vanish() {
	for _, c := range h.sortedConns() {
		c.state, c.orphan, c.listener = stClosed, true, nil
		c.unlink()
	}
	for _, s := range h.fds {
		switch s := s.(type) {
		case *udpSock:
			s.close()
		case *lookupSock:
			s.close()
		}
	}
	h.clearTables()
}

// sortedConns returns the host's TCP endpoints in a fixed order.
func (h *Host) sortedConns() []*tcpConn {
	cs := make([]*tcpConn, 0, len(h.conns))
	for _, c := range h.conns {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b *tcpConn) int {
		return cmp.Or(a.local.Compare(b.local), a.remote.Compare(b.remote))
	})
	return cs
}

// ResetConn resets the TCP connection between endpoints a and b: both ends
// (those that exist) see ECONNRESET at once, as if a RST had arrived
// mid-stream (an end still connecting sees ECONNREFUSED). It is reported
// as a "fault:reset" event; it returns an error if neither end exists.
func (n *Network) ResetConn(a, b netip.AddrPort) error {
	h, c := n.endpoint(a, b)
	if c == nil {
		h, c = n.endpoint(b, a)
	}
	if c == nil {
		return fmt.Errorf("simnet: no TCP connection between %v and %v", a, b)
	}
	n.emitNote(FaultPrefix+OpReset.String(), a.String()+" "+b.String())
	n.resetEnds(h, c)
	return nil
}

// ResetAll resets every TCP connection of h (both ends, as
// [Network.ResetConn] does) and returns how many connections it reset. It
// is reported as a "fault:reset-host" event.
func (n *Network) ResetAll(h *Host) int {
	if n.checkHost(h) != nil {
		return 0
	}
	n.emitNote(FaultPrefix+OpResetHost.String(), h.name)
	k := 0
	for _, c := range h.sortedConns() {
		if c.linked {
			n.resetEnds(h, c)
			k++
		}
	}
	return k
}

// endpoint finds the endpoint local>remote on the first host (in creation
// order) that has it.
func (n *Network) endpoint(local, remote netip.AddrPort) (*Host, *tcpConn) {
	for _, h := range n.hosts {
		if c := h.conns[connKey{local, remote}]; c != nil {
			return h, c
		}
	}
	return nil, nil
}

// resetEnds resets endpoint c of host h and its peer, if the peer exists.
func (n *Network) resetEnds(h *Host, c *tcpConn) {
	var peer *tcpConn
	if ph := h.peerHost(c.remote.Addr()); ph != nil && !ph.down {
		peer = ph.conns[connKey{c.remote, c.local}]
	}
	c.onRST()
	if peer != nil {
		peer.onRST()
	}
}

// peerHost is the host at a remote address as seen from h.
func (h *Host) peerHost(a netip.Addr) *Host {
	if a.IsLoopback() {
		return h
	}
	return h.net.byAddr[a]
}
