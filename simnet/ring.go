package simnet

// ring is a byte FIFO of fixed capacity (size). Its storage grows with
// what it holds, doubling from ringMin up to size, so that idle sockets
// and sockets that carry little cost little; it is reused afterwards.
type ring struct {
	buf  []byte
	size int
	head int
	n    int
}

// ringMin is the first storage a ring allocates.
const ringMin = 2 << 10

func (r *ring) len() int  { return r.n }
func (r *ring) free() int { return r.size - r.n }

// write appends as much of p as fits and returns how much that was.
func (r *ring) write(p []byte) int {
	n := min(len(p), r.free())
	if n == 0 {
		return 0
	}
	if r.n+n > len(r.buf) {
		r.grow(r.n + n)
	}
	tail := r.wrap(r.head + r.n)
	c := copy(r.buf[tail:], p[:n])
	copy(r.buf, p[c:n])
	r.n += n
	return n
}

// wrap maps i, less than twice the storage's length, into the storage
// (a subtraction, not a division).
func (r *ring) wrap(i int) int {
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	return i
}

// grow gives the ring storage for at least need bytes (at most size),
// moving the data to the front.
func (r *ring) grow(need int) {
	c := max(len(r.buf), ringMin)
	for c < need {
		c *= 2
	}
	b := getBuf(min(c, r.size))
	r.peek(0, b[:r.n])
	putBuf(r.buf)
	r.buf, r.head = b, 0
}

// peek copies bytes from offset off (from the head) into p, without
// consuming them, and returns how many it copied.
func (r *ring) peek(off int, p []byte) int {
	n := min(len(p), r.n-off)
	if n <= 0 {
		return 0
	}
	start := r.wrap(r.head + off)
	c := copy(p[:n], r.buf[start:])
	copy(p[c:n], r.buf)
	return n
}

// discard drops n bytes from the head.
func (r *ring) discard(n int) {
	if n == 0 {
		return
	}
	r.head = r.wrap(r.head + n)
	r.n -= n
	if r.n == 0 {
		r.head = 0
	}
}

// read consumes up to len(p) bytes into p.
func (r *ring) read(p []byte) int {
	n := r.peek(0, p)
	r.discard(n)
	return n
}

// drop empties the ring and gives its storage back to the pool.
func (r *ring) drop() {
	putBuf(r.buf)
	r.buf, r.head, r.n = nil, 0, 0
}
