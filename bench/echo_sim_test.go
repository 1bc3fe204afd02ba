package bench

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// workload is an echo workload: clients each send size bytes in chunks of
// chunk bytes and read them all back.
type workload struct {
	clients, size, chunk int
}

// String names the workload in benchmark names: "100x64KiB" (every
// workload writes in 4 KiB chunks).
func (w workload) String() string {
	return fmt.Sprintf("%dx%s", w.clients, kib(w.size))
}

func (w workload) bytes() int64 { return int64(w.clients) * int64(w.size) }

func kib(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}

// simNet is the network the simulated benchmark runs on: 100µs of latency
// and 1460-byte segments, so the simulation does real work per byte.
var simNet = simnet.Config{Latency: 100 * time.Microsecond, MinSegment: 1460, MaxSegment: 1460, Backlog: 4096}

// newEchoWorld builds a world on simNet with two hosts: a server whose
// manager echoes every RECV, and a client host with an empty manager.
// Every handler call of the server counts in *events.
func newEchoWorld(tb testing.TB, seed sim.Seed, events *int64) (w *sim.World, srv, cli *reference.Manager) {
	w = sim.New(sim.Options{Seed: seed})
	net, err := simnet.New(w, simNet)
	if err != nil {
		tb.Fatal(err)
	}
	sh, _ := net.AddHost("server", netip.MustParseAddr("10.0.0.1"))
	ch, _ := net.AddHost("clients", netip.MustParseAddr("10.0.0.2"))
	srv = reference.NewManager(sh, reference.Options{})
	if _, err := srv.Bind("tcp://10.0.0.1:7", func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		*events++
		if ev == reference.EvRecv {
			c.Send(c.RecvMbuf.Bytes())
			c.RecvMbuf.Remove(c.RecvMbuf.Len())
		}
	}); err != nil {
		tb.Fatal(err)
	}
	return w, srv, reference.NewManager(ch, reference.Options{})
}

// simEcho runs one echo workload on the reference over simnet and returns
// the number of handler calls.
func simEcho(b *testing.B, seed sim.Seed, wl workload) int64 {
	var events int64
	w, srv, cli := newEchoWorld(b, seed, &events)
	defer w.Close()
	left := wl.clients
	msg := make([]byte, wl.chunk)
	for i := 0; i < wl.clients; i++ {
		sent, got := 0, 0
		_, err := cli.Connect("tcp://10.0.0.1:7", func(c *reference.Conn, ev reference.Event, d reference.EventData) {
			events++
			switch ev {
			case reference.EvConnect, reference.EvSend, reference.EvPoll:
				if c.Flags&reference.FlagConnecting == 0 && sent < wl.size && c.SendMbuf.Len() < 2*wl.chunk {
					n := min(wl.chunk, wl.size-sent)
					c.Send(msg[:n])
					sent += n
				}
			case reference.EvRecv:
				got += c.RecvMbuf.Len()
				c.RecvMbuf.Remove(c.RecvMbuf.Len())
				if got == wl.size {
					c.Flags |= reference.FlagCloseImmediately
					left--
				}
			}
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	w.Go("server", func(p *sim.Proc) {
		for left > 0 {
			srv.Poll(1000)
		}
		srv.Free()
	})
	w.Go("clients", func(p *sim.Proc) {
		for left > 0 {
			cli.Poll(1000)
		}
		cli.Free()
	})
	if err := w.Run(sim.Time(time.Hour)); err != nil {
		b.Fatal(err)
	}
	if left != 0 {
		b.Fatalf("%d clients did not get their echo", left)
	}
	return events
}

// workloads are the echo workloads every way runs.
var workloads = []workload{
	{100, 64 << 10, 4 << 10},
	{1000, 4 << 10, 4 << 10},
	{10, 4 << 20, 4 << 10},
}

// BenchmarkEcho runs each echo workload three ways in one run: "sim", the
// reference poll core over the simulated network with latency and
// segmentation; "loopback", a goroutine-per-connection echo over real TCP
// on 127.0.0.1; "synctest", the same program over net.Pipe inside a
// testing/synctest bubble. Each reports MB/s (bytes echoed per wall
// second), events/s (handler calls for sim; Read and Write calls for the
// others) and allocations. scripts/bench.sh prints the ratios.
func BenchmarkEcho(b *testing.B) {
	ways := []struct {
		name string
		run  func(b *testing.B, i int, wl workload) int64
	}{
		{"sim", func(b *testing.B, i int, wl workload) int64 { return simEcho(b, sim.Seed(i+1), wl) }},
		{"loopback", func(b *testing.B, i int, wl workload) int64 { return loopbackEcho(b, wl) }},
		{"synctest", func(b *testing.B, i int, wl workload) int64 { return synctestEcho(b, wl) }},
	}
	for _, wl := range workloads {
		for _, way := range ways {
			b.Run(wl.String()+"/"+way.name, func(b *testing.B) {
				b.SetBytes(wl.bytes())
				b.ReportAllocs()
				var events int64
				for i := 0; i < b.N; i++ {
					events += way.run(b, i, wl)
				}
				b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
