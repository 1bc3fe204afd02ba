package reference_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// Host names on a simulated network, whose hosts offer the resolver
// extension. Both answers come at 5ms, in poll 1. The name that resolves:
// its connection was not listed (no POLL) until then, is put at the head
// of the list, and connects as usual from poll 2. The name that does not:
// CONNECT with -1, then CLOSE, in poll 2 at its lookup's place in the
// list, without a single POLL.
func Example_hostNames() {
	w := sim.New(sim.Options{Seed: 1})
	defer w.Close()
	n, _ := simnet.New(w, simnet.Config{Latency: 10 * time.Millisecond, DNSLatency: 5 * time.Millisecond, PollCost: -1})
	client, _ := n.AddHost("client", netip.MustParseAddr("10.0.0.1"))
	server, _ := n.AddHost("server", netip.MustParseAddr("10.0.0.2"))
	server.ListenTCP(netip.MustParseAddrPort("10.0.0.2:80"))
	n.AddName("srv.test", server.Addr())

	m := reference.NewManager(client, reference.Options{})
	show := func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		fmt.Printf("%v poll %d: conn %d %v %d [%v]\n", w.Now(), m.PollIndex(), c.ID(), ev, d.Int, c.Flags)
	}
	good, _ := m.Connect("tcp://srv.test:80", show)
	m.Connect("tcp://nope.test:80", show)
	fmt.Println("resolving:", good.Flags, "listed:", m.Next(nil) != nil)
	for range 3 {
		m.Poll(100)
	}
	// Output:
	// resolving: RESOLVING listed: false
	// 0.005000000s poll 2: conn 1 POLL 0 [CONNECTING]
	// 0.005000000s poll 2: conn 2 CONNECT -1 [0]
	// 0.005000000s poll 2: conn 2 CLOSE 0 [0]
	// 0.025000000s poll 3: conn 1 POLL 0 [CONNECTING]
	// 0.025000000s poll 3: conn 1 CONNECT 0 [0]
}
