package mutants

import (
	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/internal/mutation"
)

// Mutant is one deliberately buggy poll core: the reference with one
// realistic bug.
type Mutant struct {
	// Name is "mutant/" and a slug, as --impl takes it
	// ("mutant/recv-before-accept").
	Name string
	// Bug says in one line what the implementation does wrong.
	Bug string
	// Level is the lowest checker profile expected to catch it: core for a
	// bug any conforming implementation must not have, mongoose-6.18 for a
	// departure from 6.18's own order and sizes.
	Level conformance.Profile
	// Impl is the buggy implementation.
	Impl conformance.Impl
	// Gap is empty for a mutant of the catalogue. For a known survivor it
	// says why the suite misses it, and what would catch it.
	Gap string
}

// entry is one line of the catalogue: a bug armed inside the poll core, or
// (bug 0) one that lives at the interface and has its own Impl.
type entry struct {
	bug   mutation.Bug
	impl  conformance.Impl
	level conformance.Profile
	text  string
	gap   string
}

const (
	core = conformance.ProfileCore
	m618 = conformance.ProfileM618
)

// catalogue is in a stable order: the examples first, then the
// brief's further bugs, then the rest. Append new mutants at the end.
var catalogue = []entry{
	{bug: mutation.RecvBeforeAccept, level: core, text: "an accepted connection is read in the accept poll before its ACCEPT is delivered"},
	{bug: mutation.CloseTwice, level: core, text: "CLOSE is delivered twice"},
	{bug: mutation.IOInsideSend, level: core, text: "Send writes to the socket directly when its buffer is empty, with no SEND"},
	{bug: mutation.TimerEarly, level: core, text: "a timer due within 10 ms counts as due (now+10ms >= timer)"},
	{bug: mutation.TimerFiresTwice, level: core, text: "the timer is not disarmed before its handler, so it fires again"},
	{bug: mutation.SendCountRequested, level: core, text: "SEND reports the length asked for, not what was written"},
	{bug: mutation.SendAndCloseDrops, level: core, text: "SEND_AND_CLOSE closes as soon as the flag is seen, dropping unsent data"},
	{bug: mutation.NoPollForListeners, level: core, text: "listeners get no POLL"},
	{bug: mutation.RecvLimitIgnored, level: core, text: "reads are not capped by recv_mbuf_limit"},
	{bug: mutation.EventsAfterClose, level: core, text: "a closed connection stays in the list one more poll and gets POLL"},
	{bug: mutation.PollBeforeTimer, level: m618, text: "POLL is delivered before a due TIMER"},
	{bug: mutation.NewServedSamePoll, level: m618, text: "connections created during a poll are served in that same poll"},
	{bug: mutation.NoFlagMasking, level: core, text: "a handler's changes to core-owned flags are kept (no F3 masking)"},
	{bug: mutation.EOFAsRecvZero, level: core, text: "the peer's EOF is delivered as RECV with 0"},
	{bug: mutation.CloseImmediatelyWrites, level: core, text: "a connection with CLOSE_IMMEDIATELY still writes its queued data"},
	{bug: mutation.BigTCPWrite, level: m618, text: "a TCP write is not capped at 1460 bytes"},
	{bug: mutation.TwoWritesPerPoll, level: m618, text: "writes go on while the socket takes data: several writes and SENDs per poll"},
	{bug: mutation.RecvCountWholeBuffer, level: core, text: "RECV carries the whole recv_mbuf length instead of the bytes just read"},
	{bug: mutation.CloseAtEndOfTurn, level: m618, text: "CLOSE_IMMEDIATELY closes at the end of the turn, not at the start of the next poll's"},
	{bug: mutation.ConnectTwice, level: core, text: "CONNECTING is not cleared at CONNECT, so CONNECT comes again every poll"},
	{bug: mutation.UDPNoChild, level: core, text: "datagrams are delivered to the UDP listener; no child connection is made"},
	{impl: removeClamps{}, level: core, text: "mbuf_remove of more than len removes everything (7.x semantics) instead of nothing"},
	{bug: mutation.TimerLostOnRearm, level: core, text: "the timer is disarmed after its handler, so a re-arm from the handler is lost"},
	{bug: mutation.NowBeforeWait, level: core, text: "the poll's clock is read before the wait, not after it"},
	{bug: mutation.SendZero, level: core, text: "a write that moved nothing still gives SEND with 0"},
	{bug: mutation.AcceptToListener, level: core, text: "ACCEPT is delivered to the listener instead of the new connection"},
	{bug: mutation.UDPChildKeepsAlive, level: m618, text: "a UDP child is made without SEND_AND_CLOSE and outlives its exchange"},
	{bug: mutation.TimerRefiresSamePoll, level: m618, text: "a timer re-armed into the past from its handler fires again in the same poll"},
	{bug: mutation.NoTimerWakeup, level: core, text: "the poll waits its whole timeout even when a timer is due sooner"},
	{bug: mutation.AcceptAllPending, level: m618, text: "a TCP listener accepts every pending connection in one poll"},
	{bug: mutation.FailedConnectNoClose, level: m618, text: "a failed CONNECT comes without CLOSE_IMMEDIATELY, so no CLOSE follows from it"},
	{bug: mutation.UDPMergedDatagrams, level: core, text: "a UDP read takes every waiting datagram into one RECV"},
	{bug: mutation.EOFClosesImmediately, level: core, text: "the peer's EOF sets CLOSE_IMMEDIATELY, so a reply queued after it is dropped"},
}

// survivors are live mutants (their focused tests show the bug happening)
// that the suite does not catch yet: each is a gap in the suite, which the
// gap text names. When the suite gains the teeth, the test fails and the
// mutant moves to the catalogue.
var survivors = []entry{}

// Catalogue returns every mutant, in a stable order.
func Catalogue() []Mutant {
	out := make([]Mutant, 0, len(catalogue))
	for _, e := range catalogue {
		out = append(out, e.mutant())
	}
	return out
}

// Survivors returns the known survivors: live mutants the suite does not
// catch yet, each with its Gap, in a stable order. They are not part of
// the score.
func Survivors() []Mutant {
	out := make([]Mutant, 0, len(survivors))
	for _, e := range survivors {
		out = append(out, e.mutant())
	}
	return out
}

// Lookup returns the mutant with the given name ("mutant/close-twice"),
// from the catalogue or the known survivors.
func Lookup(name string) (Mutant, bool) {
	for _, m := range append(Catalogue(), Survivors()...) {
		if m.Name == name {
			return m, true
		}
	}
	return Mutant{}, false
}

func (e entry) mutant() Mutant {
	impl := e.impl
	if impl == nil {
		impl = armed{name: Prefix + e.bug.String(), bug: e.bug}
	}
	return Mutant{Name: impl.Name(), Bug: e.text, Level: e.level, Impl: impl, Gap: e.gap}
}

// Prefix starts every mutant's name.
const Prefix = "mutant/"
