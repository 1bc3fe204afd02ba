package simnet

import (
	"maps"
	"slices"
	"testing"
	"unsafe"
)

// A poll looks at every socket in its set: readiness (state, finRcvd, the
// byte counts of both buffers) and the wait list. Those fields sit in the
// first two cache lines of a TCP endpoint, so that a poll over thousands
// of idle connections does not miss the cache five times per socket.
func TestTCPConnHotFields(t *testing.T) {
	var c tcpConn
	hot := map[string]uintptr{
		"waiters":  unsafe.Offsetof(c.waiters) + unsafe.Sizeof(c.waiters),
		"state":    unsafe.Offsetof(c.state) + unsafe.Sizeof(c.state),
		"finRcvd":  unsafe.Offsetof(c.finRcvd) + unsafe.Sizeof(c.finRcvd),
		"snd.sent": unsafe.Offsetof(c.snd) + unsafe.Offsetof(c.snd.sent) + unsafe.Sizeof(c.snd.sent),
		"snd.size": unsafe.Offsetof(c.snd) + unsafe.Offsetof(c.snd.size) + unsafe.Sizeof(c.snd.size),
		"snd.unsent.n": unsafe.Offsetof(c.snd) + unsafe.Offsetof(c.snd.unsent) +
			unsafe.Offsetof(c.snd.unsent.n) + unsafe.Sizeof(c.snd.unsent.n),
		"rcv.n": unsafe.Offsetof(c.rcv) + unsafe.Offsetof(c.rcv.n) + unsafe.Sizeof(c.rcv.n),
	}
	for _, name := range slices.Sorted(maps.Keys(hot)) { // failures in a fixed order
		if end := hot[name]; end > 128 {
			t.Errorf("tcpConn.%s ends at byte %d, beyond the first two cache lines", name, end)
		}
	}
}
