package simnet

import (
	"net/netip"
	"testing"

	"github.com/mgsim/mgsim/sim"
)

// The endpoint a sender remembers is used only while it is the one in the
// receiving host's table: after it is gone, and after a new endpoint took
// its addresses, packets reach what the table says.
func TestEndpointCacheFollowsTheTable(t *testing.T) {
	w := sim.New(sim.Options{Seed: 1})
	defer w.Close()
	n, err := New(w, Config{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := n.AddHost("a", netip.MustParseAddr("10.0.0.1"))
	b, _ := n.AddHost("b", netip.MustParseAddr("10.0.0.2"))
	la, lb := netip.MustParseAddrPort("10.0.0.1:1000"), netip.MustParseAddrPort("10.0.0.2:80")
	s := a.newConn(la, lb, stEstablished)
	old := b.newConn(lb, la, stEstablished)
	p := s.packet(pACK)
	defer n.release(p)
	if got := b.endpointFor(p); got != old || s.peer != old {
		t.Fatalf("first lookup: %p (cached %p), want %p", got, s.peer, old)
	}
	if n.route(p) != b || s.peerHost != b {
		t.Fatal("route does not lead to b")
	}
	old.unlink()
	if got := b.endpointFor(p); got != nil {
		t.Fatalf("after unlink: %p, want none", got)
	}
	fresh := b.newConn(lb, la, stEstablished)
	if got := b.endpointFor(p); got != fresh {
		t.Fatalf("after a new endpoint took the addresses: %p, want %p (old %p)", got, fresh, old)
	}
	if got := a.endpointFor(p); got != nil {
		t.Fatalf("on the sender's host: %p, want none", got)
	}
}
