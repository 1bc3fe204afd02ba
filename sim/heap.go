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

// lanes is the number of lanes; lane 0 is the now list.
const lanes = 6

// queue holds scheduled entries in (at, seq) order, in a min-heap and in
// lanes: FIFOs whose keys only grow, so that each is in order by itself.
// Lane 0, the now list, takes what is due at the clock's reading when it
// is queued (half of a network simulation's entries: wake-ups,
// acknowledgements, transmissions), always in order as sequence numbers
// only grow. Any other entry goes to the lane whose last key is the
// greatest one not after its own, or to an empty lane, and only when none
// fits to the heap. Streams of entries that each come later than the last
// (packets over a link of fixed latency, timeouts of the same length) so
// keep to lanes, where queueing and popping cost O(1). Popping takes the
// first of the heads.
//
// Cancelling is lazy: a cancelled entry stays where it is, marked, and is
// freed when it reaches a head, or when cancelled entries make up half the
// storage and the queue compacts. So nothing ever needs an entry's place,
// and sifting writes only to the heap's own slots. A free list of entries
// keeps steady-state scheduling from allocating.
type queue struct {
	items []slot // the heap
	lanes [lanes]lane
	dead  int // cancelled entries still in storage
	live  int // queued entries not cancelled
	free  []*entry

	// later is where the first entry outside the now list is (a lane, the
	// heap or none), cached while laterOK: most steps pop the now list,
	// whose head is then compared with it alone.
	later   int
	laterOK bool
}

// lane is a FIFO of slots in key order; its part still queued starts at
// head.
type lane struct {
	s    []slot
	head int
}

func (l *lane) len() int     { return len(l.s) - l.head }
func (l *lane) first() *slot { return &l.s[l.head] }
func (l *lane) last() *slot  { return &l.s[len(l.s)-1] }

// take removes the lane's head. Its storage is reused once the lane is
// empty, and its rest moved to the front when most of it is spent (a lane
// that never empties, such as the now list of a world that keeps
// scheduling at one instant).
func (l *lane) take() *entry {
	e := l.s[l.head].e
	l.s[l.head] = slot{}
	l.head++
	switch {
	case l.head == len(l.s):
		l.s, l.head = l.s[:0], 0
	case l.head >= compactMin && 2*l.head >= len(l.s):
		n := copy(l.s, l.s[l.head:])
		clear(l.s[n:])
		l.s, l.head = l.s[:n], 0
	}
	return e
}

// keep drops the lane's cancelled entries (handing each to drop), keeping
// the order of the rest.
func (l *lane) keep(drop func(*entry)) {
	kept := l.s[:0]
	for _, s := range l.s[l.head:] {
		if s.e.state == entryCancelled {
			drop(s.e)
		} else {
			kept = append(kept, s)
		}
	}
	clear(l.s[len(kept):])
	l.s, l.head = kept, 0
}

// len is the number of queued entries, cancelled ones not counted.
func (q *queue) len() int { return q.live }

// Sources of entries: a lane's index, or one of these.
const (
	fromHeap = -1
	fromNone = -2
)

// first returns where the first entry is, cancelled or not.
func (q *queue) first() int {
	src := q.laterFirst()
	if l := &q.lanes[0]; l.len() > 0 && (src == fromNone || l.first().before(q.headSlot(src))) {
		return 0
	}
	return src
}

// laterFirst returns where the first entry outside the now list is.
func (q *queue) laterFirst() int {
	if !q.laterOK {
		q.later, q.laterOK = q.scanLater(), true
	}
	return q.later
}

// scanLater looks at the heap's top and every lane's head but the now
// list's.
func (q *queue) scanLater() int {
	src, key := fromNone, (*slot)(nil)
	if len(q.items) > 0 {
		src, key = fromHeap, &q.items[0]
	}
	for i := 1; i < lanes; i++ {
		if l := &q.lanes[i]; l.len() > 0 && (key == nil || l.first().before(key)) {
			src, key = i, l.first()
		}
	}
	return src
}

// noteHead keeps the cache of laterFirst when s became the head of src.
func (q *queue) noteHead(src int, s *slot) {
	if q.laterOK && (q.later == fromNone || s.before(q.headSlot(q.later))) {
		q.later = src
	}
}

// headSlot returns the slot at the head of src.
func (q *queue) headSlot(src int) *slot {
	if src == fromHeap {
		return &q.items[0]
	}
	return q.lanes[src].first()
}

// firstLive returns where the first entry is, after freeing the
// cancelled entries that come before it.
func (q *queue) firstLive() int {
	for {
		src := q.first()
		if q.dead == 0 || src == fromNone || q.head(src).state != entryCancelled {
			return src
		}
		q.dead--
		q.release(q.take(src))
	}
}

// head returns the entry at the head of src.
func (q *queue) head(src int) *entry { return q.headSlot(src).e }

// take removes the entry at the head of src.
func (q *queue) take(src int) *entry {
	if src != 0 {
		q.laterOK = false
	}
	if src == fromHeap {
		return q.takeHeap()
	}
	return q.lanes[src].take()
}

// peek returns the first entry, or nil if the queue is empty.
func (q *queue) peek() *entry {
	src := q.firstLive()
	if src == fromNone {
		return nil
	}
	return q.head(src)
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

// push queues e under its key (e.at, e.seq): in a lane it fits, else in
// the heap.
func (q *queue) push(e *entry) {
	e.state = entryQueued
	q.live++
	s := slot{at: e.at, seq: e.seq, e: e}
	if i := q.laneFor(&s); i > 0 {
		l := &q.lanes[i]
		l.s = append(l.s, s)
		if l.len() == 1 {
			q.noteHead(i, l.first())
		}
		return
	}
	q.items = append(q.items, slot{})
	q.up(len(q.items)-1, s)
	if q.items[0].e == e {
		q.noteHead(fromHeap, &q.items[0])
	}
}

// laneFor returns the lane (not the now list) whose last key is the
// greatest one not after s, else an empty lane, else 0 (none).
func (q *queue) laneFor(s *slot) int {
	best, empty := 0, 0
	for i := 1; i < lanes; i++ {
		l := &q.lanes[i]
		switch {
		case l.len() == 0:
			if empty == 0 {
				empty = i
			}
		case !s.before(l.last()) && (best == 0 || q.lanes[best].last().before(l.last())):
			best = i
		}
	}
	if best == 0 {
		return empty
	}
	return best
}

// pushNow queues e at the end of the now list. Its key must not come
// before any key already there: it is due at the current time and has the
// newest sequence number.
func (q *queue) pushNow(e *entry) {
	e.state = entryQueued
	q.live++
	q.lanes[0].s = append(q.lanes[0].s, slot{at: e.at, seq: e.seq, e: e})
}

// pop removes and returns the first entry, or nil if the queue is empty.
func (q *queue) pop() *entry {
	src := q.firstLive()
	if src == fromNone {
		return nil
	}
	e := q.take(src)
	e.state = entryFree
	q.live--
	return e
}

// cancel takes a queued entry out of the queue (lazily: see queue). The
// entry is the queue's to free.
func (q *queue) cancel(e *entry) {
	e.state = entryCancelled
	q.dead++
	q.live--
	if q.dead >= compactMin && q.dead >= q.live { // cancelled entries are half the storage
		q.compact()
	}
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

// compact frees every cancelled entry, rebuilding the heap from the rest.
func (q *queue) compact() {
	q.laterOK = false
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
	if n := len(live); n > 1 {
		for i := (n - 2) / arity; i >= 0; i-- {
			q.down(i, live[i])
		}
	}
	for i := range q.lanes {
		q.lanes[i].keep(q.release)
	}
	q.dead = 0
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
