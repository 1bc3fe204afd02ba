package conformance

// The checker's store of open connections. It is on the path of every
// event, so it avoids Go maps and allocations where traces let it: ids are
// usually small and dense (the kit numbers connections 1, 2, 3, ...), and
// a closed connection's state is reused for the next new one.

// minConnSlots is the smallest size of a connTable's slot array.
const minConnSlots = 64

// connTable maps the ids of open connections to their state. Most live
// in a direct-mapped array (slot id mod its size); an id whose slot holds
// another open connection goes to a map. The array has between 2 and 8
// slots per open connection (at least minConnSlots), so memory follows the
// open connections whatever the ids are: negative, huge, sparse or chosen
// to collide, the map takes the overflow and every operation stays O(1)
// expected. Where an entry sits never changes what get returns.
type connTable struct {
	slots []*connState // length a power of two
	more  map[int64]*connState
	n     int
}

func newConnTable() connTable {
	return connTable{slots: make([]*connState, minConnSlots)}
}

func (t *connTable) slot(id int64) **connState {
	return &t.slots[uint64(id)&uint64(len(t.slots)-1)]
}

// get returns the open connection with the given id, or nil.
func (t *connTable) get(id int64) *connState {
	if cs := *t.slot(id); cs != nil && cs.id == id {
		return cs
	}
	if len(t.more) == 0 {
		return nil
	}
	return t.more[id]
}

// put adds cs, whose id must not be in the table.
func (t *connTable) put(cs *connState) {
	if t.n >= len(t.slots)/2 {
		t.resize(2 * len(t.slots))
	}
	t.place(cs)
	t.n++
}

func (t *connTable) place(cs *connState) {
	if s := t.slot(cs.id); *s == nil {
		*s = cs
		return
	}
	if t.more == nil {
		t.more = make(map[int64]*connState)
	}
	t.more[cs.id] = cs
}

// remove drops the connection with the given id, which must be in the
// table.
func (t *connTable) remove(id int64) {
	if s := t.slot(id); *s != nil && (*s).id == id {
		*s = nil
	} else {
		delete(t.more, id)
	}
	t.n--
	if len(t.slots) > minConnSlots && t.n < len(t.slots)/8 {
		t.resize(len(t.slots) / 2)
	}
}

// resize moves every entry to a slot array of the given size. The order
// in which the map's entries are placed only decides which of two
// colliding ids gets the slot.
func (t *connTable) resize(size int) {
	old, more := t.slots, t.more
	t.slots, t.more = make([]*connState, size), nil
	for _, cs := range old {
		if cs != nil {
			t.place(cs)
		}
	}
	for _, cs := range more {
		t.place(cs)
	}
}

func (t *connTable) len() int { return t.n }

// appendIDs appends the ids of the open connections, in no order.
func (t *connTable) appendIDs(ids []int64) []int64 {
	for _, cs := range t.slots {
		if cs != nil {
			ids = append(ids, cs.id)
		}
	}
	for id := range t.more {
		ids = append(ids, id)
	}
	return ids
}

// newConnState returns a zeroed connState, reusing a released one when
// there is one.
func (c *Checker) newConnState() *connState {
	n := len(c.freeConns)
	if n == 0 {
		return new(connState)
	}
	cs := c.freeConns[n-1]
	c.freeConns[n-1] = nil
	c.freeConns = c.freeConns[:n-1]
	*cs = connState{}
	return cs
}

// retire notes that cs has closed: its state is released once no list of
// its manager holds it.
func (c *Checker) retire(cs *connState) {
	m := cs.m
	m.closing = append(m.closing, cs)
	if len(m.closing) > minConnSlots && len(m.closing) > c.conns.len() {
		c.dropClosed(m)
	}
}

// dropClosed takes the closed connections out of the manager's lists,
// where every use skips them, and releases them. It lets a manager that
// never polls (so never rebuilds its list) keep memory bounded.
func (c *Checker) dropClosed(m *mgrState) {
	m.conns = dropClosed(m.conns)
	m.pending = dropClosed(m.pending)
	m.turns = dropClosed(m.turns)
	c.release(m)
}

func dropClosed(list []*connState) []*connState {
	kept := list[:0]
	for _, cs := range list {
		if !cs.closed {
			kept = append(kept, cs)
		}
	}
	clear(list[len(kept):])
	return kept
}

// release frees the manager's closed connections, which its lists no
// longer hold; one that is still the manager's current turn waits, since
// turns are compared by identity.
func (c *Checker) release(m *mgrState) {
	kept := m.closing[:0]
	for _, cs := range m.closing {
		switch {
		case cs == m.curTurn:
			kept = append(kept, cs)
		case len(c.freeConns) < minConnSlots+c.conns.len():
			c.freeConns = append(c.freeConns, cs)
		}
	}
	clear(m.closing[len(kept):])
	m.closing = kept
}
