package conformance

import (
	"hash/crc64"
	"strconv"
)

// Ev is an event kind. The core events have Mongoose 6.x's numbers
// (MG_EV_POLL is 0, MG_EV_ACCEPT 1, ...); [EvOther] stands for any other name
// (a protocol event: kept in order, outside the core rules) and [EvFault]
// for a line that records a fault of the simulated network rather than a
// handler call.
type Ev uint8

// The core events, with Mongoose 6.x's values.
const (
	EvPoll    Ev = 0
	EvAccept  Ev = 1
	EvConnect Ev = 2
	EvRecv    Ev = 3
	EvSend    Ev = 4
	EvClose   Ev = 5
	EvTimer   Ev = 6
	EvOther   Ev = 100 // a protocol event; its name is in Event.Name
	EvFault   Ev = 101 // a fault line (no handler call); see Event.Fault
)

var evNames = [...]string{"POLL", "ACCEPT", "CONNECT", "RECV", "SEND", "CLOSE", "TIMER"}

// String returns the name used in traces ("POLL", "ACCEPT", ...).
func (e Ev) String() string {
	switch {
	case int(e) < len(evNames):
		return evNames[e]
	case e == EvOther:
		return "OTHER"
	case e == EvFault:
		return "FAULT"
	}
	return "unknown(" + strconv.Itoa(int(e)) + ")"
}

// ParseEv returns the kind for a trace name; any name that is not a core
// event is [EvOther].
func ParseEv(name string) Ev {
	for i, n := range evNames {
		if n == name {
			return Ev(i)
		}
	}
	return EvOther
}

// Role says how a connection relates to the manager: it listens, was
// accepted by a listener, or was made by connect (or add_sock).
type Role uint8

// Roles, as written in traces.
const (
	RoleUnknown Role = iota
	RoleListener
	RoleInbound
	RoleOutbound
)

var roleNames = [...]string{"", "listener", "inbound", "outbound"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "unknown(" + strconv.Itoa(int(r)) + ")"
}

// ParseRole returns the role for its trace name, and false if the name is
// not one.
func ParseRole(s string) (Role, bool) {
	for i := 1; i < len(roleNames); i++ {
		if roleNames[i] == s {
			return Role(i), true
		}
	}
	return RoleUnknown, false
}

// Origin says how a connection was made.
type Origin uint8

// Origins, as written in traces.
const (
	OriginUnknown Origin = iota
	OriginBind
	OriginConnect
	OriginAccept
	OriginUDPChild
	OriginAddSock
)

var originNames = [...]string{"", "bind", "connect", "accept", "udp_child", "add_sock"}

func (o Origin) String() string {
	if int(o) < len(originNames) {
		return originNames[o]
	}
	return "unknown(" + strconv.Itoa(int(o)) + ")"
}

// ParseOrigin returns the origin for its trace name, and false if the name
// is not one.
func ParseOrigin(s string) (Origin, bool) {
	for i := 1; i < len(originNames); i++ {
		if originNames[i] == s {
			return Origin(i), true
		}
	}
	return OriginUnknown, false
}

// DataKind says which of an event's data fields holds ev_data.
type DataKind uint8

// Data kinds.
const (
	DataNone   DataKind = iota // CLOSE, or absent
	DataInt                    // CONNECT result, RECV/SEND count, POLL time_t
	DataFloat                  // TIMER scheduled time (seconds)
	DataString                 // ACCEPT peer address "ip:port"
)

// Has is a set of optional fields present on an [Event]. A rule that needs
// a field absent from an event is "not evaluated" for it, never passed.
type Has uint32

// Optional fields. The names in comments are the trace field names.
const (
	HasUDP        Has = 1 << iota // udp
	HasRecvAfter                  // recv_after
	HasSendAfter                  // send_after
	HasFlags                      // flags
	HasFlagsAfter                 // flags_after
	HasQueued                     // queued
	HasRemoved                    // removed
	HasTimer                      // timer
	HasTimerAfter                 // timer_after
	HasRecvLimit                  // recv_limit
	HasListener                   // listener
	HasPeer                       // peer
	HasPoll                       // poll
	HasOrigin                     // origin
	HasMgr                        // mgr (extension: manager index when a trace holds several)
	HasTx                         // tx_bytes, tx_sum (extension: stream position and digest after a SEND)
	HasRx                         // rx_bytes, rx_sum (extension: stream position and digest after a RECV)
)

// Event is one line of a trace: one call into a user event handler (or, for
// [EvFault], one fault of the simulated network). Its fields follow the
// trace contract (spec/trace.md); optional ones are meaningful only when
// their bit is set in Has.
//
// Extensions written by mgsim's own harness, ignored by other readers:
//
//   - mgr: the manager the connection belongs to, when a world runs several
//     (poll indices count per manager);
//   - tx_bytes/tx_sum on SEND and rx_bytes/rx_sum on RECV: how many bytes of
//     the stream have gone out (come in) after this event, and a digest of
//     all of them (see [StreamSum]), so that bytes out equal bytes in can be
//     checked from the trace alone (rule BUF-7);
//   - fault lines: {"seq","t","fault":kind,"detail":text} in place of a
//     handler call.
type Event struct {
	Line int // line number in the source file; 0 for events from a live run

	Seq  int64
	T    float64 // seconds
	Conn int64
	Role Role
	UDP  bool
	Ev   Ev
	Name string // the event name as written (needed for EvOther)

	DataKind  DataKind
	DataInt   int64   // DataInt
	DataFloat float64 // DataFloat (and DataInt converted, for convenience)
	DataStr   string  // DataString

	RecvLen    int64
	SendLen    int64
	RecvAfter  int64
	SendAfter  int64
	Flags      uint32
	FlagsAfter uint32
	Queued     int64
	Removed    int64
	Timer      float64
	TimerAfter float64
	RecvLimit  uint64
	Listener   int64
	Peer       int64
	Poll       int64
	Origin     Origin
	Mgr        int64
	TxBytes    uint64
	TxSum      uint64
	RxBytes    uint64
	RxSum      uint64

	Fault  string // EvFault: the fault kind ("partition", "reset", ...)
	Detail string // EvFault: a stable one-line description

	Has Has
}

// StreamSum folds bytes into a running stream digest (CRC-64, ECMA
// polynomial). The digest of a stream prefix is StreamSum(StreamSumInit,
// prefix); since it is a running fold, it can be continued chunk by chunk,
// whatever the chunking.
func StreamSum(h uint64, p []byte) uint64 { return crc64.Update(h, crcTable, p) }

// StreamSumInit is the digest of the empty stream.
const StreamSumInit uint64 = 0

var crcTable = crc64.MakeTable(crc64.ECMA)
