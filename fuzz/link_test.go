package fuzz_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// link is one TCP connection of the simulated network, driven call by call
// from the test's goroutine: side 0 is the client on 10.0.0.1, side 1 the
// server on 10.0.0.2. It logs what each side's writes accepted and what
// each side read, and checks the stream properties after every call:
// bytes come out in the order they went in, none lost in the middle, none
// made up or repeated, and nothing reaches a descriptor after its close.
type link struct {
	w      *sim.World
	hosts  [2]*simnet.Host
	lfd    int
	fd     [2]int
	open   [2]bool
	reset  [2]bool   // the side reset its end
	sent   [2][]byte // accepted by the side's writes
	got    [2][]byte // read by the side
	eof    [2]bool   // the side read EOF
	events []string  // the network's events, as text
	errs   []string
}

func newLink(seed sim.Seed, cfg simnet.Config) (*link, error) {
	w := sim.New(sim.Options{Seed: seed, MaxSteps: 2_000_000})
	n, err := simnet.New(w, cfg)
	if err != nil {
		w.Close()
		return nil, err
	}
	l := &link{w: w, open: [2]bool{true, true}}
	n.Observe(func(e simnet.Event) { l.events = append(l.events, e.String()) })
	l.hosts[0], _ = n.AddHost("client", netip.MustParseAddr("10.0.0.1"))
	l.hosts[1], _ = n.AddHost("server", netip.MustParseAddr("10.0.0.2"))
	if err := l.connect(); err != nil {
		w.Close()
		return nil, err
	}
	return l, nil
}

// connect listens, dials and accepts, waiting in virtual time.
func (l *link) connect() error {
	addr := netip.MustParseAddrPort("10.0.0.2:80")
	var err error
	if l.lfd, err = l.hosts[1].ListenTCP(addr); err != nil {
		return err
	}
	if l.fd[0], err = l.hosts[0].DialTCP(addr); err != nil {
		return err
	}
	if err := l.wait(0, l.fd[0], simnet.PollOut); err != nil {
		return err
	}
	if err := l.wait(1, l.lfd, simnet.PollIn); err != nil {
		return err
	}
	l.fd[1], _, err = l.hosts[1].Accept(l.lfd)
	return err
}

func (l *link) wait(side, fd int, ev int16) error {
	_, err := l.hosts[side].Poll([]simnet.PollFD{{FD: fd, Events: ev}}, 10*time.Second)
	return err
}

func (l *link) close() { l.w.Close() }

func (l *link) failf(format string, args ...any) {
	l.errs = append(l.errs, fmt.Sprintf("%v: ", l.w.Now())+fmt.Sprintf(format, args...))
}

// streamByte is byte i of a side's stream: below 200, so that bytes of
// another stream (see fresh) can never be taken for it.
func streamByte(side, i int) byte { return byte((i*13 + side*7 + i/199) % 200) }

// write writes the next n bytes of the side's stream and returns the count.
func (l *link) write(side, n int) (int, error) {
	p := make([]byte, n)
	for i := range p {
		p[i] = streamByte(side, len(l.sent[side])+i)
	}
	k, err := l.hosts[side].Write(l.fd[side], p)
	switch {
	case k < 0 || k > n:
		l.failf("side %d: Write of %d returned %d", side, n, k)
	case k > 0:
		l.sent[side] = append(l.sent[side], p[:k]...)
	}
	if !l.open[side] && !errors.Is(err, syscall.EBADF) {
		l.failf("side %d: Write on a closed descriptor: %d, %v", side, k, err)
	}
	return k, err
}

// read reads up to n bytes on the side and checks them against what the
// other side sent.
func (l *link) read(side, n int) (int, error) {
	buf := make([]byte, n)
	k, err := l.hosts[side].Read(l.fd[side], buf)
	if !l.open[side] {
		if k != 0 || !errors.Is(err, syscall.EBADF) {
			l.failf("side %d: Read on a closed descriptor: %d, %v", side, k, err)
		}
		return k, err
	}
	if k > 0 {
		l.got[side] = append(l.got[side], buf[:k]...)
	}
	if err == io.EOF {
		l.eof[side] = true
	}
	l.checkStream(side)
	return k, err
}

// checkStream: what a side read is a prefix of what the other side sent,
// and EOF comes only after all of it, and only if the other side closed
// in order.
func (l *link) checkStream(side int) {
	other := 1 - side
	got, sent := l.got[side], l.sent[other]
	switch {
	case !bytes.HasPrefix(sent, got):
		l.failf("side %d read %d bytes that are not a prefix of the %d side %d sent (first difference at %d)", side, len(got), len(sent), other, firstDifference(got, sent))
	case l.eof[side] && (len(got) != len(sent) || l.open[other] || l.reset[other]):
		l.failf("side %d read EOF after %d of %d bytes; side %d open %v, reset %v", side, len(got), len(sent), other, l.open[other], l.reset[other])
	}
}

func firstDifference(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// shut closes (or resets) the side's descriptor.
func (l *link) shut(side int, reset bool) {
	if !l.open[side] {
		return
	}
	var err error
	if reset {
		err = l.hosts[side].Reset(l.fd[side])
	} else {
		err = l.hosts[side].Close(l.fd[side])
	}
	if err != nil {
		l.failf("side %d: close: %v", side, err)
	}
	l.open[side], l.reset[side] = false, reset
}

// advance lets the network run for ms milliseconds.
func (l *link) advance(ms int) {
	if err := l.w.Run(l.w.Now().Add(time.Duration(ms) * time.Millisecond)); err != nil {
		l.failf("world: %v", err)
	}
}

// drain waits long enough for everything in flight, then reads all the
// side can read, and checks that nothing was lost: unless either end was
// reset, the side has all the other side sent.
func (l *link) drain(side int) {
	if !l.open[side] {
		return
	}
	for range 64 {
		l.advance(1000)
		for {
			k, err := l.read(side, 4096)
			if k == 0 || err != nil {
				break
			}
		}
	}
	if !l.sawReset() && len(l.got[side]) != len(l.sent[1-side]) {
		l.failf("side %d has %d of the %d bytes side %d sent, after a minute", side, len(l.got[side]), len(l.sent[1-side]), 1-side)
	}
}

// sawReset reports whether a reset crossed the network: a side reset its
// end, or closed it with unread data, or data reached a closed end. Then
// data in flight may be lost (as on Linux), though never reordered.
func (l *link) sawReset() bool {
	for _, e := range l.events {
		if strings.Contains(e, " rst ") {
			return true
		}
	}
	return false
}

// freshByte fills the fresh connection's stream: no stream byte is 0xEE.
const freshByte = 0xEE

// fresh, after the server closed its end, makes a new connection to the
// same listener, sends through it, and checks that the server reads only
// the new connection's bytes: nothing of the closed one, whose client may
// still be writing, reaches it — even when it gets the same descriptor.
func (l *link) fresh() {
	c, err := l.hosts[0].DialTCP(netip.MustParseAddrPort("10.0.0.2:80"))
	if err == nil {
		err = l.wait(0, c, simnet.PollOut)
	}
	if err == nil {
		_, err = l.hosts[0].Write(c, bytes.Repeat([]byte{freshByte}, 100))
	}
	if err == nil {
		err = l.wait(1, l.lfd, simnet.PollIn)
	}
	s, _, err2 := l.hosts[1].Accept(l.lfd)
	if err != nil || err2 != nil {
		return // the listener's backlog or the network may refuse: not a finding
	}
	l.advance(1000)
	buf := make([]byte, 4096)
	k, _ := l.hosts[1].Read(s, buf)
	if bytes.Count(buf[:k], []byte{freshByte}) != k {
		l.failf("a new connection (descriptor %d) read %q: bytes that are not its own", s, buf[:k])
	}
	l.hosts[0].Close(c)
	l.hosts[1].Close(s) // the descriptor's number is free again: the old one reads EBADF
}

func (l *link) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(l.errs, "\n"))
}
