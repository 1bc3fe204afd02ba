package sim

// Entry states.
const (
	entryFree      uint8 = iota // on the free list, or popped
	entryQueued                 // in the queue, to run when its time comes
	entryCancelled              // still in the queue's storage, skipped and freed when reached
)

// entry is one scheduled item: an action to run, or a process to resume.
type entry struct {
	at    Time
	seq   uint64
	act   Action
	proc  *Proc // non-nil: resume this process instead of running act
	state uint8
}

// queued reports whether e is in the queue and not cancelled.
func (e *entry) queued() bool { return e.state == entryQueued }

// slot is one place in the heap: the entry's ordering key, kept in line so
// that sifting compares keys without following pointers.
type slot struct {
	at  Time
	seq uint64
	e   *entry
}

// before is the scheduler's total order: due time, then insertion sequence.
func (s *slot) before(o *slot) bool {
	if s.at != o.at {
		return s.at < o.at
	}
	return s.seq < o.seq
}

// arity is the heap's branching factor: a 4-ary heap is half as deep as a
// binary one, and a node's children sit side by side in memory.
const arity = 4

// compactMin is the number of cancelled entries below which the queue
// never compacts its storage.
const compactMin = 1024

// queue holds scheduled entries in (at, seq) order. Entries due at the
// clock's reading when they are queued (half of them in a network
// simulation: wake-ups, acknowledgements, transmissions) go to the now
// list, a FIFO that is already in order because sequence numbers only
// grow; the rest go to a min-heap. Popping takes the first of the two
// heads.
//
// Cancelling is lazy: a cancelled entry stays where it is, marked, and is
// freed when it reaches a head, or when cancelled entries make up half the
// storage and the queue compacts. So nothing ever needs an entry's place,
// and sifting writes only to the heap's own slots. A free list of entries
// keeps steady-state scheduling from allocating.
type queue struct {
	items   []slot   // the heap
	now     []*entry // the now list; its part still queued starts at nowHead
	nowHead int
	dead    int // cancelled entries still in items or now
	free    []*entry
}

func (q *queue) len() int { return len(q.items) + len(q.now) - q.nowHead - q.dead }

// peek returns the first entry, or nil if the queue is empty.
func (q *queue) peek() *entry {
	q.skipDead()
	if q.nowFirst() {
		return q.now[q.nowHead]
	}
	if len(q.items) == 0 {
		return nil
	}
	return q.items[0].e
}

// nowFirst reports whether the now list's head is the queue's first entry.
func (q *queue) nowFirst() bool {
	if q.nowHead == len(q.now) {
		return false
	}
	if len(q.items) == 0 {
		return true
	}
	e := q.now[q.nowHead]
	s := slot{at: e.at, seq: e.seq}
	return s.before(&q.items[0])
}

func (q *queue) alloc() *entry {
	if n := len(q.free); n > 0 {
		e := q.free[n-1]
		q.free = q.free[:n-1]
		return e
	}
	return &entry{}
}

// release puts a popped entry on the free list.
func (q *queue) release(e *entry) {
	*e = entry{}
	q.free = append(q.free, e)
}

// push queues e under its key (e.at, e.seq) in the heap.
func (q *queue) push(e *entry) {
	e.state = entryQueued
	q.items = append(q.items, slot{})
	q.up(len(q.items)-1, slot{at: e.at, seq: e.seq, e: e})
}

// pushNow queues e at the end of the now list. Its key must not come
// before any key already there: it is due at the current time and has the
// newest sequence number.
func (q *queue) pushNow(e *entry) {
	e.state = entryQueued
	q.now = append(q.now, e)
}

// pop removes and returns the first entry, or nil if the queue is empty.
func (q *queue) pop() *entry {
	q.skipDead()
	var e *entry
	switch {
	case q.nowFirst():
		e = q.takeNow()
	case len(q.items) > 0:
		e = q.takeHeap()
	default:
		return nil
	}
	e.state = entryFree
	return e
}

// cancel takes a queued entry out of the queue (lazily: see queue). The
// entry is the queue's to free.
func (q *queue) cancel(e *entry) {
	e.state = entryCancelled
	q.dead++
	if q.dead >= compactMin && 2*q.dead >= len(q.items)+len(q.now)-q.nowHead {
		q.compact()
	}
}

// skipDead frees the cancelled entries at the heads.
func (q *queue) skipDead() {
	for q.dead > 0 {
		switch {
		case q.nowHead < len(q.now) && q.now[q.nowHead].state == entryCancelled:
			q.dropDead(q.takeNow())
		case len(q.items) > 0 && q.items[0].e.state == entryCancelled:
			q.dropDead(q.takeHeap())
		default:
			return
		}
	}
}

func (q *queue) dropDead(e *entry) {
	q.dead--
	q.release(e)
}

// takeNow removes the now list's head. Its storage is reused once the list
// is empty, and its rest moved to the front when most of it is spent (a
// world that keeps scheduling at one instant never empties it).
func (q *queue) takeNow() *entry {
	e := q.now[q.nowHead]
	q.now[q.nowHead] = nil
	q.nowHead++
	switch {
	case q.nowHead == len(q.now):
		q.now, q.nowHead = q.now[:0], 0
	case q.nowHead >= compactMin && 2*q.nowHead >= len(q.now):
		n := copy(q.now, q.now[q.nowHead:])
		clear(q.now[n:])
		q.now, q.nowHead = q.now[:n], 0
	}
	return e
}

// takeHeap removes the heap's top.
func (q *queue) takeHeap() *entry {
	n := len(q.items) - 1
	e := q.items[0].e
	last := q.items[n]
	q.items[n] = slot{}
	q.items = q.items[:n]
	if n > 0 {
		q.down(0, last)
	}
	return e
}

// compact frees every cancelled entry and rebuilds the heap from the rest.
func (q *queue) compact() {
	live := q.items[:0]
	for _, s := range q.items {
		if s.e.state == entryCancelled {
			q.release(s.e)
		} else {
			live = append(live, s)
		}
	}
	clear(q.items[len(live):])
	q.items = live
	for i := (len(live) - 2) / arity; i >= 0; i-- {
		q.down(i, live[i])
	}
	kept := q.now[:0]
	for _, e := range q.now[q.nowHead:] {
		if e.state == entryCancelled {
			q.release(e)
		} else {
			kept = append(kept, e)
		}
	}
	clear(q.now[len(kept):])
	q.now, q.nowHead, q.dead = kept, 0, 0
}

// up fills the hole at i with s, moving parents down while s comes first.
func (q *queue) up(i int, s slot) {
	for i > 0 {
		p := (i - 1) / arity
		if !s.before(&q.items[p]) {
			break
		}
		q.items[i] = q.items[p]
		i = p
	}
	q.items[i] = s
}

// down fills the hole at i with s, moving the least child up while it
// comes before s.
func (q *queue) down(i int, s slot) {
	items := q.items
	n := len(items)
	for {
		c := arity*i + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < min(c+arity, n); j++ {
			if items[j].before(&items[m]) {
				m = j
			}
		}
		if !items[m].before(&s) {
			break
		}
		items[i] = items[m]
		i = m
	}
	items[i] = s
}
