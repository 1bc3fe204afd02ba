package simnet_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// A client on one host says "hello" to a listener on another, 10ms away.
// The connect completes after one round trip (20ms), the server can accept
// after the handshake's last ACK (30ms), and the data, written at 20ms,
// arrives right behind that ACK.
func Example() {
	w := sim.New(sim.Options{Seed: 1})
	defer w.Close()
	n, _ := simnet.New(w, simnet.Config{Latency: 10 * time.Millisecond})
	server, _ := n.AddHost("server", netip.MustParseAddr("10.0.0.2"))
	client, _ := n.AddHost("client", netip.MustParseAddr("10.0.0.1"))
	addr := netip.MustParseAddrPort("10.0.0.2:80")

	w.Go("server", func(p *sim.Proc) {
		lfd, _ := server.ListenTCP(addr)
		server.Poll([]simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}, -1)
		fd, peer, _ := server.Accept(lfd)
		fmt.Println("accepted", peer, "at", w.Now())
		server.Poll([]simnet.PollFD{{FD: fd, Events: simnet.PollIn}}, -1)
		buf := make([]byte, 64)
		k, _ := server.Read(fd, buf)
		fmt.Printf("read %q at %v\n", buf[:k], w.Now())
	})
	w.Go("client", func(p *sim.Proc) {
		fd, _ := client.DialTCP(addr)
		client.Poll([]simnet.PollFD{{FD: fd, Events: simnet.PollOut}}, -1)
		fmt.Println("connected at", w.Now(), "error", client.ConnectError(fd))
		client.Write(fd, []byte("hello"))
	})
	if err := w.Run(sim.Never); err != nil {
		fmt.Println(err)
	}
	// Output:
	// connected at 0.020000000s error <nil>
	// accepted 10.0.0.1:40000 at 0.030000000s
	// read "hello" at 0.030010000s
}
