package fuzz_test

import (
	"slices"
	"testing"
	"time"

	"github.com/mgsim/mgsim/simnet"
)

// netOp codes of a fault schedule; each op is a code and an argument byte.
const (
	nWrite   byte = iota // side arg&1 writes (arg>>1)*40+1 bytes
	nRead                // side arg&1 reads up to (arg>>1)*40+1 bytes
	nClose               // side arg&1 closes
	nReset               // side arg&1 resets
	nAdvance             // the network runs arg ms
	nDrain               // side arg&1 waits a minute and reads everything
	numNetOps
)

// decodeNet reads a network from 5 bytes: latency, jitter (both in 100µs),
// the largest and smallest segment, and the buffers (in 256-byte units,
// 0 for the 64 KiB default).
func decodeNet(h []byte) simnet.Config {
	var b [5]byte
	copy(b[:], h)
	maxSeg := 1 + int(b[2])*1459/255
	return simnet.Config{
		Latency: time.Duration(b[0]) * 100 * time.Microsecond, Jitter: time.Duration(b[1]) * 100 * time.Microsecond,
		MaxSegment: maxSeg, MinSegment: 1 + int(b[3])%maxSeg, SendBuffer: int(b[4]) * 256, RecvBuffer: int(b[4]) * 256,
	}
}

// runSchedule plays a schedule on a fresh link and returns the link.
func runSchedule(data []byte) (*link, error) {
	l, err := newLink(7, decodeNet(data))
	if err != nil {
		return nil, nil // a network simnet refuses, or a connect that did not finish: not a finding
	}
	defer l.close()
	for ops := data[min(len(data), 5):]; len(ops) >= 2; ops = ops[2:] {
		side, n := int(ops[1]&1), int(ops[1]>>1)*40+1
		switch ops[0] % numNetOps {
		case nWrite:
			l.write(side, n)
		case nRead:
			l.read(side, n)
		case nClose:
			l.shut(side, false)
		case nReset:
			l.shut(side, true)
		case nAdvance:
			l.advance(int(ops[1]))
		case nDrain:
			l.drain(side)
		}
	}
	l.drain(0)
	l.drain(1)
	return l, l.err()
}

// FuzzNetSchedule (target d): random schedules of segmentation, latency,
// buffer sizes, writes, reads, closes and resets on one simulated TCP
// connection. The stream properties hold after every call (see link), and
// the same schedule gives the same run: the same network events, the same
// bytes. (The schedule type of simnet's fault rules will replace the
// close/reset ops here once it exists.)
func FuzzNetSchedule(f *testing.F) {
	f.Add([]byte{10, 0, 255, 255, 0, nWrite, 200, nAdvance, 5, nRead, 201, nDrain, 1})                             // 1ms, fixed 1460-byte segments, default buffers: write 4001 bytes, read some, drain
	f.Add([]byte{5, 50, 17, 0, 1, nWrite, 254, nWrite, 254, nAdvance, 50, nRead, 255, nWrite, 254})                // 1-98 byte segments with 5ms jitter, 256-byte buffers: short writes
	f.Add([]byte{0, 0, 0, 0, 1, nWrite, 20, nWrite, 21, nRead, 255, nRead, 254, nAdvance, 1})                      // 1-byte segments, no latency: both directions at once
	f.Add([]byte{10, 10, 255, 0, 4, nWrite, 100, nAdvance, 10, nClose, 1, nWrite, 100, nAdvance, 10, nWrite, 100}) // the server closes with unread data: a reset, then ECONNRESET and EPIPE
	f.Add([]byte{10, 10, 255, 0, 4, nWrite, 100, nClose, 0, nDrain, 1, nRead, 1})                                  // the client closes in order: the server reads everything, then EOF
	f.Add([]byte{10, 10, 255, 0, 4, nWrite, 100, nReset, 0, nAdvance, 20, nRead, 1, nRead, 1})                     // the client resets: the server's unread data is gone, ECONNRESET
	f.Add([]byte{1, 0, 255, 255, 2, nClose, 1, nRead, 1, nWrite, 1, nClose, 1, nAdvance, 3, nWrite, 0})            // calls on a closed descriptor give EBADF; a second close is a no-op
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := runSchedule(data)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := runSchedule(data)
		if l != nil && (!slices.Equal(l.events, again.events) || string(l.got[0]) != string(again.got[0]) || string(l.got[1]) != string(again.got[1])) {
			t.Fatalf("the same schedule ran differently (%d and %d network events)", len(l.events), len(again.events))
		}
	})
}

// TestLinkCatchesBreakage: the link's checks can fail.
func TestLinkCatchesBreakage(t *testing.T) {
	l, err := newLink(1, simnet.Config{Latency: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	l.write(0, 100)
	l.advance(10)
	l.sent[0][50]++ // pretend the client sent something else
	l.read(1, 100)
	if err := l.err(); err == nil {
		t.Fatal("a corrupted stream passed")
	}
	l.errs = nil
	l.sent[0] = append(l.sent[0], 1) // pretend one more byte was accepted
	l.drain(1)
	if err := l.err(); err == nil {
		t.Fatal("a lost byte passed")
	}
}
