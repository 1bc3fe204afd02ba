package conformance

import (
	"bytes"
	"strconv"
)

// Mongoose 6.x flag bits the rules read (mongoose-6.18.md F).
const (
	fListening        uint32 = 1 << 0
	fUDP              uint32 = 1 << 1
	fResolving        uint32 = 1 << 2
	fConnecting       uint32 = 1 << 3
	fSSLDone          uint32 = 1 << 5
	fWantRead         uint32 = 1 << 6
	fWantWrite        uint32 = 1 << 7
	fIsWebsocket      uint32 = 1 << 8
	fRecvAndClose     uint32 = 1 << 9
	fSendAndClose     uint32 = 1 << 10
	fCloseImmediately uint32 = 1 << 11
	fProto1           uint32 = 1 << 12
	fProto2           uint32 = 1 << 13
	fUsers            uint32 = 0x3f << 20

	// fModifiable is what a user handler may change (F3); the core owns
	// every other bit.
	fModifiable = fUsers | fProto1 | fProto2 | fSendAndClose | fCloseImmediately | fIsWebsocket
	fCoreOwned  = ^fModifiable
	// fCoreMoves are core bits the TLS layer may move at any time.
	fCoreMoves = fSSLDone | fWantRead | fWantWrite
)

// connState is what the checker keeps about one open connection.
//
// Its fields are grouped by how often they are used: the first groups
// (up to grammarState) are read or written at almost every call, and kept
// together in as few cache lines as possible, since a trace usually
// visits every other open connection between two calls of one (a poll
// serves them all), so each line the common path touches is likely a
// cache miss (TestConnStateHotFields holds them to three lines). The
// groups after it serve rarer events.
type connState struct {
	id     int64
	m      *mgrState
	mgrID  int64
	events int64
	role   Role
	origin Origin
	udp    bool

	byConnect bool // outbound, made by connect: it gets CONNECT
	closed    bool
	hasLis    bool

	turnState
	afterState
	grammarState

	listener  int64
	firstPoll int64
	faultMark int64 // the fault count at its first event (0: accepted, it may have met one before); CL-2 trusts SEND_AND_CLOSE only without a fault since

	bufState
	listenerState
	streamState
}

// turnState follows the connection through the current poll.
type turnState struct {
	hadTurn     bool // served in an earlier poll (not new since the previous poll)
	stage       uint8
	lastOwn     Ev
	sawPoll     bool
	sawTimer    bool
	sawRecv     bool // outbound UDP: a datagram read in this poll (UDP-3a)
	recvStartOK bool
	timerOK     bool
	rank        int     // orders the list as of the previous poll (compared only within it)
	created     int64   // creation serial (ACCEPT order), 0 when unknown
	createdPoll int64   // poll of its ACCEPT
	pollIdx     int64   // the poll the fields below are about
	turnPoll    int64   // the last poll in which it had a turn
	timerStart  float64 // the timer armed when its turn began
	recvStart   int64   // recv_mbuf.len when the poll began
}

// afterState is what the previous call left (the *_after fields), with
// what the checker needs to judge the next call's entry against it.
type afterState struct {
	recvAfter, sendAfter int64
	timerAfter           float64
	flagsAfter           uint32
	coreFlags            uint32 // core-owned bits at the previous entry
	recvKnown, sendKnown bool
	timerKnown           bool
	afterKnown           bool // flagsAfter is known
	coreKnown            bool
	handlerCI            bool // CLOSE_IMMEDIATELY, set by the connection's own handler, still set
	handlerSAC           bool // the same for SEND_AND_CLOSE
	lastError            bool // the last event was a failed CONNECT or SEND
	udpRecvPrev          bool // the previous event was a RECV (outbound UDP empties after it)
	sumsOK               bool // sumRemoved and sumQueued are complete (BUF-6)
	sumRemoved           int64
	sumQueued            int64
}

type grammarState struct {
	accepted       bool // it has had its ACCEPT
	hadConnect     bool // it has had its CONNECT
	connected      bool
	connectFailed  bool
	connectOrClose bool // an outbound connection has had its first event other than POLL/TIMER
	mustClose      bool // EV-6: a failed CONNECT left CLOSE_IMMEDIATELY set
	everPolled     bool
	resolving      bool // outside the list: the resolver's path (D-CONNECT-6)
}

// bufState holds the rest of the buffer rules' state: BUF-6's totals, and
// the read sizes BUF-8 allows.
type bufState struct {
	bufFailed   bool // a per-call buffer rule failed (BUF-6 does not judge again)
	sumsMissing string
	sumRecv     int64
	sumSend     int64
	initialSend int64
	recvSize    int64 // recv_mbuf's capacity as 6.18 leaves it: trimmed to recv_len at each RECV (A13), never shrunk by removes (A10)
	readChunk   int64 // the read size 6.18's read loop has reached in poll readPoll (mg_do_recv reuses it)
	readPoll    int64
}

// listenerState is kept on listeners: accepts and datagrams per poll.
type listenerState struct {
	acceptPoll int64
	dgPoll     int64
	dgChild    int64
	dgRecv     bool
	children   map[string]int64 // UDP: live children by peer address
	childAddr  string           // on a UDP child: its key in its listener's children
}

type streamState struct {
	peer             int64
	hasPeer          bool
	txBytes, rxBytes uint64
}

// mgrState is what the checker keeps about one manager: its poll, its
// connection list as far as the trace shows it, mg_mgr_free.
type mgrState struct {
	id          int64
	hasPolls    bool
	inPoll      bool
	poll        int64
	freeing     bool
	firstT      float64 // t of the poll's first call
	lowerT      float64 // t of the manager's last call before the poll
	hasLower    bool
	lastT       float64
	hasLast     bool
	lastIdx     int64
	pollData    int64
	hasPollData bool
	conns       []*connState // the list as of the last poll's end
	spare       []*connState // rebuild's other buffer
	pending     []*connState // first seen since then
	turns       []*connState // turn order in the current poll
	curTurn     *connState
	closing     []*connState // closed, not yet released (see retire)
	walk        walk
}

// firstEvent creates the state of a new connection at its first event;
// an event on a closed connection is an EV-1 violation (nil).
func (c *Checker) firstEvent(e *Event) *connState {
	if c.closed.has(e.Conn) {
		c.fail(rEV1, e.Conn, e.Ev.String()+" on connection "+itoa(e.Conn)+" after its CLOSE: nothing comes after CLOSE and ids are never reused")
		return nil
	}
	return c.newConn(e)
}

func (c *Checker) newConn(e *Event) *connState {
	m := c.mgrFor(e)
	cs := c.newConnState()
	*cs = connState{id: e.Conn, m: m, role: e.Role, origin: e.Origin, udp: udpOf(e), mgrID: m.id,
		listener: e.Listener, hasLis: e.Has&HasListener != 0, firstPoll: pollOf(e)}
	cs.recvKnown, cs.sumsOK, cs.faultMark = true, true, c.faults
	if e.Role == RoleInbound {
		// An accepted connection lived in the kernel before its ACCEPT: a
		// fault (a reset) may have hit it while it waited in the backlog.
		cs.faultMark = 0
	}
	c.conns.put(cs)
	c.nconns++
	m.pending = append(m.pending, cs)
	return cs
}

func udpOf(e *Event) bool {
	if e.Has&HasUDP != 0 {
		return e.UDP
	}
	return e.Has&HasFlags != 0 && e.Flags&fUDP != 0
}

func pollOf(e *Event) int64 {
	if e.Has&HasPoll != 0 {
		return e.Poll
	}
	return 0
}

func mgrOf(e *Event) int64 {
	if e.Has&HasMgr != 0 {
		return e.Mgr
	}
	return 0
}

func (c *Checker) mgrFor(e *Event) *mgrState {
	id := mgrOf(e)
	if n := len(c.mgrList); n > 0 && c.mgrList[n-1].id == id {
		return c.mgrList[n-1] // the common case: one manager
	}
	if m, ok := c.mgrs[id]; ok {
		return m
	}
	m := &mgrState{id: id}
	c.mgrs[id] = m
	c.mgrList = append(c.mgrList, m)
	return m
}

// reused: EV-1 failed, a connection is not what it was (an id that
// changes role, udp or manager has been reused).
func (c *Checker) reused(cs *connState, e *Event) {
	c.fail(rEV1, cs.id, "connection "+itoa(cs.id)+" appears as "+describeConn(e.Role, udpOf(e), mgrOf(e))+
		", but it was "+describeConn(cs.role, cs.udp, cs.mgrID)+": a connection id is never reused")
}

func describeConn(r Role, udp bool, mgr int64) string {
	s := r.String()
	if udp {
		s = "udp " + s
	}
	return s + " of manager " + itoa(mgr)
}

// madeByConnect says whether an outbound connection was made by connect
// (and so gets CONNECT), from its origin or, without one, from its flags.
func madeByConnect(cs *connState, e *Event) bool {
	switch {
	case cs.role != RoleOutbound:
		return false
	case cs.origin != OriginUnknown:
		return cs.origin == OriginConnect
	}
	return !(e.Has&HasFlags != 0 && e.Ev != EvConnect && e.Flags&(fConnecting|fResolving) == 0)
}

// remember updates the connection's state after all rules have seen e:
// what its grammar rules need, its flags, its buffers, its timer and the
// running totals BUF-6 compares at CLOSE. It is one flat function because
// it runs on every call.
func (c *Checker) remember(cs *connState, e *Event) {
	switch e.Ev {
	case EvAccept:
		cs.accepted = true
	case EvPoll:
		cs.everPolled, cs.resolving = true, false
	case EvConnect:
		c.rememberConnect(cs, e)
	case EvRecv:
		cs.sumRecv += e.DataInt
	case EvSend:
		cs.sumSend += max(e.DataInt, 0)
	}
	if e.Ev != EvPoll && e.Ev != EvTimer {
		cs.connectOrClose = true
	}
	h := e.Has
	cs.lastError = e.Ev == EvConnect && e.DataInt != 0 || e.Ev == EvSend && e.DataInt < 0
	if h&HasFlags != 0 {
		cs.coreFlags, cs.coreKnown = e.Flags&fCoreOwned, true
	}
	if h&HasFlagsAfter != 0 {
		cs.flagsAfter = e.FlagsAfter
		cs.handlerCI = setByHandler(cs.handlerCI, fCloseImmediately, e, cs.lastError)
		cs.handlerSAC = setByHandler(cs.handlerSAC, fSendAndClose, e, false)
	} else {
		cs.handlerCI, cs.handlerSAC = false, false
	}
	if h&HasRecvAfter != 0 {
		cs.recvAfter = e.RecvAfter
	}
	if h&HasSendAfter != 0 {
		cs.sendAfter = e.SendAfter
	}
	if h&HasTimerAfter != 0 {
		cs.timerAfter = e.TimerAfter
	}
	cs.afterKnown, cs.recvKnown, cs.sendKnown, cs.timerKnown = h&HasFlagsAfter != 0, h&HasRecvAfter != 0, h&HasSendAfter != 0, h&HasTimerAfter != 0
	cs.udpRecvPrev = e.Ev == EvRecv
	if cs.events == 0 { // what was queued before the first call
		cs.initialSend = e.SendLen
		if e.Ev == EvSend {
			cs.initialSend += max(e.DataInt, 0)
		}
	}
	if h&(HasRemoved|HasQueued) != HasRemoved|HasQueued {
		cs.sumsOK, cs.sumsMissing = false, pickStr(h&HasRemoved == 0, "removed", "queued")
	}
	cs.sumRemoved += e.Removed
	cs.sumQueued += e.Queued
	cs.events++
}

func (c *Checker) rememberConnect(cs *connState, e *Event) {
	cs.hadConnect = true
	cs.connected, cs.connectFailed = e.DataInt == 0, e.DataInt != 0
	if cs.connectFailed {
		c.failedConnect(cs, e)
	}
}

func (c *Checker) failedConnect(cs *connState, e *Event) {
	if e.Has&HasFlagsAfter == 0 {
		c.skip(rEV6, "flags_after")
		cs.mustClose = false
		return
	}
	cs.mustClose = e.FlagsAfter&fCloseImmediately != 0
}

// setByHandler says whether bit, set in e's flags_after, was set by a
// handler of the connection (now or, when already set at entry, earlier)
// rather than by the core.
func setByHandler(was bool, bit uint32, e *Event, coreSet bool) bool {
	switch {
	case e.FlagsAfter&bit == 0 || coreSet:
		return false
	case e.Has&HasFlags != 0 && e.Flags&bit != 0:
		return was
	}
	return true
}

func pickStr(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// closeConn drops a closed connection's state, keeping its id.
func (c *Checker) closeConn(cs *connState) {
	cs.closed = true
	c.conns.remove(cs.id)
	c.closed.add(cs.id)
	c.forgetChild(cs)
	c.closeStreams(cs)
	c.retire(cs)
}

// idSet is a set of int64 kept as sorted, disjoint, non-adjacent closed
// intervals: connection ids closed in (roughly) creation order stay one
// interval.
type idSet struct {
	iv []interval
}

type interval struct{ lo, hi int64 }

// find returns the index of the first interval whose hi >= id. Ids close
// in roughly the order they were made, so the last two intervals are
// tried first.
func (s *idSet) find(id int64) int {
	n := len(s.iv)
	switch {
	case n == 0 || s.iv[n-1].hi < id:
		return n
	case n == 1 || s.iv[n-2].hi < id:
		return n - 1
	}
	lo, hi := 0, n-2 // s.iv[n-2].hi >= id
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s.iv[mid].hi >= id {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func (s *idSet) has(id int64) bool {
	i := s.find(id)
	return i < len(s.iv) && s.iv[i].lo <= id
}

func (s *idSet) add(id int64) {
	i := s.find(id)
	if i < len(s.iv) && s.iv[i].lo <= id {
		return
	}
	joinLeft := i > 0 && s.iv[i-1].hi == id-1 && id != minInt64
	joinRight := i < len(s.iv) && s.iv[i].lo == id+1 && id != maxInt64
	switch {
	case joinLeft && joinRight:
		s.iv[i-1].hi = s.iv[i].hi
		s.iv = append(s.iv[:i], s.iv[i+1:]...)
	case joinLeft:
		s.iv[i-1].hi = id
	case joinRight:
		s.iv[i].lo = id
	default:
		s.iv = append(s.iv, interval{})
		copy(s.iv[i+1:], s.iv[i:])
		s.iv[i] = interval{id, id}
	}
}

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ftoa formats a time or timer value for a message as the trace writes it
// (to the nanosecond), without trailing zeros: a live run's message then
// reads as the one for its trace file, and the clock's float sums
// (0.02+0.07 = 0.09000000000000001) do not show.
func ftoa(f float64) string {
	b := appendSeconds(make([]byte, 0, 24), f)
	if bytes.IndexByte(b, '.') < 0 {
		return string(b) // Inf, NaN
	}
	return string(bytes.TrimSuffix(bytes.TrimRight(b, "0"), []byte(".")))
}

func hexFlags(f uint32) string { return "0x" + strconv.FormatUint(uint64(f), 16) }
