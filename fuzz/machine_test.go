package fuzz_test

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// machine drives one reference manager over a simulated host, step by
// step, from the test's goroutine: the manager listens on 10.0.0.1:8000
// and connects to itself, so that both ends of every stream are its own
// connections. Handler actions are intents: an action on a connection is
// queued and done by the handler at the connection's next call (mg_send
// and friends belong in handlers). Every handler call becomes a trace
// event fed to the conformance checker (mongoose-6.18 rules), and a model
// of each connection's expected state checks what the checker cannot see.
type machine struct {
	w      *sim.World
	host   *simnet.Host
	m      *reference.Manager
	chk    *conformance.Checker
	ev     conformance.Event
	seq    int64
	conns  []*connModel // in creation order; conns[0] is the listener
	byConn map[*reference.Conn]*connModel
	errs   []string
	freed  bool
	// bigReads are the seqs of RECVs over 1460 bytes that the model
	// found legitimate (see expectRead): the checker's BUF-8 flags them.
	bigReads map[int64]bool
	// mutate, if set, changes each event before the checker sees it: the
	// tests that prove the checker is listening use it.
	mutate func(*conformance.Event)
}

// connModel is the model of one connection: what the handler did to it,
// and so what its state must be.
type connModel struct {
	c        *reference.Conn
	role     conformance.Role
	origin   conformance.Origin
	listener *connModel
	peer     *connModel // the other end, for a connection to our own listener
	intents  []intent
	closed   bool
	closeBy  int             // the poll by which it must be closed (CLOSE_IMMEDIATELY set), 0 if none
	user     reference.Flags // the USER_* bits its handler set
	timer    float64         // the timer its handler armed (0: none)
	queued   []byte          // every byte its handler queued
	unsent   int             // queued bytes no SEND has reported yet start at len(queued)-unsent
	received []byte          // every byte RECV brought
	spare    int             // recv_mbuf's spare capacity when the last call returned
	allow    int             // the most the current read loop may read at once (see expectRead)
	readPoll int             // the poll of the last RECV
	txSum    uint64
	rxSum    uint64
}

// intent is a handler action waiting for the connection's next call.
type intent struct {
	kind intentKind
	n    int
	f    reference.Flags
}

type intentKind uint8

const (
	doSend intentKind = iota
	doRemove
	doSetFlags
	doClearFlags
	doTimer // n: milliseconds from now; 0 disarms
	doClose
)

var intentNames = [...]string{"send", "remove", "set", "clear", "timer", "close"}

func (i intent) String() string {
	if i.kind == doSetFlags || i.kind == doClearFlags {
		return intentNames[i.kind] + " " + i.f.String()
	}
	return fmt.Sprintf("%s %d", intentNames[i.kind], i.n)
}

const userMask = reference.FlagUser1 | reference.FlagUser2 | reference.FlagUser3 | reference.FlagUser4 | reference.FlagUser5 | reference.FlagUser6

// machineNet is the network a machine runs on.
type machineNet struct {
	Latency, Jitter        time.Duration
	MinSegment, MaxSegment int
	Buffer                 int
}

func newMachine(seed sim.Seed, n machineNet) (*machine, error) {
	w := sim.New(sim.Options{Seed: seed, MaxSteps: 5_000_000})
	network, err := simnet.New(w, simnet.Config{Latency: n.Latency, Jitter: n.Jitter, MinSegment: n.MinSegment,
		MaxSegment: n.MaxSegment, SendBuffer: n.Buffer, RecvBuffer: n.Buffer})
	if err != nil {
		return nil, err
	}
	host, err := network.AddHost("a", netip.MustParseAddr("10.0.0.1"))
	if err != nil {
		return nil, err
	}
	mc := &machine{w: w, host: host, m: reference.NewManager(host, reference.Options{}), byConn: map[*reference.Conn]*connModel{}, bigReads: map[int64]bool{},
		chk: conformance.NewChecker(conformance.CheckOptions{Profile: conformance.ProfileM618, PollClock: true, MaxKept: 20})}
	network.Observe(mc.observe)
	l, err := mc.m.Bind("tcp://10.0.0.1:8000", mc.handle)
	if err != nil {
		return nil, err
	}
	mc.track(l, conformance.RoleListener, conformance.OriginBind, nil)
	return mc, nil
}

// observe puts every reset that crosses the network in the trace as a
// fault line. A reset makes the core close a connection for a read error,
// which no event shows (D-RECV-7); the fault line tells the checker that
// what follows may be the reset's doing.
func (mc *machine) observe(ev simnet.Event) {
	if ev.Kind != simnet.KindRST {
		return
	}
	mc.seq++
	mc.chk.Add(&conformance.Event{Seq: mc.seq, T: ev.At.Seconds(), Ev: conformance.EvFault, Fault: "rst", Detail: ev.String()})
}

func (mc *machine) track(c *reference.Conn, role conformance.Role, origin conformance.Origin, l *connModel) *connModel {
	cm := &connModel{c: c, role: role, origin: origin, listener: l, txSum: conformance.StreamSumInit, rxSum: conformance.StreamSumInit}
	mc.conns = append(mc.conns, cm)
	mc.byConn[c] = cm
	return cm
}

func (mc *machine) failf(format string, args ...any) {
	mc.errs = append(mc.errs, fmt.Sprintf("t=%.6f poll %d: ", mc.m.Time(), mc.m.PollIndex())+fmt.Sprintf(format, args...))
}

// connect makes an outbound connection to the listener, or to a port
// nothing listens on.
func (mc *machine) connect(refused bool) {
	addr := "tcp://10.0.0.1:8000"
	if refused {
		addr = "tcp://10.0.0.1:9"
	}
	c, err := mc.m.Connect(addr, mc.handle)
	if err != nil {
		mc.failf("connect: %v", err)
		return
	}
	mc.track(c, conformance.RoleOutbound, conformance.OriginConnect, nil)
}

// live returns the connections other than the listener that are not
// closed, in creation order.
func (mc *machine) live() []*connModel {
	var out []*connModel
	for _, cm := range mc.conns[1:] {
		if !cm.closed {
			out = append(out, cm)
		}
	}
	return out
}

// intend queues an action for the k-th live connection (modulo their
// number); it does nothing when none is live.
func (mc *machine) intend(k int, in intent) {
	live := mc.live()
	if len(live) > 0 {
		cm := live[k%len(live)]
		cm.intents = append(cm.intents, in)
	}
}

// poll runs one mg_mgr_poll; advance lets the network run without one.
func (mc *machine) poll(ms int) { mc.m.Poll(ms) }

func (mc *machine) advance(ms int) {
	if err := mc.w.Run(mc.w.Now().Add(time.Duration(ms) * time.Millisecond)); err != nil {
		mc.failf("world: %v", err)
	}
}

// handle is every connection's handler: it checks the model, does the
// connection's intents, and traces the call.
func (mc *machine) handle(c *reference.Conn, ev reference.Event, d reference.EventData) {
	cm := mc.byConn[c]
	if cm == nil {
		if ev != reference.EvAccept {
			mc.failf("%v on an unknown connection %d", ev, c.ID())
			return
		}
		cm = mc.accepted(c)
	}
	mc.enter(cm, ev, d)
	mc.expect(cm, ev, d)
	if ev != reference.EvClose && cm.role != conformance.RoleListener {
		mc.act(cm)
	}
	mc.exit(cm)
	if ev == reference.EvClose {
		cm.closed = true
	}
}

// accepted starts the model of an accepted connection and pairs it with
// the outbound connection it came from.
func (mc *machine) accepted(c *reference.Conn) *connModel {
	cm := mc.track(c, conformance.RoleInbound, conformance.OriginAccept, mc.byConn[c.Listener()])
	for _, o := range mc.conns {
		if o.role == conformance.RoleOutbound && o.peer == nil && o.c.LocalAddr() == c.Addr() {
			cm.peer, o.peer = o, cm
		}
	}
	return cm
}

// expect checks a call against the model.
func (mc *machine) expect(cm *connModel, ev reference.Event, d reference.EventData) {
	c := cm.c
	switch {
	case cm.closed:
		mc.failf("conn %d: %v after its CLOSE", c.ID(), ev)
	case c.Flags&userMask != cm.user:
		mc.failf("conn %d: %v with USER bits %v, the handler left %v", c.ID(), ev, c.Flags&userMask, cm.user)
	case ev == reference.EvTimer && (d.Time != cm.timer || c.Timer() != 0 || mc.m.Time() < d.Time):
		mc.failf("conn %d: TIMER(%.6f) at %.6f with timer %.6f, armed for %.6f", c.ID(), d.Time, mc.m.Time(), c.Timer(), cm.timer)
	case ev != reference.EvTimer && ev != reference.EvClose && c.Timer() != cm.timer:
		mc.failf("conn %d: %v with timer %.6f, armed for %.6f", c.ID(), ev, c.Timer(), cm.timer)
	}
	if ev == reference.EvTimer {
		cm.timer = 0
	}
	if ev == reference.EvRecv && d.Int > 0 {
		mc.expectRead(cm, d.Int)
		buf := c.RecvMbuf.Bytes()
		cm.received = append(cm.received, buf[len(buf)-d.Int:]...)
		if cm.peer != nil && !bytes.HasPrefix(cm.peer.queued, cm.received) {
			mc.failf("conn %d received %d bytes that are not what conn %d sent", c.ID(), len(cm.received), cm.peer.c.ID())
		}
	}
}

// expectRead checks a read's size as mg_do_recv does it (D-RECV-2): the
// first read of a poll's loop asks for 1460 bytes, or for all the spare
// capacity the application left in recv_mbuf (a remove never shrinks it;
// the core trims it only around reads); each later read of the loop asks
// for what the one before it could have taken (C reuses len), or for more
// spare capacity. The checker's BUF-8 cannot see the capacity and holds
// every read to 1460, so the larger reads found legitimate here are
// excused from it.
func (mc *machine) expectRead(cm *connModel, n int) {
	if p := mc.m.PollIndex(); p != cm.readPoll {
		cm.readPoll, cm.allow = p, 1460
	}
	cm.allow = max(cm.allow, cm.spare)
	switch {
	case n <= 1460:
	case n <= cm.allow:
		mc.bigReads[mc.seq] = true
	default:
		mc.failf("conn %d: a read of %d bytes where at most %d could be asked for (D-RECV-2)", cm.c.ID(), n, cm.allow)
	}
}

// act does the connection's intents, as its handler.
func (mc *machine) act(cm *connModel) {
	c := cm.c
	for _, in := range cm.intents {
		switch in.kind {
		case doSend:
			p := payload(cm, in.n)
			c.Send(p)
			cm.queued = append(cm.queued, p...)
			cm.unsent += len(p)
			mc.ev.Queued += int64(len(p))
		case doRemove:
			before := c.RecvMbuf.Len()
			c.RecvMbuf.Remove(in.n)
			mc.ev.Removed += int64(before - c.RecvMbuf.Len())
		case doSetFlags:
			c.Flags |= in.f
		case doClearFlags:
			c.Flags &^= in.f
		case doTimer:
			cm.timer = 0
			if in.n > 0 {
				cm.timer = mc.m.Time() + float64(in.n)/1000
			}
			c.SetTimer(cm.timer)
		case doClose:
			c.Flags |= reference.FlagCloseImmediately
		}
	}
	cm.intents = cm.intents[:0]
	cm.user = c.Flags & userMask
	if c.Flags&reference.FlagCloseImmediately != 0 && cm.closeBy == 0 && mc.m.PollIndex() > 0 {
		cm.closeBy = mc.m.PollIndex() + 1
	}
	if c.Flags&reference.FlagCloseImmediately == 0 {
		cm.closeBy = 0
	}
}

// payload is n bytes of the connection's stream, numbered so that a lost,
// repeated or misplaced byte shows.
func payload(cm *connModel, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		k := len(cm.queued) + i
		p[i] = byte(k*7 + k/251 + int(cm.c.ID()))
	}
	return p
}

// check is the invariant between steps: no model error, and every
// connection closed by its handler is gone by the poll after.
func (mc *machine) check() error {
	for _, cm := range mc.conns {
		if !cm.closed && cm.closeBy > 0 && mc.m.Polls() >= cm.closeBy && mc.m.PollIndex() == 0 {
			mc.failf("conn %d: CLOSE_IMMEDIATELY set in poll %d, still open after poll %d", cm.c.ID(), cm.closeBy-1, mc.m.Polls())
			cm.closeBy = 0
		}
	}
	if len(mc.errs) > 0 {
		return fmt.Errorf("%s", strings.Join(mc.errs, "\n"))
	}
	return nil
}

// finish frees the manager and returns the model's and the checker's
// verdict on the whole run.
func (mc *machine) finish() error {
	if !mc.freed {
		mc.freed = true
		mc.m.Free()
		mc.w.Close()
	}
	for _, cm := range mc.conns {
		if !cm.closed {
			mc.failf("conn %d was never closed", cm.c.ID())
		}
	}
	if err := mc.check(); err != nil {
		return err
	}
	if r := mc.chk.Finish(); !mc.explained(r) {
		var b strings.Builder
		r.WriteText(&b)
		return fmt.Errorf("the checker found violations:\n%s", b.String())
	}
	return nil
}

// explained reports whether every violation in r is a read the model
// found legitimate (all of them kept, none other).
func (mc *machine) explained(r *conformance.Report) bool {
	if r.ViolationCount != int64(len(r.Violations)) {
		return false
	}
	for _, v := range r.Violations {
		if v.Rule != "BUF-8" || !mc.bigReads[v.Seq] {
			return false
		}
	}
	return true
}

// enter fills the trace event for a call as the handler is entered.
func (mc *machine) enter(cm *connModel, ev reference.Event, d reference.EventData) {
	c := cm.c
	mc.seq++
	e := &mc.ev
	*e = conformance.Event{Seq: mc.seq, T: mc.m.Time(), Conn: int64(c.ID()), Role: cm.role, Ev: conformance.Ev(ev),
		Name: conformance.Ev(ev).String(), Origin: cm.origin, RecvLen: int64(c.RecvMbuf.Len()), SendLen: int64(c.SendMbuf.Len()),
		Flags: uint32(c.Flags), Timer: c.Timer(), RecvLimit: recvLimit(c)}
	e.Has = conformance.HasUDP | conformance.HasOrigin | conformance.HasRecvAfter | conformance.HasSendAfter | conformance.HasFlags |
		conformance.HasFlagsAfter | conformance.HasQueued | conformance.HasRemoved | conformance.HasTimer | conformance.HasTimerAfter | conformance.HasRecvLimit
	if p := mc.m.PollIndex(); p > 0 {
		e.Poll, e.Has = int64(p), e.Has|conformance.HasPoll
	}
	if cm.listener != nil {
		e.Listener, e.Has = int64(cm.listener.c.ID()), e.Has|conformance.HasListener
	}
	setData(e, ev, d)
	mc.digest(cm, e, ev, d)
}

func setData(e *conformance.Event, ev reference.Event, d reference.EventData) {
	switch ev {
	case reference.EvClose:
	case reference.EvTimer:
		e.DataKind, e.DataFloat = conformance.DataFloat, d.Time
	case reference.EvAccept:
		e.DataKind, e.DataStr = conformance.DataString, d.Addr.String()
	default:
		e.DataKind, e.DataInt, e.DataFloat = conformance.DataInt, int64(d.Int), float64(d.Int)
	}
}

// digest adds the stream digests (BUF-7): RECV by the bytes that arrived,
// SEND by the bytes that left.
func (mc *machine) digest(cm *connModel, e *conformance.Event, ev reference.Event, d reference.EventData) {
	switch {
	case ev == reference.EvRecv && d.Int > 0:
		buf := cm.c.RecvMbuf.Bytes()
		cm.rxSum = conformance.StreamSum(cm.rxSum, buf[len(buf)-d.Int:])
		e.RxBytes, e.RxSum, e.Has = uint64(len(cm.received)+d.Int), cm.rxSum, e.Has|conformance.HasRx
	case ev == reference.EvSend && d.Int > 0:
		from := len(cm.queued) - cm.unsent
		cm.txSum = conformance.StreamSum(cm.txSum, cm.queued[from:from+d.Int])
		cm.unsent -= d.Int
		e.TxBytes, e.TxSum, e.Has = uint64(from+d.Int), cm.txSum, e.Has|conformance.HasTx
	}
}

// exit completes the event as the handler returns and checks it.
func (mc *machine) exit(cm *connModel) {
	c, e := cm.c, &mc.ev
	e.RecvAfter, e.SendAfter = int64(c.RecvMbuf.Len()), int64(c.SendMbuf.Len())
	e.FlagsAfter, e.TimerAfter = uint32(c.Flags), c.Timer()
	cm.spare = c.RecvMbuf.Size() - c.RecvMbuf.Len()
	if cm.peer != nil {
		e.Peer, e.Has = int64(cm.peer.c.ID()), e.Has|conformance.HasPeer
	}
	if mc.mutate != nil {
		mc.mutate(e)
	}
	mc.chk.Add(e)
}

func recvLimit(c *reference.Conn) uint64 {
	if c.RecvMbufLimit == math.MaxInt {
		return math.MaxUint64
	}
	return uint64(c.RecvMbufLimit)
}
