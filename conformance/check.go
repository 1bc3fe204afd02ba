package conformance

import (
	"io"
	"sync"
)

// CheckOptions configure a [Checker]. The zero value checks the core rules
// with Mongoose 6.18's IO sizes.
type CheckOptions struct {
	// Profile is the set of rules to hold the trace to. Zero: core.
	Profile Profile
	// TCPIOSize is the most one TCP read or write moves (BUF-8). Zero: 1460.
	TCPIOSize int
	// UDPIOSize is the size a received datagram is cut to (UDP-3). Zero: 1460.
	UDPIOSize int
	// Context is how many events before and after a violation its Context
	// shows. Zero: 3; negative: none; at most 1000.
	Context int
	// MaxKept is how many violations are kept in full; all are counted.
	// Zero: 1000; negative: none.
	MaxKept int
	// PollClock says that t is the poll's own clock reading, the same for
	// every call of one poll, as in the kit's traces. It makes TR-4 and
	// TM-3 exact. The directive "# mgsim-trace ... clock=poll" sets it too.
	PollClock bool

	_ struct{}
}

func (o CheckOptions) withDefaults() CheckOptions {
	o.TCPIOSize = orDefault(o.TCPIOSize, 1460)
	o.UDPIOSize = orDefault(o.UDPIOSize, 1460)
	o.Context = min(max(orDefault(o.Context, 3), 0), 1000)
	o.MaxKept = max(orDefault(o.MaxKept, 1000), 0)
	return o
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

// NoConn is [Violation].Conn for a violation that concerns no connection
// (a malformed line, seq going back).
const NoConn int64 = -1

// Violation is one broken rule.
type Violation struct {
	Rule string // rule id, e.g. "BUF-3"
	Conn int64  // the connection concerned, or NoConn
	Line int    // line number of the offending event (0 for events of a live run)
	Seq  int64  // its seq
	Poll int64  // its poll, 0 when it has none
	Msg  string // what is wrong, with the numbers
	// Context holds the text forms of the events around the offending one
	// (up to CheckOptions.Context before and after, of any connection), in
	// trace order, each prefixed "  ", the offending one "> ".
	Context []string
}

// Checker checks a trace against the rules of a profile, one event at a
// time. Its memory grows with the connections open at once, not with the
// trace's length: a closed connection's state is dropped (its id is kept in
// a set of intervals, to catch reuse). A Checker is not safe for concurrent
// use.
type Checker struct {
	opts      CheckOptions
	rules     ruleSet   // the rules of the profile
	checks    [64]int64 // evaluations per rule, indexed by ruleID&63
	res       [numRules]ruleCount
	pollClock bool

	events   int64
	nconns   int64
	faults   int64
	creation int64
	lastSeq  int64
	lastT    float64
	started  bool

	prevCall bool  // prevConn and prevPoll are set: false after a protocol event
	prevConn int64 // the connection of the last handler call
	prevPoll int64 // its poll, 0 when none

	fullPolls bool  // check quiet POLLs on the full path too (tests compare the two)
	quiet     int64 // POLLs checked on the quiet path

	conns     connTable
	freeConns []*connState // released states, for reuse
	closed    idSet
	mgrs      map[int64]*mgrState
	mgrList   []*mgrState
	streams   map[int64]*stream
	unclaimed unclaimedStreams // closed senders' streams no receiver has claimed yet

	ring       ring
	cur        int64        // the ring index of the event being checked
	batch      int64        // queue's batch size; 0 for a checker that never queues
	pooled     *[]ringEntry // the ring's entries, from queueRings
	violations []Violation
	pending    []pendingViolation
	total      int64
	report     *Report
}

// ruleSet is a set of rules, one bit per ruleID.
type ruleSet uint64

// A ruleSet holds every rule: numRules is at most 64.
var _ [64 - numRules]struct{}

func (s ruleSet) has(r ruleID) bool { return s&(1<<(r&63)) != 0 }

// coreRules are the rules of level core, which every profile holds: with
// the rule a constant, (*Checker).on folds to true for them
// (TestCoreRules checks the list against the catalogue).
const coreRules ruleSet = 1<<rTR1 | 1<<rTR2 | 1<<rTR3 | 1<<rEV1 | 1<<rEV2 | 1<<rEV3 | 1<<rEV4 | 1<<rEV5 | 1<<rEV6 | 1<<rEV7 |
	1<<rBUF1 | 1<<rBUF2 | 1<<rBUF2a | 1<<rBUF3 | 1<<rBUF4 | 1<<rBUF5 | 1<<rBUF6 | 1<<rBUF7 |
	1<<rCL1 | 1<<rCL2 | 1<<rCL3 | 1<<rCL3a | 1<<rTM1 | 1<<rTM2 | 1<<rTM2a | 1<<rTM3 | 1<<rTM4 | 1<<rUDP1 | 1<<rUDP2

// on reports whether the profile holds rule r.
func (c *Checker) on(r ruleID) bool { return coreRules.has(r) || c.rules.has(r) }

type ruleCount struct {
	violations, notEval int64
	reason              string
}

// NewChecker returns a Checker with the given options.
func NewChecker(o CheckOptions) *Checker {
	o = o.withDefaults()
	return newChecker(o, newRing(contextWindow(o)))
}

// contextWindow is how many events a checker's ring must hold for the
// context of its violations.
func contextWindow(o CheckOptions) int { return 2*o.Context + ringSlack }

func newChecker(o CheckOptions, r ring) *Checker {
	c := &Checker{
		opts:      o,
		pollClock: o.PollClock,
		conns:     newConnTable(),
		mgrs:      make(map[int64]*mgrState),
		streams:   make(map[int64]*stream),
		ring:      r,
	}
	for r := range catalogue {
		if o.Profile.Includes(catalogue[r].Level) {
			c.rules |= 1 << r
		}
	}
	return c
}

// Add checks the next event of the trace. The caller may reuse e after Add
// returns. After Finish, Add does nothing.
func (c *Checker) Add(e *Event) {
	if c.report != nil {
		return
	}
	c.drain()
	c.ring.push(e)
	c.cur = c.ring.n
	c.check(e)
}

// newQueueingChecker returns a Checker for [Checker.queue]: its ring,
// drawn from a pool of queueRingLen entries, holds the events queued and
// not yet checked besides the window of context; Finish gives it back.
func newQueueingChecker(o CheckOptions) *Checker {
	o = o.withDefaults()
	window := contextWindow(o)
	if window > queueRingLen/2 {
		c := newChecker(o, newRing(window))
		c.batch = 1 // a context too wide for the pooled ring: check at once
		return c
	}
	ents, _ := queueRings.Get().(*[]ringEntry)
	if ents == nil {
		s := make([]ringEntry, queueRingLen)
		ents = &s
	}
	c := newChecker(o, ring{ents: *ents, mask: queueRingLen - 1, size: queueRingLen})
	c.batch, c.pooled = int64(queueRingLen-window), ents
	return c
}

// queueRingLen is the length of a queueing checker's ring: 80 KiB of
// entries, which stay in a core's L2 cache with the checker's state.
const queueRingLen = 256

var queueRings sync.Pool // of *[]ringEntry, queueRingLen long

// queue adds the next event of the trace, to be checked with the events
// after it once a batch is full, or by Finish. A live run's checker
// queues: between two events the simulation runs and evicts the checker's
// code and state from the caches, while a batch is checked with them warm
// (cachegrind: a fifth of the checker's instruction-cache misses).
// The report is the same as Add's, which checks each event at once. The
// caller may reuse e after queue returns.
func (c *Checker) queue(e *Event) {
	if c.report != nil {
		return
	}
	if e == &c.ring.next().ev {
		c.ring.commit() // built in place (nextEvent)
	} else {
		c.ring.push(e)
	}
	if c.ring.n-c.cur >= c.batch {
		c.drain()
	}
}

// nextEvent returns the Event in the ring entry that the next queue
// fills, for the caller to build the event in (then queue does not copy
// it), or nil after Finish.
func (c *Checker) nextEvent() *Event {
	if c.report != nil {
		return nil
	}
	return &c.ring.next().ev
}

// drain checks the queued events, in order, in their ring entries.
func (c *Checker) drain() {
	for c.cur < c.ring.n {
		c.cur++
		c.check(&c.ring.at(c.cur).ev)
	}
}

// check checks the event just pushed to the ring (e may be its copy
// there).
func (c *Checker) check(e *Event) {
	c.events++
	c.eval(rTR1)
	if c.started {
		tr2, tr3 := c.eval(rTR2), c.eval(rTR3)
		if tr2 && e.Seq <= c.lastSeq || tr3 && e.T < c.lastT {
			c.misordered(e, tr2, tr3)
		}
	}
	c.started, c.lastSeq, c.lastT = true, e.Seq, e.T
	if e.Ev == EvFault {
		c.faults++
	} else {
		c.eval(rEV1) // the connection: its state, created at its first event
		cs := c.conns.get(e.Conn)
		switch {
		case cs == nil:
			cs = c.firstEvent(e)
		case e.Role != cs.role || udpOf(e) != cs.udp || mgrOf(e) != cs.mgrID:
			c.reused(cs, e)
		}
		if cs != nil {
			c.checkEvent(cs, e)
		}
	}
	if len(c.pending) != 0 {
		c.flush()
	}
}

// AddLine checks one raw trace line: blank lines and comments are
// skipped, a "# mgsim-trace" directive is applied, and a line that is not a
// valid event is a TR-1 violation at lineNo.
func (c *Checker) AddLine(line []byte, lineNo int) {
	if c.report != nil {
		return
	}
	kind, text := classifyLine(line)
	switch kind {
	case lineDirective:
		c.directive(text, lineNo)
	case lineEvent:
		c.addText(text, lineNo)
	}
}

func (c *Checker) addText(text []byte, lineNo int) {
	if len(text) > MaxLineLen {
		c.malformed(text, lineNo, ErrLineTooLong)
		return
	}
	c.drain()
	s := c.ring.next() // parsed in place: no copy
	if err := ParseEvent(text, &s.ev); err != nil {
		c.malformed(text, lineNo, err)
		return
	}
	s.ev.Line = lineNo
	c.ring.commit()
	c.cur = c.ring.n
	c.check(&s.ev)
}

func (c *Checker) directive(text []byte, lineNo int) {
	c.drain() // the directive applies from here on
	if pollClockIn(appendDirectives(nil, text, lineNo)) {
		c.pollClock = true
	}
}

// malformed records a line that is not an event (TR-1).
func (c *Checker) malformed(text []byte, lineNo int, err error) {
	c.drain()
	c.ring.pushRaw(text, lineNo)
	c.cur = c.ring.n
	c.eval(rTR1)
	c.fail(rTR1, NoConn, err.Error())
	c.flush()
}

// CheckReader checks a whole trace read from r. Malformed lines are TR-1
// violations in the report; the error is only for a failed read (then the
// report covers what was read).
func CheckReader(r io.Reader, o CheckOptions) (*Report, error) {
	c := NewChecker(o)
	lr := newLineReader(r)
	for {
		line, err := lr.next()
		switch {
		case err == ErrLineTooLong:
			c.malformed(nil, lr.n, err)
		case err == io.EOF:
			return c.Finish(), nil
		case err != nil:
			return c.Finish(), err
		default:
			c.AddLine(line, lr.n)
		}
	}
}

// Finish ends the trace: it completes the checks that wait for the end and
// returns the report. Calling it again returns the same report; events
// added after it are ignored.
func (c *Checker) Finish() *Report {
	if c.report != nil {
		return c.report
	}
	c.drain()
	for _, m := range c.mgrList {
		c.finishManager(m)
	}
	c.flushAll()
	c.report = c.buildReport()
	if c.pooled != nil {
		queueRings.Put(c.pooled)
		c.pooled, c.ring = nil, ring{}
	}
	return c.report
}

// eval counts one evaluation of rule r and reports whether r is on.
func (c *Checker) eval(r ruleID) bool {
	if !c.on(r) {
		return false
	}
	c.checks[r&63]++
	return true
}

// evalN counts n evaluations of rule r, which must be on: a loop that
// evaluates r for many connections counts them once, not in a chain of
// increments of one counter.
func (c *Checker) evalN(r ruleID, n int64) { c.checks[r&63] += n }

// skip records that rule r could not be evaluated for lack of a field.
func (c *Checker) skip(r ruleID, field string) {
	if !c.on(r) {
		return
	}
	rc := &c.res[r]
	rc.notEval++
	if rc.reason == "" {
		rc.reason = field
	}
}

// fail records a violation of r anchored at the current event.
func (c *Checker) fail(r ruleID, conn int64, msg string) {
	c.failAt(r, conn, c.cur, msg)
}

// failAt records a violation of r anchored at the anchor-th event (or line)
// added; an anchor no longer in the window falls back to the current one.
func (c *Checker) failAt(r ruleID, conn int64, anchor int64, msg string) {
	if !c.on(r) {
		return
	}
	c.res[r].violations++
	c.total++
	if len(c.violations) >= c.opts.MaxKept {
		return
	}
	if anchor <= 0 || anchor < c.cur-ringSlack/2 {
		anchor = c.cur
	}
	c.violations = append(c.violations, c.ring.violation(anchor, catalogue[r].ID, conn, msg))
	if c.opts.Context > 0 {
		c.pending = append(c.pending, pendingViolation{at: len(c.violations) - 1, anchor: anchor})
	}
}

// misordered: TR-2 and TR-3's time part failed (tr2, tr3: the rules are
// being evaluated). They are checked on every line, fault lines included,
// but the first.
func (c *Checker) misordered(e *Event, tr2, tr3 bool) {
	if tr2 && e.Seq <= c.lastSeq {
		c.fail(rTR2, NoConn, "seq "+itoa(e.Seq)+" after seq "+itoa(c.lastSeq)+": seq must strictly increase")
	}
	if tr3 && e.T < c.lastT {
		c.fail(rTR3, connOf(e), "t "+ftoa(e.T)+" after t "+ftoa(c.lastT)+": time went back")
	}
}

func connOf(e *Event) int64 {
	if e.Ev == EvFault {
		return NoConn
	}
	return e.Conn
}

// checkEvent runs every rule group on one handler call of connection cs,
// in a fixed order (which orders the violations one call breaks). It runs
// on every event, so it is written out flat: each group does the common
// case in line and calls out for the rest. The commonest event of all, a
// POLL that changes nothing, takes a shorter path (check_quiet.go).
func (c *Checker) checkEvent(cs *connState, e *Event) {
	m := cs.m
	inPoll := true
	if e.Has&HasPoll != 0 && m.inPoll && e.Poll == m.poll && !m.freeing {
		c.eval(rTR3) // the poll goes on: enterPoll's common case
	} else {
		inPoll = c.enterPoll(m, cs, e)
	}
	if e.Ev == EvOther {
		c.prevCall = false
		m.lastT, m.hasLast, m.lastIdx = e.T, true, c.cur
		return
	}
	if cs.events == 0 {
		cs.byConnect = madeByConnect(cs, e)
	}
	if inPoll && !c.fullPolls && quietPoll(cs, e) {
		c.quietPollRules(m, cs, e)
		return
	}
	c.grammar(cs, e)
	if !cs.everPolled && cs.role == RoleOutbound && e.Ev != EvPoll {
		c.markResolver(cs, e)
	}
	if inPoll {
		c.inPollRules(m, cs, e)
	} else if !m.hasPolls {
		c.skipPollRules()
	}
	c.flagRules(cs, e)
	if e.Ev == EvConnect && e.DataInt != 0 && !cs.resolving {
		c.failedConnectFlags(cs, e)
	}
	c.buffers(cs, e, inPoll)
	switch { // timers: TM-2a between calls, the rest at TIMER
	case e.Ev == EvTimer:
		c.timerFired(m, cs, e, inPoll)
	case cs.events == 0:
	case e.Has&HasTimer == 0:
		c.skip(rTM2a, "timer")
	case !cs.timerKnown:
		c.skip(rTM2a, "timer_after")
	case c.eval(rTM2a) && e.Timer != cs.timerAfter:
		c.timerChanged(cs, e)
	}
	if !cs.udp && (e.Ev == EvSend || e.Ev == EvRecv || e.Has&HasPeer != 0) {
		c.stream(cs, e)
	}
	if e.Ev == EvClose {
		c.closeRules(m, cs, e, inPoll)
	}
	c.remember(cs, e)
	c.prevCall, c.prevConn, c.prevPoll = true, cs.id, pollOf(e)
	m.lastT, m.hasLast, m.lastIdx = e.T, true, c.cur
	if e.Ev == EvClose {
		c.closeConn(cs)
	}
}

func (c *Checker) skipPollRules() {
	for _, r := range pollRules {
		c.skip(r, "poll")
	}
}
