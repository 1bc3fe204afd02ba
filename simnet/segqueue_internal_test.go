package simnet

import (
	"bytes"
	"testing"

	"github.com/mgsim/mgsim/sim"
)

// The receive queue against a plain []byte model, over random segments,
// reads and drops. After each push the packet's payload (if the queue did
// not take it) is overwritten with junk, as a recycled packet's would be,
// and spare arrays come back dirty: the queue must hold its own bytes.
func TestSegQueueModel(t *testing.T) {
	for seed := sim.Seed(1); seed <= 50; seed++ {
		checkSegQueueModel(t, seed)
	}
}

func checkSegQueueModel(t *testing.T, seed sim.Seed) {
	t.Helper()
	r := sim.NewRand(seed)
	spare := &spareArrays{minSize: r.Range(1, 3000)}
	q := segQueue{arrayQueue: arrayQueue{spare: spare}, size: r.Range(1, 20000)}
	var model []byte
	for op := 0; op < 400; op++ {
		switch r.IntN(5) {
		case 0, 1:
			p := &packet{data: make([]byte, r.IntN(min(q.free(), spare.minSize)+1), spare.minSize)}
			for i := range p.data {
				p.data[i] = byte(r.Uint64())
			}
			model = append(model, p.data...)
			q.push(p)
			for i := range p.data[:cap(p.data)] {
				p.data[:cap(p.data)][i] = 0xAA
			}
		case 2, 3:
			p := make([]byte, r.IntN(3000))
			n := q.read(p)
			if n != min(len(p), len(model)) || !bytes.Equal(p[:n], model[:n]) {
				t.Fatalf("seed %v: read %d %x, model %x", seed, n, p[:n], model)
			}
			model = model[n:]
			for _, b := range spare.arrays {
				b = b[:cap(b)]
				for i := range b {
					b[i] = 0x55
				}
			}
		case 4:
			if r.IntN(4) == 0 {
				q.drop()
				model = model[:0]
			}
		}
		if q.len() != len(model) || q.free() != q.size-len(model) {
			t.Fatalf("seed %v: len %d free %d, model %d", seed, q.len(), q.free(), len(model))
		}
		checkSegsFilled(t, &q)
	}
}

// checkSegsFilled checks that every two neighbouring arrays in the queue
// hold more than the first could (counting bytes already read), which
// bounds the arrays a queue keeps to about twice what its bytes need.
func checkSegsFilled(t *testing.T, q *segQueue) {
	t.Helper()
	for i := q.first; i < len(q.segs)-1; i++ {
		if a, b := q.segs[i], q.segs[i+1]; len(a)+len(b) <= cap(a) {
			t.Fatalf("segments %d and %d hold %d and %d bytes; the first could hold %d", i, i+1, len(a), len(b), cap(a))
		}
	}
}
