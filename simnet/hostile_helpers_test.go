package simnet_test

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// retryable reports whether a socket call's error only means "not now":
// EAGAIN, or EINTR from the adversary.
func retryable(err error) bool {
	return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR)
}

// faultCase is a two-way stream workload on a hostile network: setup
// installs the faults before the processes start.
type faultCase struct {
	cfg      simnet.Config
	out      [2][]byte
	maxChunk int
	setup    func(e *env)
}

// runFaulty runs a faultCase as runStream runs a streamCase, but with
// processes that take EINTR and refused accepts in their stride. It
// returns what each end received and the event log.
func runFaulty(t testing.TB, seed sim.Seed, c faultCase) streamResult {
	t.Helper()
	e := newEnv(t, seed, c.cfg)
	if c.setup != nil {
		c.setup(e)
	}
	var res streamResult
	lfd := must(t)(e.b.ListenTCP(srvAddr))
	e.a.Go("client", func(p *sim.Proc) {
		fd := ok(e.a.DialTCP(srvAddr))
		pollFor(e.a, fd, simnet.PollOut)
		if err := e.a.ConnectError(fd); err != nil {
			panic(fmt.Sprintf("client: connect: %v", err))
		}
		pumpHostile(e, e.a, fd, c.out[0], len(c.out[1]), &res.got[0], c.maxChunk, "client")
		ok(0, e.a.Close(fd))
	})
	e.b.Go("server", func(p *sim.Proc) {
		fd := acceptRetry(e.b, lfd)
		pumpHostile(e, e.b, fd, c.out[1], len(c.out[0]), &res.got[1], c.maxChunk, "server")
		readEOF(e.b, fd)
		ok(0, e.b.Close(fd))
	})
	e.run()
	res.log, res.end = e.log(), e.now()
	return res
}

// pollFor polls one descriptor until one of events (or an error) shows.
func pollFor(h *simnet.Host, fd int, events int16) int16 {
	for {
		fds := []simnet.PollFD{{FD: fd, Events: events}}
		if _, err := h.Poll(fds, -1); err != nil && !retryable(err) {
			panic(err)
		}
		if fds[0].Revents != 0 {
			return fds[0].Revents
		}
	}
}

// acceptRetry waits for a connection and accepts it, retrying refusals.
func acceptRetry(h *simnet.Host, lfd int) int {
	for {
		pollFor(h, lfd, simnet.PollIn)
		fd, _, err := h.Accept(lfd)
		if err == nil {
			return fd
		}
		if !retryable(err) {
			panic(err)
		}
	}
}

// readEOF reads until the peer's EOF; data there is a failure.
func readEOF(h *simnet.Host, fd int) {
	for {
		pollFor(h, fd, simnet.PollIn)
		n, err := h.Read(fd, make([]byte, 1))
		switch {
		case n == 0 && err == io.EOF:
			return
		case n > 0 || !retryable(err):
			panic(fmt.Sprintf("%s: read %d, %v after all data, want EOF", h.Name(), n, err))
		}
	}
}

// pumpHostile is pump that retries EAGAIN and EINTR.
func pumpHostile(e *env, h *simnet.Host, fd int, out []byte, want int, got *[]byte, maxChunk int, who string) {
	r := e.w.Rand("test " + who)
	buf := make([]byte, maxChunk)
	for len(out) > 0 || len(*got) < want {
		fds := []simnet.PollFD{{FD: fd, Events: interest(len(out) > 0, len(*got) < want)}}
		if _, err := h.Poll(fds, -1); err != nil && !retryable(err) {
			panic(err)
		}
		if fds[0].Revents&simnet.PollOut != 0 {
			n, err := h.Write(fd, out[:min(len(out), r.Range(1, maxChunk))])
			failUnless(err, who+" write")
			out = out[n:]
		}
		if fds[0].Revents&simnet.PollIn != 0 {
			n, err := h.Read(fd, buf[:r.Range(1, maxChunk)])
			failUnless(err, who+" read")
			*got = append(*got, buf[:n]...)
		}
	}
}

func failUnless(err error, what string) {
	if err != nil && !retryable(err) {
		panic(fmt.Sprintf("%s: %v", what, err))
	}
}

// randomBytes returns n bytes drawn from a seed.
func randomBytes(seed sim.Seed, n int) []byte {
	r := sim.NewRand(seed).Fork("bytes")
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint64())
	}
	return b
}

// ---- the chat workload ----

// chatName is the DNS name of the chat server.
const chatName = "srv.test"

// chat runs, for d of virtual time, an echo server on b (a boot function,
// so it comes back after a restart) and a client on a that connects,
// sends, reads the echo, pings over UDP and looks the server's name up,
// reconnecting after any failure. It returns the log: every network event
// interleaved with what the client saw.
func chat(t testing.TB, seed sim.Seed, cfg simnet.Config, s simnet.Schedule, d time.Duration) string {
	t.Helper()
	e := newQuietEnv(t, seed, cfg)
	var log strings.Builder
	e.n.Observe(func(ev simnet.Event) { fmt.Fprintln(&log, ev) })
	if err := e.n.AddName(chatName, addrB); err != nil {
		t.Fatal(err)
	}
	if err := e.n.Apply(s); err != nil {
		t.Fatal(err)
	}
	e.b.Boot(func(p *sim.Proc) { echoServer(e.b) })
	e.a.Go("client", func(p *sim.Proc) { chatClient(e, p, &log, sim.Time(d)) })
	if err := e.w.Run(sim.Time(d) + sim.Time(time.Second)); err != nil {
		t.Fatalf("seed %v: %v", seed, err)
	}
	return log.String()
}

// echoServer echoes TCP on port 80 and UDP on port 53 for ever.
func echoServer(h *simnet.Host) {
	lfd := ok(h.ListenTCP(srvAddr))
	ufd := ok(h.ListenUDP(ap("10.0.0.2:53")))
	var conns []*echoConn
	buf := make([]byte, 2048)
	for {
		fds := []simnet.PollFD{{FD: lfd, Events: simnet.PollIn}, {FD: ufd, Events: simnet.PollIn}}
		for _, c := range conns {
			fds = append(fds, simnet.PollFD{FD: c.fd, Events: interest(len(c.out) > 0, len(c.out) == 0)})
		}
		if _, err := h.Poll(fds, time.Second); err != nil && !retryable(err) {
			panic(err)
		}
		if fd, _, err := h.Accept(lfd); err == nil {
			conns = append(conns, &echoConn{fd: fd})
		}
		if n, from, err := h.ReadFrom(ufd, buf); err == nil {
			h.WriteTo(ufd, buf[:n], from)
		}
		conns = echoConns(h, conns, buf)
	}
}

// echoConn is one echoed connection and the echo it still owes.
type echoConn struct {
	fd  int
	out []byte
}

// echoConns moves each connection's echo along (reading more only when the
// last is sent) and closes the ones that ended or failed.
func echoConns(h *simnet.Host, conns []*echoConn, buf []byte) []*echoConn {
	kept := conns[:0]
	for _, c := range conns {
		var err error
		if len(c.out) > 0 {
			var n int
			n, err = h.Write(c.fd, c.out)
			c.out = c.out[n:]
		} else {
			var n int
			n, err = h.Read(c.fd, buf)
			c.out = append(c.out, buf[:n]...)
		}
		if err != nil && !retryable(err) {
			h.Close(c.fd)
			continue
		}
		kept = append(kept, c)
	}
	return kept
}

// chatClient is the client side of chat.
func chatClient(e *env, p *sim.Proc, log *strings.Builder, until sim.Time) {
	say := func(format string, args ...any) {
		fmt.Fprintf(log, "%v client: %s\n", e.w.Now(), fmt.Sprintf(format, args...))
	}
	ufd := ok(e.a.OpenUDP())
	for round := 0; e.w.Now() < until; round++ {
		lookup(e.a, say)
		e.a.WriteTo(ufd, []byte(fmt.Sprintf("ping %d", round)), ap("10.0.0.2:53"))
		chatOnce(e, say, round)
		p.Sleep(300 * time.Millisecond)
		drainUDP(e.a, ufd, say)
	}
}

// lookup resolves the chat name and says what came back.
func lookup(h *simnet.Host, say func(string, ...any)) {
	fd, err := h.Lookup(chatName)
	if err != nil {
		say("lookup: %v", err)
		return
	}
	defer h.Close(fd)
	fds := []simnet.PollFD{{FD: fd, Events: simnet.PollIn}}
	h.Poll(fds, 20*time.Second)
	a, err := h.LookupResult(fd)
	say("lookup: %v %v", a, err)
}

// chatOnce connects, sends three messages and reads their echo, with
// timeouts; it says how it went.
func chatOnce(e *env, say func(string, ...any), round int) {
	fd, err := e.a.DialTCP(srvAddr)
	if err != nil {
		say("dial: %v", err)
		return
	}
	defer e.a.Close(fd)
	fds := []simnet.PollFD{{FD: fd, Events: simnet.PollOut}}
	e.a.Poll(fds, 3*time.Second)
	if err := e.a.ConnectError(fd); err != nil {
		say("connect: %v", err)
		return
	}
	msg := []byte(strings.Repeat(fmt.Sprintf("round %d ", round), 200))
	got, err := exchange(e.a, fd, msg, 5*time.Second)
	say("round %d: sent %d, echoed %d (%v)", round, len(msg), got, err)
}

// exchange writes msg and reads its echo until done, an error or a
// deadline; it returns how many bytes came back, and the error.
func exchange(h *simnet.Host, fd int, msg []byte, limit time.Duration) (int, error) {
	deadline := h.Network().World().Now().Add(limit)
	out, got := msg, 0
	buf := make([]byte, 4096)
	for got < len(msg) && h.Network().World().Now() < deadline {
		fds := []simnet.PollFD{{FD: fd, Events: interest(len(out) > 0, true)}}
		h.Poll(fds, 200*time.Millisecond)
		if n, err := h.Write(fd, out); err == nil {
			out = out[n:]
		}
		n, err := h.Read(fd, buf)
		got += n
		if err != nil && !retryable(err) {
			return got, err
		}
	}
	return got, nil
}

// drainUDP reads every queued echo and says how many.
func drainUDP(h *simnet.Host, fd int, say func(string, ...any)) {
	k := 0
	for {
		if _, _, err := h.ReadFrom(fd, make([]byte, 64)); err != nil {
			break
		}
		k++
	}
	say("udp echoes: %d", k)
}

// twice runs f at GOMAXPROCS 1 and at 8 and fails unless both logs are
// equal. It returns the log.
func twice(t *testing.T, f func() string) string {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(1)
	first := f()
	runtime.GOMAXPROCS(8)
	second := f()
	if first != second {
		t.Fatalf("same seed, different logs:\n%s", firstLineDiff(first, second))
	}
	return first
}

// firstLineDiff shows where two logs part.
func firstLineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(la), len(lb))
}
