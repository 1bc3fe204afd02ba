package reference_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// counted wraps a simulated host and counts what the adversary did to the
// calls the reference made.
type counted struct {
	*simnet.Host
	refused, shortWrites, pollEINTR int
}

func (c *counted) note(err error) {
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
		c.refused++
	}
}

func (c *counted) Read(fd int, p []byte) (int, error) {
	n, err := c.Host.Read(fd, p)
	c.note(err)
	return n, err
}

func (c *counted) Write(fd int, p []byte) (int, error) {
	n, err := c.Host.Write(fd, p)
	c.note(err)
	if err == nil && n < len(p) {
		c.shortWrites++
	}
	return n, err
}

func (c *counted) Accept(fd int) (int, netip.AddrPort, error) {
	nfd, a, err := c.Host.Accept(fd)
	c.note(err)
	return nfd, a, err
}

// Poll counts the EINTRs the reference had to take as "nothing ready".
func (c *counted) Poll(fds []reference.PollFD, timeout time.Duration) (int, error) {
	n, err := c.Host.Poll(fds, timeout)
	if errors.Is(err, syscall.EINTR) {
		c.pollEINTR++
	}
	return n, err
}

// echoRun runs a reference echo server and a reference client on two
// hosts with cfg; the client sends data and checks the echo. It returns
// the echo, the two counters, and a log of every handler call.
func echoRun(t *testing.T, seed sim.Seed, cfg simnet.Config, data []byte) ([]byte, *counted, *counted, string) {
	t.Helper()
	w := sim.New(sim.Options{Seed: seed, MaxSteps: 20_000_000})
	t.Cleanup(w.Close)
	n, err := simnet.New(w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ha, _ := n.AddHost("client", netip.MustParseAddr("10.0.0.1"))
	hb, _ := n.AddHost("server", netip.MustParseAddr("10.0.0.2"))
	ca, cb := &counted{Host: ha}, &counted{Host: hb}
	var log bytes.Buffer
	logger := func(who string, m **reference.Manager, h reference.Handler) reference.Handler {
		return func(c *reference.Conn, ev reference.Event, d reference.EventData) {
			fmt.Fprintf(&log, "%v %s %d:%d %v %d %v\n", w.Now(), who, (*m).PollIndex(), c.ID(), ev, d.Int, c.Flags)
			h(c, ev, d)
		}
	}
	var echo []byte
	done := false
	var srv, cli *reference.Manager
	srv = reference.NewManager(cb, reference.Options{})
	if _, err := srv.Bind("tcp://10.0.0.2:80", logger("server", &srv, echoHandler)); err != nil {
		t.Fatal(err)
	}
	cli = reference.NewManager(ca, reference.Options{})
	if _, err := cli.Connect("tcp://10.0.0.2:80", logger("client", &cli, clientHandler(data, &echo, &done))); err != nil {
		t.Fatal(err)
	}
	hb.Go("server loop", func(p *sim.Proc) {
		for !done {
			srv.Poll(50)
		}
		srv.Free()
	})
	ha.Go("client loop", func(p *sim.Proc) {
		for !done {
			cli.Poll(50)
		}
		cli.Free()
	})
	if err := w.Run(sim.Time(time.Hour)); err != nil {
		t.Fatalf("seed %v: %v", seed, err)
	}
	return echo, ca, cb, log.String()
}

// echoHandler sends back what it receives.
func echoHandler(c *reference.Conn, ev reference.Event, d reference.EventData) {
	if ev == reference.EvRecv {
		c.Send(c.RecvMbuf.Bytes())
		c.RecvMbuf.Remove(c.RecvMbuf.Len())
	}
}

// clientHandler sends data once connected and collects the echo.
func clientHandler(data []byte, echo *[]byte, done *bool) reference.Handler {
	return func(c *reference.Conn, ev reference.Event, d reference.EventData) {
		switch ev {
		case reference.EvConnect:
			if d.Int != 0 {
				panic(fmt.Sprintf("connect failed: %d", d.Int))
			}
			c.Send(data)
		case reference.EvRecv:
			*echo = append(*echo, c.RecvMbuf.Bytes()...)
			c.RecvMbuf.Remove(c.RecvMbuf.Len())
			if len(*echo) >= len(data) {
				*done = true
			}
		case reference.EvClose:
			*done = true
		}
	}
}

// The reference over adversarial hosts (short reads and writes, EAGAIN and
// EINTR, hidden readiness, Poll EINTR, late connects) still moves every
// byte, in order; the adversary really hit it; and the run is the same at
// any GOMAXPROCS.
func TestReferenceUnderAdversary(t *testing.T) {
	adv, _ := simnet.LookupProfile("adversary")
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for seed := sim.Seed(1); seed <= 8; seed++ {
		data := make([]byte, 50_000)
		r := sim.NewRand(seed)
		for i := range data {
			data[i] = byte(r.Uint64())
		}
		runtime.GOMAXPROCS(1)
		echo, ca, cb, log := echoRun(t, seed, adv.Config, data)
		if !bytes.Equal(echo, data) {
			t.Fatalf("seed %v: echo of %d bytes, want %d (first difference %d)", seed, len(echo), len(data), firstDifference(echo, data))
		}
		if ca.refused+cb.refused == 0 || ca.shortWrites+cb.shortWrites == 0 || ca.pollEINTR+cb.pollEINTR == 0 {
			t.Fatalf("seed %v: the adversary did little: refused %d/%d, short writes %d/%d, poll EINTR %d/%d",
				seed, ca.refused, cb.refused, ca.shortWrites, cb.shortWrites, ca.pollEINTR, cb.pollEINTR)
		}
		runtime.GOMAXPROCS(8)
		if _, _, _, again := echoRun(t, seed, adv.Config, data); again != log {
			t.Fatalf("seed %v: same seed, different handler calls", seed)
		}
	}
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
