package simnet_test

import (
	"bytes"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// Datagrams keep their boundaries and arrive one latency later, from the
// sender's address and port.
func TestUDPDelivery(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	sfd := must(t)(e.b.ListenUDP(ap("0.0.0.0:53")))
	cfd := must(t)(e.a.OpenUDP())
	if got := e.a.LocalAddr(cfd); got != ap("0.0.0.0:40000") {
		t.Fatalf("OpenUDP local %v", got)
	}
	if e.a.RemoteAddr(cfd).IsValid() {
		t.Fatal("UDP socket has a remote address")
	}
	for _, d := range []string{"one", "", "three"} {
		if n, err := e.a.WriteTo(cfd, []byte(d), ap("10.0.0.2:53")); n != len(d) || err != nil {
			t.Fatalf("WriteTo = %d, %v", n, err)
		}
	}
	e.waitMain(e.b, sfd, simnet.PollIn)
	if e.now() != L {
		t.Fatalf("readable at %v, want %v", e.now(), L)
	}
	buf := make([]byte, 100)
	for _, want := range []string{"one", "", "three"} {
		n, from, err := e.b.ReadFrom(sfd, buf)
		if err != nil || string(buf[:n]) != want || from != ap("10.0.0.1:40000") {
			t.Fatalf("ReadFrom = %q, %v, %v, want %q", buf[:n], from, err, want)
		}
	}
	if _, _, err := e.b.ReadFrom(sfd, buf); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("ReadFrom on an empty queue = %v", err)
	}
	// The answer goes back to the ephemeral port.
	must(t)(e.b.WriteTo(sfd, []byte("reply"), ap("10.0.0.1:40000")))
	e.waitMain(e.a, cfd, simnet.PollIn)
	n, from, err := e.a.ReadFrom(cfd, buf)
	if string(buf[:n]) != "reply" || from != ap("10.0.0.2:53") || err != nil || e.now() != 2*L {
		t.Fatalf("reply %q from %v (%v) at %v", buf[:n], from, err, e.now())
	}
}

// ReadFrom truncates a datagram to the buffer without notice; the rest is
// lost.
func TestUDPTruncation(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	sfd := must(t)(e.b.ListenUDP(ap("10.0.0.2:53")))
	cfd := must(t)(e.a.OpenUDP())
	must(t)(e.a.WriteTo(cfd, []byte("abcdef"), ap("10.0.0.2:53")))
	must(t)(e.a.WriteTo(cfd, []byte("gh"), ap("10.0.0.2:53")))
	e.run()
	buf := make([]byte, 4)
	if n, err := e.b.Read(sfd, buf); n != 4 || err != nil || string(buf) != "abcd" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if n, _, err := e.b.ReadFrom(sfd, buf); n != 2 || err != nil || string(buf[:n]) != "gh" {
		t.Fatalf("ReadFrom = %q, %v", buf[:n], err)
	}
}

// A datagram to a port nobody listens on is dropped silently, and so is
// one that does not fit in the receive queue.
func TestUDPDrops(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, RecvBuffer: 10})
	sfd := must(t)(e.b.ListenUDP(ap("0.0.0.0:53")))
	cfd := must(t)(e.a.OpenUDP())
	must(t)(e.a.WriteTo(cfd, []byte("nobody"), ap("10.0.0.2:54")))
	must(t)(e.a.WriteTo(cfd, []byte("nohost"), ap("10.0.0.9:53")))
	for _, d := range []string{"123456", "7890", "x"} { // 6+4 fit, then the queue is full
		must(t)(e.a.WriteTo(cfd, []byte(d), ap("10.0.0.2:53")))
	}
	e.run()
	want := "" +
		"0.010000000s datagram 10.0.0.1:40000>10.0.0.2:54 len=6\n" +
		"0.010000000s drop 10.0.0.1:40000>10.0.0.2:54 len=6\n" +
		"0.010000000s datagram 10.0.0.1:40000>10.0.0.9:53 len=6\n" +
		"0.010000000s drop 10.0.0.1:40000>10.0.0.9:53 len=6\n" +
		"0.010000000s datagram 10.0.0.1:40000>10.0.0.2:53 len=6\n" +
		"0.010000000s datagram 10.0.0.1:40000>10.0.0.2:53 len=4\n" +
		"0.010000000s datagram 10.0.0.1:40000>10.0.0.2:53 len=1\n" +
		"0.010000000s drop 10.0.0.1:40000>10.0.0.2:53 len=1\n"
	if got := e.log(); got != want {
		t.Fatalf("log:\n%s\nwant:\n%s", got, want)
	}
	var got []string
	buf := make([]byte, 10)
	for {
		n, err := e.b.Read(sfd, buf)
		if err != nil {
			break
		}
		got = append(got, string(buf[:n]))
	}
	if len(got) != 2 || got[0] != "123456" || got[1] != "7890" {
		t.Fatalf("received %q", got)
	}
	// Reading made room again.
	must(t)(e.a.WriteTo(cfd, []byte("x"), ap("10.0.0.2:53")))
	e.run()
	if n, err := e.b.Read(sfd, buf); n != 1 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
}

// Jitter may reorder datagrams, but never loses or changes one.
func TestUDPJitter(t *testing.T) {
	reordered := false
	for seed := sim.Seed(1); seed <= 20; seed++ {
		e := newEnv(t, seed, simnet.Config{Latency: L, Jitter: 20 * ms})
		sfd := must(t)(e.b.ListenUDP(ap("0.0.0.0:53")))
		cfd := must(t)(e.a.OpenUDP())
		for i := range 20 {
			must(t)(e.a.WriteTo(cfd, []byte{byte(i)}, ap("10.0.0.2:53")))
		}
		e.run()
		seen := make([]bool, 20)
		buf := make([]byte, 2)
		for i := 0; ; i++ {
			n, err := e.b.Read(sfd, buf)
			if err != nil {
				break
			}
			if n != 1 || seen[buf[0]] {
				t.Fatalf("seed %v: bad or duplicate datagram %v", seed, buf[:n])
			}
			seen[buf[0]] = true
			reordered = reordered || int(buf[0]) != i
		}
		if bytes.Count(boolsToBytes(seen), []byte{1}) != 20 {
			t.Fatalf("seed %v: datagrams lost: %v", seed, seen)
		}
		if e.now() < L || e.now() > L+20*ms {
			t.Fatalf("last datagram at %v, outside [L, L+jitter]", e.now())
		}
	}
	if !reordered {
		t.Fatal("20 seeds of 20 datagrams with 20ms jitter never reordered")
	}
}

func boolsToBytes(bs []bool) []byte {
	out := make([]byte, len(bs))
	for i, b := range bs {
		if b {
			out[i] = 1
		}
	}
	return out
}

func TestUDPErrors(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	must(t)(e.b.ListenUDP(ap("0.0.0.0:53")))
	if _, err := e.b.ListenUDP(ap("10.0.0.2:53")); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("ListenUDP on a used port = %v", err)
	}
	if _, err := e.b.ListenUDP(ap("10.0.0.1:53")); !errors.Is(err, syscall.EADDRNOTAVAIL) {
		t.Errorf("ListenUDP on a foreign address = %v", err)
	}
	lo := must(t)(e.b.ListenUDP(ap("127.0.0.1:54")))
	fd := must(t)(e.b.OpenUDP())
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"port 0", second(e.b.WriteTo(fd, nil, ap("10.0.0.1:0"))), syscall.EINVAL},
		{"no address", second(e.b.WriteTo(fd, nil, ap("0.0.0.0:1"))), nil},
		{"too big", second(e.b.WriteTo(fd, make([]byte, simnet.MaxDatagram+1), ap("10.0.0.1:1"))), syscall.EMSGSIZE},
		{"largest", second(e.b.WriteTo(fd, make([]byte, simnet.MaxDatagram), ap("10.0.0.1:1"))), nil},
		{"loopback-bound to outside", second(e.b.WriteTo(lo, nil, ap("10.0.0.1:1"))), syscall.ENETUNREACH},
		{"v6 from a v4 host", second(e.b.WriteTo(fd, nil, ap("[fd00::1]:1"))), syscall.ENETUNREACH},
	}
	for _, tt := range tests {
		if !isErr(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if err := e.b.Close(fd); err != nil {
		t.Fatal(err)
	}
	e.run()
	if got := simnet.FreePackets(e.n); got == 0 {
		t.Fatal("delivered datagrams were not recycled")
	}
}

// A datagram to the host's own address or to loopback comes back to it.
func TestUDPLoopback(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: time.Millisecond})
	sfd := must(t)(e.b.ListenUDP(ap("0.0.0.0:53")))
	cfd := must(t)(e.b.OpenUDP())
	must(t)(e.b.WriteTo(cfd, []byte("lo"), ap("127.0.0.1:53")))
	must(t)(e.b.WriteTo(cfd, []byte("own"), ap("10.0.0.2:53")))
	e.run()
	buf := make([]byte, 8)
	for _, want := range []string{"127.0.0.1:40000 lo", "10.0.0.2:40000 own"} {
		n, from, err := e.b.ReadFrom(sfd, buf)
		if got := from.String() + " " + string(buf[:n]); err != nil || got != want {
			t.Fatalf("got %q (%v), want %q", got, err, want)
		}
	}
}
