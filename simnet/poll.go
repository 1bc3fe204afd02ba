package simnet

import (
	"errors"
	"syscall"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// PollFD is one entry of a [Host.Poll] set. It is an alias of an unnamed
// struct type, so that another package declaring the same alias (the
// reference poll core) shares this very type without importing simnet.
type PollFD = struct {
	FD      int
	Events  int16
	Revents int16
}

// Readiness bits (Linux poll(2) values).
const (
	PollIn   = 0x1  // readable: data, EOF, a pending error, or (listener) a connection to accept
	PollOut  = 0x4  // writable: send buffer has room, or a connect finished (success or failure)
	PollErr  = 0x8  // an error is pending (reset, failed connect); reported whether asked or not
	PollHup  = 0x10 // the connection is finished in both directions; reported whether asked or not
	PollNval = 0x20 // the descriptor is not open; reported whether asked or not
)

var (
	// ErrPollInAction is returned by a [Host.Poll] that may block (timeout
	// not 0) when it is called from a scheduled action, which cannot park.
	ErrPollInAction = errors.New("simnet: Poll with a timeout called from a scheduled action; only a process can block")
	// ErrBlockedForever is returned by a [Host.Poll] of the main
	// pseudo-process that would wait forever: nothing is ready, there is no
	// timeout, and the world has nothing left to do.
	ErrBlockedForever = errors.New("simnet: Poll would block forever: nothing is ready and the world is idle")
)

// Poll works like poll(2). It sets each entry's Revents to its Events that
// hold, plus PollErr, PollHup and PollNval whenever they hold, and returns
// how many entries have a non-zero Revents. Entries with a negative FD are
// ignored.
//
// If nothing is ready and timeout is not 0 it blocks in virtual time: it
// parks the calling process ([sim.World.Current]; the main pseudo-process
// runs the world inline) until one of the sockets becomes ready or the
// timeout passes. A negative timeout waits without limit: a spawned
// process then stays parked while the world is idle, and the main
// pseudo-process gets [ErrBlockedForever]. It returns the world's error if
// the world stopped, and [ErrPollInAction] for a call with a timeout from a
// scheduled action (with timeout 0 an action may poll).
//
// The host's [Adversary], if on, may leave some ready entries out (they
// are shown by the next call), and may return (0, syscall.EINTR) with
// nothing reported: by chance, or at once when it left out every ready
// entry (so a Poll never blocks while something is ready).
func (h *Host) Poll(fds []PollFD, timeout time.Duration) (int, error) {
	w := h.net.w
	if err := w.Err(); err != nil {
		return 0, err
	}
	if h.advOn && h.pollEINTR() {
		clearRevents(fds)
		return 0, syscall.EINTR
	}
	h.polls++
	p := w.Current()
	if timeout == 0 {
		return h.charge(p, fds, w.Now())
	}
	if p == nil {
		return 0, ErrPollInAction
	}
	return h.block(p, fds, h.deadline(timeout))
}

// charge makes a poll that returns at once take Config.PollCost of virtual
// time (when called by a process), then scans: what became ready meanwhile
// is reported too. deadline is when a blocking poll would give up.
func (h *Host) charge(p *sim.Proc, fds []PollFD, deadline sim.Time) (int, error) {
	if cost := h.net.cfg.PollCost; cost > 0 && p != nil {
		p.Sleep(cost)
		if err := h.net.w.Err(); err != nil {
			return 0, err
		}
	}
	n, err := h.scan(fds)
	if n == 0 && err == nil {
		return h.wait(p, fds, deadline)
	}
	return n, err
}

// block is a poll: charged if something is ready at once, else a wait. The
// first look is a plain count: the adversary decides only on the scan
// whose result the poll returns.
func (h *Host) block(p *sim.Proc, fds []PollFD, deadline sim.Time) (int, error) {
	if h.count(fds) > 0 {
		return h.charge(p, fds, deadline) // ready at once: the call still takes its time
	}
	return h.wait(p, fds, deadline)
}

// wait parks p until a scan finds something ready or deadline passes.
// Spurious wake-ups only lead to another scan.
func (h *Host) wait(p *sim.Proc, fds []PollFD, deadline sim.Time) (int, error) {
	w := h.net.w
	for w.Now() < deadline {
		woken := h.park(p, fds, deadline)
		if err := w.Err(); err != nil {
			return 0, err
		}
		if !woken && w.Now() < deadline {
			return 0, h.stuck()
		}
		if n, err := h.scan(fds); n > 0 || err != nil {
			return n, err
		}
	}
	return 0, nil
}

// stuck explains a park that ended with no wake-up before its deadline:
// the main pseudo-process found the world idle, or was aborted.
func (h *Host) stuck() error {
	if h.net.w.Pending() == 0 {
		return ErrBlockedForever
	}
	return sim.ErrAborted
}

func (h *Host) deadline(timeout time.Duration) sim.Time {
	if timeout < 0 {
		return sim.Never
	}
	return h.net.w.Now().Add(timeout)
}

// scan fills in every entry's Revents and counts the ready ones. The
// adversary, if on, hides some of them; if it hides them all, the call is
// "interrupted" (EINTR) rather than left to block.
func (h *Host) scan(fds []PollFD) (int, error) {
	n := h.count(fds)
	if h.advOn && n > 0 {
		hidden := h.hide(fds)
		h.markShown(fds)
		if hidden == n {
			h.eintr = true
			return 0, syscall.EINTR
		}
		n -= hidden
	}
	return n, nil
}

// count fills in every entry's Revents and counts the ready ones. It
// changes nothing else.
func (h *Host) count(fds []PollFD) int {
	n := 0
	for i := range fds {
		fds[i].Revents = h.revents(fds[i].FD, fds[i].Events)
		if fds[i].Revents != 0 {
			n++
		}
	}
	return n
}

// markShown records the connects whose completion this Poll reports.
func (h *Host) markShown(fds []PollFD) {
	for _, f := range fds {
		if f.Revents != 0 {
			if s := h.sock(f.FD); s != nil {
				markShown(s)
			}
		}
	}
}

func clearRevents(fds []PollFD) {
	for i := range fds {
		fds[i].Revents = 0
	}
}

func (h *Host) revents(fd int, events int16) int16 {
	if fd < 0 {
		return 0
	}
	s := h.sock(fd)
	if s == nil {
		return PollNval
	}
	r := s.ready()
	return r&events | r&(PollErr|PollHup)
}

// park registers p as a waiter on every socket of the set, parks it, and
// removes the registrations again however Park ends.
func (h *Host) park(p *sim.Proc, fds []PollFD, deadline sim.Time) bool {
	regs := h.register(p, fds)
	defer h.unregister(p, regs)
	h.parks++
	return p.Park(deadline)
}

func (h *Host) register(p *sim.Proc, fds []PollFD) []sock {
	var regs []sock
	if k := len(h.regPool); k > 0 {
		regs = h.regPool[k-1][:0]
		h.regPool = h.regPool[:k-1]
	}
	for _, f := range fds {
		if s := h.sock(f.FD); s != nil {
			s.waitList().add(p, f.Events)
			regs = append(regs, s)
		}
	}
	return regs
}

func (h *Host) unregister(p *sim.Proc, regs []sock) {
	for i, s := range regs {
		s.waitList().remove(p)
		regs[i] = nil
	}
	h.regPool = append(h.regPool, regs[:0])
}

// waiter is a process parked in Poll on a socket, with the events it wants.
type waiter struct {
	p      *sim.Proc
	events int16
}

// waitList holds the processes parked in Poll on one socket.
type waitList struct{ ws []waiter }

func (l *waitList) add(p *sim.Proc, events int16) {
	l.ws = append(l.ws, waiter{p, events})
}

func (l *waitList) remove(p *sim.Proc) {
	k := 0
	for _, w := range l.ws {
		if w.p != p {
			l.ws[k] = w
			k++
		}
	}
	for i := k; i < len(l.ws); i++ { // usually one: cheaper than clear's call
		l.ws[i] = waiter{}
	}
	l.ws = l.ws[:k]
}

// notify wakes the waiters for which the socket's readiness r is now
// reportable.
func (l *waitList) notify(r int16) {
	for _, w := range l.ws {
		if r&(w.events|PollErr|PollHup) != 0 {
			w.p.Unpark()
		}
	}
}

// wakeAll wakes every waiter (the descriptor was closed under them).
func (l *waitList) wakeAll() {
	for _, w := range l.ws {
		w.p.Unpark()
	}
}
