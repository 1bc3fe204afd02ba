package simnet_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

const ms = time.Millisecond

var (
	addrA   = netip.MustParseAddr("10.0.0.1")
	addrB   = netip.MustParseAddr("10.0.0.2")
	srvAddr = netip.MustParseAddrPort("10.0.0.2:80")
)

// env is a world with a network of two hosts, a (10.0.0.1) and b
// (10.0.0.2), and a log of every network event.
type env struct {
	t      testing.TB
	w      *sim.World
	n      *simnet.Network
	a, b   *simnet.Host
	events []simnet.Event
}

func newEnv(t testing.TB, seed sim.Seed, cfg simnet.Config) *env {
	t.Helper()
	e := newQuietEnv(t, seed, cfg)
	e.n.Observe(func(ev simnet.Event) { e.events = append(e.events, ev) })
	return e
}

// newQuietEnv is newEnv without the event log.
func newQuietEnv(t testing.TB, seed sim.Seed, cfg simnet.Config) *env {
	t.Helper()
	w := sim.New(sim.Options{Seed: seed, MaxSteps: 50_000_000})
	t.Cleanup(w.Close)
	n, err := simnet.New(w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, w: w, n: n}
	e.a = e.host("a", addrA)
	e.b = e.host("b", addrB)
	return e
}

func (e *env) host(name string, addr netip.Addr) *simnet.Host {
	e.t.Helper()
	h, err := e.n.AddHost(name, addr)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// run runs the world until it is idle and fails the test on a world error.
func (e *env) run() {
	e.t.Helper()
	if err := e.w.Run(sim.Never); err != nil {
		e.t.Fatalf("seed %v: %v", e.w.Seed(), err)
	}
}

// runUntil runs the world up to virtual time d.
func (e *env) runUntil(d time.Duration) {
	e.t.Helper()
	if err := e.w.Run(sim.Time(d)); err != nil {
		e.t.Fatalf("seed %v: %v", e.w.Seed(), err)
	}
}

// now returns the world's time as a duration since the epoch.
func (e *env) now() time.Duration { return time.Duration(e.w.Now()) }

// log returns the events of the given kinds, one String per line.
func (e *env) log(kinds ...string) string {
	var b strings.Builder
	for _, ev := range e.events {
		if len(kinds) == 0 || contains(kinds, ev.Kind) {
			fmt.Fprintln(&b, ev)
		}
	}
	return b.String()
}

// logWhere returns the events for which keep is true, one String per line.
func (e *env) logWhere(keep func(simnet.Event) bool) string {
	var b strings.Builder
	for _, ev := range e.events {
		if keep(ev) {
			fmt.Fprintln(&b, ev)
		}
	}
	return b.String()
}

// firstEvent returns the time of the first event of kind to dst.
func (e *env) firstEvent(kind string, dst netip.AddrPort) (time.Duration, bool) {
	for _, ev := range e.events {
		if ev.Kind == kind && ev.To == dst {
			return time.Duration(ev.At), true
		}
	}
	return 0, false
}

// firstIndex returns the index of the first event of kind to dst, or -1.
func (e *env) firstIndex(kind string, dst netip.AddrPort) int {
	for i, ev := range e.events {
		if ev.Kind == kind && ev.To == dst {
			return i
		}
	}
	return -1
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// connect makes a connection from a to b's listener (listening on
// srvAddr) and accepts it, driving the world from the main pseudo-process.
// It returns the listener, client and server descriptors.
func (e *env) connect() (lfd, cfd, sfd int) {
	e.t.Helper()
	lfd = must(e.t)(e.b.ListenTCP(srvAddr))
	cfd = must(e.t)(e.a.DialTCP(srvAddr))
	e.waitMain(e.a, cfd, simnet.PollOut)
	e.waitMain(e.b, lfd, simnet.PollIn)
	sfd, _, err := e.b.Accept(lfd)
	if err != nil {
		e.t.Fatal(err)
	}
	return lfd, cfd, sfd
}

// waitMain polls one descriptor from the main pseudo-process, no timeout.
func (e *env) waitMain(h *simnet.Host, fd int, events int16) int16 {
	e.t.Helper()
	fds := []simnet.PollFD{{FD: fd, Events: events}}
	n, err := h.Poll(fds, -1)
	if err != nil || n != 1 {
		e.t.Fatalf("Poll(fd %d, %#x) = %d, %v at %v", fd, events, n, err, e.w.Now())
	}
	return fds[0].Revents
}

// must returns a function that unwraps a (value, error) pair, failing t on
// an error. Use it from the test goroutine only.
func must(t testing.TB) func(int, error) int {
	return func(v int, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wait polls one descriptor from a process; it panics on error, which
// stops the world and comes back from Run.
func wait(h *simnet.Host, fd int, events int16) int16 {
	fds := []simnet.PollFD{{FD: fd, Events: events}}
	if _, err := h.Poll(fds, -1); err != nil {
		panic(err)
	}
	return fds[0].Revents
}

// ok unwraps a (value, error) pair inside a process, panicking on error.
func ok[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// isErr reports whether err is target, for table checks.
func isErr(err, target error) bool {
	if target == nil {
		return err == nil
	}
	return errors.Is(err, target)
}

// ap parses an address and port (a shorthand for the tests).
func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
