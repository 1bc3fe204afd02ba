package conformance

// ringSlack is how many events beyond 2×Context the checker remembers: a
// violation found late (at a poll's end) is anchored at an earlier event.
const ringSlack = 16

// ring keeps the last size events (and malformed lines) added, for
// violations' anchors and context. Entry i (from 1) lives at
// ents[(i-1) & mask]: ents has a power-of-two length of at least size, so
// that no division is done per event.
type ring struct {
	ents []ringEntry
	mask int64
	size int64
	n    int64
}

type ringEntry struct {
	ev    Event
	raw   []byte // a line that is not an event (TR-1), cut to maxRawContext
	isRaw bool
}

const maxRawContext = 200

func newRing(size int) ring {
	n := 1
	for n < size {
		n *= 2
	}
	return ring{ents: make([]ringEntry, n), mask: int64(n - 1), size: int64(size)}
}

// at returns the i-th entry, which must be in the window.
func (r *ring) at(i int64) *ringEntry { return &r.ents[(i-1)&r.mask] }

func (r *ring) slot() *ringEntry {
	r.n++
	return &r.ents[(r.n-1)&r.mask]
}

// next returns the entry the next push or commit fills: an event may be
// written there in place, then committed. (The entry leaving the window
// is no longer needed by any context.)
func (r *ring) next() *ringEntry { return &r.ents[r.n&r.mask] }

// commit adds the event written in place at next.
func (r *ring) commit() { r.slot().isRaw = false }

func (r *ring) push(e *Event) {
	s := r.slot()
	s.ev, s.isRaw = *e, false
}

func (r *ring) pushRaw(line []byte, lineNo int) {
	s := r.slot()
	s.isRaw, s.ev = true, Event{Line: lineNo}
	s.raw = append(s.raw[:0], line[:min(len(line), maxRawContext)]...)
}

// get returns the i-th entry, or nil when it has left the window.
func (r *ring) get(i int64) *ringEntry {
	if i <= 0 || i > r.n || i <= r.n-r.size {
		return nil
	}
	return &r.ents[(i-1)&r.mask]
}

// violation builds a Violation anchored at entry i.
func (r *ring) violation(i int64, rule string, conn int64, msg string) Violation {
	v := Violation{Rule: rule, Conn: conn, Msg: msg}
	if s := r.get(i); s != nil {
		v.Line, v.Seq = s.ev.Line, s.ev.Seq
		if s.ev.Has&HasPoll != 0 {
			v.Poll = s.ev.Poll
		}
	}
	return v
}

// text is the entry's line as shown in a violation's context.
func (s *ringEntry) text() string {
	if s.isRaw {
		return string(s.raw)
	}
	return string(AppendEvent(nil, &s.ev))
}

// pendingViolation is a kept violation still waiting for the events after
// it to fill its context.
type pendingViolation struct {
	at     int   // index in Checker.violations
	anchor int64 // ring index of the offending event
}

// flush completes the context of the violations whose following events
// have all arrived.
func (c *Checker) flush() {
	if len(c.pending) == 0 {
		return
	}
	kept := c.pending[:0]
	for _, p := range c.pending {
		if p.anchor+int64(c.opts.Context) <= c.ring.n {
			c.fillContext(p)
		} else {
			kept = append(kept, p)
		}
	}
	c.pending = kept
}

func (c *Checker) flushAll() {
	for _, p := range c.pending {
		c.fillContext(p)
	}
	c.pending = c.pending[:0]
}

func (c *Checker) fillContext(p pendingViolation) {
	k := int64(c.opts.Context)
	var lines []string
	for i := p.anchor - k; i <= p.anchor+k; i++ {
		s := c.ring.get(i)
		if s == nil {
			continue
		}
		mark := "  "
		if i == p.anchor {
			mark = "> "
		}
		lines = append(lines, mark+s.text())
	}
	c.violations[p.at].Context = lines
}
