package simnet

// segQueue is a TCP endpoint's receive buffer: a byte FIFO of fixed
// capacity (size) made of the payload arrays of the segments received. A
// segment's array joins the queue as it is, taken from its packet, and
// goes to the network's spare arrays once read, where packets get their
// payload arrays from: so received bytes are copied once (into the
// reader's buffer), not twice. A payload that fits in the free room of the
// last array is copied there instead; so two neighbouring arrays always
// hold more than the first could, and (as every payload array has room
// for the largest segment) the arrays a queue keeps are at most about
// twice what its bytes need.
type segQueue struct {
	segs  [][]byte // payloads in order; reading starts at segs[first][off]
	first int
	off   int
	n     int // bytes queued
	size  int
	spare *spareArrays
}

// spareArrays are a network's payload arrays free for packets and receive
// buffers. New ones come from the pool that ring storage comes from, and
// once the network is gone (unreachable) the spares go back to it, so that
// the next network does not allocate its arrays afresh.
type spareArrays struct {
	arrays  [][]byte
	minSize int // the least capacity of a new array (the largest segment)
}

// get returns an empty slice with room for n bytes.
func (s *spareArrays) get(n int) []byte {
	if k := len(s.arrays) - 1; k >= 0 && cap(s.arrays[k]) >= n {
		b := s.arrays[k]
		s.arrays[k] = nil
		s.arrays = s.arrays[:k]
		return b
	}
	return getBuf(max(n, s.minSize))[:0]
}

// release gives every spare array to the pool. It runs once the network
// is unreachable, and so are its packets and endpoints: nothing else can
// use the arrays any more.
func (s *spareArrays) release() {
	for _, b := range s.arrays {
		putBuf(b)
	}
	s.arrays = nil
}

// put keeps b's array for reuse if it is of full size (smaller ones are
// left to the collector); nothing else may use b afterwards.
func (s *spareArrays) put(b []byte) {
	if cap(b) >= s.minSize {
		s.arrays = append(s.arrays, b[:0])
	}
}

func (q *segQueue) len() int  { return q.n }
func (q *segQueue) free() int { return q.size - q.n }

// push queues p's payload, which must fit (len(p.data) <= free()). It may
// take p's array, leaving p with none.
func (q *segQueue) push(p *packet) {
	d := p.data
	q.n += len(d)
	if k := len(q.segs) - 1; k >= q.first && len(d) <= cap(q.segs[k])-len(q.segs[k]) {
		q.segs[k] = append(q.segs[k], d...)
		return
	}
	p.data = nil
	q.segs = append(q.segs, d)
}

// read consumes up to len(p) bytes into p and returns how many.
func (q *segQueue) read(p []byte) int {
	total := 0
	for total < len(p) && q.n > 0 {
		c := copy(p[total:], q.segs[q.first][q.off:])
		total, q.n, q.off = total+c, q.n-c, q.off+c
		if q.off == len(q.segs[q.first]) {
			q.spare.put(q.segs[q.first])
			q.segs[q.first] = nil
			q.first, q.off = q.first+1, 0
		}
	}
	q.trim()
	return total
}

// trim reuses the list of payloads once it is empty, and moves its rest to
// the front when most of it is spent.
func (q *segQueue) trim() {
	switch {
	case q.first == len(q.segs):
		q.segs, q.first = q.segs[:0], 0
	case q.first >= 64 && 2*q.first >= len(q.segs):
		k := copy(q.segs, q.segs[q.first:])
		clear(q.segs[k:])
		q.segs, q.first = q.segs[:k], 0
	}
}

// drop empties the queue, giving its arrays to the spares.
func (q *segQueue) drop() {
	for i := q.first; i < len(q.segs); i++ {
		q.spare.put(q.segs[i])
		q.segs[i] = nil
	}
	q.segs, q.first, q.off, q.n = q.segs[:0], 0, 0, 0
}
