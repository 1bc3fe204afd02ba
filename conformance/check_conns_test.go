package conformance

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// The connection table agrees with a map under any ids: negative, huge,
// colliding in its slot array, reused after removal; and its slot array
// stays within 8 slots per entry (at least minConnSlots).
func TestConnTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pools := [][]int64{
		{minInt64, maxInt64, -1, 0, 1, -minConnSlots, minConnSlots, 2 * minConnSlots},
		idRange(1, 300, 1),
		idRange(0, 200, 1<<20), // every id on slot 0
		idRange(-5000, 40, 97),
	}
	for _, pool := range pools {
		tab, want := newConnTable(), map[int64]*connState{}
		for step := 0; step < 20000; step++ {
			id := pool[rng.IntN(len(pool))]
			if cs := want[id]; cs != nil && rng.IntN(2) == 0 {
				tab.remove(id)
				delete(want, id)
			} else if cs == nil {
				cs = &connState{id: id}
				tab.put(cs)
				want[id] = cs
			}
			checkConnTable(t, &tab, want, pool[rng.IntN(len(pool))])
		}
	}
}

func idRange(from int64, n int, step int64) []int64 {
	var ids []int64
	for i := 0; i < n; i++ {
		ids = append(ids, from+int64(i)*step)
	}
	return ids
}

func checkConnTable(t *testing.T, tab *connTable, want map[int64]*connState, probe int64) {
	t.Helper()
	if got := tab.get(probe); got != want[probe] {
		t.Fatalf("get(%d) = %p, want %p", probe, got, want[probe])
	}
	if tab.len() != len(want) || len(tab.more) > len(want) || len(tab.slots) > max(minConnSlots, 8*len(want)) {
		t.Fatalf("len %d, %d in the map, %d slots for %d entries", tab.len(), len(tab.more), len(tab.slots), len(want))
	}
	ids := tab.appendIDs(nil)
	slices.Sort(ids)
	var wantIDs []int64
	for id := range want {
		wantIDs = append(wantIDs, id)
	}
	slices.Sort(wantIDs)
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("ids %v, want %v", ids, wantIDs)
	}
}

// Connection ids mean nothing to the rules but identity: a trace checks
// the same with its ids moved to negative, huge or colliding values.
func TestCheckerAnyIDs(t *testing.T) {
	traces := [][]Event{loadEvents(t, "testdata/real/hello_echo.jsonl"), readEvents(synthTrace(600)), manyOpen(500)}
	for _, evs := range traces {
		want := checkEvents(evs, ProfileM618)
		for _, remap := range []func(int64) int64{
			func(id int64) int64 { return -id - 2 },
			func(id int64) int64 { return maxInt64 - id },
			func(id int64) int64 { return minInt64 + id },
			func(id int64) int64 { return id << 32 }, // all on one slot
			func(id int64) int64 { return id*minConnSlots + 7 },
		} {
			got := checkEvents(remapIDs(evs, remap), ProfileM618)
			if !slices.Equal(got.Rules, want.Rules) || got.Conns != want.Conns || len(got.Open) != len(want.Open) || got.ViolationCount != want.ViolationCount {
				t.Errorf("remapped ids:\n%s\nwant\n%s", reportText(got), reportText(want))
			}
		}
	}
}

func readEvents(data []byte) []Event {
	rd := NewReader(bytes.NewReader(data))
	var evs []Event
	for {
		var e Event
		if err := rd.Next(&e); err != nil {
			return evs
		}
		evs = append(evs, e)
	}
}

// manyOpen: n connections connect, then close in another order, without
// polls; half stay open.
func manyOpen(n int) []Event {
	var evs []Event
	add := func(id int64, ev Ev) {
		evs = append(evs, Event{Seq: int64(len(evs) + 1), T: 1, Conn: id, Role: RoleOutbound, Ev: ev, Name: ev.String(), DataKind: DataInt})
	}
	for i := 0; i < n; i++ {
		add(int64(i), EvConnect)
	}
	for i := 0; i < n; i += 2 {
		add(int64((i*7)%n), EvClose)
	}
	return evs
}

func remapIDs(evs []Event, f func(int64) int64) []Event {
	out := slices.Clone(evs)
	for i := range out {
		out[i].Conn = f(out[i].Conn)
		if out[i].Has&HasListener != 0 {
			out[i].Listener = f(out[i].Listener)
		}
		if out[i].Has&HasPeer != 0 {
			out[i].Peer = f(out[i].Peer)
		}
	}
	return out
}

// Once warm, the checker allocates nothing for connections that come and
// go: their state is reused.
func TestCheckerSteadyStateAllocs(t *testing.T) {
	evs := readEvents(synthTrace(400))
	c := NewChecker(CheckOptions{Profile: ProfileM618})
	half := len(evs) / 2
	for i := range evs[:half] {
		c.Add(&evs[i])
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range evs[half : len(evs)-3] {
		c.Add(&evs[half+i])
	}
	runtime.ReadMemStats(&after)
	if n := after.Mallocs - before.Mallocs; n != 0 {
		t.Errorf("%d allocations for %d events", n, len(evs)-3-half)
	}
	if r := c.Finish(); !r.OK() {
		t.Fatal(reportText(r))
	}
}

// A manager that never polls never rebuilds its list, yet closed
// connections are dropped from it.
func TestClosedDroppedWithoutPolls(t *testing.T) {
	c := NewChecker(CheckOptions{})
	for i := int64(0); i < 5000; i++ {
		for k, ev := range []Ev{EvConnect, EvClose} {
			e := Event{Seq: 2*i + int64(k) + 1, T: 1, Conn: i, Role: RoleOutbound, Ev: ev, DataKind: DataInt}
			c.Add(&e)
		}
	}
	m := c.mgrs[0]
	if n := len(m.conns) + len(m.pending) + len(m.closing); n > 2*minConnSlots {
		t.Errorf("%d connections kept in the manager's lists", n)
	}
	if r := c.Finish(); !r.OK() || r.Conns != 5000 {
		t.Errorf("%s", reportText(r))
	}
}

// coreRules, the rules every profile holds, are the catalogue's core rules.
func TestCoreRules(t *testing.T) {
	for r := ruleID(0); r < numRules; r++ {
		if coreRules.has(r) != (catalogue[r].Level == LevelCore) {
			t.Errorf("%s: in coreRules %v, level %v", catalogue[r].ID, coreRules.has(r), catalogue[r].Level)
		}
	}
}

// The closed-id set agrees with a map, whatever order ids come in, and
// keeps its intervals sorted, disjoint and apart.
func TestIDSetAgreesWithMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for round := 0; round < 200; round++ {
		var s idSet
		want := map[int64]bool{}
		base := []int64{0, minInt64, maxInt64 - 300, -150}[round%4]
		for step := 0; step < 300; step++ {
			id := base + int64(rng.IntN(300))
			if rng.IntN(3) == 0 {
				s.add(id)
				want[id] = true
			}
			probe := base + int64(rng.IntN(302)) - 1
			if s.has(probe) != want[probe] {
				t.Fatalf("has(%d) = %v, want %v; intervals %v", probe, !want[probe], want[probe], s.iv)
			}
		}
		for i := 1; i < len(s.iv); i++ {
			if s.iv[i-1].hi >= s.iv[i].lo-1 || s.iv[i].lo > s.iv[i].hi {
				t.Fatalf("intervals %v", s.iv)
			}
		}
	}
}
