// Package mutation holds the switches that arm deliberate bugs in the
// reference poll core: the mutation points that reference/mutants builds
// its catalogue of buggy implementations from, to prove that the
// conformance suite catches them.
//
// A [Bug] is one bit per bug. A reference manager holds the bits it was
// armed with, and each mutation point in package reference is a one-line
// check, `if m.bugs&mutation.X != 0 { ...buggy path... }`, placed where the
// bug would naturally live. With no bit set (always, outside the
// catalogue) every check is a branch that is never taken.
//
// Only packages inside reference/ can import this package, so only they can
// arm bugs: the public API of package reference has no trace of them.
package mutation

import (
	"fmt"
	"math/bits"
	"strings"
)

// Bug is a set of deliberate bugs, one bit each.
type Bug uint64

// The bugs. Each comment says what the core does wrong when the bit is set.
const (
	RecvBeforeAccept       Bug = 1 << iota // an accepted connection is read before its ACCEPT is delivered
	CloseTwice                             // CLOSE is delivered twice
	IOInsideSend                           // Send writes to the socket directly when its buffer is empty
	TimerEarly                             // a timer due within 10 ms counts as due
	TimerFiresTwice                        // the timer is not disarmed before its handler: it fires again
	SendCountRequested                     // SEND reports the length asked for, not what was written
	SendAndCloseDrops                      // SEND_AND_CLOSE closes at once, dropping unsent data
	NoPollForListeners                     // listeners get no POLL
	RecvLimitIgnored                       // reads are not capped by the receive limit
	EventsAfterClose                       // a closed connection stays listed one more poll and gets POLL
	AcceptAllPending                       // a TCP listener accepts every pending connection in one poll
	PollBeforeTimer                        // POLL comes before TIMER
	NewServedSamePoll                      // connections made during a poll are served in that poll
	NoFlagMasking                          // a handler's changes to core-owned flags are kept (F3)
	EOFAsRecvZero                          // the peer's EOF is delivered as RECV with 0
	CloseImmediatelyWrites                 // a connection with CLOSE_IMMEDIATELY still writes queued data
	BigTCPWrite                            // a TCP write is not capped at 1460 bytes
	TwoWritesPerPoll                       // writes go on while the socket takes data: several SENDs per poll
	RecvCountWholeBuffer                   // RECV carries the whole buffer length, not the bytes read
	CloseAtEndOfTurn                       // CLOSE_IMMEDIATELY closes at the end of the turn, not the next poll
	FailedConnectNoClose                   // a failed CONNECT comes without CLOSE_IMMEDIATELY
	ConnectTwice                           // CONNECTING is not cleared at CONNECT, which then comes every poll
	UDPMergedDatagrams                     // a UDP read takes every waiting datagram into one RECV
	UDPNoChild                             // datagrams go to the UDP listener, no child is made
	TimerLostOnRearm                       // the timer is disarmed after its handler: a re-arm is lost
	NowBeforeWait                          // the poll's clock is read before the wait instead of after it
	SendZero                               // a write that moved nothing still gives SEND with 0
	EOFClosesImmediately                   // the peer's EOF sets CLOSE_IMMEDIATELY, dropping the reply
	AcceptToListener                       // ACCEPT is delivered to the listener, not the new connection
	UDPChildKeepsAlive                     // a UDP child is made without SEND_AND_CLOSE
	TimerRefiresSamePoll                   // a timer re-armed into the past fires again in the same poll
	NoTimerWakeup                          // the poll waits its whole timeout even when a timer is due sooner

	numBugs = iota
)

var names = [numBugs]string{
	"recv-before-accept", "close-twice", "io-inside-send", "timer-early",
	"timer-fires-twice", "send-count-requested", "send-and-close-drops",
	"no-poll-for-listeners", "recv-limit-ignored", "events-after-close",
	"accept-all-pending", "poll-before-timer", "new-served-same-poll",
	"no-flag-masking", "eof-as-recv-zero", "close-immediately-writes",
	"big-tcp-write", "two-writes-per-poll", "recv-count-whole-buffer",
	"close-at-end-of-turn", "failed-connect-no-close", "connect-twice",
	"udp-merged-datagrams", "udp-no-child", "timer-lost-on-rearm",
	"now-before-wait", "send-zero", "eof-closes-immediately",
	"accept-to-listener", "udp-child-keeps-alive", "timer-refires-same-poll",
	"no-timer-wakeup",
}

// All returns every bug, one per element, in bit order.
func All() []Bug {
	out := make([]Bug, numBugs)
	for i := range out {
		out[i] = 1 << i
	}
	return out
}

// String names the set bits in bit order, joined by "|"
// ("close-twice|timer-early"); "none" for no bit, and unknown(%d) for a bit
// with no name.
func (b Bug) String() string {
	if b == 0 {
		return "none"
	}
	var parts []string
	for rest := b; rest != 0; rest &= rest - 1 {
		i := bits.TrailingZeros64(uint64(rest))
		if i < numBugs {
			parts = append(parts, names[i])
		} else {
			parts = append(parts, fmt.Sprintf("unknown(%d)", i))
		}
	}
	return strings.Join(parts, "|")
}

// Parse returns the single bug with the given name.
func Parse(name string) (Bug, error) {
	for i, n := range names {
		if n == name {
			return 1 << i, nil
		}
	}
	return 0, fmt.Errorf("mutation: unknown bug %q", name)
}

// Arm arms bugs b on target, replacing any it had. Package reference
// installs it when it is initialised; it takes a *reference.Options (every
// manager made with those options is armed) or a *reference.Manager, and
// returns an error for anything else.
var Arm func(target any, b Bug) error
