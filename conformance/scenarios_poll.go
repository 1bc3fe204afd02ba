package conformance

import (
	"fmt"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// Group 6: the poll loop at scale and over long idle stretches.

func init() {
	register(
		Scenario{ID: "6.1", Name: "poll/idle-keepalive", Title: "10 idle connections with 1 s polls trade a keepalive every 30 s for 5 simulated minutes",
			Rules: []string{"EV-7", "TM-1", "TM-3", "TR-3", "TR-4"}, Deadline: 10 * time.Minute, Setup: idleKeepalive},
		Scenario{ID: "6.2", Name: "poll/many-connections", Title: "100 connections on one listener each echo one message of up to 1500 bytes",
			Rules: []string{"EV-7", "EV-9", "EV-10", "BUF-1", "BUF-3", "BUF-7"}, Setup: manyConnections},
		Scenario{ID: "6.3", Name: "poll/zero-timeout", Title: "a manager polled with a zero timeout between sleeps of its process",
			Rules: []string{"EV-7", "TR-3", "TM-3"}, Setup: zeroTimeoutPolls},
	)
}

func idleKeepalive(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	const n = 10
	if _, err := srv.Bind(TCP(sh, 22), echoHandler); !must(e, "bind", err) {
		return
	}
	done := countdown(e, n)
	for i := 0; i < n; i++ {
		if _, err := cli.Connect(TCP(sh, 22), keepalive(e, cli, 30, 10, done)); !must(e, "connect", err) {
			return
		}
	}
	e.Loop("server", srv, 1000)
	e.Loop("client", cli, 1000)
}

// keepalive sends "ka\n" every period seconds (by its timer) and closes
// after times keepalives have been echoed.
func keepalive(e *Env, m *Mgr, period float64, times int, done func()) Handler {
	echoed := 0
	return func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			c.SetTimer(m.Time() + period)
		case EvTimer:
			c.Send([]byte("ka\n"))
			c.SetTimer(d.Time + period)
		case EvRecv:
			echoed += len(c.RecvBuf()) / 3
			c.Remove(len(c.RecvBuf()) / 3 * 3)
			if echoed >= times {
				c.SetTimer(0)
				c.SetFlags(c.Flags() | FlagSendAndClose)
			}
		case EvClose:
			if echoed < times {
				e.Errorf("keepalive client closed after %d of %d echoes", echoed, times)
			}
			done()
		}
	}
}

func manyConnections(e *Env) {
	sh, ch := e.Host("server"), e.Host("clients")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	if _, err := srv.Bind(TCP(sh, 80), echoHandler); !must(e, "bind", err) {
		return
	}
	const n = 100
	done := countdown(e, n)
	for i := 0; i < n; i++ {
		c := &streamClient{e: e, name: fmt.Sprintf("client %d", i), msg: payload(e.Rand, 1+e.Rand.IntN(1500)), chunk: 1500, done: done}
		if _, err := cli.Connect(TCP(sh, 80), c.handle); !must(e, "connect", err) {
			return
		}
	}
	e.Loop("server", srv, 50)
	e.Loop("clients", cli, 50)
}

// zeroTimeoutPolls: the client process polls with a zero timeout and sleeps
// 5 ms between polls, as a program with its own main loop does.
func zeroTimeoutPolls(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	srv, cli := e.NewManager(sh), e.NewManager(ch)
	if _, err := srv.Bind(TCP(sh, 80), echoHandler); !must(e, "bind", err) {
		return
	}
	sc := &streamClient{e: e, name: "client", msg: payload(e.Rand, 20000), chunk: 1000, done: countdown(e, 1)}
	c, err := cli.Connect(TCP(sh, 80), sc.handle)
	if !must(e, "connect", err) {
		return
	}
	c.SetTimer(cli.Time() + 0.0123)
	e.Loop("server", srv, 100)
	e.World.Go("client", func(p *sim.Proc) {
		for !e.Finished() {
			cli.Poll(0)
			p.Sleep(5 * time.Millisecond)
		}
		cli.Poll(0)
		cli.Free()
	})
}
