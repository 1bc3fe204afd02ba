package conformance

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mgsim/mgsim/simnet"
)

// tracer turns every handler call of every traced manager in one world into
// a trace [Event] and hands it to its sinks (the live checker, a JSONL
// writer). It measures each call from outside the implementation: the
// buffer lengths, flags and timer when the handler is entered and when it
// returns, the bytes the handler queued and removed (counted at the [Conn]
// it is given), and running digests of each stream.
type tracer struct {
	seq       int64
	nextConn  int64
	closed    int64
	mgrs      int64
	byConn    map[Conn]*connRec // every connection seen, closed ones included
	open      []*connRec        // connections not yet closed, in creation order (pruned lazily)
	streams   map[streamKey]*connRec
	sinks     []func(*Event)
	slot      func() *Event // where to build the next call's event (nil, or a nil result: in ev)
	ev        Event         // the event of a call, when slot gives no place
	cur       *Event        // the event of the call being made
	callT     float64       // the clock of the last call entered
	events    int64
	dead      atomic.Bool  // set when the run is abandoned (a handler never returned)
	calls     int          // handler calls in progress
	faults    []Event      // fault events waiting for the running call to end
	made      int64        // handler calls made
	maxCalls  int64        // the most the run may make (0 or less: no bound)
	queued    int64        // bytes queued with mg_send
	maxQueued int64        // the most the run may queue (0 or less: no bound)
	over      *budgetError // the first budget the run went over
}

// budgetError is the panic that ends a run from inside the handler call,
// or the mg_send, that went over one of its budgets (RunOptions.MaxCalls,
// RunOptions.MaxQueued); the harness reports it as a liveness failure
// (tracer.over), whatever the implementation made of the panic.
type budgetError struct {
	what string  // "1000 handler calls"
	at   float64 // the clock of the last call made
}

func (e *budgetError) Error() string {
	return "liveness: " + e.what + " by " + ftoa(e.at) + "s of virtual time and the scenario has not finished: " +
		"a core that repeats events (CONNECT in every poll, say) or never gets anywhere? (mgsim run --max-calls and --max-queued, or the options' MaxCalls and MaxQueued, raise the bounds)"
}

// count counts a handler call and ends the run, from inside the call,
// when it is one more than the run may make.
func (t *tracer) count() {
	t.made++
	if t.made > t.maxCalls && t.maxCalls > 0 {
		t.overBudget(strconv.FormatInt(t.maxCalls, 10) + " handler calls")
	}
}

// countQueued counts n bytes queued by mg_send and ends the run when the
// run's handlers have queued more than they may.
func (t *tracer) countQueued(n int) {
	t.queued += int64(n)
	if t.queued > t.maxQueued && t.maxQueued > 0 {
		t.overBudget("more than " + strconv.FormatInt(t.maxQueued, 10) + " bytes queued with mg_send")
	}
}

// overOr is the budget the run went over, if any, else failure.
func (t *tracer) overOr(failure string) string {
	if t.over != nil {
		return t.over.Error()
	}
	return failure
}

// overBudget records the first budget the run went over, which the
// harness reports whatever becomes of the panic (an implementation may
// wrap a handler's panic, or recover it and go on), and ends the run.
func (t *tracer) overBudget(what string) {
	if t.over == nil {
		t.over = &budgetError{what: what, at: t.callT}
	}
	panic(t.over)
}

type streamKey struct{ local, remote netip.AddrPort }

func newTracer() *tracer {
	return &tracer{byConn: map[Conn]*connRec{}, streams: map[streamKey]*connRec{}}
}

func (t *tracer) addSink(fn func(*Event)) { t.sinks = append(t.sinks, fn) }

func (t *tracer) newRec(m *Mgr, role Role, origin Origin, user Handler) *connRec {
	t.nextConn++
	r := &connRec{id: t.nextConn, t: t, m: m, role: role, origin: origin, user: user}
	t.open = append(t.open, r)
	if len(t.open) > 64 && len(t.open) > 2*t.live() {
		t.pruneOpen()
	}
	return r
}

// live counts connections not closed yet.
func (t *tracer) live() int { return int(t.nextConn - t.closed) }

func (t *tracer) pruneOpen() {
	kept := t.open[:0]
	for _, r := range t.open {
		if !r.closed {
			kept = append(kept, r)
		}
	}
	clear(t.open[len(kept):])
	t.open = kept
}

// openState describes every connection still open, in creation order, with
// the last thing that happened to it: what a reader of a stuck run needs.
func (t *tracer) openState() []string {
	var out []string
	for _, r := range t.open {
		if r.closed || r.c == nil {
			continue
		}
		out = append(out, fmt.Sprintf("open: conn %d (%s, %s) last %s at poll %d t=%.9f; now recv_len=%d send_len=%d flags=%#x timer=%.9f",
			r.id, r.role, r.origin, r.lastEv, r.lastPoll, r.lastT, len(r.c.RecvBuf()), r.c.SendLen(), r.c.Flags(), r.c.Timer()))
	}
	return out
}

// observe turns the network's fault events into fault lines of the trace,
// so that a reader sees why a connection saw what it saw. A fault that
// happens while a handler runs (its connect was refused by a partition,
// say) is written after that handler's line, which the call already
// numbered.
func (t *tracer) observe(ne simnet.Event) {
	if !ne.IsFault() && ne.Kind != simnet.KindRST && ne.Kind != simnet.KindTimeout {
		return // resets and timeouts are not faults of the network, but they explain silent closes
	}
	t.fault(ne.At.Seconds(), strings.TrimPrefix(ne.Kind, simnet.FaultPrefix), faultDetail(ne))
}

// flushFaults numbers and emits the fault lines waiting.
func (t *tracer) flushFaults() {
	for i := range t.faults {
		t.seq++
		t.faults[i].Seq = t.seq
		t.emitEvent(&t.faults[i])
	}
	clear(t.faults)
	t.faults = t.faults[:0]
}

// faultDetail is the event's stable text without its time (the line has
// t) and kind (the line has fault).
func faultDetail(ne simnet.Event) string {
	s := ne.String()
	if i := strings.Index(s, ne.Kind); i >= 0 {
		s = strings.TrimSpace(s[i+len(ne.Kind):])
	}
	return s
}

// emit hands the current handler event to every sink.
func (t *tracer) emit() { t.emitEvent(t.cur) }

// begin returns the Event to build a call's event in: the live checker's
// next ring entry (see Checker.queue), so that the event is not copied
// there; else, and for a call made inside another call, the tracer's own.
// (A call inside another is not traced correctly: the inner call's event
// takes the outer's place, as when every call was built in ev.)
func (t *tracer) begin() *Event {
	t.cur = &t.ev
	if t.slot != nil && t.calls == 0 {
		if e := t.slot(); e != nil {
			t.cur = e
		}
	}
	return t.cur
}

func (t *tracer) emitEvent(e *Event) {
	if t.dead.Load() {
		return // the run was abandoned; its stuck process writes nothing more
	}
	t.events++
	for _, s := range t.sinks {
		s(e)
	}
}

// fault hands a fault line to every sink.
func (t *tracer) fault(at float64, kind, detail string) {
	t.faults = append(t.faults, Event{T: at, Ev: EvFault, Name: "FAULT", Fault: kind, Detail: detail})
	if t.calls == 0 {
		t.flushFaults()
	}
}

// link records an established TCP stream and pairs it with its other end
// when that end is already known.
func (t *tracer) link(r *connRec) {
	if r.udp || r.peer != nil {
		return
	}
	local, remote := r.c.LocalAddr(), r.c.Addr()
	if !local.IsValid() || !remote.IsValid() {
		return
	}
	if other, ok := t.streams[streamKey{remote, local}]; ok && other.peer == nil {
		r.peer, other.peer = other, r
		delete(t.streams, streamKey{remote, local})
		return
	}
	t.streams[streamKey{local, remote}] = r
}

// connRec is the tracer's record of one connection. It is also the [Conn]
// the scenario's handler is given, so that it can count what the handler
// queues and removes before passing each call on.
type connRec struct {
	id       int64
	t        *tracer
	m        *Mgr
	c        Conn
	role     Role
	origin   Origin
	udp      bool
	listener *connRec
	peer     *connRec
	user     Handler
	closed   bool
	lastEv   Ev
	lastPoll int64
	lastT    float64

	inCall  bool
	queued  int64
	removed int64

	unsent  []byte // unsent[sentOff:] is what was queued and no SEND has reported yet
	sentOff int
	txBytes uint64
	txSum   uint64
	rxBytes uint64
	rxSum   uint64
}

// dispatch is the handler the implementation calls for this record's
// connection, and for every connection accepted through it when it is a
// listener.
func (r *connRec) dispatch(c Conn, ev Ev, d Data) {
	if r.c == nil {
		r.c = c
		r.t.byConn[c] = r
	}
	target := r
	if c != r.c {
		target = r.t.child(r, c, ev)
	}
	target.call(ev, d)
}

// child finds the record of a connection that was handed to a listener's
// handler: one accepted by it (or a UDP child), new on ACCEPT.
func (t *tracer) child(l *connRec, c Conn, ev Ev) *connRec {
	r, ok := t.byConn[c]
	if ok && !(r.closed && ev == EvAccept) {
		return r
	}
	origin := OriginAccept
	if c.Flags()&FlagUDP != 0 {
		origin = OriginUDPChild
	}
	r = t.newRec(l.m, RoleInbound, origin, l.user)
	r.c, r.listener = c, l
	t.byConn[c] = r
	return r
}

// call records one handler call around the scenario's handler.
func (r *connRec) call(ev Ev, d Data) {
	r.t.count()
	r.udp = r.c.Flags()&FlagUDP != 0
	r.enter(ev, d)
	r.inCall, r.queued, r.removed = true, 0, 0
	r.t.calls++
	if r.user != nil {
		r.user(r, ev, d)
	}
	r.t.calls--
	r.inCall = false
	r.exit(ev)
	r.lastEv, r.lastPoll, r.lastT = ev, r.t.cur.Poll, r.t.cur.T
	r.t.emit()
	if len(r.t.faults) > 0 && r.t.calls == 0 {
		r.t.flushFaults()
	}
	if ev == EvClose && !r.closed {
		r.closed = true
		r.t.closed++
		r.releaseUnsent()
	}
}

func (r *connRec) enter(ev Ev, d Data) {
	t := r.t
	t.seq++
	e := t.begin()
	*e = Event{Seq: t.seq, T: r.m.impl.Time(), Conn: r.id, Role: r.role, UDP: r.udp, Ev: ev, Name: ev.String(), Origin: r.origin, Mgr: r.m.idx}
	t.callT = e.T
	e.Has = HasUDP | HasOrigin | HasMgr | HasRecvAfter | HasSendAfter | HasFlags | HasFlagsAfter |
		HasQueued | HasRemoved | HasTimer | HasTimerAfter | HasRecvLimit
	if p := r.m.impl.PollIndex(); p > 0 {
		e.Poll, e.Has = int64(p), e.Has|HasPoll
	}
	if r.listener != nil {
		e.Listener, e.Has = r.listener.id, e.Has|HasListener
	}
	r.setData(e, ev, d)
	e.RecvLen, e.SendLen = int64(len(r.c.RecvBuf())), int64(r.c.SendLen())
	e.Flags, e.Timer, e.RecvLimit = r.c.Flags(), r.c.Timer(), r.c.RecvLimit()
	r.digest(e, ev, d)
}

func (r *connRec) setData(e *Event, ev Ev, d Data) {
	switch ev {
	case EvClose:
	case EvTimer:
		e.DataKind, e.DataFloat = DataFloat, d.Time
	case EvAccept:
		e.DataKind, e.DataStr = DataString, d.Addr.String()
	default:
		e.DataKind, e.DataInt, e.DataFloat = DataInt, d.Int, float64(d.Int)
	}
}

// digest advances the running stream digests: RECV by the bytes that just
// arrived (the tail of recv_mbuf), SEND by the bytes the handler had queued
// first.
func (r *connRec) digest(e *Event, ev Ev, d Data) {
	switch {
	case ev == EvAccept || ev == EvConnect && d.Int == 0:
		r.t.link(r)
	case ev == EvRecv && d.Int > 0:
		buf := r.c.RecvBuf()
		n := min(int(d.Int), len(buf))
		r.rxSum = StreamSum(r.rxSumOr(), buf[len(buf)-n:])
		r.rxBytes += uint64(n)
		e.RxBytes, e.RxSum, e.Has = r.rxBytes, r.rxSum, e.Has|HasRx
	case ev == EvSend && d.Int > 0:
		pending := r.unsent[r.sentOff:]
		n := min(int(d.Int), len(pending))
		r.txSum = StreamSum(r.txSumOr(), pending[:n])
		r.txBytes += uint64(n)
		r.sentOff += n
		e.TxBytes, e.TxSum, e.Has = r.txBytes, r.txSum, e.Has|HasTx
	}
}

func (r *connRec) rxSumOr() uint64 {
	if r.rxBytes == 0 {
		return StreamSumInit
	}
	return r.rxSum
}

func (r *connRec) txSumOr() uint64 {
	if r.txBytes == 0 {
		return StreamSumInit
	}
	return r.txSum
}

func (r *connRec) exit(ev Ev) {
	e := r.t.cur
	e.RecvAfter, e.SendAfter = int64(len(r.c.RecvBuf())), int64(r.c.SendLen())
	e.FlagsAfter, e.TimerAfter = r.c.Flags(), r.c.Timer()
	e.Queued, e.Removed = r.queued, r.removed
	if r.peer != nil {
		e.Peer, e.Has = r.peer.id, e.Has|HasPeer
	}
}

// Conn methods: the scenario's handler sees the record, which counts and
// passes each call on.

func (r *connRec) Send(p []byte) {
	r.t.countQueued(len(p))
	if r.inCall {
		r.queued += int64(len(p))
	}
	switch {
	case r.unsent == nil:
		r.unsent, r.sentOff = getUnsent(), 0
	case r.sentOff == len(r.unsent):
		r.unsent, r.sentOff = r.unsent[:0], 0
	case r.sentOff >= 4<<10 && r.sentOff > len(r.unsent)/2:
		// Reported bytes are most of the copy: move the rest down, at
		// most as many bytes as have been reported since the last move.
		r.unsent = append(r.unsent[:0], r.unsent[r.sentOff:]...)
		r.sentOff = 0
	}
	r.unsent = append(r.unsent, p...)
	r.c.Send(p)
}

// unsentPool recycles the records' copies of queued bytes across
// connections and runs (what is in them is never read before it is
// overwritten, so reuse cannot change a trace).
var unsentPool sync.Pool

// maxPooledUnsent bounds the copies kept for reuse.
const maxPooledUnsent = 256 << 10

func getUnsent() []byte {
	if b, ok := unsentPool.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 4<<10)
}

// releaseUnsent gives the record's copy back when its connection has
// closed with every queued byte reported sent. (An implementation that
// calls the handler after CLOSE breaks the rules; what its later SENDs
// digest stays what it was, so a copy with bytes left in it is kept.)
func (r *connRec) releaseUnsent() {
	b := r.unsent
	if b == nil || r.sentOff != len(b) || cap(b) > maxPooledUnsent {
		return
	}
	unsentPool.Put(&b)
	r.unsent, r.sentOff = nil, 0
}

func (r *connRec) Remove(n int) {
	before := len(r.c.RecvBuf())
	r.c.Remove(n)
	if r.inCall {
		r.removed += int64(before - len(r.c.RecvBuf()))
	}
}

func (r *connRec) Flags() uint32              { return r.c.Flags() }
func (r *connRec) SetFlags(f uint32)          { r.c.SetFlags(f) }
func (r *connRec) RecvBuf() []byte            { return r.c.RecvBuf() }
func (r *connRec) SendLen() int               { return r.c.SendLen() }
func (r *connRec) SetTimer(t float64) float64 { return r.c.SetTimer(t) }
func (r *connRec) Timer() float64             { return r.c.Timer() }
func (r *connRec) RecvLimit() uint64          { return r.c.RecvLimit() }
func (r *connRec) SetRecvLimit(n uint64)      { r.c.SetRecvLimit(n) }
func (r *connRec) Addr() netip.AddrPort       { return r.c.Addr() }
func (r *connRec) LocalAddr() netip.AddrPort  { return r.c.LocalAddr() }

// Listener returns the record of the accepting listener.
func (r *connRec) Listener() Conn {
	if r.listener == nil {
		return nil
	}
	return r.listener
}

// ID is the connection's id in the trace.
func (r *connRec) ID() int64 { return r.id }

// Closed reports whether the connection has had its CLOSE.
func (r *connRec) Closed() bool { return r.closed }
