package sim

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// key is an entry's place in the scheduler's total order.
type key struct {
	at  Time
	seq uint64
}

func keyOf(e *entry) key { return key{e.at, e.seq} }

func cmpKey(a, b key) int {
	if c := cmp.Compare(a.at, b.at); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// TestQueueOrder drives a queue as the world does, at random: entries
// pushed for now (to the now list) or later (to the heap; many share a due
// time), entries pushed last for their time, removals, and pops that move
// the clock. Every pop must return the earliest live entry in (at, seq)
// order, and every entry must know its place.
func TestQueueOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		m := queueModel{r: r}
		for op := 0; op < 400; op++ {
			m.step(t)
		}
		m.drain(t)
		if m.q.pop() != nil || m.q.len() != 0 {
			t.Fatalf("round %d: queue not empty", round)
		}
	}
}

// TestQueueNowListCompacts keeps an instant busy long enough for the now
// list to move its live part to the front, and checks the order and the
// entries' places across that move and a removal.
func TestQueueNowListCompacts(t *testing.T) {
	m := queueModel{r: rand.New(rand.NewPCG(3, 4))}
	for i := 0; i < 10000; i++ {
		m.push(0)
		if i >= 500 {
			m.pop(t) // 500 live entries, forever at one instant
		}
		if i%1000 == 999 {
			m.check(t)
			m.cancel(len(m.live) / 2)
		}
	}
	if c := cap(m.q.lanes[0].s); c > 4096 {
		t.Errorf("now list capacity %d for %d live entries", c, len(m.live))
	}
	m.drain(t)
}

// TestQueueCancelledEntriesAreFreed schedules a far deadline and cancels
// it, over and over, as a process that parks with a timeout and is woken
// early does, next to entries that run: the cancelled entries must not
// pile up, and the order must hold across compactions.
func TestQueueCancelledEntriesAreFreed(t *testing.T) {
	m := queueModel{r: rand.New(rand.NewPCG(5, 6))}
	for i := 0; i < 20000; i++ {
		m.push(Time(1000 + m.r.IntN(50))) // the deadline
		m.cancel(len(m.live) - 1)
		m.push(Time(1 + m.r.IntN(100)))
		if len(m.live) > 300 {
			m.pop(t)
		}
		if i%2000 == 0 {
			m.check(t)
		}
	}
	if n := m.q.len() + m.q.dead; n > 2*len(m.live)+2*compactMin {
		t.Errorf("queue storage holds %d entries for %d live ones", n, len(m.live))
	}
	m.drain(t)
}

// TestQueueStreamsKeepToLanes queues two streams whose keys only grow
// (packets over a link of fixed latency, and long timeouts that are
// mostly cancelled) next to entries due now: none of them may need the
// heap.
func TestQueueStreamsKeepToLanes(t *testing.T) {
	m := queueModel{r: rand.New(rand.NewPCG(7, 8))}
	for i := 0; i < 5000; i++ {
		m.push(100)
		m.push(100_000)
		if i%10 != 0 {
			m.cancel(len(m.live) - 1)
		}
		m.push(0)
		m.pop(t)
		m.pop(t)
		if len(m.q.items) != 0 {
			t.Fatalf("step %d: %d entries in the heap", i, len(m.q.items))
		}
	}
	m.drain(t)
}

// queueModel is a queue next to the list of what it should hold.
type queueModel struct {
	r    *rand.Rand
	q    queue
	live []*entry
	now  Time
	seq  uint64
}

func (m *queueModel) step(t *testing.T) {
	switch k := m.r.IntN(22); {
	case k < 6:
		m.push(0)
	case k < 10:
		m.push(Time(m.r.IntN(5)))
	case k < 12:
		m.push(Time(10 + m.r.IntN(2))) // a stream that mostly keeps to a lane
	case k < 13:
		m.pushLast(m.now + Time(m.r.IntN(3)))
	case k < 16 && len(m.live) > 0:
		m.cancel(m.r.IntN(len(m.live)))
	case k < 21 && len(m.live) > 0:
		m.pop(t)
	default:
		m.check(t)
	}
}

// push queues an entry d from now, as World.schedule does.
func (m *queueModel) push(d Time) {
	e := m.q.alloc()
	m.seq++
	e.at, e.seq = m.now+d, m.seq
	if d == 0 {
		m.q.pushNow(e)
	} else {
		m.q.push(e)
	}
	m.live = append(m.live, e)
}

// cancel cancels the i-th live entry.
func (m *queueModel) cancel(i int) {
	m.q.cancel(m.live[i])
	m.live = slices.Delete(m.live, i, i+1)
}

// drain checks the queue, then pops every live entry in order.
func (m *queueModel) drain(t *testing.T) {
	t.Helper()
	m.check(t)
	for len(m.live) > 0 {
		m.pop(t)
	}
}

// pushLast queues an entry after everything else due at 'at', as Run
// queues its deadline (its sequence number is out of the common range).
func (m *queueModel) pushLast(at Time) {
	e := m.q.alloc()
	m.seq++
	e.at, e.seq = at, 1<<62+m.seq
	m.q.push(e)
	m.live = append(m.live, e)
}

// pop checks that the queue's first entry is the earliest live one, and
// moves the clock to it.
func (m *queueModel) pop(t *testing.T) {
	t.Helper()
	want := slices.MinFunc(m.live, func(a, b *entry) int { return cmpKey(keyOf(a), keyOf(b)) })
	if p := m.q.peek(); p != want {
		t.Fatalf("peek = %v, want %v", keyOf(p), keyOf(want))
	}
	got := m.q.pop()
	if got != want || got.state != entryFree {
		t.Fatalf("pop = %v (state %d), want %v", keyOf(got), got.state, keyOf(want))
	}
	m.live = slices.DeleteFunc(m.live, func(e *entry) bool { return e == got })
	m.now = max(m.now, got.at)
	m.q.release(got)
}

// check checks the queue's size, the heap property, that the now list is
// in order and due, and the count of cancelled entries in storage.
func (m *queueModel) check(t *testing.T) {
	t.Helper()
	if m.q.len() != len(m.live) {
		t.Fatalf("len = %d, want %d", m.q.len(), len(m.live))
	}
	dead := 0
	for i, s := range m.q.items {
		if keyOf(s.e) != (key{s.at, s.seq}) {
			t.Fatalf("slot %d: entry key %v, slot key %v", i, keyOf(s.e), key{s.at, s.seq})
		}
		if p := (i - 1) / arity; i > 0 && s.before(&m.q.items[p]) {
			t.Fatalf("slot %d comes before its parent %d", i, p)
		}
		dead += m.countDead(s.e)
	}
	for i := range m.q.lanes {
		l := &m.q.lanes[i]
		for j := l.head; j < len(l.s); j++ {
			e := l.s[j].e
			if keyOf(e) != (key{l.s[j].at, l.s[j].seq}) || j > l.head && l.s[j].before(&l.s[j-1]) || i == 0 && e.at > m.now {
				t.Fatalf("lane %d, slot %d: key %v out of order, not its entry's or (now list) not due at %v", i, j, key{l.s[j].at, l.s[j].seq}, m.now)
			}
			dead += m.countDead(e)
		}
	}
	if dead != m.q.dead {
		t.Fatalf("%d cancelled entries in storage, the queue counts %d", dead, m.q.dead)
	}
}

// countDead is 1 for a cancelled entry and 0 for a live one; it fails the
// test for any other.
func (m *queueModel) countDead(e *entry) int {
	if e.state == entryCancelled {
		return 1
	}
	if e.state != entryQueued || !slices.Contains(m.live, e) {
		panic("an entry in the queue's storage is neither live nor cancelled")
	}
	return 0
}

// BenchmarkQueue pops the earliest of about 2,600 entries and pushes it
// back a random delay later: the shape of the queue in an echo run.
func BenchmarkQueue(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var q queue
	seq := uint64(0)
	for i := 0; i < 2600; i++ {
		e := q.alloc()
		seq++
		e.at, e.seq = Time(r.IntN(200_000)), seq
		q.push(e)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := q.pop()
		now := e.at
		q.release(e)
		e = q.alloc()
		seq++
		e.at, e.seq = now+Time(r.IntN(200_000)), seq
		q.push(e)
	}
}
