package sim

// entry is one scheduled item: an action to run, or a process to resume.
type entry struct {
	at   Time
	seq  uint64
	act  Action
	proc *Proc // non-nil: resume this process instead of running act
	idx  int   // position in the heap; -1 when not queued
}

// before is the scheduler's total order: due time, then insertion sequence.
func (e *entry) before(o *entry) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// queue is a binary min-heap of entries ordered by [entry.before], with a
// free list so that steady-state scheduling does not allocate.
type queue struct {
	items []*entry
	free  []*entry
}

func (q *queue) len() int { return len(q.items) }

func (q *queue) peek() *entry {
	if len(q.items) == 0 {
		return nil
	}
	return q.items[0]
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

func (q *queue) push(e *entry) {
	e.idx = len(q.items)
	q.items = append(q.items, e)
	q.up(e.idx)
}

func (q *queue) pop() *entry {
	n := len(q.items)
	if n == 0 {
		return nil
	}
	e := q.items[0]
	q.swap(0, n-1)
	q.items[n-1] = nil
	q.items = q.items[:n-1]
	if n > 1 {
		q.down(0)
	}
	e.idx = -1
	return e
}

func (q *queue) remove(e *entry) {
	i := e.idx
	n := len(q.items) - 1
	if i != n {
		q.swap(i, n)
	}
	q.items[n] = nil
	q.items = q.items[:n]
	if i != n {
		q.down(i)
		q.up(i)
	}
	e.idx = -1
}

func (q *queue) swap(i, j int) {
	q.items[i], q.items[j] = q.items[j], q.items[i]
	q.items[i].idx = i
	q.items[j].idx = j
}

func (q *queue) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !q.items[i].before(q.items[p]) {
			return
		}
		q.swap(i, p)
		i = p
	}
}

func (q *queue) down(i int) {
	n := len(q.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.items[r].before(q.items[l]) {
			m = r
		}
		if !q.items[m].before(q.items[i]) {
			return
		}
		q.swap(i, m)
		i = m
	}
}
