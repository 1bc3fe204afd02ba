package bench

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// BenchmarkIdleHour is the time-acceleration workload: 1,000 idle
// connections, each with a one-second timer re-armed from its handler (all
// due together, as a periodic housekeeping timer is), on a manager polled
// with a one-second timeout, for one simulated hour: 3,600 polls of 1,000
// TIMER and 1,000 POLL calls. It reports the simulated seconds per wall
// second ("x-realtime") and handler events per second.
func BenchmarkIdleHour(b *testing.B) {
	const conns = 1000
	var events int64
	for i := 0; i < b.N; i++ {
		w := sim.New(sim.Options{Seed: sim.Seed(i + 1)})
		net, _ := simnet.New(w, simnet.Config{})
		h, _ := net.AddHost("box", netip.MustParseAddr("10.0.0.1"))
		m := reference.NewManager(h, reference.Options{})
		for j := 0; j < conns; j++ {
			c := m.AddSock(func(c *reference.Conn, ev reference.Event, d reference.EventData) {
				events++
				if ev == reference.EvTimer {
					c.SetTimer(d.Time + 1)
				}
			})
			c.SetTimer(1)
		}
		for m.Time() < 3600 {
			m.Poll(1000)
		}
		w.Close()
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(3600*float64(b.N)/wall, "x-realtime")
	b.ReportMetric(float64(events)/wall, "events/s")
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkScale100k puts 100,000 simulated TCP connections (50,000
// client/server pairs, established on simnet and idle) in one world, plus
// 100,000 idle connections on the reference, and reports the memory each
// costs outside its data buffers (none hold data).
func BenchmarkScale100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		base := heapInUse()
		w := sim.New(sim.Options{Seed: 1})
		net, _ := simnet.New(w, simnet.Config{Latency: time.Millisecond, Backlog: 1 << 20})
		sh, _ := net.AddHost("server", netip.MustParseAddr("10.0.0.1"))
		var clients []*simnet.Host
		for h := 0; h < 4; h++ { // 4 client hosts: ephemeral ports run out at ~25,000 per host
			ch, _ := net.AddHost(fmt.Sprintf("client%d", h), netip.AddrFrom4([4]byte{10, 0, 1, byte(h)}))
			clients = append(clients, ch)
		}
		lfd, err := sh.ListenTCP(netip.MustParseAddrPort("10.0.0.1:80"))
		if err != nil {
			b.Fatal(err)
		}
		const pairs = 50000
		for j := 0; j < pairs; j++ {
			if _, err := clients[j%len(clients)].DialTCP(netip.MustParseAddrPort("10.0.0.1:80")); err != nil {
				b.Fatal(err)
			}
		}
		accepted := 0
		w.Go("acceptor", func(p *sim.Proc) {
			fds := []simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}
			for accepted < pairs {
				sh.Poll(fds, time.Second)
				for {
					if _, _, err := sh.Accept(lfd); err != nil {
						break
					}
					accepted++
				}
			}
		})
		if err := w.Run(sim.Time(time.Minute)); err != nil || accepted != pairs {
			b.Fatalf("accepted %d of %d: %v", accepted, pairs, err)
		}
		netBytes := heapInUse() - base

		base = heapInUse()
		m := reference.NewManager(sh, reference.Options{})
		for j := 0; j < 100000; j++ {
			m.AddSock(func(c *reference.Conn, ev reference.Event, d reference.EventData) {})
		}
		m.Poll(0)
		refBytes := heapInUse() - base
		b.ReportMetric(float64(netBytes)/(2*pairs), "simnet-B/conn")
		b.ReportMetric(float64(refBytes)/100000, "reference-B/conn")
		runtime.KeepAlive(net)
		runtime.KeepAlive(m)
		w.Close()
	}
}
