package simnet

import (
	"syscall"
)

// Adversary is a syscall adversary inside one host: every probability is
// a chance per call (or, for Poll, per ready descriptor), drawn from the
// host's own seeded stream, so the same seed gives the same adversity.
// It never loses or duplicates data: a refused call did nothing, a short
// read leaves the rest readable, a short write took only what it reports.
// And it never blocks progress: no call on a socket is refused twice in a
// row, a descriptor hidden from one Poll is shown by the next Poll on the
// host that does not return EINTR, and no two Polls in a row return EINTR.
// A Poll whose ready descriptors are all hidden does not block: it returns
// EINTR at once, as poll(2) interrupted by a signal does.
//
// The zero Adversary is off.
type Adversary struct {
	// ShortReads: a TCP Read (or ReadFrom) returns fewer bytes than it
	// could, down to 1. Datagrams are never cut.
	ShortReads float64
	// ShortWrites: a TCP Write takes fewer bytes than it could, down to 1.
	// Datagrams are all or nothing.
	ShortWrites float64
	// EAGAIN and EINTR: Read, Write, Accept, ReadFrom or WriteTo fails
	// with that errno and does nothing.
	EAGAIN float64
	EINTR  float64
	// HideReady: Poll does not report a ready descriptor (the next Poll
	// does). If it hides every ready one, Poll returns EINTR at once.
	HideReady float64
	// PollEINTR: Poll returns (0, EINTR) at once with nothing reported.
	PollEINTR float64
	// LateConnect: the completion of a connect (success or failure) is
	// not reported by the first Poll that could, but by the next one (that
	// first Poll returns EINTR if nothing else is ready).
	LateConnect float64

	_ struct{} // force keyed literals
}

// IsZero reports whether the adversary is off.
func (a Adversary) IsZero() bool { return a == Adversary{} }

func (a Adversary) check() error {
	probs := [...]struct {
		name string
		p    float64
	}{
		{"ShortReads", a.ShortReads}, {"ShortWrites", a.ShortWrites}, {"EAGAIN", a.EAGAIN}, {"EINTR", a.EINTR},
		{"HideReady", a.HideReady}, {"PollEINTR", a.PollEINTR}, {"LateConnect", a.LateConnect},
	}
	for _, f := range probs {
		if err := checkProb("Adversary."+f.name, f.p); err != nil {
			return err
		}
	}
	return nil
}

// SetAdversary sets this host's syscall adversary (the zero value turns
// it off). It returns an error for a probability outside [0, 1].
func (h *Host) SetAdversary(a Adversary) error {
	if err := a.check(); err != nil {
		return err
	}
	h.setAdversary(a)
	return nil
}

// Adversary returns this host's syscall adversary.
func (h *Host) Adversary() Adversary { return h.adv }

func (h *Host) setAdversary(a Adversary) { h.adv, h.advOn = a, !a.IsZero() }

// refuse decides whether the adversary makes a call on s fail with EAGAIN
// or EINTR. It never refuses two calls in a row on one socket.
func (h *Host) refuse(s sock) error {
	b := s.base()
	if b.refused {
		b.refused = false
		return nil
	}
	switch {
	case h.advR.Chance(h.adv.EAGAIN):
		b.refused = true
		return syscall.EAGAIN
	case h.advR.Chance(h.adv.EINTR):
		b.refused = true
		return syscall.EINTR
	}
	return nil
}

// shortRead cuts a TCP read's buffer to a random size between 1 and what
// the read could return.
func (h *Host) shortRead(s sock, p []byte) []byte {
	c, ok := s.(*tcpConn)
	if !ok || len(p) < 2 || c.rcv.len() < 2 || !h.advR.Chance(h.adv.ShortReads) {
		return p
	}
	return p[:h.advR.Range(1, min(len(p), c.rcv.len())-1)]
}

// shortWrite cuts a TCP write to a random size between 1 and what it
// could take.
func (h *Host) shortWrite(s sock, p []byte) []byte {
	c, ok := s.(*tcpConn)
	if !ok || len(p) < 2 || c.snd.free() < 2 || !h.advR.Chance(h.adv.ShortWrites) {
		return p
	}
	return p[:h.advR.Range(1, min(len(p), c.snd.free())-1)]
}

// pollEINTR decides whether this Poll returns EINTR; never twice in a row.
func (h *Host) pollEINTR() bool {
	if h.eintr {
		h.eintr = false
		return false
	}
	h.eintr = h.advR.Chance(h.adv.PollEINTR)
	return h.eintr
}

// hide clears the readiness of some ready entries, as the adversary
// decides, and returns how many it hid. It never hides a socket it hid in
// the previous Poll call.
func (h *Host) hide(fds []PollFD) int {
	hidden := 0
	for i := range fds {
		if fds[i].Revents == 0 {
			continue
		}
		if s := h.sock(fds[i].FD); s != nil && h.hideOne(s) {
			fds[i].Revents = 0
			hidden++
		}
	}
	return hidden
}

// hideOne decides for one ready socket: a connect completion with
// LateConnect, anything else with HideReady.
func (h *Host) hideOne(s sock) bool {
	b := s.base()
	if b.hiddenAt != 0 && b.hiddenAt == h.polls-1 {
		return false
	}
	p := h.adv.HideReady
	if c, ok := s.(*tcpConn); ok && !c.connShown && c.state != stSynSent && c.state != stSynRcvd {
		p = max(p, h.adv.LateConnect)
	}
	if !h.advR.Chance(p) {
		return false
	}
	b.hiddenAt = h.polls
	return true
}

// markShown records that a Poll reported a connect's completion.
func markShown(s sock) {
	if c, ok := s.(*tcpConn); ok && c.state != stSynSent {
		c.connShown = true
	}
}
