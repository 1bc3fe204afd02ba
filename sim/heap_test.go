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

// TestQueueOrder pushes, removes and rekeys entries at random (many share a
// due time) and checks that the queue pops exactly the live entries, in
// (at, seq) order, and that every entry's idx names its slot.
func TestQueueOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		var q queue
		var live []*entry
		seq := uint64(0)
		for op := 0; op < 300; op++ {
			switch k := r.IntN(10); {
			case k < 6 || len(live) == 0:
				e := q.alloc()
				seq++
				e.at, e.seq = Time(r.IntN(20)), seq
				q.push(e)
				live = append(live, e)
			case k < 8:
				i := r.IntN(len(live))
				q.remove(live[i])
				live = slices.Delete(live, i, i+1)
			case k < 9:
				seq++
				q.rekey(live[r.IntN(len(live))], 1<<62+seq) // later than every push
			default:
				checkSlots(t, &q)
			}
		}
		checkSlots(t, &q)
		slices.SortFunc(live, func(a, b *entry) int { return cmpKey(keyOf(a), keyOf(b)) })
		for i, want := range live {
			got := q.pop()
			if got != want {
				t.Fatalf("round %d: pop %d = %v, want %v", round, i, keyOf(got), keyOf(want))
			}
			if got.idx != -1 {
				t.Fatalf("popped entry has idx %d", got.idx)
			}
		}
		if q.pop() != nil {
			t.Fatalf("round %d: queue not empty", round)
		}
	}
}

// checkSlots checks that each slot holds its entry's key and that the
// entry knows its slot.
func checkSlots(t *testing.T, q *queue) {
	t.Helper()
	for i, s := range q.items {
		if s.e.idx != i || keyOf(s.e) != (key{s.at, s.seq}) {
			t.Fatalf("slot %d: entry idx %d key %v, slot key %v", i, s.e.idx, keyOf(s.e), key{s.at, s.seq})
		}
	}
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
