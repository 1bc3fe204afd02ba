package simnet

// ring is a fixed-capacity byte FIFO. Its storage is allocated on the
// first write, so idle sockets cost little, and reused afterwards.
type ring struct {
	buf  []byte
	size int
	head int
	n    int
}

func (r *ring) len() int  { return r.n }
func (r *ring) free() int { return r.size - r.n }

// write appends as much of p as fits and returns how much that was.
func (r *ring) write(p []byte) int {
	n := min(len(p), r.free())
	if n == 0 {
		return 0
	}
	if r.buf == nil {
		r.buf = make([]byte, r.size)
	}
	tail := (r.head + r.n) % r.size
	c := copy(r.buf[tail:], p[:n])
	copy(r.buf, p[c:n])
	r.n += n
	return n
}

// peek copies bytes from offset off (from the head) into p, without
// consuming them, and returns how many it copied.
func (r *ring) peek(off int, p []byte) int {
	n := min(len(p), r.n-off)
	if n <= 0 {
		return 0
	}
	start := (r.head + off) % r.size
	c := copy(p[:n], r.buf[start:])
	copy(p[c:n], r.buf)
	return n
}

// discard drops n bytes from the head.
func (r *ring) discard(n int) {
	r.head = (r.head + n) % r.size
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

// drop empties the ring and gives its storage back.
func (r *ring) drop() {
	r.buf, r.head, r.n = nil, 0, 0
}
