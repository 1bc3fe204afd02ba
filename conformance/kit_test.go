package conformance

import (
	"fmt"
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

// chunkConn is a Conn whose recv_mbuf holds the bytes a test put there.
type chunkConn struct {
	Conn
	recv  []byte
	flags uint32
}

func (c *chunkConn) RecvBuf() []byte   { return c.recv }
func (c *chunkConn) Remove(n int)      { c.recv = c.recv[n:] }
func (c *chunkConn) Flags() uint32     { return c.flags }
func (c *chunkConn) SetFlags(f uint32) { c.flags = f }

// streamClient judges an echo as its pieces arrive, keeping none of them:
// what it reports must be what comparing the whole echo with the message
// would say.
func TestStreamClientJudgesTheEchoPieceByPiece(t *testing.T) {
	msg := []byte("0123456789")
	for _, tc := range []struct {
		name   string
		pieces []string
		want   []string // failures, in order
	}{
		{"exact, one piece", []string{"0123456789"}, nil},
		{"exact, three pieces", []string{"012", "3456", "789"}, nil},
		{"short then closed", []string{"0123"}, []string{"client: closed after 4 of 10 echoed bytes"}},
		{"a wrong byte", []string{"012", "3X56", "789"}, []string{"client: echo differs from what was sent (10 bytes, first difference at 4)"}},
		{"two wrong bytes", []string{"0Y2", "3X56789"}, []string{"client: echo differs from what was sent (10 bytes, first difference at 1)"}},
		{"longer, right prefix", []string{"0123456", "789ab"}, []string{"client: echo differs from what was sent (12 bytes, first difference at 10)"}},
		{"longer, then more", []string{"0123456789a", "b"}, []string{
			"client: echo differs from what was sent (11 bytes, first difference at 10)",
			"client: echo differs from what was sent (12 bytes, first difference at 10)"}},
	} {
		e := &Env{}
		s := &streamClient{e: e, name: "client", msg: msg}
		c := &chunkConn{}
		for _, p := range tc.pieces {
			c.recv = []byte(p)
			s.consume(c)
			if len(c.recv) != 0 {
				t.Errorf("%s: consume left %d bytes in recv_mbuf", tc.name, len(c.recv))
			}
		}
		s.closed()
		if fmt.Sprint(e.failures) != fmt.Sprint(tc.want) {
			t.Errorf("%s: failures %q, want %q", tc.name, e.failures, tc.want)
		}
		if done := s.got.n >= len(msg); (c.flags&FlagSendAndClose != 0) != done {
			t.Errorf("%s: SEND_AND_CLOSE is %v after %d of %d bytes", tc.name, !done, s.got.n, len(msg))
		}
	}
}

// arrivals says what comparing everything that arrived with want at once
// would say, however the bytes were cut.
func TestArrivalsAreComparedAsAWhole(t *testing.T) {
	want := []byte("abcdef")
	for _, tc := range []struct {
		arrived string
		equal   bool
	}{{"abcdef", true}, {"", false}, {"abc", false}, {"abcdefg", false}, {"abXdef", false}, {"Xbcdefgh", false}, {"abcdeX", false}} {
		wantDiff := firstDiff([]byte(tc.arrived), want) // comparing the whole at once
		for cut := 0; cut <= len(tc.arrived); cut++ {
			var a arrivals
			a.add([]byte(tc.arrived[:cut]), want)
			a.add([]byte(tc.arrived[cut:]), want)
			if a.n != len(tc.arrived) || a.equal(want) != tc.equal || !tc.equal && a.firstDiff(want) != wantDiff {
				t.Errorf("%q cut at %d: n %d, equal %v, first difference %d; want %d, %v, %d",
					tc.arrived, cut, a.n, a.equal(want), a.firstDiff(want), len(tc.arrived), tc.equal, wantDiff)
			}
		}
	}
}
