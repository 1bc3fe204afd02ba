package sim

// entry is one scheduled item: an action to run, or a process to resume.
type entry struct {
	at   Time
	seq  uint64
	act  Action
	proc *Proc // non-nil: resume this process instead of running act
	idx  int   // position in the heap; -1 when not queued
}

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

// queue is a min-heap of entries ordered by (at, seq), with a free list so
// that steady-state scheduling does not allocate.
type queue struct {
	items []slot
	free  []*entry
}

func (q *queue) len() int { return len(q.items) }

func (q *queue) peek() *entry {
	if len(q.items) == 0 {
		return nil
	}
	return q.items[0].e
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

func (q *queue) pop() *entry {
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

func (q *queue) remove(e *entry) {
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

// rekey gives a queued entry a new sequence number and restores the order.
func (q *queue) rekey(e *entry, seq uint64) {
	e.seq = seq
	q.fix(e.idx, slot{at: e.at, seq: seq, e: e})
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
