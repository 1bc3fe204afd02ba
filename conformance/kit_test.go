package conformance

import (
	"testing"

	"github.com/mgsim/mgsim/sim"
)

// payloadByteAtATime is payload's definition, one byte per step: the
// scenarios' payloads, and so every trace digest, depend on it.
func payloadByteAtATime(r *sim.Rand, n int) []byte {
	p := make([]byte, n)
	var bits uint64
	for i := range p {
		if i%8 == 0 {
			bits = r.Uint64()
		}
		p[i] = 'a' + byte(bits&0xff)%26
		bits >>= 8
	}
	return p
}

// TestPayloadIsItsDefinition holds the unrolled payload to the byte-at-a-
// time one for every length up to three draws and a long one, and checks
// that both leave the generator in the same state.
func TestPayloadIsItsDefinition(t *testing.T) {
	lengths := []int{1000, 4096}
	for n := 0; n <= 25; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		fast, slow := sim.NewRand(sim.Seed(n+7)), sim.NewRand(sim.Seed(n+7))
		got, want := payload(fast, n), payloadByteAtATime(slow, n)
		if string(got) != string(want) {
			t.Fatalf("payload(%d) = %q, want %q", n, got, want)
		}
		if a, b := fast.Uint64(), slow.Uint64(); a != b {
			t.Fatalf("payload(%d) drew a different number of values: next draw %d, want %d", n, a, b)
		}
	}
}

// BenchmarkPayload measures a segment-sized payload.
func BenchmarkPayload(b *testing.B) {
	r := sim.NewRand(1)
	b.SetBytes(1460)
	for b.Loop() {
		payload(r, 1460)
	}
}
