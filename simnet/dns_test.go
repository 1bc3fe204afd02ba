package simnet_test

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/mgsim/mgsim/simnet"
)

// lookupAt starts a lookup of name on h and returns when it became
// readable and what it answered.
func lookupAt(t *testing.T, e *env, h *simnet.Host, name string) (time.Duration, netip.Addr, error) {
	t.Helper()
	start := e.now()
	fd := must(t)(h.Lookup(name))
	if _, err := h.LookupResult(fd); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("LookupResult while pending = %v, want EAGAIN", err)
	}
	e.waitMain(h, fd, simnet.PollIn)
	a, err := h.LookupResult(fd)
	must(t)(0, h.Close(fd))
	return e.now() - start, a, err
}

// Lookups: an added name resolves after DNSLatency, without regard to
// case or a trailing dot; an unknown one fails with ENOENT; a failed name
// fails until healed; a slow one takes its time, and times out beyond
// DNSTimeout.
func TestLookup(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{DNSLatency: 3 * ms, DNSTimeout: 4 * time.Second})
	if err := e.n.AddName("Srv.Test", addrB); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		do    func()
		name  string
		after time.Duration
		addr  netip.Addr
		err   error
	}{
		{nil, "srv.test.", 3 * ms, addrB, nil},
		{nil, "nope.test", 3 * ms, netip.Addr{}, syscall.ENOENT},
		{func() { e.n.FailName("srv.test") }, "SRV.test", 3 * ms, netip.Addr{}, syscall.ENOENT},
		{func() { e.n.HealName("srv.test") }, "srv.test", 3 * ms, addrB, nil},
		{func() { e.n.SlowName("srv.test", 2*time.Second) }, "srv.test", 2 * time.Second, addrB, nil},
		{func() { e.n.SlowName("srv.test", 5*time.Second) }, "srv.test", 4 * time.Second, netip.Addr{}, syscall.ETIMEDOUT},
		{func() { e.n.UnslowName("srv.test") }, "srv.test", 3 * ms, addrB, nil},
	}
	for i, s := range steps {
		if s.do != nil {
			s.do()
		}
		took, a, err := lookupAt(t, e, e.a, s.name)
		if took != s.after || a != s.addr || !isErr(err, s.err) {
			t.Errorf("step %d: %s took %v and gave %v, %v; want %v, %v, %v", i, s.name, took, a, err, s.after, s.addr, s.err)
		}
	}
	want := "" +
		"0.003000000s lookup a srv.test 10.0.0.2\n" +
		"0.006000000s lookup a nope.test ENOENT\n" +
		"0.006000000s fault:dns-fail srv.test\n" +
		"0.009000000s lookup a srv.test ENOENT\n" +
		"0.009000000s fault:dns-heal srv.test\n" +
		"0.012000000s lookup a srv.test 10.0.0.2\n" +
		"0.012000000s fault:dns-slow srv.test 2s\n" +
		"2.012000000s lookup a srv.test 10.0.0.2\n" +
		"2.012000000s fault:dns-slow srv.test 5s\n" +
		"6.012000000s lookup a srv.test ETIMEDOUT\n" +
		"6.012000000s fault:dns-unslow srv.test\n" +
		"6.015000000s lookup a srv.test 10.0.0.2\n"
	if got := e.log(); got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
}

// A lookup's answer is decided when it starts; closing it before the
// answer cancels it. Bad calls fail cleanly.
func TestLookupEdges(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	must(t)(0, e.n.AddName("srv.test", addrB))
	fd := must(t)(e.a.Lookup("srv.test"))
	e.n.FailName("srv.test") // too late for this lookup
	e.waitMain(e.a, fd, simnet.PollIn)
	if a, err := e.a.LookupResult(fd); a != addrB || err != nil {
		t.Fatalf("answer %v, %v; want the address decided at the start", a, err)
	}
	gone := must(t)(e.a.Lookup("srv.test"))
	must(t)(0, e.a.Close(gone))
	e.run()
	if e.log(simnet.KindLookup) != "0.001000000s lookup a srv.test 10.0.0.2\n" {
		t.Fatalf("a closed lookup was answered:\n%s", e.log(simnet.KindLookup))
	}
	if _, err := e.a.Lookup(""); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Lookup(\"\") = %v", err)
	}
	ufd := must(t)(e.a.OpenUDP())
	if _, err := e.a.LookupResult(ufd); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("LookupResult on a UDP socket = %v", err)
	}
	if _, err := e.a.LookupResult(99); !errors.Is(err, syscall.EBADF) {
		t.Errorf("LookupResult(99) = %v", err)
	}
	if _, err := e.a.Read(fd, make([]byte, 4)); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Read on a lookup = %v", err)
	}
	if err := e.n.AddName("two words", addrB); err == nil {
		t.Error("AddName accepted a name with a space")
	}
	if err := e.n.AddName("x.test", netip.Addr{}); err == nil {
		t.Error("AddName accepted an invalid address")
	}

}

// The seam the reference's resolver path expects.
var _ interface {
	Lookup(name string) (int, error)
	LookupResult(fd int) (netip.Addr, error)
} = (*simnet.Host)(nil)
