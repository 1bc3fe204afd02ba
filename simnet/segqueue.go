package simnet

// arrayQueue is a byte FIFO kept as a list of payload arrays, the arrays
// packets carry: reading starts at segs[first][off]. It is the storage of
// both TCP buffers of an endpoint (see segQueue and sendQueue), so that a
// byte is copied into the network once, when it is written, and out of it
// once, when it is read: in between its array travels as a segment.
type arrayQueue struct {
	n     int // bytes queued
	first int
	off   int
	segs  [][]byte
	spare *spareArrays
}

func (q *arrayQueue) len() int { return q.n }

// read consumes up to len(p) bytes into p and returns how many. Arrays it
// empties go to the spares.
func (q *arrayQueue) read(p []byte) int {
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

// takeWhole removes the first array and returns it if it holds exactly
// the next n bytes, none of them read yet; otherwise it returns nil.
func (q *arrayQueue) takeWhole(n int) []byte {
	if q.first == len(q.segs) || q.off != 0 || len(q.segs[q.first]) != n {
		return nil
	}
	b := q.segs[q.first]
	q.segs[q.first] = nil
	q.first, q.n = q.first+1, q.n-n
	q.trim()
	return b
}

// last returns the index of the last array, or -1 if there is none.
func (q *arrayQueue) last() int {
	if k := len(q.segs) - 1; k >= q.first {
		return k
	}
	return -1
}

// trim reuses the list of payloads once it is empty, and moves its rest to
// the front when most of it is spent.
func (q *arrayQueue) trim() {
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
func (q *arrayQueue) drop() {
	for i := q.first; i < len(q.segs); i++ {
		q.spare.put(q.segs[i])
		q.segs[i] = nil
	}
	q.segs, q.first, q.off, q.n = q.segs[:0], 0, 0, 0
}

// segQueue is a TCP endpoint's receive buffer, of fixed capacity (size),
// made of the payload arrays of the segments received. A segment's array
// joins the queue as it is, taken from its packet, and goes to the
// network's spare arrays once read, where packets get their payload arrays
// from: so received bytes are copied once (into the reader's buffer), not
// twice. A payload that fits in the free room of the last array is copied
// there instead; so two neighbouring arrays always hold more than the
// first could, and (as every payload array has room for the largest
// segment) the arrays a queue keeps are at most about twice what its bytes
// need.
type segQueue struct {
	arrayQueue
	size int
}

func (q *segQueue) free() int { return q.size - q.n }

// push queues p's payload, which must fit (len(p.data) <= free()). It may
// take p's array, leaving p with none.
func (q *segQueue) push(p *packet) {
	d := p.data
	q.n += len(d)
	if k := q.last(); k >= 0 && len(d) <= cap(q.segs[k])-len(q.segs[k]) {
		q.segs[k] = append(q.segs[k], d...)
		return
	}
	p.data = nil
	q.segs = append(q.segs, d)
}

// sendQueue is a TCP endpoint's send buffer, of fixed capacity (size):
// the bytes written and not yet sent, in payload arrays filled up to the
// largest segment, and a count of the bytes sent and not yet acknowledged.
// Those live in their packets, which the connection's pipe sends again if
// they are lost; they count against the capacity until acknowledged, as
// in a real stack. A segment that is exactly the next whole array takes
// that array as its payload, without a copy: with writes and segments of
// the largest segment's size (a Mongoose core writes 1460 bytes at a time),
// every segment does.
type sendQueue struct {
	sent   int // bytes sent, not yet acknowledged
	size   int
	unsent arrayQueue
}

func (q *sendQueue) len() int  { return q.unsent.n + q.sent }
func (q *sendQueue) free() int { return q.size - q.len() }

// write appends as much of p as fits and returns how much that was.
func (q *sendQueue) write(p []byte) int {
	n := min(len(p), q.free())
	for rest := p[:n]; len(rest) > 0; {
		fill := q.unsent.spare.minSize
		k := q.unsent.last()
		if k < 0 || len(q.unsent.segs[k]) >= fill {
			q.unsent.segs = append(q.unsent.segs, q.unsent.spare.get(fill))
			k = len(q.unsent.segs) - 1
		}
		seg := q.unsent.segs[k]
		c := min(len(rest), fill-len(seg))
		q.unsent.segs[k] = append(seg, rest[:c]...)
		rest = rest[c:]
	}
	q.unsent.n += n
	return n
}

// cut moves the next n unsent bytes (n <= the unsent bytes) into p's
// payload, taking the next array itself when it holds exactly those bytes.
// p is a new packet (Network.newPacket), with no payload array yet.
func (q *sendQueue) cut(p *packet, n int) {
	q.sent += n
	if b := q.unsent.takeWhole(n); b != nil {
		p.data = b
		return
	}
	q.unsent.read(p.resize(n))
}

// acked forgets n sent bytes the peer acknowledged.
func (q *sendQueue) acked(n int) { q.sent -= n }

// drop empties the queue, giving its arrays to the spares.
func (q *sendQueue) drop() {
	q.unsent.drop()
	q.sent = 0
}

// spareArrays are a network's payload arrays free for packets and socket
// buffers, at most maxSpare of them; new ones come from getBuf's pool, and
// the rest go back to it. Once the network is gone (unreachable) the
// spares go back too, so that the next network does not allocate its
// arrays afresh.
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

// maxSpare bounds a network's spare arrays; more go to the shared pool at
// once. A network's spares go back only when it is collected, so an
// unbounded list would hold every array of a finished run (thousands, in a
// bulk transfer) until then, while the next run allocates afresh.
const maxSpare = 64

// put keeps b's array for reuse if it is of full size (smaller ones are
// left to the collector); nothing else may use b afterwards.
func (s *spareArrays) put(b []byte) {
	switch {
	case cap(b) < s.minSize:
	case len(s.arrays) < maxSpare:
		s.arrays = append(s.arrays, b[:0])
	default:
		putBuf(b)
	}
}
