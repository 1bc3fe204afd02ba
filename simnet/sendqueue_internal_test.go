package simnet

import (
	"bytes"
	"testing"

	"github.com/mgsim/mgsim/sim"
)

// The send queue against a plain []byte model of the unsent bytes and a
// count of the sent ones, over random writes, segment cuts,
// acknowledgements and drops. Cut payloads are checked, then overwritten
// with junk (a packet's array is the receiver's once it arrives), and
// spare arrays come back dirty: the queue must hold its own bytes.
func TestSendQueueModel(t *testing.T) {
	for seed := sim.Seed(1); seed <= 50; seed++ {
		checkSendQueueModel(t, seed, false)
	}
}

// With writes and cuts of the largest segment's size, as a Mongoose core
// over the default network makes them, every cut takes an array whole.
func TestSendQueueWholeSegmentsAreNotCopied(t *testing.T) {
	spare := &spareArrays{minSize: 1460}
	q := sendQueue{unsent: arrayQueue{spare: spare}, size: 64 << 10}
	msg := bytes.Repeat([]byte{7}, 1460)
	for i := 0; i < 10; i++ {
		q.write(msg)
	}
	for i := 0; i < 10; i++ {
		head := q.unsent.segs[q.unsent.first]
		p := &packet{n: &Network{spare: spare}}
		q.cut(p, 1460)
		if &p.data[0] != &head[0] || !bytes.Equal(p.data, msg) {
			t.Fatalf("cut %d copied the segment instead of taking its array", i)
		}
	}
	if q.len() != 10*1460 || q.unsent.len() != 0 {
		t.Fatalf("len %d, unsent %d; want 14600 sent and nothing unsent", q.len(), q.unsent.len())
	}
}

// And the whole-array path under the model too: writes and cuts of the
// fill size, sometimes.
func TestSendQueueModelWholeSegments(t *testing.T) {
	for seed := sim.Seed(1); seed <= 50; seed++ {
		checkSendQueueModel(t, seed, true)
	}
}

func checkSendQueueModel(t *testing.T, seed sim.Seed, whole bool) {
	t.Helper()
	r := sim.NewRand(seed)
	spare := &spareArrays{minSize: r.Range(1, 3000)}
	net := &Network{spare: spare}
	q := sendQueue{unsent: arrayQueue{spare: spare}, size: r.Range(1, 20000)}
	var unsent []byte
	sent := 0
	size := func(max int) int {
		if whole && r.Chance(0.5) {
			return min(spare.minSize, max)
		}
		return r.IntN(max + 1)
	}
	for op := 0; op < 400; op++ {
		switch r.IntN(7) {
		case 0, 1:
			p := make([]byte, size(3000))
			for i := range p {
				p[i] = byte(r.Uint64())
			}
			n := q.write(p)
			if want := min(len(p), q.size-len(unsent)-sent); n != want {
				t.Fatalf("seed %v: write %d, want %d", seed, n, want)
			}
			unsent = append(unsent, p[:n]...)
		case 2, 3:
			n := size(len(unsent))
			p := &packet{n: net}
			q.cut(p, n)
			if !bytes.Equal(p.data, unsent[:n]) {
				t.Fatalf("seed %v: cut %d gave %x, model %x", seed, n, p.data, unsent[:n])
			}
			unsent, sent = unsent[n:], sent+n
			b := p.data[:cap(p.data)]
			for i := range b {
				b[i] = 0xAA
			}
			for _, b := range spare.arrays {
				b = b[:cap(b)]
				for i := range b {
					b[i] = 0x55
				}
			}
		case 4, 5:
			n := r.IntN(sent + 1)
			q.acked(n)
			sent -= n
		case 6:
			if r.IntN(4) == 0 {
				q.drop()
				unsent, sent = unsent[:0], 0
			}
		}
		if q.len() != len(unsent)+sent || q.free() != q.size-len(unsent)-sent || q.unsent.len() != len(unsent) {
			t.Fatalf("seed %v: len %d free %d unsent %d, model %d unsent + %d sent", seed, q.len(), q.free(), q.unsent.len(), len(unsent), sent)
		}
	}
}
