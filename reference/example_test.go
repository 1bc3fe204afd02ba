package reference_test

import (
	"fmt"

	"github.com/mgsim/mgsim/reference"
)

// An echo server and a client over the test's fake network. POLL events
// are left out of the printout. Note the order: the client's CONNECT and
// SEND come in poll 1, the server side's ACCEPT after them; the echo queued
// in poll 2 is sent in poll 3; the peer's EOF has no event; the listener's
// CLOSE comes from Free, outside any poll (poll 0).
func Example() {
	net := newFakeNet() // a scripted in-memory network (fake_test.go)
	m := reference.NewManager(net, reference.Options{})

	print := func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		switch ev {
		case reference.EvPoll:
			return
		case reference.EvAccept:
			fmt.Printf("poll %d: conn %d %s from %s\n", m.PollIndex(), c.ID(), ev, d.Addr)
		case reference.EvClose:
			fmt.Printf("poll %d: conn %d %s with flags %s\n", m.PollIndex(), c.ID(), ev, c.Flags)
		default:
			fmt.Printf("poll %d: conn %d %s %d\n", m.PollIndex(), c.ID(), ev, d.Int)
		}
	}
	server := func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		print(c, ev, d)
		if ev == reference.EvRecv {
			c.Send(c.RecvMbuf.Bytes()) // queue the echo
			c.RecvMbuf.Remove(c.RecvMbuf.Len())
			c.Flags |= reference.FlagSendAndClose // close once it is sent
		}
	}
	client := func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		print(c, ev, d)
		switch ev {
		case reference.EvConnect:
			c.Printf("hello\n")
		case reference.EvRecv:
			fmt.Printf("  client got %q\n", c.RecvMbuf.Bytes())
			c.RecvMbuf.Remove(c.RecvMbuf.Len())
		}
	}

	if _, err := m.Bind("tcp://127.0.0.1:8000", server); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := m.Connect("tcp://127.0.0.1:8000", client); err != nil {
		fmt.Println(err)
		return
	}
	for range 5 {
		m.Poll(10)
	}
	m.Free()
	// Output:
	// poll 1: conn 2 CONNECT 0
	// poll 1: conn 2 SEND 6
	// poll 1: conn 3 ACCEPT from 127.0.0.1:40001
	// poll 2: conn 3 RECV 6
	// poll 3: conn 3 SEND 6
	// poll 4: conn 3 CLOSE with flags SEND_AND_CLOSE|CLOSE_IMMEDIATELY
	// poll 4: conn 2 RECV 6
	//   client got "hello\n"
	// poll 5: conn 2 CLOSE with flags SEND_AND_CLOSE|CLOSE_IMMEDIATELY
	// poll 0: conn 1 CLOSE with flags LISTENING|CLOSE_IMMEDIATELY
}
