package sim

// entry is one scheduled item: an action to run, or a process to resume.
type entry struct {
	at   Time
	seq  uint64
	act  Action
	proc *Proc // non-nil: resume this process instead of running act
	idx  int   // position: in the heap when >= 0, in the now list at -2-idx; -1 when not queued
}

// queued reports whether e is in the queue.
func (e *entry) queued() bool { return e.idx != -1 }

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

// queue holds scheduled entries in (at, seq) order. Entries due at the
// clock's reading when they are queued (half of them in a network
// simulation: wake-ups, acknowledgements, transmissions) go to the now
// list, a FIFO that is already in order because sequence numbers only
// grow; the rest go to a min-heap. Popping takes the first of the two
// heads. A free list of entries keeps steady-state scheduling from
// allocating.
type queue struct {
	items   []slot   // the heap
	now     []*entry // the now list; its live part starts at nowHead
	nowHead int
	free    []*entry
}

func (q *queue) len() int { return len(q.items) + len(q.now) - q.nowHead }

// peek returns the first entry, or nil if the queue is empty.
func (q *queue) peek() *entry {
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
	return &entry{idx: -1}
}

func (q *queue) release(e *entry) {
	*e = entry{idx: -1}
	q.free = append(q.free, e)
}

// push queues e under its key (e.at, e.seq).
func (q *queue) push(e *entry) {
	q.items = append(q.items, slot{})
	q.up(len(q.items)-1, slot{at: e.at, seq: e.seq, e: e})
}

// pushNow queues e at the end of the now list. Its key must not come
// before any key already there: it is due at the current time and has the
// newest sequence number.
func (q *queue) pushNow(e *entry) {
	e.idx = -2 - len(q.now)
	q.now = append(q.now, e)
}

// pop removes and returns the first entry, or nil if the queue is empty.
func (q *queue) pop() *entry {
	if q.nowFirst() {
		e := q.now[q.nowHead]
		q.now[q.nowHead] = nil
		q.nowHead++
		q.trimNow()
		e.idx = -1
		return e
	}
	n := len(q.items) - 1
	if n < 0 {
		return nil
	}
	e := q.items[0].e
	last := q.items[n]
	q.items[n] = slot{}
	q.items = q.items[:n]
	if n > 0 {
		q.down(0, last)
	}
	e.idx = -1
	return e
}

// remove takes a queued entry out of the queue.
func (q *queue) remove(e *entry) {
	if e.idx < -1 {
		q.removeNow(e)
		return
	}
	i := e.idx
	n := len(q.items) - 1
	last := q.items[n]
	q.items[n] = slot{}
	q.items = q.items[:n]
	if i != n {
		q.fix(i, last)
	}
	e.idx = -1
}

// removeNow takes e out of the now list, closing the gap (rare: what is
// due now is seldom cancelled).
func (q *queue) removeNow(e *entry) {
	i := -2 - e.idx
	copy(q.now[i:], q.now[i+1:])
	q.now[len(q.now)-1] = nil
	q.now = q.now[:len(q.now)-1]
	for j := i; j < len(q.now); j++ {
		q.now[j].idx = -2 - j
	}
	e.idx = -1
	q.trimNow()
}

// trimNow reuses the now list's storage once it is empty, and moves its
// live part to the front when most of it is spent (a world that keeps
// scheduling at one instant never empties it).
func (q *queue) trimNow() {
	switch {
	case q.nowHead == len(q.now):
		q.now, q.nowHead = q.now[:0], 0
	case q.nowHead >= 1024 && 2*q.nowHead >= len(q.now):
		n := copy(q.now, q.now[q.nowHead:])
		clear(q.now[n:])
		q.now, q.nowHead = q.now[:n], 0
		for j, e := range q.now {
			e.idx = -2 - j
		}
	}
}

// fix puts s into the hole at i, moving it up or down as its key needs.
func (q *queue) fix(i int, s slot) {
	if i > 0 && s.before(&q.items[(i-1)/arity]) {
		q.up(i, s)
		return
	}
	q.down(i, s)
}

// set puts s at i and tells its entry where it is.
func (q *queue) set(i int, s slot) {
	q.items[i] = s
	s.e.idx = i
}

// up fills the hole at i with s, moving parents down while s comes first.
func (q *queue) up(i int, s slot) {
	for i > 0 {
		p := (i - 1) / arity
		if !s.before(&q.items[p]) {
			break
		}
		q.set(i, q.items[p])
		i = p
	}
	q.set(i, s)
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
		q.set(i, items[m])
		i = m
	}
	q.set(i, s)
}
