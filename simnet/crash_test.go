package simnet_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// A crash kills the host's processes, not others; a restart runs its boot
// functions again as new processes.
func TestCrashKillsProcessesAndRestartBoots(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	var boots []time.Duration
	e.b.Boot(func(p *sim.Proc) {
		boots = append(boots, time.Duration(e.w.Now()))
		p.Sleep(time.Hour)
	})
	worker := e.b.Go("worker", func(p *sim.Proc) { p.Sleep(time.Hour) })
	bystander := e.w.Go("bystander", func(p *sim.Proc) { p.Sleep(2 * time.Second) })
	e.w.At(sim.Time(time.Second), sim.Func(func() { ok(0, e.n.Crash(e.b)) }))
	e.w.At(sim.Time(3*time.Second), sim.Func(func() { ok(0, e.n.Restart(e.b)) }))
	e.runUntil(4 * time.Second)
	if !worker.Done() || !worker.Killed() {
		t.Fatal("the host's process survived the crash")
	}
	if !bystander.Done() || bystander.Killed() {
		t.Fatal("a process of no host was killed, or did not finish")
	}
	if len(boots) != 2 || boots[0] != 0 || boots[1] != 3*time.Second {
		t.Fatalf("boot functions ran at %v, want [0s 3s]", boots)
	}
	procs := e.w.Procs()
	if name := procs[len(procs)-1].Name(); name != "b boot 1" {
		t.Fatalf("the rebooted process is named %q", name)
	}
	want := "1.000000000s fault:crash b\n3.000000000s fault:restart b\n"
	if got := e.logWhere(simnet.Event.IsFault); got != want {
		t.Fatalf("fault events:\n%s\nwant:\n%s", got, want)
	}
}

// A crashed host has no sockets: descriptors are gone (EBADF, PollNval),
// new sockets fail with ENETDOWN, and processes started on it are killed
// before they run. Crashing twice or restarting a live host is an error.
func TestCrashedHostCalls(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	ufd := must(t)(e.b.OpenUDP())
	lk := must(t)(e.b.Lookup("x.test"))
	if err := e.n.Crash(e.b); err != nil {
		t.Fatal(err)
	}
	if err := e.n.Crash(e.b); err == nil || !e.b.Down() {
		t.Fatal("a second crash succeeded")
	}
	for _, fd := range []int{lfd, ufd, lk} {
		if err := e.b.Close(fd); !errors.Is(err, syscall.EBADF) {
			t.Errorf("Close(%d) on a crashed host = %v", fd, err)
		}
	}
	fds := []simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}
	if n, _ := e.b.Poll(fds, 0); n != 1 || fds[0].Revents != simnet.PollNval {
		t.Errorf("Poll on a crashed host: %d %#x", n, fds[0].Revents)
	}
	calls := []error{
		second(e.b.ListenTCP(srvAddr)), second(e.b.ListenUDP(ap("10.0.0.2:53"))),
		second(e.b.DialTCP(ap("10.0.0.1:80"))), second(e.b.OpenUDP()), second(e.b.Lookup("x.test")),
	}
	for i, err := range calls {
		if !errors.Is(err, syscall.ENETDOWN) {
			t.Errorf("call %d on a crashed host = %v, want ENETDOWN", i, err)
		}
	}
	ran := false
	p := e.b.Go("late", func(*sim.Proc) { ran = true })
	e.run()
	if ran || !p.Done() {
		t.Fatal("a process started on a crashed host ran")
	}
	if err := e.n.Restart(e.b); err != nil {
		t.Fatal(err)
	}
	if err := e.n.Restart(e.b); err == nil {
		t.Fatal("restarting a live host succeeded")
	}
	if fd := must(t)(e.b.ListenTCP(srvAddr)); fd != 3 {
		t.Fatalf("first descriptor after a restart is %d, want 3", fd)
	}
	if err := e.n.Crash(nil); err == nil {
		t.Fatal("Crash(nil) succeeded")
	}
}

// The peer of a crashed host hears nothing: its data is lost at the dead
// host and sent again with backoff; it sees no error. After the restart,
// the next retransmission reaches a host that forgot the connection and
// is answered with a reset.
func TestCrashThenRestartResets(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	_, cfd, _ := e.connect()
	must(t)(0, e.n.Crash(e.b))
	crash := e.now()
	must(t)(e.a.Write(cfd, []byte("anyone?")))
	var during error
	e.w.At(sim.Time(crash+2*time.Second), sim.Func(func() {
		_, during = e.a.Read(cfd, make([]byte, 1))
		ok(0, e.n.Restart(e.b))
	}))
	got := e.waitMain(e.a, cfd, 0) // PollErr and PollHup come unasked
	if !errors.Is(during, syscall.EAGAIN) {
		t.Fatalf("during the crash the client read %v, want EAGAIN (silence)", during)
	}
	// Lost on arrival L after the write, then sent again after 200ms,
	// 400ms, 800ms (each lost L later) and 1.6s, which is after the
	// restart: the reset comes back 2L later.
	want := crash + L + 200*ms + L + 400*ms + L + 800*ms + L + 1600*ms + 2*L
	if e.now() != want || got&simnet.PollErr == 0 {
		t.Fatalf("reset seen at %v with %#x, want %v", e.now(), got, want)
	}
	if _, err := e.a.Read(cfd, make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Read = %v, want ECONNRESET", err)
	}
	if n := strings.Count(e.log(simnet.KindDrop), "\n"); n != 4 {
		t.Fatalf("%d packets dropped at the dead host, want 4:\n%s", n, e.log())
	}
}

// A host that stays down: the peer's unacknowledged data times out.
func TestCrashWithoutRestartTimesOut(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, TCPUserTimeout: 10 * time.Second})
	_, cfd, _ := e.connect()
	must(t)(0, e.n.Crash(e.b))
	start := e.now()
	must(t)(e.a.Write(cfd, []byte("x")))
	e.waitMain(e.a, cfd, simnet.PollIn)
	if e.now() != start+10*time.Second || !errors.Is(e.a.ConnectError(cfd), syscall.ETIMEDOUT) {
		t.Fatalf("at %v: %v, want ETIMEDOUT at %v", e.now(), e.a.ConnectError(cfd), start+10*time.Second)
	}
}

// A process polling on the crashed host that is not the host's own is not
// woken: it returns at its timeout, finding its descriptor gone.
func TestCrashDoesNotWakePollers(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	var revents int16
	var at time.Duration
	e.w.Go("poller", func(p *sim.Proc) {
		fds := []simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}
		e.b.Poll(fds, 5*time.Second)
		revents, at = fds[0].Revents, time.Duration(e.w.Now())
	})
	e.w.At(sim.Time(time.Second), sim.Func(func() { ok(0, e.n.Crash(e.b)) }))
	e.run()
	if at != 5*time.Second || revents != simnet.PollNval {
		t.Fatalf("poller returned at %v with %#x, want 5s with PollNval", at, revents)
	}
}

// ResetConn mid-stream: both ends see ECONNRESET at once, unread data is
// discarded, and the fault is reported.
func TestResetConnMidStream(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	_, cfd, sfd := e.connect()
	must(t)(e.a.Write(cfd, []byte("in flight")))
	must(t)(e.b.Write(sfd, []byte("unread")))
	e.runUntil(e.now() + L + 1)
	client := e.a.LocalAddr(cfd)
	if err := e.n.ResetConn(client, srvAddr); err != nil {
		t.Fatal(err)
	}
	for _, end := range []struct {
		h  *simnet.Host
		fd int
	}{{e.a, cfd}, {e.b, sfd}} {
		if n, err := end.h.Read(end.fd, make([]byte, 16)); n != 0 || !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("%s Read = %d, %v, want ECONNRESET", end.h.Name(), n, err)
		}
		checkResetWrites(t, end.h, end.fd)
	}
	if err := e.n.ResetConn(client, srvAddr); err == nil {
		t.Fatal("resetting a connection that is gone succeeded")
	}
	e.run()
	if simnet.ConnCount(e.a)+simnet.ConnCount(e.b) != 0 {
		t.Fatal("endpoints left after the reset")
	}
	if got := e.logWhere(simnet.Event.IsFault); got != "0.040000001s fault:reset 10.0.0.1:40000 10.0.0.2:80\n" {
		t.Fatalf("fault events:\n%s", got)
	}
}

// ResetConn names the connection either way round; ResetAll resets every
// connection of a host and counts them.
func TestResetAll(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	_, c1, _ := e.connect()
	c2 := must(t)(e.a.DialTCP(srvAddr))
	e.waitMain(e.a, c2, simnet.PollOut)
	must(t)(e.b.ListenTCP(ap("127.0.0.1:80")))
	c3 := must(t)(e.b.DialTCP(ap("127.0.0.1:80"))) // loopback, on b only
	e.waitMain(e.b, c3, simnet.PollOut)
	if got := e.n.ResetAll(e.a); got != 2 {
		t.Fatalf("ResetAll(a) = %d, want 2", got)
	}
	for _, fd := range []int{c1, c2} {
		if !errors.Is(e.a.ConnectError(fd), syscall.ECONNRESET) {
			t.Errorf("fd %d: %v, want ECONNRESET", fd, e.a.ConnectError(fd))
		}
	}
	if e.b.ConnectError(c3) != nil {
		t.Fatal("ResetAll(a) reset a loopback connection of b")
	}
	if got := e.n.ResetAll(e.b); got != 1 { // one loopback connection, both ends on b
		t.Fatalf("ResetAll(b) = %d, want 1", got)
	}
	if !errors.Is(e.b.ConnectError(c3), syscall.ECONNRESET) {
		t.Fatalf("loopback connection: %v, want ECONNRESET", e.b.ConnectError(c3))
	}
}
