package reference_test

import (
	"bytes"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/mgsim/mgsim/reference"
)

func checkMbuf(t *testing.T, m *reference.Mbuf, data string, size int) {
	t.Helper()
	if got := string(m.Bytes()); got != data || m.Len() != len(data) || m.Size() != size {
		t.Fatalf("mbuf = %q len %d size %d, want %q len %d size %d", got, m.Len(), m.Size(), data, len(data), size)
	}
}

// TestMbufUnitTest is 6.18's test_mbuf (section I), with allocation
// failures made by an allocation limit instead of 2^50-byte requests.
func TestMbufUnitTest(t *testing.T) {
	var io reference.Mbuf
	io.Init(0)
	checkMbuf(t, &io, "", 0)
	io.Free()
	checkMbuf(t, &io, "", 0)

	io.Init(10)
	checkMbuf(t, &io, "", 10)
	io.Free()
	checkMbuf(t, &io, "", 0)

	io.Init(10)
	io.SetAllocLimit(1 << 20)
	if n := io.Append(nil); n != 0 {
		t.Fatalf("append of 0 bytes = %d, want 0", n)
	}
	if n := io.Append(make([]byte, 2<<20)); n != 0 {
		t.Fatalf("append beyond the allocation limit = %d, want 0", n)
	}
	checkMbuf(t, &io, "", 10)
	if n := io.Append([]byte("TEST")); n != 4 {
		t.Fatalf("append = %d, want 4", n)
	}
	io.Resize(2)
	checkMbuf(t, &io, "TEST", 10)
	if n := io.Insert(0, []byte("MY")); n != 2 {
		t.Fatalf("insert = %d, want 2", n)
	}
	checkMbuf(t, &io, "MYTEST", 10)
	big := "Some long prefix: "
	if n := io.Insert(0, []byte(big)); n != len(big) {
		t.Fatalf("insert = %d, want %d", n, len(big))
	}
	checkMbuf(t, &io, "Some long prefix: MYTEST", 36) // 1.5 * 24
	io.Insert(len(big), []byte("TEST"))
	checkMbuf(t, &io, "Some long prefix: TESTMYTEST", 36)
	if n := io.Insert(0, make([]byte, 2<<20)); n != 0 {
		t.Fatalf("insert beyond the allocation limit = %d, want 0", n)
	}
	checkMbuf(t, &io, "Some long prefix: TESTMYTEST", 36)
	io.Free()
	checkMbuf(t, &io, "", 0)
}

func TestMbufZeroValueIsEmpty(t *testing.T) { // A3
	var m reference.Mbuf
	checkMbuf(t, &m, "", 0)
	m.Trim()
	m.Remove(1)
	checkMbuf(t, &m, "", 0)
}

func TestMbufInitFailsBeyondLimit(t *testing.T) { // A3, A12
	var m reference.Mbuf
	m.SetAllocLimit(5)
	m.Init(10)
	checkMbuf(t, &m, "", 0)
	m.Init(5)
	checkMbuf(t, &m, "", 5)
}

func TestMbufResize(t *testing.T) { // A5
	var m reference.Mbuf
	m.Init(10)
	m.Append([]byte("abcd"))
	m.Resize(20)
	checkMbuf(t, &m, "abcd", 20)
	m.Resize(6) // smaller but not below len
	checkMbuf(t, &m, "abcd", 6)
	m.Resize(3) // below len: nothing
	checkMbuf(t, &m, "abcd", 6)
	m.Resize(-1) // a huge size_t: cannot be allocated
	checkMbuf(t, &m, "abcd", 6)
	m.SetAllocLimit(8)
	m.Resize(9) // allocation fails: nothing changes
	checkMbuf(t, &m, "abcd", 6)
	m.Resize(8)
	checkMbuf(t, &m, "abcd", 8)
	m.Clear()
	m.Resize(0)
	checkMbuf(t, &m, "", 0)
}

func TestMbufTrimGivesBackSpareCapacity(t *testing.T) { // A6
	var m reference.Mbuf
	m.Append([]byte("hello"))
	checkMbuf(t, &m, "hello", 7)
	m.Trim()
	checkMbuf(t, &m, "hello", 5)
}

func TestMbufGrowthPolicy(t *testing.T) { // A7
	cases := []struct {
		name       string
		have, add  int
		limit      int
		wantSize   int
		wantResult int
	}{
		{"1.5x", 6, 18, 0, 36, 18},
		{"headroom cap", 0, 20000, 0, 20000 + reference.MbufHeadroom, 20000},
		{"cap boundary", 0, 16384, 0, 24576, 16384},
		{"fallback to exact need", 6, 18, 30, 24, 18},
		{"both allocations fail", 6, 18, 23, 9, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m reference.Mbuf
			m.Append(bytes.Repeat([]byte("x"), tc.have)) // size 9 for 6 bytes
			m.SetAllocLimit(tc.limit)
			if got := m.Append(bytes.Repeat([]byte("y"), tc.add)); got != tc.wantResult {
				t.Fatalf("append = %d, want %d", got, tc.wantResult)
			}
			want := strings.Repeat("x", tc.have)
			if tc.wantResult > 0 {
				want += strings.Repeat("y", tc.add)
			}
			checkMbuf(t, &m, want, tc.wantSize)
		})
	}
}

func TestMbufInsertOffsets(t *testing.T) { // A7
	var m reference.Mbuf
	m.Append([]byte("ad"))
	m.Insert(1, []byte("bc"))
	m.Insert(4, []byte("e"))
	m.Insert(0, []byte(">"))
	checkMbuf(t, &m, ">abcde", 6)
	if n := m.Insert(7, []byte("z")); n != 0 {
		t.Fatalf("insert past len = %d, want 0", n)
	}
	if n := m.Insert(-1, []byte("z")); n != 0 {
		t.Fatalf("insert at -1 = %d, want 0", n)
	}
	checkMbuf(t, &m, ">abcde", 6)
}

func TestMbufRemove(t *testing.T) { // A10
	var m reference.Mbuf
	m.Append([]byte("abcdef"))
	m.Remove(7) // more than len: nothing at all
	checkMbuf(t, &m, "abcdef", 9)
	m.Remove(0)
	m.Remove(-1)
	checkMbuf(t, &m, "abcdef", 9)
	m.Remove(2)
	checkMbuf(t, &m, "cdef", 9) // size never shrinks
	m.Remove(4)
	checkMbuf(t, &m, "", 9)
}

func TestMbufClearKeepsCapacity(t *testing.T) { // A11
	var m reference.Mbuf
	m.Append([]byte("abc"))
	m.Clear()
	checkMbuf(t, &m, "", 4)
}

// mbufModel is the naive oracle: a plain []byte and the C size rules
// written out directly.
type mbufModel struct {
	data  []byte
	size  int
	limit int
}

func (o *mbufModel) canAlloc(n int) bool { return o.limit == 0 || n <= o.limit || n <= o.size }

func (o *mbufModel) insert(off int, p []byte) int {
	if off < 0 || off > len(o.data) {
		return 0
	}
	need := len(o.data) + len(p)
	if need > o.size {
		grown := min(need*3/2, need+reference.MbufHeadroom)
		switch {
		case o.canAlloc(grown):
			o.size = grown
		case o.canAlloc(need):
			o.size = need
		default:
			return 0
		}
	}
	o.data = append(o.data[:off:off], append(p[:len(p):len(p)], o.data[off:]...)...)
	return len(p)
}

func (o *mbufModel) resize(n int) {
	if n >= 0 && (n > o.size || (n < o.size && n >= len(o.data))) && o.canAlloc(n) {
		o.size = n
	}
}

// TestMbufAgainstModel compares Mbuf with the model over random operation
// sequences (rapid state machine). Besides the small appends, "big" appends
// reach the headroom cap of the growth rule (A7: need*1.5 is capped at
// need+8192 once need passes 16 KiB), and "init" starts over with a
// requested capacity (A3). After every step the model must match and Len
// must stay within Size (A1). "junk" leaves arrays full of junk for
// growth to reuse.
func TestMbufAgainstModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var m reference.Mbuf
		var o mbufModel
		bytesGen := rapid.SliceOfN(rapid.Byte(), 0, 300)
		t.Repeat(map[string]func(*rapid.T){
			"append": func(t *rapid.T) {
				p := bytesGen.Draw(t, "p")
				if got, want := m.Append(p), o.insert(len(o.data), p); got != want {
					t.Fatalf("Append = %d, want %d", got, want)
				}
			},
			"insert": func(t *rapid.T) {
				p := bytesGen.Draw(t, "p")
				off := rapid.IntRange(-1, len(o.data)+1).Draw(t, "off")
				if got, want := m.Insert(off, p), o.insert(off, p); got != want {
					t.Fatalf("Insert = %d, want %d", got, want)
				}
			},
			"remove": func(t *rapid.T) {
				n := rapid.IntRange(-1, len(o.data)+2).Draw(t, "n")
				m.Remove(n)
				if n > 0 && n <= len(o.data) {
					o.data = o.data[n:]
				}
			},
			"resize": func(t *rapid.T) {
				n := rapid.IntRange(-1, 2*o.size+20).Draw(t, "n")
				m.Resize(n)
				o.resize(n)
			},
			"big": func(t *rapid.T) {
				p := bytes.Repeat([]byte{rapid.Byte().Draw(t, "b")}, rapid.IntRange(8000, 40000).Draw(t, "n"))
				if got, want := m.Append(p), o.insert(len(o.data), p); got != want {
					t.Fatalf("Append(%d bytes) = %d, want %d", len(p), got, want)
				}
			},
			"init": func(t *rapid.T) {
				n := rapid.IntRange(-1, 2000).Draw(t, "n")
				m.Init(n)
				o.data, o.size = o.data[:0], 0
				o.resize(n)
			},
			"trim": func(t *rapid.T) {
				m.Trim()
				o.resize(len(o.data))
			},
			"clear": func(t *rapid.T) {
				m.Clear()
				o.data = o.data[:0]
			},
			"free": func(t *rapid.T) {
				m.Free()
				o.data, o.size = nil, 0
			},
			"junk": func(t *rapid.T) {
				var j reference.Mbuf // fills an array with junk and frees it: the next growth may get it
				j.Append(bytes.Repeat([]byte{0xAA}, rapid.IntRange(1, 70000).Draw(t, "n")))
				j.Free()
			},
			"limit": func(t *rapid.T) {
				n := rapid.OneOf(rapid.IntRange(0, 600), rapid.IntRange(0, 80000)).Draw(t, "limit")
				m.SetAllocLimit(n)
				o.limit = n
			},
			"": func(t *rapid.T) {
				if !bytes.Equal(m.Bytes(), o.data) || m.Len() != len(o.data) || m.Size() != o.size || m.Len() > m.Size() {
					t.Fatalf("mbuf len %d size %d, model len %d size %d; data differs from byte %d", m.Len(), m.Size(), len(o.data), o.size, firstDiff(m.Bytes(), o.data))
				}
			},
		})
	})
}

// firstDiff is the first offset where a and b differ (or the shorter
// length; -1 when they are equal).
func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) == len(b) {
		return -1
	}
	return min(len(a), len(b))
}

// An insert of the buffer's own bytes reads them as C's mbuf_insert does:
// after the tail has moved up, at the place p points to. Appending the
// data to itself doubles it, whether the array must first move the data
// to its front (after a Remove), grow, or neither.
func TestMbufInsertOwnBytes(t *testing.T) {
	var m reference.Mbuf
	m.Append([]byte("abc"))
	m.Remove(1)
	m.Append(m.Bytes()) // fits, but the data moves to the array's front first
	checkMbuf(t, &m, "bcbc", m.Size())

	var g reference.Mbuf
	g.Append([]byte("xyz"))
	g.Trim()
	g.Append(g.Bytes()) // must grow
	checkMbuf(t, &g, "xyzxyz", g.Size())

	var c reference.Mbuf
	c.Init(16)
	c.Append([]byte("abcd"))
	c.Insert(0, c.Bytes()[2:4]) // C: memmove "abcd" up by 2, then copy from buf+2: "ab"
	checkMbuf(t, &c, "ababcd", 16)
}
