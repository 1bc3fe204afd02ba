package simnet_test

import (
	"errors"
	"io"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

const L = 10 * ms

const allBad = simnet.PollIn | simnet.PollOut | simnet.PollErr | simnet.PollHup

// The handshake takes one round trip for the client and one and a half
// for the server.
func TestConnectTiming(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	cfd := must(t)(e.a.DialTCP(srvAddr))
	if err := e.a.ConnectError(cfd); !errors.Is(err, syscall.EINPROGRESS) {
		t.Fatalf("ConnectError while connecting = %v, want EINPROGRESS", err)
	}
	if _, err := e.a.Read(cfd, make([]byte, 1)); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("Read while connecting = %v, want EAGAIN", err)
	}
	if _, err := e.a.Write(cfd, []byte("x")); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("Write while connecting = %v, want EAGAIN", err)
	}
	if got := e.waitMain(e.a, cfd, simnet.PollOut|simnet.PollIn); got != simnet.PollOut || e.now() != 2*L {
		t.Fatalf("client ready %#x at %v, want PollOut at %v", got, e.now(), 2*L)
	}
	if err := e.a.ConnectError(cfd); err != nil {
		t.Fatalf("ConnectError once connected = %v", err)
	}
	// Not acceptable before the ACK arrives at 3L.
	if _, _, err := e.b.Accept(lfd); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("Accept at 2L = %v, want EAGAIN", err)
	}
	e.waitMain(e.b, lfd, simnet.PollIn)
	if e.now() != 3*L {
		t.Fatalf("listener readable at %v, want %v", e.now(), 3*L)
	}
	sfd, peer, err := e.b.Accept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	client := netip.MustParseAddrPort("10.0.0.1:40000")
	checkAddrs(t, e.a, cfd, client, srvAddr)
	checkAddrs(t, e.b, sfd, srvAddr, client)
	checkAddrs(t, e.b, lfd, srvAddr, netip.AddrPort{})
	if peer != client {
		t.Fatalf("Accept peer = %v, want %v", peer, client)
	}
	want := "" +
		"0.010000000s syn 10.0.0.1:40000>10.0.0.2:80 len=0\n" +
		"0.020000000s synack 10.0.0.2:80>10.0.0.1:40000 len=0\n" +
		"0.020000000s established 10.0.0.1:40000>10.0.0.2:80 len=0\n" +
		"0.030000000s ack 10.0.0.1:40000>10.0.0.2:80 len=0\n" +
		"0.030000000s established 10.0.0.2:80>10.0.0.1:40000 len=0\n"
	if got := e.log(); got != want {
		t.Fatalf("log:\n%s\nwant:\n%s", got, want)
	}
}

func checkAddrs(t *testing.T, h *simnet.Host, fd int, local, remote netip.AddrPort) {
	t.Helper()
	if got := h.LocalAddr(fd); got != local {
		t.Errorf("%s LocalAddr(%d) = %v, want %v", h.Name(), fd, got, local)
	}
	if got := h.RemoteAddr(fd); got != remote {
		t.Errorf("%s RemoteAddr(%d) = %v, want %v", h.Name(), fd, got, remote)
	}
}

// Data written right after connecting arrives just behind the handshake's
// ACK: the connection is acceptable and readable at the same instant.
func TestDataAfterHandshake(t *testing.T) {
	for _, jitter := range []time.Duration{0, 5 * ms} {
		for seed := sim.Seed(1); seed <= 20; seed++ {
			e := newEnv(t, seed, simnet.Config{Latency: L, Jitter: jitter})
			lfd := must(t)(e.b.ListenTCP(srvAddr))
			cfd := must(t)(e.a.DialTCP(srvAddr))
			e.waitMain(e.a, cfd, simnet.PollOut)
			must(t)(e.a.Write(cfd, []byte("early")))
			e.run()
			ack, seg := e.firstIndex(simnet.KindACK, srvAddr), e.firstIndex(simnet.KindSegment, srvAddr)
			if ack < 0 || seg < ack {
				t.Fatalf("seed %v: segment (event %d) before the handshake's ACK (event %d):\n%s", seed, seg, ack, e.log())
			}
			sfd, _, err := e.b.Accept(lfd)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 10)
			if n, err := e.b.Read(sfd, buf); err != nil || string(buf[:n]) != "early" {
				t.Fatalf("read %q, %v", buf[:n], err)
			}
		}
	}
}

func TestRefused(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	cfd := must(t)(e.a.DialTCP(srvAddr))
	fds := []simnet.PollFD{{FD: cfd, Events: simnet.PollOut}}
	if n, err := e.a.Poll(fds, -1); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	if e.now() != 2*L || fds[0].Revents != simnet.PollOut|simnet.PollErr|simnet.PollHup {
		t.Fatalf("revents %#x at %v, want Out|Err|Hup at %v", fds[0].Revents, e.now(), 2*L)
	}
	for i, err := range []error{
		e.a.ConnectError(cfd),
		second(e.a.Read(cfd, make([]byte, 4))),
		second(e.a.Write(cfd, []byte("x"))),
		second(e.a.Write(cfd, []byte("x"))),
	} {
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("call %d (ConnectError, Read, Write, Write) = %v, want ECONNREFUSED", i, err)
		}
	}
	want := "" +
		"0.010000000s syn 10.0.0.1:40000>10.0.0.2:80 len=0\n" +
		"0.020000000s rst 10.0.0.2:80>10.0.0.1:40000 len=0\n" +
		"0.020000000s refused 10.0.0.1:40000>10.0.0.2:80 len=0\n"
	if got := e.log(); got != want {
		t.Fatalf("log:\n%s\nwant:\n%s", got, want)
	}
	if simnet.ConnCount(e.a) != 0 {
		t.Fatal("refused endpoint still kept")
	}
}

func second(_ int, err error) error { return err }

// A full backlog drops SYNs; the client retransmits after 1s, 2s, ... and
// gives up after SYNRetries retransmissions.
func TestBacklogFullTimesOut(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, Backlog: 1, SYNRetries: 2})
	must(t)(e.b.ListenTCP(srvAddr))
	first := must(t)(e.a.DialTCP(srvAddr))
	e.waitMain(e.a, first, simnet.PollOut)
	start := e.now()
	cfd := must(t)(e.a.DialTCP(srvAddr))
	got := e.waitMain(e.a, cfd, simnet.PollOut)
	if want := start + 7*time.Second; e.now() != want || got != simnet.PollOut|simnet.PollErr|simnet.PollHup {
		t.Fatalf("second connect: revents %#x at %v, want failure at %v", got, e.now(), want)
	}
	if err := e.a.ConnectError(cfd); !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("ConnectError = %v, want ETIMEDOUT", err)
	}
	want := "" +
		"0.030000000s syn 10.0.0.1:40001>10.0.0.2:80 len=0\n" +
		"0.030000000s drop 10.0.0.1:40001>10.0.0.2:80 len=0\n" +
		"1.030000000s syn 10.0.0.1:40001>10.0.0.2:80 len=0\n" +
		"1.030000000s drop 10.0.0.1:40001>10.0.0.2:80 len=0\n" +
		"3.030000000s syn 10.0.0.1:40001>10.0.0.2:80 len=0\n" +
		"3.030000000s drop 10.0.0.1:40001>10.0.0.2:80 len=0\n" +
		"7.020000000s timeout 10.0.0.1:40001>10.0.0.2:80 len=0\n"
	if got := e.logWhere(func(ev simnet.Event) bool { return ev.From.Port() == 40001 }); got != want {
		t.Fatalf("log:\n%s\nwant:\n%s", got, want)
	}
}

// A SYN retransmitted after the backlog made room succeeds.
func TestBacklogRoomAfterAccept(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, Backlog: 1})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	first := must(t)(e.a.DialTCP(srvAddr))
	e.waitMain(e.a, first, simnet.PollOut)
	start := e.now() // 2L
	cfd := must(t)(e.a.DialTCP(srvAddr))
	e.runUntil(500 * ms)
	if _, _, err := e.b.Accept(lfd); err != nil {
		t.Fatal(err)
	}
	e.waitMain(e.a, cfd, simnet.PollOut)
	if want := start + time.Second + 2*L; e.now() != want || e.a.ConnectError(cfd) != nil {
		t.Fatalf("connected at %v (%v), want %v", e.now(), e.a.ConnectError(cfd), want)
	}
}

// A SYN to an address no host has is lost: ETIMEDOUT after 127s by default.
func TestNoSuchHost(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	cfd := must(t)(e.a.DialTCP(netip.MustParseAddrPort("10.0.0.99:80")))
	e.waitMain(e.a, cfd, simnet.PollOut)
	if e.now() != 127*time.Second || !errors.Is(e.a.ConnectError(cfd), syscall.ETIMEDOUT) {
		t.Fatalf("failed at %v with %v, want ETIMEDOUT at 127s", e.now(), e.a.ConnectError(cfd))
	}
	var syns []time.Duration
	for _, ev := range e.events {
		if ev.Kind == simnet.KindSYN {
			syns = append(syns, time.Duration(ev.At)-L)
		}
	}
	want := []time.Duration{0, 1, 3, 7, 15, 31, 63}
	if len(syns) != len(want) {
		t.Fatalf("SYNs sent at %v, want %v seconds", syns, want)
	}
	for i := range want {
		if syns[i] != want[i]*time.Second {
			t.Fatalf("SYNs sent at %v, want %v seconds", syns, want)
		}
	}
}

// Closing with no unread data sends the rest, then a FIN: the peer reads
// everything, then EOF for ever.
func TestOrderlyClose(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, MaxSegment: 3})
	_, cfd, sfd := e.connect()
	must(t)(e.a.Write(cfd, []byte("hello world")))
	if err := e.a.Close(cfd); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Write(cfd, []byte("x")); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Write after Close = %v, want EBADF", err)
	}
	if err := e.a.Close(cfd); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("second Close = %v, want EBADF", err)
	}
	e.run()
	got := readAll(t, e.b, sfd)
	if string(got) != "hello world" {
		t.Fatalf("read %q", got)
	}
	for range 3 {
		if n, err := e.b.Read(sfd, make([]byte, 8)); n != 0 || err != io.EOF {
			t.Fatalf("Read after EOF = %d, %v", n, err)
		}
		if got := e.waitMain(e.b, sfd, simnet.PollIn|simnet.PollOut); got != simnet.PollIn|simnet.PollOut {
			t.Fatalf("revents after EOF %#x", got)
		}
	}
	// The client endpoint waits for the server's FIN before it is gone.
	if simnet.ConnCount(e.a) != 1 {
		t.Fatalf("client endpoints %d, want 1 (waiting for the peer's FIN)", simnet.ConnCount(e.a))
	}
	must(t)(0, e.b.Close(sfd))
	e.run()
	if simnet.ConnCount(e.a)+simnet.ConnCount(e.b) != 0 {
		t.Fatalf("endpoints left: %d %d", simnet.ConnCount(e.a), simnet.ConnCount(e.b))
	}
	if rst := e.log(simnet.KindRST); rst != "" {
		t.Fatalf("orderly close produced resets:\n%s", rst)
	}
}

// readAll reads what fd has now (the world is idle), stopping at EAGAIN or EOF.
func readAll(t *testing.T, h *simnet.Host, fd int) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, 4)
	for {
		n, err := h.Read(fd, buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out
		}
	}
}

// Closing with unread data resets the connection: the peer's unread data is
// discarded and its calls fail.
func TestCloseWithUnreadDataResets(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	_, cfd, sfd := e.connect()
	must(t)(e.a.Write(cfd, []byte("ping")))
	must(t)(e.b.Write(sfd, []byte("pong")))
	e.run() // both have unread data now
	start := e.now()
	must(t)(0, e.b.Close(sfd))
	// The unread "pong" makes it readable already; PollErr and PollHup come
	// unasked with the RST.
	fds := []simnet.PollFD{{FD: cfd, Events: 0}}
	if n, err := e.a.Poll(fds, -1); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	if e.now() != start+L || fds[0].Revents != simnet.PollErr|simnet.PollHup {
		t.Fatalf("revents %#x at %v, want Err|Hup at %v", fds[0].Revents, e.now(), start+L)
	}
	if got := e.waitMain(e.a, cfd, allBad); got != allBad {
		t.Fatalf("revents asking for all: %#x", got)
	}
	if n, err := e.a.Read(cfd, make([]byte, 8)); n != 0 || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Read after reset = %d, %v (the unread %q must be discarded)", n, err, "pong")
	}
	if _, err := e.a.Read(cfd, make([]byte, 8)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("second Read = %v", err)
	}
	checkResetWrites(t, e.a, cfd)
	if err := e.a.ConnectError(cfd); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("ConnectError = %v", err)
	}
	must(t)(0, e.a.Close(cfd))
	e.run()
	if simnet.ConnCount(e.a)+simnet.ConnCount(e.b) != 0 {
		t.Fatal("endpoints left after reset")
	}
}

func checkResetWrites(t *testing.T, h *simnet.Host, fd int) {
	t.Helper()
	if _, err := h.Write(fd, []byte("x")); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("first Write after reset = %v, want ECONNRESET", err)
	}
	for range 2 {
		if _, err := h.Write(fd, []byte("x")); !errors.Is(err, syscall.EPIPE) {
			t.Fatalf("later Write after reset = %v, want EPIPE", err)
		}
	}
}

// Writing to a peer that closed: the data reaches a closed endpoint, which
// answers with a RST one round trip later.
func TestWriteAfterPeerClose(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	_, cfd, sfd := e.connect()
	must(t)(0, e.b.Close(sfd))
	e.run()
	if n, err := e.a.Read(cfd, make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("Read = %d, %v, want EOF", n, err)
	}
	start := e.now()
	if n, err := e.a.Write(cfd, []byte("late")); n != 4 || err != nil {
		t.Fatalf("Write before the reset = %d, %v", n, err)
	}
	got := e.waitMain(e.a, cfd, 0) // readable already (EOF): wait for the error
	if want := start + 2*L; e.now() != want || got != simnet.PollErr|simnet.PollHup {
		t.Fatalf("revents %#x at %v, want an error at %v", got, e.now(), want)
	}
	checkResetWrites(t, e.a, cfd)
	if _, err := e.a.Read(cfd, make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Read = %v, want ECONNRESET", err)
	}
}

// Host.Reset sends a RST at once, even with data still buffered.
func TestHostReset(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, RecvBuffer: 100})
	_, cfd, sfd := e.connect()
	must(t)(e.a.Write(cfd, make([]byte, 1000))) // more than the window: some stays buffered
	e.runUntil(e.now() + L/2)
	start := e.now()
	if err := e.a.Reset(cfd); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Reset(cfd); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Reset of a closed fd = %v", err)
	}
	e.run()
	at, ok := e.firstEvent(simnet.KindRST, srvAddr)
	if !ok || at != start+L {
		t.Fatalf("RST arrived at %v (%v), want %v", at, ok, start+L)
	}
	if _, err := e.b.Read(sfd, make([]byte, 10)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Read = %v", err)
	}
	if got := e.log(simnet.KindSegment); got != "0.040000000s segment 10.0.0.1:40000>10.0.0.2:80 len=100\n" {
		t.Fatalf("segments:\n%s", got)
	}
}

// Reset on a listener or a UDP socket closes it.
func TestResetOtherSockets(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	ufd := must(t)(e.b.OpenUDP())
	for _, fd := range []int{lfd, ufd} {
		if err := e.b.Reset(fd); err != nil {
			t.Fatal(err)
		}
		if err := e.b.Close(fd); !errors.Is(err, syscall.EBADF) {
			t.Fatalf("fd %d still open", fd)
		}
	}
	must(t)(e.b.ListenTCP(srvAddr)) // the port is free again
}

// Closing a listener resets the connections waiting in its backlog.
func TestListenerCloseResetsBacklog(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	c1 := must(t)(e.a.DialTCP(srvAddr))
	e.runUntil(3 * L) // c1 established and queued
	c2 := must(t)(e.a.DialTCP(srvAddr))
	e.runUntil(3*L + L + 1) // c2 half open at the server
	must(t)(0, e.b.Close(lfd))
	e.run()
	if err := e.a.ConnectError(c1); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("queued connection: %v, want ECONNRESET", err)
	}
	if err := e.a.ConnectError(c2); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("half-open connection: %v, want reset or connected", err)
	}
	if _, err := e.a.Read(c2, make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("half-open connection read: %v, want ECONNRESET", err)
	}
	if simnet.ConnCount(e.b) != 0 {
		t.Fatalf("server endpoints left: %d", simnet.ConnCount(e.b))
	}
}

// A connection reset before it was accepted is still accepted; reading it
// reports the reset.
func TestResetBeforeAccept(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	cfd := must(t)(e.a.DialTCP(srvAddr))
	e.runUntil(3 * L)
	must(t)(0, e.a.Reset(cfd))
	e.run()
	sfd, _, err := e.b.Accept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.Read(sfd, make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Read = %v", err)
	}
}

// Closing a socket that is still connecting abandons the connect; the
// server's half-open endpoint is reset by the SYN-ACK's answer.
func TestCloseWhileConnecting(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	cfd := must(t)(e.a.DialTCP(srvAddr))
	must(t)(0, e.a.Close(cfd))
	e.run()
	if _, _, err := e.b.Accept(lfd); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("Accept = %v, want EAGAIN", err)
	}
	if simnet.ConnCount(e.a)+simnet.ConnCount(e.b) != 0 {
		t.Fatal("endpoints left")
	}
	if e.now() > time.Second {
		t.Fatalf("a SYN timer survived the close: world ran until %v", e.now())
	}
}

// Short writes: Write takes what fits in the send buffer, EAGAIN when full,
// and PollOut comes back when acknowledgements free room.
func TestShortWritesAndBackpressure(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, SendBuffer: 1000, RecvBuffer: 600, PollCost: -1})
	_, cfd, sfd := e.connect()
	if n, err := e.a.Write(cfd, make([]byte, 1500)); n != 1000 || err != nil {
		t.Fatalf("Write = %d, %v, want a short 1000", n, err)
	}
	if n, err := e.a.Write(cfd, []byte("x")); n != 0 || !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("Write to a full buffer = %d, %v", n, err)
	}
	if n, _ := e.a.Poll([]simnet.PollFD{{FD: cfd, Events: simnet.PollOut}}, 0); n != 0 {
		t.Fatal("full send buffer polls writable")
	}
	start := e.now()
	e.waitMain(e.a, cfd, simnet.PollOut)
	// 600 bytes (the window) went out at start and were acked 2L later.
	if e.now() != start+2*L {
		t.Fatalf("writable again at %v, want %v", e.now(), start+2*L)
	}
	if n, err := e.a.Write(cfd, make([]byte, 1000)); n != 600 || err != nil {
		t.Fatalf("Write = %d, %v, want 600", n, err)
	}
	// The receiver has not read: the window stays closed.
	e.runUntil(e.now() + 10*L)
	if got := len(readAll(t, e.b, sfd)); got != 600 {
		t.Fatalf("receiver got %d bytes, want the 600-byte window", got)
	}
	e.run()
	if got := len(readAll(t, e.b, sfd)); got != 600 {
		t.Fatalf("after reading, receiver got %d more bytes, want 600", got)
	}
}

// The window: a sender keeps no more than RecvBuffer bytes unread or in
// flight, and a read's window update reaches it one latency later.
func TestWindowUpdate(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L, RecvBuffer: 100, MaxSegment: 40})
	_, cfd, sfd := e.connect()
	must(t)(e.a.Write(cfd, make([]byte, 300)))
	e.run()
	if got := e.log(simnet.KindSegment); got != ""+
		"0.040000000s segment 10.0.0.1:40000>10.0.0.2:80 len=40\n"+
		"0.040000000s segment 10.0.0.1:40000>10.0.0.2:80 len=40\n"+
		"0.040000000s segment 10.0.0.1:40000>10.0.0.2:80 len=20\n" {
		t.Fatalf("segments:\n%s", got)
	}
	if e.now() != 5*L {
		t.Fatalf("idle at %v, want %v (the last ACK)", e.now(), 5*L)
	}
	e.events = nil
	readN(t, e.b, sfd, 30) // 100-byte window: 30 more may come
	readN(t, e.b, sfd, 0)
	e.run()
	want := "" +
		"0.060000000s window 10.0.0.2:80>10.0.0.1:40000 len=0\n" +
		"0.070000000s segment 10.0.0.1:40000>10.0.0.2:80 len=30\n" +
		"0.080000000s ack 10.0.0.2:80>10.0.0.1:40000 len=0\n"
	if got := e.log(); got != want {
		t.Fatalf("log:\n%s\nwant:\n%s", got, want)
	}
}

func readN(t *testing.T, h *simnet.Host, fd, n int) {
	t.Helper()
	if got, err := h.Read(fd, make([]byte, n)); got != n || err != nil {
		t.Fatalf("Read = %d, %v, want %d", got, err, n)
	}
}

// A host reaches itself at its own address and at loopback.
func TestLoopback(t *testing.T) {
	for _, dst := range []string{"127.0.0.1:80", "10.0.0.2:80", "0.0.0.0:80"} {
		e := newEnv(t, 1, simnet.Config{Latency: L})
		lfd := must(t)(e.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:80")))
		cfd := must(t)(e.b.DialTCP(netip.MustParseAddrPort(dst)))
		e.waitMain(e.b, cfd, simnet.PollOut)
		if e.now() != 2*L {
			t.Fatalf("%s: connected at %v", dst, e.now())
		}
		e.waitMain(e.b, lfd, simnet.PollIn)
		sfd, peer, err := e.b.Accept(lfd)
		if err != nil {
			t.Fatal(err)
		}
		want := "127.0.0.1"
		if dst == "10.0.0.2:80" {
			want = "10.0.0.2"
		}
		if peer.Addr().String() != want || e.b.LocalAddr(cfd).Addr().String() != want || e.b.LocalAddr(sfd).Addr().String() != want {
			t.Fatalf("%s: peer %v, client local %v, server local %v", dst, peer, e.b.LocalAddr(cfd), e.b.LocalAddr(sfd))
		}
		if e.b.LocalAddr(lfd) != netip.MustParseAddrPort("0.0.0.0:80") {
			t.Fatalf("listener local %v", e.b.LocalAddr(lfd))
		}
	}
}

// A listener bound to one address does not take connections to another.
func TestListenerAddressMatch(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	must(t)(e.b.ListenTCP(netip.MustParseAddrPort("127.0.0.1:80")))
	cfd := must(t)(e.a.DialTCP(srvAddr))
	e.waitMain(e.a, cfd, simnet.PollOut)
	if !errors.Is(e.a.ConnectError(cfd), syscall.ECONNREFUSED) {
		t.Fatalf("connect to a loopback-only listener from outside: %v", e.a.ConnectError(cfd))
	}
	// A second listener on the host address can share the port.
	must(t)(e.b.ListenTCP(srvAddr))
}

func TestListenErrors(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	must(t)(e.b.ListenTCP(srvAddr))
	tests := []struct {
		addr string
		want error
	}{
		{"10.0.0.2:80", syscall.EADDRINUSE},
		{"0.0.0.0:80", syscall.EADDRINUSE},
		{"10.0.0.1:81", syscall.EADDRNOTAVAIL},
		{"10.0.0.2:81", nil},
	}
	for _, tt := range tests {
		fd, err := e.b.ListenTCP(netip.MustParseAddrPort(tt.addr))
		if !isErr(err, tt.want) || (err != nil && fd != -1) {
			t.Errorf("ListenTCP(%s) = %d, %v, want %v", tt.addr, fd, err, tt.want)
		}
	}
	if _, err := e.b.ListenTCP(netip.AddrPort{}); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("ListenTCP(zero) = %v", err)
	}
	if _, err := e.b.DialTCP(netip.AddrPort{}); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("DialTCP(zero) = %v", err)
	}
	if _, err := e.b.DialTCP(netip.MustParseAddrPort("[fd00::1]:80")); !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("DialTCP(v6 from a v4 host) = %v", err)
	}
	fd := must(t)(e.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:0")))
	if got := e.b.LocalAddr(fd); got != netip.MustParseAddrPort("0.0.0.0:40000") {
		t.Errorf("ephemeral listener at %v", got)
	}
}

// Descriptors are the lowest free ones from 3; ephemeral ports go up from
// 40000 and skip ports in use.
func TestDescriptorsAndPorts(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	must(t)(e.a.ListenTCP(netip.MustParseAddrPort("0.0.0.0:40001")))
	var fds []int
	for range 3 {
		fds = append(fds, must(t)(e.a.DialTCP(srvAddr)))
	}
	if fds[0] != 4 || fds[1] != 5 || fds[2] != 6 {
		t.Fatalf("fds %v, want [4 5 6]", fds)
	}
	ports := []uint16{e.a.LocalAddr(4).Port(), e.a.LocalAddr(5).Port(), e.a.LocalAddr(6).Port()}
	if ports[0] != 40000 || ports[1] != 40002 || ports[2] != 40003 {
		t.Fatalf("ports %v, want [40000 40002 40003]", ports)
	}
	must(t)(0, e.a.Close(4))
	if fd := must(t)(e.a.OpenUDP()); fd != 4 {
		t.Fatalf("reused fd %d, want 4", fd)
	}
}

func TestBadDescriptors(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	buf := make([]byte, 4)
	for _, fd := range []int{-1, 0, 3, 99} {
		errs := []error{
			second(e.a.Read(fd, buf)), second(e.a.Write(fd, buf)),
			third(e.a.ReadFrom(fd, buf)), second(e.a.WriteTo(fd, buf, srvAddr)),
			third(e.a.Accept(fd)), e.a.ConnectError(fd), e.a.Close(fd), e.a.Reset(fd),
		}
		for i, err := range errs {
			if !errors.Is(err, syscall.EBADF) {
				t.Errorf("fd %d call %d: %v, want EBADF", fd, i, err)
			}
		}
		if e.a.LocalAddr(fd).IsValid() || e.a.RemoteAddr(fd).IsValid() {
			t.Errorf("fd %d has addresses", fd)
		}
	}
}

func third[A, B any](_ A, _ B, err error) error { return err }

// Calls on the wrong kind of socket fail with a clear errno.
func TestWrongSocketKind(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	lfd, cfd, sfd := e.connect()
	ufd := must(t)(e.b.OpenUDP())
	buf := make([]byte, 4)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"Accept on a connection", third(e.a.Accept(cfd)), syscall.EINVAL},
		{"Accept on UDP", third(e.b.Accept(ufd)), syscall.EINVAL},
		{"Read on a listener", second(e.b.Read(lfd, buf)), syscall.ENOTCONN},
		{"Write on a listener", second(e.b.Write(lfd, buf)), syscall.ENOTCONN},
		{"ReadFrom on a listener", third(e.b.ReadFrom(lfd, buf)), syscall.ENOTCONN},
		{"WriteTo on a listener", second(e.b.WriteTo(lfd, buf, srvAddr)), syscall.ENOTCONN},
		{"Write on UDP", second(e.b.Write(ufd, buf)), syscall.EDESTADDRREQ},
		{"Read on empty UDP", second(e.b.Read(ufd, buf)), syscall.EAGAIN},
		{"ConnectError on a listener", e.b.ConnectError(lfd), nil},
		{"ConnectError on UDP", e.b.ConnectError(ufd), nil},
	}
	for _, tt := range tests {
		if !isErr(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	// On a connection, ReadFrom and WriteTo work like Read and Write.
	if n, err := e.a.WriteTo(cfd, []byte("hi"), netip.AddrPort{}); n != 2 || err != nil {
		t.Fatalf("WriteTo on TCP = %d, %v", n, err)
	}
	e.run()
	if n, from, err := e.b.ReadFrom(sfd, buf); n != 2 || err != nil || from != e.b.RemoteAddr(sfd) {
		t.Fatalf("ReadFrom on TCP = %d, %v, %v", n, from, err)
	}
	if n, err := e.a.Read(cfd, nil); n != 0 || err != nil {
		t.Fatalf("empty Read = %d, %v", n, err)
	}
	if n, err := e.a.Write(cfd, nil); n != 0 || err != nil {
		t.Fatalf("empty Write = %d, %v", n, err)
	}
}

// IPv6 hosts work the same way, and [::] listens on all addresses.
func TestIPv6(t *testing.T) {
	w := sim.New(sim.Options{Seed: 1})
	defer w.Close()
	n, _ := simnet.New(w, simnet.Config{Latency: L})
	a, _ := n.AddHost("a", netip.MustParseAddr("fd00::1"))
	b, _ := n.AddHost("b", netip.MustParseAddr("fd00::2"))
	lfd := must(t)(b.ListenTCP(ap("[::]:80")))
	cfd := must(t)(a.DialTCP(ap("[fd00::2]:80")))
	fds := []simnet.PollFD{{FD: lfd, Events: simnet.PollIn}}
	if k, err := b.Poll(fds, -1); k != 1 || err != nil || w.Now() != sim.Time(3*L) {
		t.Fatalf("Poll = %d, %v at %v", k, err, w.Now())
	}
	if _, peer, err := b.Accept(lfd); err != nil || peer != ap("[fd00::1]:40000") || a.ConnectError(cfd) != nil {
		t.Fatalf("Accept peer %v, %v", peer, err)
	}
	if _, err := a.DialTCP(ap("10.0.0.2:80")); !errors.Is(err, syscall.ENETUNREACH) {
		t.Fatalf("v4 from a v6 host: %v", err)
	}
	ufd := must(t)(a.OpenUDP())
	if got := a.LocalAddr(ufd); got != ap("[::]:40000") {
		t.Fatalf("OpenUDP local %v", got)
	}
	lo := must(t)(a.DialTCP(ap("[::1]:9")))
	if got := a.LocalAddr(lo).Addr(); got != netip.IPv6Loopback() {
		t.Fatalf("loopback dial from %v", got)
	}
}
