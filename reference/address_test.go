package reference_test

import (
	"strings"
	"testing"

	"github.com/mgsim/mgsim/reference"
)

// mg_parse_address forms (default build: IPv4, port below 65535).
func TestBindAddresses(t *testing.T) {
	cases := []struct {
		addr, want string // want "" = an error
		udp        bool
	}{
		{"tcp://127.0.0.1:8000", "127.0.0.1:8000", false},
		{"udp://127.0.0.1:8000", "127.0.0.1:8000", true},
		{"127.0.0.1:8000", "127.0.0.1:8000", false},
		{":8000", "0.0.0.0:8000", false},
		{"8000", "0.0.0.0:8000", false},
		{"udp://:53", "0.0.0.0:53", true},
		{"1.2.3.4:65534", "1.2.3.4:65534", false},
		{"1.2.3.4:80,rest", "1.2.3.4:80", false},
		{"1.2.3.4:80 rest", "1.2.3.4:80", false},
		{"1.2.3.4:65535", "", false}, // the C check is port < 0xffff
		{"1.2.3.4:99999999999999", "", false},
		{"1.2.3.4:80x", "", false},
		{"1.2.3.4", "", false},
		{"", "", false},
		{"[::1]:80", "", false}, // IPv6 is off in the default build
		{"example.com:80", "", false},
		{"http://1.2.3.4:80", "", false},
	}
	for _, tc := range cases {
		m := reference.NewManager(newFakeNet(), reference.Options{})
		c, err := m.Bind(tc.addr, nil)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("Bind(%q) = %v, want an error", tc.addr, c.Addr())
		case tc.want == "":
			if !strings.Contains(err.Error(), "cannot parse address") {
				t.Errorf("Bind(%q) error %q", tc.addr, err)
			}
		case err != nil:
			t.Errorf("Bind(%q): %v", tc.addr, err)
		case c.Addr().String() != tc.want || (c.Flags&reference.FlagUDP != 0) != tc.udp:
			t.Errorf("Bind(%q) = %v flags %v, want %s udp=%v", tc.addr, c.Addr(), c.Flags, tc.want, tc.udp)
		}
	}
}

func TestBindErrorsListNothing(t *testing.T) {
	e := newEnv(t)
	e.bind(":8000", nil)
	if _, err := e.m.Bind("0.0.0.0:8000", nil); err == nil || !strings.Contains(err.Error(), "failed to open listener") {
		t.Fatalf("second bind: %v", err)
	}
	c := e.m.AddSock(nil)
	if c.ID() != 2 || e.m.Next(c).ID() != 1 || e.m.Next(e.m.Next(c)) != nil {
		t.Fatal("a failed Bind listed a connection or used an id")
	}
}

func TestBindPortZeroTakesBoundAddress(t *testing.T) {
	e := newEnv(t)
	c := e.bind("udp://127.0.0.1:0", nil)
	if c.Addr().Port() == 0 || c.Addr() != c.LocalAddr() {
		t.Fatalf("addr %v local %v", c.Addr(), c.LocalAddr())
	}
}

func TestConnectHostNameNeedsResolver(t *testing.T) {
	m := reference.NewManager(newFakeNet(), reference.Options{})
	_, err := m.Connect("tcp://example.com:80", nil)
	if err == nil || !strings.Contains(err.Error(), "resolver") {
		t.Fatalf("Connect to a host name: %v", err)
	}
	if _, err := m.Connect("tcp://1.2.3.4:65535", nil); err == nil {
		t.Fatal("Connect to port 65535 succeeded")
	}
	if m.Next(nil) != nil {
		t.Fatal("a failed Connect listed a connection")
	}
}
