package simnet

import (
	"bytes"
	"testing"

	"github.com/mgsim/mgsim/sim"
)

// The ring against a plain []byte model, over random operations.
func TestRingModel(t *testing.T) {
	for seed := sim.Seed(1); seed <= 50; seed++ {
		r := sim.NewRand(seed)
		ring := ring{size: r.Range(1, 40)}
		var model []byte
		for op := 0; op < 500; op++ {
			p := make([]byte, r.IntN(50))
			for i := range p {
				p[i] = byte(r.Uint64())
			}
			switch r.IntN(4) {
			case 0:
				n := ring.write(p)
				if want := min(len(p), ring.size-len(model)); n != want {
					t.Fatalf("seed %v: write %d, want %d", seed, n, want)
				}
				model = append(model, p[:n]...)
			case 1:
				n := ring.read(p)
				if n != min(len(p), len(model)) || !bytes.Equal(p[:n], model[:n]) {
					t.Fatalf("seed %v: read %d %x, model %x", seed, n, p[:n], model)
				}
				model = model[n:]
			case 2:
				off := r.IntN(len(model) + 1)
				n := ring.peek(off, p)
				if n != min(len(p), len(model)-off) || !bytes.Equal(p[:n], model[off:off+n]) {
					t.Fatalf("seed %v: peek(%d) %d %x, model %x", seed, off, n, p[:n], model)
				}
			case 3:
				n := r.IntN(len(model) + 1)
				ring.discard(n)
				model = model[n:]
			}
			if ring.len() != len(model) || ring.free() != ring.size-len(model) {
				t.Fatalf("seed %v: len %d free %d, model %d", seed, ring.len(), ring.free(), len(model))
			}
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
