package conformance

import (
	"bytes"
	"fmt"

	"github.com/mgsim/mgsim/sim"
)

// This file holds the small building blocks scenarios are made of: payloads,
// an echo server, a streaming client and a countdown that finishes the run.

// payload returns n deterministic lowercase letters drawn from r, eight
// from each 64-bit draw, low byte first: byte i is 'a' + (byte i%8 of
// draw i/8) mod 26.
func payload(r *sim.Rand, n int) []byte {
	p := make([]byte, n)
	i := 0
	for ; i+8 <= n; i += 8 {
		letters8(p[i:i+8:i+8], r.Uint64())
	}
	if i < n {
		var last [8]byte
		letters8(last[:], r.Uint64())
		copy(p[i:], last[:])
	}
	return p
}

// letters8 writes the eight letters of one draw, low byte first.
func letters8(q []byte, bits uint64) {
	_ = q[7]
	q[0] = letterOf[byte(bits)]
	q[1] = letterOf[byte(bits>>8)]
	q[2] = letterOf[byte(bits>>16)]
	q[3] = letterOf[byte(bits>>24)]
	q[4] = letterOf[byte(bits>>32)]
	q[5] = letterOf[byte(bits>>40)]
	q[6] = letterOf[byte(bits>>48)]
	q[7] = letterOf[byte(bits>>56)]
}

// letterOf maps a byte b to 'a' + b%26.
var letterOf = func() (t [256]byte) {
	for b := range t {
		t[b] = 'a' + byte(b)%26
	}
	return t
}()

// countdown calls e.Finish after done has been called n times.
func countdown(e *Env, n int) (done func()) {
	left := n
	if left <= 0 {
		e.Finish()
	}
	return func() {
		left--
		if left == 0 {
			e.Finish()
		}
	}
}

// echoHandler echoes whatever arrives and removes it.
func echoHandler(c Conn, ev Ev, d Data) {
	if ev == EvRecv {
		buf := c.RecvBuf()
		c.Send(buf)
		c.Remove(len(buf))
	}
}

// streamClient sends a message (queued in chunks of at most chunk bytes,
// one chunk per handler call, starting at CONNECT) and reads back an echo
// of it; when the echo is complete and correct it sets SEND_AND_CLOSE.
type streamClient struct {
	e     *Env
	name  string
	msg   []byte
	chunk int
	sent  int
	got   arrivals // the echo, compared with msg
	ok    bool
	done  func()
}

// arrivals compares bytes that arrive piece by piece with the bytes that
// should arrive, as they come, keeping none of them.
type arrivals struct {
	n int // bytes arrived
	// differs is set at the first arrived byte that is not the expected
	// byte at its offset, which diffAt keeps; bytes beyond the expected
	// ones are counted, not compared.
	differs bool
	diffAt  int
}

// add compares the piece in, which follows what arrived before, with want.
func (a *arrivals) add(in, want []byte) {
	if !a.differs {
		w := want[min(a.n, len(want)):min(a.n+len(in), len(want))]
		if !bytes.Equal(in[:len(w)], w) {
			a.differs, a.diffAt = true, a.n+firstDiff(in, w)
		}
	}
	a.n += len(in)
}

// equal reports whether exactly want arrived.
func (a *arrivals) equal(want []byte) bool { return !a.differs && a.n == len(want) }

// firstDiff is the offset of the first byte where what arrived and want
// differ: where a byte differs, or where the shorter of the two ends.
func (a *arrivals) firstDiff(want []byte) int {
	if a.differs {
		return a.diffAt
	}
	return min(a.n, len(want))
}

func (s *streamClient) handle(c Conn, ev Ev, d Data) {
	switch ev {
	case EvConnect:
		if d.Int != 0 {
			s.e.Errorf("%s: connect failed with %d", s.name, d.Int)
			return
		}
		s.queueMore(c)
	case EvPoll, EvSend:
		if c.Flags()&FlagConnecting == 0 {
			s.queueMore(c)
		}
	case EvRecv:
		s.consume(c)
	case EvClose:
		s.closed()
	}
}

func (s *streamClient) queueMore(c Conn) {
	if s.sent == len(s.msg) || c.SendLen() >= 4*s.chunk {
		return
	}
	n := min(s.chunk, len(s.msg)-s.sent)
	c.Send(s.msg[s.sent : s.sent+n])
	s.sent += n
}

// consume compares the bytes that just arrived with the message, keeping
// none of them, and once the message's length has arrived judges the echo.
func (s *streamClient) consume(c Conn) {
	in := c.RecvBuf()
	s.got.add(in, s.msg)
	c.Remove(len(in))
	if s.got.n < len(s.msg) {
		return
	}
	if !s.got.equal(s.msg) {
		s.e.Errorf("%s: echo differs from what was sent (%d bytes, first difference at %d)", s.name, s.got.n, s.got.firstDiff(s.msg))
	}
	s.ok = true
	c.SetFlags(c.Flags() | FlagSendAndClose)
}

func (s *streamClient) closed() {
	if !s.ok {
		s.e.Errorf("%s: closed after %d of %d echoed bytes", s.name, s.got.n, len(s.msg))
	}
	if s.done != nil {
		s.done()
	}
}

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// must records a harness error for a failed Bind/Connect and reports
// whether the call succeeded.
func must(e *Env, what string, err error) bool {
	if err != nil {
		e.Errorf("%s: %v", what, err)
		return false
	}
	return true
}

// counts tallies events per kind for one connection, for scenarios that
// assert on what a handler saw.
type counts [7]int

func (k *counts) add(ev Ev) {
	if int(ev) < len(k) {
		k[ev]++
	}
}

func (k counts) String() string {
	return fmt.Sprintf("POLL %d ACCEPT %d CONNECT %d RECV %d SEND %d CLOSE %d TIMER %d", k[0], k[1], k[2], k[3], k[4], k[5], k[6])
}
