package simnet

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strconv"

	"github.com/mgsim/mgsim/sim"
)

// Network is a simulated network of [Host]s driven by a [sim.World]: every
// segment and datagram is a scheduled action of that world, and every
// random choice comes from the world's "simnet" stream.
//
// A Network belongs to its world and is used from the world's processes
// and actions only; like the world it is not safe for concurrent use.
type Network struct {
	w         *sim.World
	cfg       Config
	rand      *sim.Rand
	hosts     []*Host
	byName    map[string]*Host
	byAddr    map[netip.Addr]*Host
	observers []func(Event)
	free      []*packet
	spare     *spareArrays   // payload arrays for packets and receive buffers
	labels    map[string]int // uses of each random-stream label, so that reused tuples get fresh streams

	defLink LinkConfig // the default link, defaults filled in
	links   map[linkKey]*link
	rules   []*installed // the rule pipeline, in install order
	ruleSeq uint64
	info    PacketInfo // reused for every judged packet
	relRand *sim.Rand  // jitter of packets released from a hold
	faults  map[faultKey]*installed
	names   map[string]*nameState
}

// New returns an empty network on w. It returns an error for a nil world
// or an invalid cfg (negative fields, MinSegment above MaxSegment).
func New(w *sim.World, cfg Config) (*Network, error) {
	if w == nil {
		return nil, errors.New("simnet: New needs a world")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	n := &Network{
		w: w, cfg: cfg, rand: w.Rand("simnet"),
		byName: map[string]*Host{}, byAddr: map[netip.Addr]*Host{}, labels: map[string]int{},
		links: map[linkKey]*link{}, faults: map[faultKey]*installed{}, names: map[string]*nameState{},
	}
	n.defLink, _ = cfg.Link().withDefaults()
	n.relRand = n.rand.Fork("released")
	n.spare = &spareArrays{minSize: cfg.MaxSegment}
	runtime.AddCleanup(n, (*spareArrays).release, n.spare)
	return n, nil
}

// World returns the world the network runs in.
func (n *Network) World() *sim.World { return n.w }

// Config returns the network's configuration with the defaults filled in.
func (n *Network) Config() Config { return n.cfg }

// AddHost adds a host with a unique name and a unique unicast address. A
// host also reaches itself at the loopback addresses (127.0.0.1, ::1).
func (n *Network) AddHost(name string, addr netip.Addr) (*Host, error) {
	addr = addr.Unmap()
	if err := n.checkNewHost(name, addr); err != nil {
		return nil, err
	}
	h := newHost(n, name, addr)
	n.hosts = append(n.hosts, h)
	n.byName[name] = h
	n.byAddr[addr] = h
	return h, nil
}

func (n *Network) checkNewHost(name string, addr netip.Addr) error {
	switch {
	case name == "":
		return errors.New("simnet: AddHost needs a name")
	case n.byName[name] != nil:
		return fmt.Errorf("simnet: a host named %q already exists", name)
	case !addr.IsValid() || addr.IsUnspecified() || addr.IsLoopback() || addr.IsMulticast() || addr.Zone() != "":
		return fmt.Errorf("simnet: host %q: address %v is not a unicast host address", name, addr)
	case n.byAddr[addr] != nil:
		return fmt.Errorf("simnet: address %v is already used by host %q", addr, n.byAddr[addr].name)
	}
	return nil
}

// Host returns the host with the given name, or nil.
func (n *Network) Host(name string) *Host { return n.byName[name] }

// Hosts returns the hosts in creation order.
func (n *Network) Hosts() []*Host { return append([]*Host(nil), n.hosts...) }

// stream returns a fresh random stream for a labelled component. A label
// used again (a 4-tuple reused by a later connection) gets a numbered
// variant, so no two components share a stream.
func (n *Network) stream(label string) *sim.Rand {
	k := n.labels[label]
	n.labels[label] = k + 1
	if k > 0 {
		label += " #" + strconv.Itoa(k+1)
	}
	return n.rand.Fork(label)
}

// segmentSize draws the size of the next TCP segment.
func (n *Network) segmentSize(r *sim.Rand) int {
	return r.Range(n.cfg.MinSegment, n.cfg.MaxSegment)
}

// route returns the host a packet is addressed to, or nil. Loopback
// addresses lead back to the sending host.
func (n *Network) route(p *packet) *Host {
	if p.to.Addr().IsLoopback() {
		return p.src
	}
	c := p.conn
	if c == nil {
		return n.byAddr[p.to.Addr()]
	}
	if c.peerHost == nil { // an address, once a host's, stays that host's
		c.peerHost = n.byAddr[p.to.Addr()]
	}
	return c.peerHost
}
