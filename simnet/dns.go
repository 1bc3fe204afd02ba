package simnet

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// nameState is what the network's name service knows of one name.
type nameState struct {
	addr   netip.Addr // zero: the name has no address
	failed bool       // FailName: lookups are answered "no such name"
	slow   time.Duration
}

// normalName lower-cases a name and drops one trailing dot, as DNS
// compares names.
func normalName(name string) string {
	return strings.TrimSuffix(strings.ToLower(name), ".")
}

// checkName rejects names that cannot be written in a fault schedule.
func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, " \t\r\n#") {
		return fmt.Errorf("simnet: bad name %q: want a non-empty name without spaces or '#'", name)
	}
	return nil
}

// AddName makes name resolve to addr (a name may have one address; adding
// it again replaces it). Names are compared without case and without a
// trailing dot.
func (n *Network) AddName(name string, addr netip.Addr) error {
	if err := checkName(name); err != nil {
		return err
	}
	if !addr.IsValid() {
		return fmt.Errorf("simnet: AddName(%q): invalid address", name)
	}
	n.name(name).addr = addr.Unmap()
	return nil
}

// FailName makes lookups of name fail with "no such name" (ENOENT) until
// [Network.HealName]. It is reported as a "fault:dns-fail" event.
func (n *Network) FailName(name string) {
	n.name(name).failed = true
	n.emitNote(FaultPrefix+OpDNSFail.String(), normalName(name))
}

// HealName undoes [Network.FailName].
func (n *Network) HealName(name string) {
	n.name(name).failed = false
	n.emitNote(FaultPrefix+OpDNSHeal.String(), normalName(name))
}

// SlowName makes lookups of name take d instead of [Config.DNSLatency]
// (longer than [Config.DNSTimeout]: they time out) until
// [Network.UnslowName].
func (n *Network) SlowName(name string, d time.Duration) {
	n.name(name).slow = max(d, 0)
	n.emitNote(FaultPrefix+OpDNSSlow.String(), normalName(name)+" "+max(d, 0).String())
}

// UnslowName undoes [Network.SlowName].
func (n *Network) UnslowName(name string) {
	n.name(name).slow = 0
	n.emitNote(FaultPrefix+OpDNSUnslow.String(), normalName(name))
}

// name returns the state of a name, creating it.
func (n *Network) name(name string) *nameState {
	k := normalName(name)
	st := n.names[k]
	if st == nil {
		st = &nameState{}
		n.names[k] = st
	}
	return st
}

// answer decides, when a lookup starts, what it gets and when.
func (n *Network) answer(name string) (netip.Addr, time.Duration, error) {
	st := n.names[normalName(name)]
	if st == nil {
		st = &nameState{}
	}
	delay := orDefault(st.slow, n.cfg.DNSLatency)
	switch {
	case delay > n.cfg.DNSTimeout:
		return netip.Addr{}, n.cfg.DNSTimeout, syscall.ETIMEDOUT
	case st.failed || !st.addr.IsValid():
		return netip.Addr{}, delay, syscall.ENOENT
	}
	return st.addr, delay, nil
}

// lookupSock is a name lookup in progress or done: it polls readable once
// answered.
type lookupSock struct {
	h    *Host
	name string
	addr netip.Addr
	err  error // the answer's error; EAGAIN while pending
	done sim.Handle
	// the answer, decided when the lookup started
	ansAddr netip.Addr
	ansErr  error
	sockBase
}

func (l *lookupSock) localAddr() netip.AddrPort { return netip.AddrPort{} }

func (l *lookupSock) ready() int16 {
	if l.err == syscall.EAGAIN {
		return 0
	}
	return PollIn
}

// Run delivers the answer.
func (l *lookupSock) Run() {
	l.addr, l.err = l.ansAddr, l.ansErr
	l.h.net.emitNote(KindLookup, l.h.name+" "+normalName(l.name)+" "+answerText(l.addr, l.err))
	l.waiters.notify(PollIn)
}

func answerText(a netip.Addr, err error) string {
	if err != nil {
		return errnoName(err)
	}
	return a.String()
}

// errnoName is "ENOENT" or "ETIMEDOUT" for the lookup errors.
func errnoName(err error) string {
	switch {
	case errors.Is(err, syscall.ENOENT):
		return "ENOENT"
	case errors.Is(err, syscall.ETIMEDOUT):
		return "ETIMEDOUT"
	}
	return err.Error()
}

// Lookup starts resolving name and returns a descriptor for the lookup at
// once. The descriptor polls readable (PollIn) when the answer is there,
// [Config.DNSLatency] later (or as [Network.SlowName] says); then
// [Host.LookupResult] gives it. The answer is decided when the lookup
// starts. Close the descriptor when done. Errors: EINVAL for an empty
// name, ENETDOWN on a crashed host.
func (h *Host) Lookup(name string) (int, error) {
	if h.down {
		return -1, syscall.ENETDOWN
	}
	if name == "" {
		return -1, syscall.EINVAL
	}
	addr, delay, err := h.net.answer(name)
	l := &lookupSock{h: h, name: name, err: syscall.EAGAIN, ansAddr: addr, ansErr: err}
	l.done = h.net.w.After(delay, l)
	return h.allocFD(l), nil
}

// LookupResult returns the answer of a finished lookup: the address, or
// syscall.ENOENT (no such name) or syscall.ETIMEDOUT (no answer in
// [Config.DNSTimeout]). It returns syscall.EAGAIN while the lookup is
// pending, EBADF for a bad descriptor and EINVAL for one that is not a
// lookup.
func (h *Host) LookupResult(fd int) (netip.Addr, error) {
	l, ok := h.sock(fd).(*lookupSock)
	if !ok {
		return netip.Addr{}, badSocket(h.sock(fd))
	}
	return l.addr, l.err
}

func (l *lookupSock) close() { l.h.net.w.Cancel(l.done) }
