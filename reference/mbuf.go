package reference

import "unsafe"

// MbufHeadroom is MBUF_SIZE_MAX_HEADROOM: the most spare capacity an
// append or insert adds beyond what it needs (BUFSIZ on glibc, A2).
const MbufHeadroom = 8192

// mbufMultiplier is MBUF_SIZE_MULTIPLIER (A2).
const mbufMultiplier = 1.5

// Mbuf is Mongoose's growable byte buffer (section A): Len bytes of data at
// the front of a block of logical capacity Size.
//
// Size follows the C rules exactly: an insert that does not fit grows the
// capacity to 1.5 times what it needs, capped at need+MbufHeadroom (A7);
// Remove never shrinks it (A10); Resize never cuts data (A5); Trim gives
// spare capacity back (A6). The Go array behind it may be larger than Size
// and is kept across Trim, Resize and the core's own frees, so that a
// connection in a steady state does not allocate; only [Mbuf.Free] lets it
// go (to a pool that all buffers share, as an array that growth replaced
// goes). Remove drops bytes by moving the start of the data, not the data
// (C moves it down at once; the result is the same), so draining a large
// buffer a chunk at a time costs time linear in its size.
//
// Allocation failure is modelled with [Mbuf.SetAllocLimit]: growing the
// capacity beyond the limit fails as a failed realloc does, and a failed
// operation changes nothing (A12).
//
// The zero value is an empty buffer with no capacity, as after
// mbuf_init(m, 0). An Mbuf must not be copied (go vet reports it): its
// array goes back to a pool shared by all buffers.
type Mbuf struct {
	// Its array goes back to a shared pool: two copies would free it
	// twice. (First, as a zero-size last field would be padded.)
	_ noCopy

	len   int    // bytes of data, at buf[off:off+len]
	off   int    // where the data starts in buf
	size  int    // logical capacity (struct mbuf's size)
	limit int    // allocation limit; 0 = none
	buf   []byte // backing array; len(buf) == cap(buf)
}

// noCopy makes go vet's copylocks check report a copied Mbuf.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// Init is mbuf_init: the buffer becomes empty and then asks for n bytes of
// capacity (A3). Size is n if that allocation is allowed, else 0.
func (m *Mbuf) Init(n int) {
	m.off, m.len, m.size = 0, 0, 0
	m.Resize(n)
}

// Len is the number of bytes of data (len).
func (m *Mbuf) Len() int { return m.len }

// Size is the logical capacity (size).
func (m *Mbuf) Size() int { return m.size }

// Bytes returns the data. The slice aliases the buffer: it is valid until
// the next call that changes the buffer, and must not be appended to.
func (m *Mbuf) Bytes() []byte { return m.buf[m.off : m.off+m.len : m.off+m.len] }

// Append is mbuf_append: an insert at the end (A8). It returns len(p), or 0
// when the buffer could not grow (and then nothing changed).
func (m *Mbuf) Append(p []byte) int { return m.Insert(m.len, p) }

// Insert is mbuf_insert (A7): it puts p at offset off, moving the tail up,
// and returns len(p), or 0 if the capacity could not grow. If the data
// fits, Size does not change; otherwise the capacity becomes
// min(need*1.5, need+MbufHeadroom), or exactly need if that larger
// allocation fails. An offset outside 0..Len (an assertion failure in C)
// returns 0 and changes nothing.
//
// p may be the buffer's own data (a handler echoing part of recv_mbuf
// into itself): as in C, the tail is moved first and the bytes are then
// copied from where p points, so p is read at its place in the data
// after the move. A p that overlaps the buffer's array anywhere else is
// copied first.
func (m *Mbuf) Insert(off int, p []byte) int {
	if off < 0 || off > m.len {
		return 0
	}
	src, in := arrayIndex(m.buf, p)
	src -= m.off
	own := in && src >= 0 && src+len(p) <= m.len
	if in && !own {
		p = append([]byte(nil), p...)
	}
	old := m.buf // p may be in it: it is given back after the copy
	if m.len+len(p) > m.size && !m.growFor(m.len+len(p)) {
		return 0
	}
	end := m.len + len(p)
	m.room(end)
	d := m.buf[m.off:]
	copy(d[off+len(p):end], d[off:m.len])
	if own {
		p = d[src : src+len(p)]
	}
	copy(d[off:], p)
	m.len = end
	m.retire(old)
	return len(p)
}

// arrayIndex returns where p starts in the array of buf (of len(buf)
// bytes), if it starts there.
func arrayIndex(buf, p []byte) (int, bool) {
	if len(p) == 0 || len(buf) == 0 {
		return 0, false
	}
	b := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	q := uintptr(unsafe.Pointer(unsafe.SliceData(p)))
	if q < b || q >= b+uintptr(len(buf)) {
		return 0, false
	}
	return int(q - b), true
}

// growFor applies the insert growth policy for a buffer that must hold need
// bytes (A7): first the 1.5x size capped by the headroom, then exactly need.
func (m *Mbuf) growFor(need int) bool {
	size := int(float64(need) * mbufMultiplier)
	if size-need > MbufHeadroom {
		size = need + MbufHeadroom
	}
	return m.realloc(size) || (size != need && m.realloc(need))
}

// Remove is mbuf_remove (A10): it drops the first n bytes when
// 0 < n <= Len, and does nothing at all otherwise. Size never changes.
func (m *Mbuf) Remove(n int) {
	if n <= 0 || n > m.len {
		return
	}
	m.off, m.len = m.off+n, m.len-n
	if m.len == 0 {
		m.off = 0
	}
}

// Resize is mbuf_resize (A5): it changes the capacity to n only if n is
// larger than Size, or smaller than Size but not smaller than Len. It never
// cuts data. If the allocation fails, nothing changes. A negative n (a huge
// size_t in C) can never be allocated and does nothing.
func (m *Mbuf) Resize(n int) {
	if n < 0 {
		return
	}
	if n > m.size || (n < m.size && n >= m.len) {
		old := m.buf
		m.realloc(n)
		m.retire(old)
	}
}

// Trim is mbuf_trim (A6): a resize to Len, giving back spare capacity.
func (m *Mbuf) Trim() { m.Resize(m.len) }

// Clear is mbuf_clear (A11): Len becomes 0; the capacity stays.
func (m *Mbuf) Clear() { m.off, m.len = 0, 0 }

// Free is mbuf_free (A4): the buffer becomes empty with no capacity, and the
// Go array is given back for reuse by other buffers, so no slice from
// [Mbuf.Bytes] may be used after it. The allocation limit stays.
func (m *Mbuf) Free() {
	putBuf(m.buf)
	m.buf, m.off, m.len, m.size = nil, 0, 0, 0
}

// retire gives back old, the array the buffer had before an operation
// that may have grown it, if it is no longer the buffer's (growing only
// ever replaces the array with a longer one).
func (m *Mbuf) retire(old []byte) {
	if len(old) != len(m.buf) {
		putBuf(old)
	}
}

// SetAllocLimit makes every allocation that would grow the capacity beyond
// n bytes fail, as a failed realloc does (A7, A12). Shrinking always works.
// 0 (or less) removes the limit.
func (m *Mbuf) SetAllocLimit(n int) { m.limit = max(n, 0) }

// release is the core's mbuf_free of a buffer it will use again: the
// logical buffer is freed (Len and Size 0), the Go array is kept.
func (m *Mbuf) release() { m.off, m.len, m.size = 0, 0, 0 }

// realloc models MBUF_REALLOC to a capacity of n: it fails (returns false,
// changing nothing) when n is above the allocation limit and larger than the
// current capacity; otherwise Size becomes n. Only the logical size is
// lowered when shrinking.
func (m *Mbuf) realloc(n int) bool {
	if m.limit > 0 && n > m.limit && n > m.size {
		return false
	}
	if n > m.size {
		m.room(n)
	}
	m.size = n
	return true
}

// room makes the Go array hold need bytes from the start of the data:
// first by moving the data to the front of the array, then by growing it
// (at least doubling, so that growth is amortised). Size is not touched.
// The old array is the caller's to retire.
func (m *Mbuf) room(need int) {
	switch {
	case m.off+need <= len(m.buf):
	case need <= len(m.buf):
		copy(m.buf, m.buf[m.off:m.off+m.len])
		m.off = 0
	default:
		b := getBuf(max(need, 2*len(m.buf)))
		b = b[:cap(b)]
		copy(b, m.buf[m.off:m.off+m.len])
		m.buf, m.off = b, 0
	}
}

// readSpace is the slice a read of n bytes after the data fills; the
// caller has made Size >= Len+n.
func (m *Mbuf) readSpace(n int) []byte {
	old := m.buf
	m.room(m.len + n)
	m.retire(old)
	return m.buf[m.off+m.len : m.off+m.len+n]
}
