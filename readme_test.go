package mgsim_test

// The example in README.md, kept runnable: if this test breaks, the README
// is wrong.

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

func Example_readme() {
	w := sim.New(sim.Options{Seed: 42})
	net, _ := simnet.New(w, simnet.Config{Latency: time.Millisecond, MinSegment: 1, MaxSegment: 100})
	server, _ := net.AddHost("server", netip.MustParseAddr("10.0.0.1"))
	client, _ := net.AddHost("client", netip.MustParseAddr("10.0.0.2"))

	srv := reference.NewManager(server, reference.Options{})
	srv.Bind("tcp://10.0.0.1:8000", func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		if ev == reference.EvRecv { // echo whatever arrived, then discard it
			c.Send(c.RecvMbuf.Bytes())
			c.RecvMbuf.Remove(c.RecvMbuf.Len())
		}
	})
	cli := reference.NewManager(client, reference.Options{})
	cli.Connect("tcp://10.0.0.1:8000", func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		switch ev {
		case reference.EvConnect:
			c.Send([]byte("hello, simulated world\n"))
		case reference.EvRecv:
			fmt.Printf("t=%.6f got %q\n", cli.Time(), c.RecvMbuf.Bytes())
			c.RecvMbuf.Remove(c.RecvMbuf.Len())
		}
	})
	for i := 0; i < 20; i++ { // each Poll waits in virtual time, never in real time
		srv.Poll(10)
		cli.Poll(10)
	}
	// Output:
	// t=0.015020 got "hello, simulated world\n"
}
