package conformance

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/mgsim/mgsim/simnet"
)

// Group 7: the hostile network — partitions, holds, crashes, resets and
// name resolution, all from fault schedules that the trace records.

func init() {
	register(
		Scenario{ID: "7.1", Name: "net/partition-heal", Title: "a partition in the middle of a 256 KiB echo, repaired 2 s later: TCP recovers and every byte arrives",
			Rules: []string{"BUF-1", "BUF-3", "BUF-6", "BUF-7", "TR-3"}, Setup: partitionHeal},
		Scenario{ID: "7.2", Name: "net/partition-timeout", Title: "a partition that never heals: the stacks time out and both ends are closed without an event for the error",
			Rules: []string{"CL-1", "CL-5", "EV-1", "BUF-6"}, Tune: func(c *simnet.Config) { c.TCPUserTimeout = 3 * time.Second }, Setup: partitionTimeout},
		Scenario{ID: "7.3", Name: "net/hold-release", Title: "the link holds every packet for a second, then lets them all go: the echo arrives in order",
			Rules: []string{"BUF-1", "BUF-7", "BUF-8", "EV-7"}, Setup: holdRelease},
		Scenario{ID: "7.4", Name: "net/one-way-partition", Title: "the server's packets are lost for 1.5 s while the client's get through",
			Rules: []string{"BUF-3", "BUF-7", "CL-5"}, Setup: oneWayPartition},
		Scenario{ID: "7.5", Name: "host/crash-restart", Title: "the server host crashes mid-echo and restarts; the client times out, reconnects and finishes",
			Rules: []string{"EV-1", "EV-3", "CL-5", "TM-3", "BUF-7"}, Deadline: 300 * time.Second, Setup: crashRestart},
		Scenario{ID: "7.6", Name: "net/reset-injected", Title: "an RST injected mid-stream closes both ends without an event; the client reconnects",
			Rules: []string{"CL-1", "CL-5", "EV-1", "BUF-6"}, Setup: resetInjected},
		Scenario{ID: "7.7", Name: "dns/resolve", Title: "a connect by host name resolves, then connects and echoes",
			Rules: []string{"EV-3", "EV-7", "BUF-7"}, Setup: resolveOK},
		Scenario{ID: "7.8", Name: "dns/resolve-fail", Title: "a host name that does not resolve gives CONNECT(-1) and CLOSE, and no POLL ever",
			Rules: []string{"EV-3", "EV-1"}, Setup: resolveFail},
		Scenario{ID: "7.9", Name: "dns/resolve-timeout", Title: "a lookup slower than the resolver's timeout gives TIMER, CONNECT(-1), CLOSE",
			Rules: []string{"EV-3", "TM-1", "EV-1"}, Setup: resolveTimeout},
		Scenario{ID: "7.10", Name: "udp/across-partition", Title: "a UDP client resends across a 2 s partition until its echoes come",
			Rules: []string{"UDP-1", "UDP-2", "TM-1", "TM-3"}, Setup: udpAcrossPartition},
		Scenario{ID: "7.11", Name: "net/chaos", Title: "5 retrying clients under a random schedule of partitions, holds and a server crash",
			Rules: []string{"EV-1", "CL-5", "BUF-6", "BUF-7", "TM-3"}, Deadline: 600 * time.Second, Setup: chaos},
	)
}

// faultPair is the usual cast of a fault scenario: a server host and a
// client host, each running one manager.
func faultPair(e *Env) (sh, ch *simnet.Host, srv, cli *Mgr) {
	sh, ch = e.Host("server"), e.Host("client")
	return sh, ch, e.NewManager(sh), e.NewManager(ch)
}

func pair(a, b *simnet.Host) string { return a.Addr().String() + " " + b.Addr().String() }

// echoThroughFaults streams size bytes through an echo server, in chunks
// of chunk, while the fault schedule that faults writes for the two hosts
// plays out; the echo must come back whole.
func echoThroughFaults(e *Env, size, chunk int, faults func(sh, ch *simnet.Host) string) {
	sh, ch, srv, cli := faultPair(e)
	if _, err := srv.Bind(TCP(sh, 80), echoHandler); !must(e, "bind", err) {
		return
	}
	c := &streamClient{e: e, name: "client", msg: payload(e.Rand, size), chunk: chunk, done: countdown(e, 1)}
	if _, err := cli.Connect(TCP(sh, 80), c.handle); !must(e, "connect", err) {
		return
	}
	e.Faults(faults(sh, ch))
	e.Loop("server", srv, 100)
	e.Loop("client", cli, 100)
}

func partitionHeal(e *Env) {
	echoThroughFaults(e, 256<<10, 4096, func(sh, ch *simnet.Host) string {
		return fmt.Sprintf("at 1ms partition %s\nat 2001ms repair %s", pair(sh, ch), pair(sh, ch))
	})
}

// partitionTimeout cuts the hosts apart when the first echo bytes arrive;
// the stacks' user timeout (3 s here) then fails both connections.
func partitionTimeout(e *Env) {
	sh, ch, srv, cli := faultPair(e)
	if _, err := srv.Bind(TCP(sh, 80), echoHandler); !must(e, "bind", err) {
		return
	}
	done := countdown(e, 1)
	msg := payload(e.Rand, 256<<10)
	cut, got := false, 0
	client := func(c Conn, ev Ev, d Data) {
		switch ev {
		case EvConnect:
			c.Send(msg)
		case EvRecv:
			got += len(c.RecvBuf())
			c.Remove(len(c.RecvBuf()))
			if !cut {
				cut = true
				e.Faults(fmt.Sprintf("at %v partition %s", e.World.Now(), pair(sh, ch)))
			}
		case EvClose:
			if got >= len(msg) {
				e.Errorf("the whole echo arrived across a partition that never healed")
			}
			done()
		}
	}
	if _, err := cli.Connect(TCP(sh, 80), client); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

func holdRelease(e *Env) {
	echoThroughFaults(e, 64<<10, 2048, func(sh, ch *simnet.Host) string {
		return fmt.Sprintf("at 1ms hold %s\nat 1001ms release %s", pair(sh, ch), pair(sh, ch))
	})
}

func oneWayPartition(e *Env) {
	echoThroughFaults(e, 64<<10, 4096, func(sh, ch *simnet.Host) string {
		way := sh.Addr().String() + ">" + ch.Addr().String()
		return fmt.Sprintf("at 1ms partition-oneway %s\nat 1501ms repair-oneway %s", way, way)
	})
}

// retrier is a client that wants one message echoed back whole, and keeps
// trying: a connection that fails, closes early or makes no progress for
// patience seconds (its timer) is given up and a new one is made, up to
// tries times. Bytes that come back must always be a prefix of the message.
type retrier struct {
	e        *Env
	m        *Mgr
	name     string
	addr     string
	msg      []byte
	patience float64
	tries    int
	done     func()

	// onRecv, if set, is called after each RECV has been taken in.
	onRecv func(c Conn)

	attempt int
	sent    int
	got     int // bytes echoed in this attempt
	ok      bool
}

func (r *retrier) start() {
	r.attempt++
	r.sent, r.got = 0, 0
	if _, err := r.m.Connect(r.addr, r.handle); err != nil {
		r.e.Errorf("%s: connect: %v", r.name, err)
		r.done()
	}
}

func (r *retrier) handle(c Conn, ev Ev, d Data) {
	switch ev {
	case EvConnect:
		if d.Int == 0 {
			r.progress(c)
		}
	case EvPoll, EvSend:
		if c.Flags()&(FlagConnecting|FlagCloseImmediately) == 0 {
			r.queue(c)
		}
	case EvRecv:
		r.received(c)
	case EvTimer:
		c.SetFlags(c.Flags() | FlagCloseImmediately) // no progress: give this connection up
	case EvClose:
		r.closed()
	}
}

func (r *retrier) progress(c Conn) {
	if !r.ok {
		c.SetTimer(r.m.Time() + r.patience)
	}
}

func (r *retrier) queue(c Conn) {
	if r.sent < len(r.msg) && c.SendLen() < 8192 {
		n := min(4096, len(r.msg)-r.sent)
		c.Send(r.msg[r.sent : r.sent+n])
		r.sent += n
	}
}

func (r *retrier) received(c Conn) {
	in, at := c.RecvBuf(), r.got
	r.got += len(in)
	if r.got > len(r.msg) || !bytes.Equal(in, r.msg[at:r.got]) { // what came before was checked on its arrival
		r.e.Errorf("%s: attempt %d: the echo is not what was sent (%d bytes)", r.name, r.attempt, r.got)
	}
	c.Remove(len(in))
	r.progress(c)
	if r.onRecv != nil {
		r.onRecv(c)
	}
	if r.got == len(r.msg) && !r.ok {
		r.ok = true
		c.SetTimer(0)
		c.SetFlags(c.Flags() | FlagSendAndClose)
	}
}

func (r *retrier) closed() {
	switch {
	case r.ok:
		r.done()
	case r.attempt < r.tries:
		r.start()
	default:
		r.e.Errorf("%s: no echo after %d attempts", r.name, r.tries)
		r.done()
	}
}

func newRetrier(e *Env, m *Mgr, name, addr string, size int, done func()) *retrier {
	return &retrier{e: e, m: m, name: name, addr: addr, msg: payload(e.Rand, size), patience: 2, tries: 50, done: done}
}

// echoServer serves an echo listener on port 80 of h, again after every
// restart of the host.
func echoServer(e *Env, h *simnet.Host) {
	e.Serve(h, 100, func(m *Mgr) {
		if _, err := m.Bind(TCP(h, 80), echoHandler); err != nil {
			e.Errorf("bind after boot: %v", err)
		}
	})
}

func crashRestart(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	echoServer(e, sh)
	cli := e.NewManager(ch)
	newRetrier(e, cli, "client", TCP(sh, 80), 128<<10, countdown(e, 1)).start()
	e.Faults("at 2ms crash server\nat 1002ms restart server")
	e.Loop("client", cli, 100)
}

// resetInjected resets the client's first connection once some of the echo
// has come back.
func resetInjected(e *Env) {
	sh, _, srv, cli := faultPair(e)
	if _, err := srv.Bind(TCP(sh, 80), echoHandler); !must(e, "bind", err) {
		return
	}
	r := newRetrier(e, cli, "client", TCP(sh, 80), 128<<10, countdown(e, 1))
	injected := false
	r.onRecv = func(c Conn) {
		if !injected {
			injected = true
			e.Faults(fmt.Sprintf("at %v reset %s %s", e.World.Now().Add(time.Millisecond), c.LocalAddr(), c.Addr()))
		}
	}
	r.start()
	e.Loop("server", srv, 100)
	e.Loop("client", cli, 100)
}

func resolveOK(e *Env) {
	sh, _, srv, cli := faultPair(e)
	if err := e.Net.AddName("echo.test", sh.Addr()); err != nil {
		e.Errorf("harness: %v", err)
		return
	}
	if _, err := srv.Bind(TCP(sh, 80), echoHandler); !must(e, "bind", err) {
		return
	}
	c := &streamClient{e: e, name: "client", msg: payload(e.Rand, 20000), chunk: 4096, done: countdown(e, 1)}
	if _, err := cli.Connect("tcp://echo.test:80", c.handle); must(e, "connect", err) {
		e.Loop("server", srv, 100)
		e.Loop("client", cli, 100)
	}
}

// resolveExpectFailure connects to name and expects the resolver's failure
// path: CONNECT(-1) then CLOSE, with no POLL; TIMER first when wantTimer.
func resolveExpectFailure(e *Env, name string, wantTimer bool) {
	_, _, _, cli := faultPair(e)
	var k counts
	done := countdown(e, 1)
	client := func(c Conn, ev Ev, d Data) {
		k.add(ev)
		switch ev {
		case EvConnect:
			if d.Int != -1 {
				e.Errorf("CONNECT %d for a failed lookup, want -1", d.Int)
			}
		case EvClose:
			if k[EvPoll] != 0 || k[EvConnect] != 1 || (k[EvTimer] == 1) != wantTimer {
				e.Errorf("want %sCONNECT(-1) and CLOSE with no POLL, got %v", map[bool]string{true: "TIMER, ", false: ""}[wantTimer], k)
			}
			done()
		}
	}
	if _, err := cli.Connect("tcp://"+name+":80", client); must(e, "connect", err) {
		e.Loop("client", cli, 100)
	}
}

func resolveFail(e *Env) {
	e.Faults("at 0s dns-fail gone.test")
	resolveExpectFailure(e, "gone.test", false)
}

func resolveTimeout(e *Env) {
	e.Net.AddName("slow.test", netip.MustParseAddr("10.0.0.1"))
	e.Faults("at 0s dns-slow slow.test 8s")
	resolveExpectFailure(e, "slow.test", true)
}

func udpAcrossPartition(e *Env) {
	sh, ch, srv, cli := faultPair(e)
	if _, err := srv.Bind(UDP(sh, 53), echoHandler); !must(e, "bind", err) {
		return
	}
	u := newPinger(e, cli, countdown(e, 1))
	for i := 0; i < 6; i++ {
		u.msgs = append(u.msgs, payload(e.Rand, 100+i))
	}
	if _, err := cli.Connect(UDP(sh, 53), u.handle); !must(e, "connect", err) {
		return
	}
	e.Faults(fmt.Sprintf("at 1ms partition %s\nat 2001ms repair %s", pair(sh, ch), pair(sh, ch)))
	e.Loop("server", srv, 100)
	e.Loop("client", cli, 100)
}

// chaos draws a schedule of partitions and holds between the two hosts,
// plus one crash of the server, while five retrying clients want their
// echoes.
func chaos(e *Env) {
	sh, ch := e.Host("server"), e.Host("client")
	echoServer(e, sh)
	cli := e.NewManager(ch)
	const n = 5
	done := countdown(e, n)
	for i := 0; i < n; i++ {
		newRetrier(e, cli, fmt.Sprintf("client %d", i), TCP(sh, 80), 8<<10+e.Rand.IntN(64<<10), done).start()
	}
	s := simnet.GenerateSchedule(e.Rand.Fork("faults"), []*simnet.Host{sh, ch}, simnet.GenOptions{
		Span: 5 * time.Second, Faults: 6, MaxLength: 2 * time.Second,
		Kinds: []simnet.FaultKind{simnet.OpPartition, simnet.OpPartitionOneWay, simnet.OpHold, simnet.OpHoldOneWay}})
	crash := time.Duration(e.Rand.Int64N(int64(5 * time.Second)))
	e.Faults(s.String() + fmt.Sprintf("at %v crash server\nat %v restart server\n", crash, crash+500*time.Millisecond))
	e.Loop("client", cli, 100)
}
