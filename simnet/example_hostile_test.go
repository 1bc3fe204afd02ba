package simnet_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// A fault schedule is data: it parses from text, applies to a network,
// and every fault shows in the event log. Here a client sends "hello" at
// 1s into a partition that is repaired at 2s: the segment is dropped at
// 1s and at its retransmissions 0.2s and 0.4s later (the RTO doubles), and
// the next one, 0.8s later, finds the network repaired: it arrives at
// 2.41s. Nothing is lost.
func ExampleSchedule() {
	w := sim.New(sim.Options{Seed: 1})
	defer w.Close()
	n, _ := simnet.New(w, simnet.Config{Latency: 10 * time.Millisecond})
	client, _ := n.AddHost("client", netip.MustParseAddr("10.0.0.1"))
	server, _ := n.AddHost("server", netip.MustParseAddr("10.0.0.2"))
	n.Observe(func(e simnet.Event) {
		if e.IsFault() || e.Kind == simnet.KindSegment {
			fmt.Println(e)
		}
	})

	s, err := simnet.ParseSchedule(`
		# the network between the two hosts fails for a second
		at 1s partition 10.0.0.1 10.0.0.2
		at 2s repair 10.0.0.1 10.0.0.2
	`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(s)
	n.Apply(s)

	lfd, _ := server.ListenTCP(netip.MustParseAddrPort("10.0.0.2:80"))
	fd, _ := client.DialTCP(netip.MustParseAddrPort("10.0.0.2:80"))
	client.Go("client", func(p *sim.Proc) {
		p.Sleep(time.Second)
		client.Write(fd, []byte("hello"))
	})
	w.Run(sim.Never)
	sfd, _, _ := server.Accept(lfd)
	buf := make([]byte, 16)
	k, _ := server.Read(sfd, buf)
	fmt.Printf("server read %q\n", buf[:k])
	// Output:
	// at 1.000000000s partition 10.0.0.1 10.0.0.2
	// at 2.000000000s repair 10.0.0.1 10.0.0.2
	// 1.000000000s fault:partition 10.0.0.1 10.0.0.2
	// 1.000000000s fault:drop 10.0.0.1:40000>10.0.0.2:80 len=5 segment
	// 1.200000000s fault:drop 10.0.0.1:40000>10.0.0.2:80 len=5 segment
	// 1.600000000s fault:drop 10.0.0.1:40000>10.0.0.2:80 len=5 segment
	// 2.000000000s fault:repair 10.0.0.1 10.0.0.2
	// 2.410000000s segment 10.0.0.1:40000>10.0.0.2:80 len=5
	// server read "hello"
}

// A named profile is a Config with a name, and a text form that reads
// back; a custom network is a few lines of the same form.
func ExampleLookupProfile() {
	p, _ := simnet.LookupProfile("lossy")
	fmt.Print(p)

	custom, err := simnet.ParseProfile(`
		name = lossier
		latency = 10ms # one way
		udp_loss = 25%
		rto = 1s
	`)
	fmt.Println(custom.Name, custom.Config.Latency, custom.Config.UDPLoss, custom.Config.RTO, err)
	// Output:
	// name = lossy
	// title = 10ms latency; datagrams lost 10%, duplicated 2%, reordered 5%; TCP packets lost 2%
	// latency = 10ms
	// jitter = 2ms
	// udp_loss = 0.1
	// udp_dup = 0.02
	// udp_reorder = 0.05
	// tcp_loss = 0.02
	// lossier 10ms 0.25 1s <nil>
}
