package simnet

import (
	"errors"
	"math"
	"net/netip"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// Header sizes added to the payload when a link's bandwidth is limited.
const (
	TCPHeader = 40 // IPv4 + TCP without options
	UDPHeader = 28 // IPv4 + UDP
)

var errInvalidLinkAddr = errors.New("simnet: SetLink needs two valid addresses")

// link is one direction of the path between two hosts: its configuration
// (defaults filled in) and its transmit queue.
type link struct {
	cfg       LinkConfig
	busyUntil sim.Time // when the last queued packet is fully on the wire
}

// linkKey names a link direction by the two hosts' addresses.
type linkKey struct{ from, to netip.Addr }

// SetLink configures the one-way link from the host at from to the host at
// to; packets between other pairs keep the network's default link (the
// link fields of [Config]). Zero RTO and ReorderDelay take the package
// defaults. A packet a host sends to itself (over its own address or
// loopback) uses the link from its address to itself. It returns an error
// for an invalid address or configuration.
func (n *Network) SetLink(from, to netip.Addr, lc LinkConfig) error {
	lc, err := lc.withDefaults()
	if err != nil {
		return err
	}
	from, to = from.Unmap(), to.Unmap()
	if !from.IsValid() || !to.IsValid() {
		return errInvalidLinkAddr
	}
	n.link(from, to).cfg = lc
	return nil
}

// SetLinks configures both directions between a and b (see
// [Network.SetLink]).
func (n *Network) SetLinks(a, b netip.Addr, lc LinkConfig) error {
	if err := n.SetLink(a, b, lc); err != nil {
		return err
	}
	return n.SetLink(b, a, lc)
}

// Link returns the configuration of the link from from to to, defaults
// filled in.
func (n *Network) Link(from, to netip.Addr) LinkConfig {
	return n.link(from.Unmap(), to.Unmap()).cfg
}

// link returns the state of a link direction, creating it with the
// default configuration on first use.
func (n *Network) link(from, to netip.Addr) *link {
	k := linkKey{from, to}
	if l := n.links[k]; l != nil {
		return l
	}
	l := &link{cfg: n.defLink}
	n.links[k] = l
	return l
}

// linkFrom returns the link a packet from host src to dst travels:
// loopback destinations lead back to src.
func (n *Network) linkFrom(src *Host, dst netip.Addr) *link {
	if dst.IsLoopback() || dst.IsUnspecified() {
		dst = src.addr
	}
	return n.link(src.addr, dst)
}

// arrival returns when a packet of size payload bytes (plus header) put on
// the link now arrives: after any packets queued before it have been
// serialised, its own serialisation time, the latency and a jitter drawn
// from r.
func (l *link) arrival(now sim.Time, size, header int, r *sim.Rand) sim.Time {
	dep := now
	if l.cfg.Bandwidth > 0 {
		dep = max(now, l.busyUntil).Add(l.serialisation(size + header))
		l.busyUntil = dep
	}
	return dep.Add(l.cfg.Latency + l.jitter(r))
}

// serialisation is how long bytes take to put on the wire, rounded up to
// the nanosecond.
func (l *link) serialisation(bytes int) time.Duration {
	bw := l.cfg.Bandwidth
	return time.Duration((int64(bytes)*int64(time.Second) + bw - 1) / bw)
}

// jitter draws one packet's extra delay from the link's distribution. It
// draws nothing when the jitter is zero.
func (l *link) jitter(r *sim.Rand) time.Duration {
	j := l.cfg.Jitter
	if j <= 0 {
		return 0
	}
	switch l.cfg.JitterDist {
	case Normal:
		return scaled(0.5+r.NormFloat64()/4, j)
	case Exponential:
		return scaled(r.ExpFloat64()/2, j)
	case Pareto:
		return scaled(paretoMin/math.Pow(1-r.Float64(), 1/paretoShape), j)
	}
	return r.Duration(0, j)
}

// paretoMin is the Pareto jitter's minimum as a fraction of Jitter: with
// shape 1.5 the mean is 3 times the minimum, so Jitter/2.
const paretoMin = 1.0 / 6

// reorderDelay draws the extra delay of a datagram chosen for reordering.
func (l *link) reorderDelay(r *sim.Rand) time.Duration {
	return r.Duration(1, l.cfg.ReorderDelay)
}
