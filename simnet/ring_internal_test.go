package simnet

import (
	"bytes"
	"testing"

	"github.com/mgsim/mgsim/sim"
)

// The ring against a plain []byte model, over random operations.
func TestRingModel(t *testing.T) {
	for seed := sim.Seed(1); seed <= 50; seed++ {
		checkRingModel(t, seed, 40, 50)
	}
}

// The ring against the model with capacities that take their storage from
// the pool, after the pool was filled with arrays of junk: a ring must
// only ever read bytes it wrote, whatever array it gets. Drops give
// arrays back while the test runs.
func TestRingModelPooled(t *testing.T) {
	for shift := poolMinShift; shift <= 17; shift++ {
		putBuf(bytes.Repeat([]byte{0xAA}, 1<<shift))
	}
	for seed := sim.Seed(1); seed <= 20; seed++ {
		checkRingModel(t, seed, 100<<10, 5000)
	}
}

// checkRingModel runs random operations on a ring of capacity up to
// maxSize with chunks up to maxChunk bytes, checking every result.
func checkRingModel(t *testing.T, seed sim.Seed, maxSize, maxChunk int) {
	t.Helper()
	r := sim.NewRand(seed)
	ring := ring{size: r.Range(1, maxSize)}
	var model []byte
	for op := 0; op < 500; op++ {
		p := make([]byte, r.IntN(maxChunk))
		for i := range p {
			p[i] = byte(r.Uint64())
		}
		switch r.IntN(9) {
		case 0, 1:
			n := ring.write(p)
			if want := min(len(p), ring.size-len(model)); n != want {
				t.Fatalf("seed %v: write %d, want %d", seed, n, want)
			}
			model = append(model, p[:n]...)
		case 2, 3:
			n := ring.read(p)
			if n != min(len(p), len(model)) || !bytes.Equal(p[:n], model[:n]) {
				t.Fatalf("seed %v: read %d %x, model %x", seed, n, p[:n], model)
			}
			model = model[n:]
		case 4, 5:
			off := r.IntN(len(model) + 1)
			n := ring.peek(off, p)
			if n != min(len(p), len(model)-off) || !bytes.Equal(p[:n], model[off:off+n]) {
				t.Fatalf("seed %v: peek(%d) %d %x, model %x", seed, off, n, p[:n], model)
			}
		case 6, 7:
			n := r.IntN(len(model) + 1)
			ring.discard(n)
			model = model[n:]
		case 8:
			if r.IntN(4) == 0 {
				ring.drop()
				model = model[:0]
			}
		}
		if ring.len() != len(model) || ring.free() != ring.size-len(model) {
			t.Fatalf("seed %v: len %d free %d, model %d", seed, ring.len(), ring.free(), len(model))
		}
	}
}

func TestPacketKindString(t *testing.T) {
	if pData.String() != KindSegment || pSYN.String() != KindSYN || pDatagram.String() != KindDatagram {
		t.Fatal("packet kinds do not match the event kinds")
	}
	if got := pktKind(99).String(); got != "unknown(99)" {
		t.Fatalf("unknown kind = %q", got)
	}
}
