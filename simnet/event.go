package simnet

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/mgsim/mgsim/sim"
)

// Event kinds reported to observers (see [Network.Observe]).
//
// Packet kinds are reported when the packet reaches its destination address
// (or would have, for a host that does not exist): From is the sender's
// endpoint, To the destination, Len the payload length. The other kinds
// report a change of state or a loss.
const (
	KindSYN      = "syn"      // a connection request arrived
	KindSYNACK   = "synack"   // the answer to a SYN arrived
	KindACK      = "ack"      // an acknowledgement (of the handshake, data or a FIN) arrived
	KindWindow   = "window"   // a window update (the receiver read data) arrived
	KindSegment  = "segment"  // a TCP data segment arrived; Len is its size
	KindFIN      = "fin"      // an orderly close arrived
	KindRST      = "rst"      // a reset arrived
	KindDatagram = "datagram" // a UDP datagram arrived; Len is its size

	KindDrop        = "drop"        // the packet just reported was discarded (no host, host down, no socket, backlog or queue full)
	KindEstablished = "established" // an endpoint (From) is connected to To: the client at SYN-ACK, the server at the ACK
	KindRefused     = "refused"     // a connect from From to To failed with ECONNREFUSED
	KindTimeout     = "timeout"     // a connect from From to To failed with ETIMEDOUT, or the connection's user timeout expired there
	KindLookup      = "lookup"      // a name lookup was answered; Detail is "host name answer"
)

// The kinds of fault events (KindFault* and the fault operations'
// "fault:partition", "fault:crash", ...) start with this prefix.
const FaultPrefix = "fault:"

// Event is one thing that happened in the network, as reported to the
// functions given to [Network.Observe].
type Event struct {
	At       sim.Time       // virtual time of the event
	Kind     string         // one of the Kind constants
	From, To netip.AddrPort // the endpoints involved (see the Kind constants); zero for events of no packet
	Len      int            // payload bytes, for packets
	Detail   string         // more about the event: a fault's operands, a dropped packet's kind, a lookup's answer
}

// IsFault reports whether the event is a fault (its Kind starts with
// [FaultPrefix]).
func (e Event) IsFault() bool { return strings.HasPrefix(e.Kind, FaultPrefix) }

// String returns a stable one-line form: time, kind, from>to and length
// (when the event has endpoints; a missing one is "-"), then the detail,
// as in "0.010000000s segment 10.0.0.1:40000>10.0.0.2:80 len=1460",
// "0.020000000s fault:drop 10.0.0.1:40000>10.0.0.2:80 len=100 segment" or
// "1.500000000s fault:partition 10.0.0.1 10.0.0.2".
func (e Event) String() string {
	b := make([]byte, 0, 80)
	b = append(b, e.At.String()...)
	b = append(b, ' ')
	b = append(b, e.Kind...)
	if e.From.IsValid() || e.To.IsValid() {
		b = append(b, ' ')
		b = appendEndpoint(b, e.From)
		b = append(b, '>')
		b = appendEndpoint(b, e.To)
		b = append(b, " len="...)
		b = strconv.AppendInt(b, int64(e.Len), 10)
	}
	if e.Detail != "" {
		b = append(b, ' ')
		b = append(b, e.Detail...)
	}
	return string(b)
}

func appendEndpoint(b []byte, a netip.AddrPort) []byte {
	if !a.IsValid() {
		return append(b, '-')
	}
	return a.AppendTo(b)
}

// Observe registers fn to be called for every network event, synchronously
// and in the order the events happen; several observers are called in the
// order they were registered. With no observer, events cost nothing.
func (n *Network) Observe(fn func(Event)) {
	if fn != nil {
		n.observers = append(n.observers, fn)
	}
}

// emit reports an event to the observers, if any.
func (n *Network) emit(kind string, from, to netip.AddrPort, length int) {
	if len(n.observers) == 0 {
		return
	}
	n.emitEvent(Event{At: n.w.Now(), Kind: kind, From: from, To: to, Len: length})
}

// emitEvent reports e to the observers.
func (n *Network) emitEvent(e Event) {
	for _, fn := range n.observers {
		fn(e)
	}
}
