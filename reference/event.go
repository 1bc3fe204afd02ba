package reference

import (
	"fmt"
	"net/netip"
)

// Event is a core event number (MG_EV_*).
type Event int

// The core events, with Mongoose 6.x numbers (C2).
const (
	EvPoll    Event = 0 // every connection, every poll; data.Int is now in whole seconds
	EvAccept  Event = 1 // to the new connection; data.Addr is its peer
	EvConnect Event = 2 // data.Int is 0 or a Linux errno
	EvRecv    Event = 3 // data.Int is the bytes added by this read
	EvSend    Event = 4 // data.Int is the bytes written (negative on a write error)
	EvClose   Event = 5 // exactly once, last
	EvTimer   Event = 6 // data.Time is the scheduled time that fired
)

var eventNames = [...]string{"POLL", "ACCEPT", "CONNECT", "RECV", "SEND", "CLOSE", "TIMER"}

// String is the event's name without the MG_EV_ prefix ("POLL"), or
// "unknown(%d)".
func (e Event) String() string {
	if e >= 0 && int(e) < len(eventNames) {
		return eventNames[e]
	}
	return fmt.Sprintf("unknown(%d)", int(e))
}

// EventData is what ev_data points to (C2). Only the field that belongs to
// the event is set.
type EventData struct {
	Int  int            // CONNECT: 0 or Linux errno; RECV/SEND: bytes (SEND may be negative on a write error, D-SEND-4); POLL: time_t
	Time float64        // TIMER: the scheduled time that fired
	Addr netip.AddrPort // ACCEPT: the new connection's peer address (its sa)
}

// Handler is an event handler: mg_event_handler_t.
type Handler func(c *Conn, ev Event, data EventData)

// Origin says how a connection was made.
type Origin int

// The ways a connection comes to be.
const (
	OriginBind     Origin = iota + 1 // Manager.Bind: a listener
	OriginConnect                    // Manager.Connect: outbound
	OriginAccept                     // accepted by a TCP listener
	OriginUDPChild                   // made by a UDP listener for a new peer
	OriginAddSock                    // Manager.AddSock: socket-less
)

var originNames = [...]string{"", "bind", "connect", "accept", "udp_child", "add_sock"}

// String is the trace's name for the origin ("bind", "udp_child", ...), or
// "unknown(%d)".
func (o Origin) String() string {
	if o > 0 && int(o) < len(originNames) {
		return originNames[o]
	}
	return fmt.Sprintf("unknown(%d)", int(o))
}
