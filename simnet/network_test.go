package simnet_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  simnet.Config
		want string // substring of the error; "" for success
	}{
		{"zero", simnet.Config{}, ""},
		{"negative latency", simnet.Config{Latency: -1}, "Latency"},
		{"negative jitter", simnet.Config{Jitter: -ms}, "Jitter"},
		{"negative min segment", simnet.Config{MinSegment: -1}, "MinSegment"},
		{"negative max segment", simnet.Config{MaxSegment: -1}, "MaxSegment"},
		{"negative send buffer", simnet.Config{SendBuffer: -1}, "SendBuffer"},
		{"negative recv buffer", simnet.Config{RecvBuffer: -5}, "RecvBuffer"},
		{"negative backlog", simnet.Config{Backlog: -1}, "Backlog"},
		{"negative retries", simnet.Config{SYNRetries: -1}, "SYNRetries"},
		{"too many retries", simnet.Config{SYNRetries: 31}, "SYNRetries"},
		{"min above max", simnet.Config{MinSegment: 100, MaxSegment: 99}, "MinSegment 100 is larger than MaxSegment 99"},
		{"min above default max", simnet.Config{MinSegment: 2000}, "larger than MaxSegment 1460"},
		{"equal segments", simnet.Config{MinSegment: 7, MaxSegment: 7}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := simnet.New(sim.New(sim.Options{}), tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewNeedsWorld(t *testing.T) {
	if _, err := simnet.New(nil, simnet.Config{}); err == nil {
		t.Fatal("New(nil) succeeded")
	}
}

func TestConfigDefaults(t *testing.T) {
	tests := []struct {
		in       simnet.Config
		min, max int
	}{
		{simnet.Config{}, 1460, 1460},
		{simnet.Config{MaxSegment: 500}, 500, 500},
		{simnet.Config{MinSegment: 100}, 100, 1460},
		{simnet.Config{MinSegment: 1, MaxSegment: 9}, 1, 9},
	}
	for _, tt := range tests {
		n, err := simnet.New(sim.New(sim.Options{}), tt.in)
		if err != nil {
			t.Fatal(err)
		}
		got := n.Config()
		if got.MinSegment != tt.min || got.MaxSegment != tt.max {
			t.Errorf("%+v: segments [%d, %d], want [%d, %d]", tt.in, got.MinSegment, got.MaxSegment, tt.min, tt.max)
		}
		if got.SendBuffer != 64<<10 || got.RecvBuffer != 64<<10 || got.Backlog != 128 || got.SYNRetries != 6 {
			t.Errorf("defaults not filled in: %+v", got)
		}
	}
}

func TestAddHost(t *testing.T) {
	w := sim.New(sim.Options{})
	n, _ := simnet.New(w, simnet.Config{})
	a, err := n.AddHost("a", addrA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.AddHost("b", netip.MustParseAddr("::ffff:10.0.0.2")) // 4-in-6 is unmapped
	if err != nil {
		t.Fatal(err)
	}
	if b.Addr() != addrB || b.Name() != "b" || a.Network() != n || n.World() != w {
		t.Fatalf("host b = %s %v", b.Name(), b.Addr())
	}
	bad := []struct {
		name string
		addr netip.Addr
	}{
		{"", netip.MustParseAddr("10.0.0.9")},
		{"a", netip.MustParseAddr("10.0.0.9")},
		{"c", addrA},
		{"c", netip.Addr{}},
		{"c", netip.MustParseAddr("0.0.0.0")},
		{"c", netip.MustParseAddr("127.0.0.1")},
		{"c", netip.MustParseAddr("::1")},
		{"c", netip.MustParseAddr("224.0.0.1")},
		{"c", netip.MustParseAddr("fe80::1%eth0")},
	}
	for _, tt := range bad {
		if _, err := n.AddHost(tt.name, tt.addr); err == nil {
			t.Errorf("AddHost(%q, %v) succeeded", tt.name, tt.addr)
		}
	}
	if n.Host("a") != a || n.Host("b") != b || n.Host("c") != nil {
		t.Fatal("Host lookup is wrong")
	}
	hs := n.Hosts()
	if len(hs) != 2 || hs[0] != a || hs[1] != b {
		t.Fatalf("Hosts() = %v", hs)
	}
	hs[0] = nil // the caller's copy
	if n.Hosts()[0] != a {
		t.Fatal("Hosts() exposes the internal slice")
	}
}

func TestEventString(t *testing.T) {
	e := simnet.Event{
		At: sim.Time(10 * ms), Kind: simnet.KindSegment, Len: 1460,
		From: netip.MustParseAddrPort("10.0.0.1:40000"), To: netip.MustParseAddrPort("[fd00::2]:80"),
	}
	want := "0.010000000s segment 10.0.0.1:40000>[fd00::2]:80 len=1460"
	if got := e.String(); got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}

func TestObserveOrder(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: time.Millisecond})
	var order []int
	e.n.Observe(func(simnet.Event) { order = append(order, 1) })
	e.n.Observe(nil) // ignored
	e.n.Observe(func(simnet.Event) { order = append(order, 2) })
	if _, err := e.a.DialTCP(srvAddr); err != nil {
		t.Fatal(err)
	}
	e.runUntil(time.Millisecond)
	if len(order) != 2 || order[0] != 1 || order[1] != 2 {
		t.Fatalf("observers called in order %v, want [1 2]", order)
	}
}
