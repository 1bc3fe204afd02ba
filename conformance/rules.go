package conformance

import (
	"fmt"
	"strconv"
)

// Level says who a rule binds: every implementation of the event model
// (core), Mongoose 6.18 and implementations that copy it (m618), or only
// the strict reading of the seed text (textbook).
type Level uint8

// Rule levels.
const (
	LevelCore     Level = iota // what the event model promises to every handler
	LevelM618                  // what Mongoose 6.18 does beyond that
	LevelTextbook              // the seed text's stricter order (outbound: CONNECT first)
)

var levelNames = [...]string{"core", "m618", "textbook"}

// String returns "core", "m618" or "textbook".
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "unknown(" + strconv.Itoa(int(l)) + ")"
}

// Profile is a set of rule levels the checker holds a trace to.
type Profile uint8

// Profiles. The zero value is the core profile.
const (
	ProfileCore     Profile = iota // "core": the core rules only
	ProfileM618                    // "mongoose-6.18": core and m618 rules
	ProfileTextbook                // "textbook": core rules, and outbound connections get CONNECT (or CLOSE) before any POLL or TIMER
)

var profileNames = [...]string{"core", "mongoose-6.18", "textbook"}

// String returns the profile's name as [ParseProfile] takes it.
func (p Profile) String() string {
	if int(p) < len(profileNames) {
		return profileNames[p]
	}
	return "unknown(" + strconv.Itoa(int(p)) + ")"
}

// ParseProfile returns the profile with the given name: "core",
// "mongoose-6.18" or "textbook".
func ParseProfile(s string) (Profile, error) {
	for i, n := range profileNames {
		if n == s {
			return Profile(i), nil
		}
	}
	return ProfileCore, fmt.Errorf("unknown profile %q (want core, mongoose-6.18 or textbook)", s)
}

// Includes reports whether the profile holds traces to rules of level l.
func (p Profile) Includes(l Level) bool {
	switch l {
	case LevelCore:
		return true
	case LevelM618:
		return p == ProfileM618
	case LevelTextbook:
		return p == ProfileTextbook
	}
	return false
}

// Rule is one rule of the catalogue (spec/semantics.md), as the checker
// applies it.
type Rule struct {
	ID    string   // stable id, e.g. "BUF-3"; refinements add a letter ("EV-9a")
	Level Level    // who the rule binds
	Text  string   // the rule
	Looks string   // what the checker looks at to decide it, and what it cannot see
	Needs []string // optional trace fields it needs; without them it is "not evaluated"
}

// Rules returns every rule the checker knows, in catalogue order (TR, EV,
// BUF, CL, TM, UDP; a refinement right after the rule it refines).
func Rules() []Rule {
	out := make([]Rule, numRules)
	copy(out, catalogue[:])
	return out
}

// LookupRule returns the rule with the given id.
func LookupRule(id string) (Rule, bool) {
	for _, r := range catalogue {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// ruleID indexes the catalogue; the checker counts per index.
type ruleID uint8

const (
	rTR1 ruleID = iota
	rTR2
	rTR3
	rTR4
	rEV1
	rEV2
	rEV3
	rEV3a
	rEV4
	rEV5
	rEV6
	rEV7
	rEV8
	rEV9
	rEV9a
	rEV10
	rBUF1
	rBUF2
	rBUF2a
	rBUF3
	rBUF4
	rBUF5
	rBUF6
	rBUF7
	rBUF8
	rBUF9
	rCL1
	rCL2
	rCL3
	rCL3a
	rCL4
	rCL5
	rCL6
	rTM1
	rTM2
	rTM2a
	rTM3
	rTM4
	rTM5
	rUDP1
	rUDP2
	rUDP3
	rUDP3a
	numRules
)

// pollRules need the poll field; a trace without it leaves them not
// evaluated.
var pollRules = [...]ruleID{rTR4, rEV7, rEV8, rEV9, rEV9a, rEV10, rCL4, rCL5, rCL6, rTM3, rTM5, rUDP3a}

var catalogue = [numRules]Rule{
	rTR1: {ID: "TR-1", Level: LevelCore,
		Text:  "every line is a JSON object with the required fields of trace.md, of the right types",
		Looks: "each line that is not blank or a # comment: JSON syntax, the required fields (seq, t, conn, role, ev, recv_len, send_len, and data for every core event but CLOSE, which has none), and the type of every field the trace contract names; a line over 1 MiB"},
	rTR2: {ID: "TR-2", Level: LevelCore,
		Text:  "seq strictly increases",
		Looks: "seq of every line, fault lines included"},
	rTR3: {ID: "TR-3", Level: LevelCore,
		Text:  "t never decreases; poll never decreases",
		Looks: "t of every line; poll of every event, counted per manager (mgr)"},
	rTR4: {ID: "TR-4", Level: LevelM618,
		Text:  "all handler calls inside one poll see the same time: now is read once per poll (B7)",
		Looks: "t is the time of the call, not of the poll, so: every POLL of a poll carries the same data, which lies between floor(t) of the manager's last call before the poll and floor(t) of the poll's first call (1 µs slack for printed times); with clock=poll every call of a poll has the same t and POLL data is floor(t)",
		Needs: []string{"poll"}},

	rEV1: {ID: "EV-1", Level: LevelCore,
		Text:  "every connection gets exactly one CLOSE, and nothing after it; a connection id is never reused (D-CLOSE-1). A trace that ends with connections still open is allowed, but they are reported as open",
		Looks: "any event on an id that has had its CLOSE (closed ids are kept as a set of intervals); a connection's role, udp and mgr never change"},
	rEV2: {ID: "EV-2", Level: LevelCore,
		Text:  "an inbound connection's first event is ACCEPT, and it gets exactly one; only inbound connections get ACCEPT (D-FIRST-1)",
		Looks: "the first core event of each inbound connection, and every ACCEPT"},
	rEV3: {ID: "EV-3", Level: LevelCore,
		Text:  "an outbound connection's first event other than POLL and TIMER is CONNECT or CLOSE; it gets at most one CONNECT; only connections made by connect get CONNECT (D-FIRST-2, D-FIRST-4)",
		Looks: "outbound connections made by connect: origin connect, or no origin and not shown to be an add_sock connection by flags lacking CONNECTING and RESOLVING at a first event other than CONNECT"},
	rEV3a: {ID: "EV-3a", Level: LevelTextbook,
		Text:  "an outbound connection made by connect gets CONNECT (or CLOSE) before any POLL or TIMER: the seed text's order, which Mongoose 6.18 does not follow",
		Looks: "POLL and TIMER of outbound connections made by connect before their CONNECT or CLOSE"},
	rEV4: {ID: "EV-4", Level: LevelCore,
		Text:  "a listener gets only POLL, TIMER and CLOSE among core events; ACCEPT goes to the new connection (D-ACCEPT-1, D-FIRST-4)",
		Looks: "every core event of a listener"},
	rEV5: {ID: "EV-5", Level: LevelCore,
		Text:  "no RECV before the connection is established (ACCEPT for inbound, CONNECT with 0 for outbound), and none after a failed CONNECT",
		Looks: "every RECV of an inbound connection or of an outbound connection made by connect"},
	rEV6: {ID: "EV-6", Level: LevelCore,
		Text:  "after a CONNECT with a non-zero result no SEND carries a positive count, and the connection's next event other than POLL and TIMER is CLOSE, unless its handler cleared CLOSE_IMMEDIATELY (D-CONNECT-3, D-CONNECT-5, F4)",
		Looks: "the events after a failed CONNECT; whether the handler cleared CLOSE_IMMEDIATELY is read from the CONNECT's flags_after",
		Needs: []string{"flags_after"}},
	rEV7: {ID: "EV-7", Level: LevelCore,
		Text:  "a connection gets at most one POLL in one poll, and every connection that existed when a poll began and is not closed in it gets POLL in that poll (D-POLL-1)",
		Looks: "POLLs per connection and poll; POLL only inside a poll; every connection known before a poll began gets POLL or CLOSE in it, and a poll index that skips polls while connections are open means they missed POLL. The last poll of a trace that stops without mg_mgr_free may be cut short and is not held to completeness",
		Needs: []string{"poll"}},
	rEV8: {ID: "EV-8", Level: LevelM618,
		Text:  "inside one poll, one connection's events are CLOSE alone, or TIMER? POLL CONNECT? RECV* SEND? in that order (B9)",
		Looks: "the order of a connection's own events in each poll (a misplaced TIMER is TM-5's, a second SEND BUF-8's, a second POLL EV-7's); ACCEPT and a UDP child's RECV belong to the listener's turn; the resolver's failure path (CONNECT -1 then CLOSE for a connection never polled, D-CONNECT-6) is allowed",
		Needs: []string{"poll"}},
	rEV9: {ID: "EV-9", Level: LevelM618,
		Text:  "in each poll, connections are served newest first; connections created during a poll get no events in it other than ACCEPT (and, for a UDP child, its first RECV) (B1, B9)",
		Looks: "the list order, learned from the trace: a connection's own events in a poll form one turn; connections alive from one poll to the next keep their relative order; connections new since the previous poll come first, newest first where their creation order is known (ACCEPT order); a connection ACCEPTed in a poll has no turn in it",
		Needs: []string{"poll"}},
	rEV9a: {ID: "EV-9a", Level: LevelM618,
		Text:  "ACCEPT, and a UDP child's RECV, come in the listener's own turn, after its POLL: the listener's read stage creates them (B9 step 3, D-ACCEPT-2, G2)",
		Looks: "the turn in progress at each ACCEPT and each RECV of a UDP child",
		Needs: []string{"poll", "listener"}},
	rEV10: {ID: "EV-10", Level: LevelM618,
		Text:  "a TCP listener accepts at most one connection per poll (D-ACCEPT-2)",
		Looks: "ACCEPTs per TCP listener and poll",
		Needs: []string{"poll", "listener"}},

	rBUF1: {ID: "BUF-1", Level: LevelCore,
		Text:  "on TCP, RECV's count is positive and equals the growth of recv_mbuf since the connection's previous handler returned: recv_len = prev.recv_after + data (D-RECV-3, D-RECV-4)",
		Looks: "every TCP RECV; a connection starts with an empty recv_mbuf",
		Needs: []string{"recv_after"}},
	rBUF2: {ID: "BUF-2", Level: LevelCore,
		Text:  "on TCP, between two handler calls of one connection, recv_mbuf changes only by RECV: for any other event recv_len = prev.recv_after",
		Looks: "every TCP event other than RECV; a connection starts with an empty recv_mbuf",
		Needs: []string{"recv_after"}},
	rBUF2a: {ID: "BUF-2a", Level: LevelCore,
		Text:  "within a call recv_mbuf shrinks by exactly what the handler removed: recv_after = recv_len - removed (an mbuf_remove of more than len removes nothing, A10)",
		Looks: "every event that records recv_after and removed",
		Needs: []string{"recv_after", "removed"}},
	rBUF3: {ID: "BUF-3", Level: LevelCore,
		Text:  "a positive SEND count equals the bytes taken from the front of send_mbuf: send_len = prev.send_after - data; a failed write (negative count) takes nothing (D-SEND-3, D-SEND-4)",
		Looks: "every SEND after the connection's first event",
		Needs: []string{"send_after"}},
	rBUF4: {ID: "BUF-4", Level: LevelCore,
		Text:  "output functions do no IO: between two handler calls send_mbuf changes only by SEND; within a call it grows by exactly what the handler queued: send_after = send_len + queued (D-SEND-1)",
		Looks: "send_len of every event other than SEND against the previous handler's send_after (a connection's first event may find data queued before it); send_after against send_len + queued. Assumes no handler queues on another connection",
		Needs: []string{"send_after", "queued"}},
	rBUF5: {ID: "BUF-5", Level: LevelCore,
		Text:  "recv_mbuf never holds more than the receive limit (D-RECV-5)",
		Looks: "recv_len against recv_limit at each RECV: a read stops at the limit. Between reads a handler may lower the limit below what is buffered, so other events are not judged",
		Needs: []string{"recv_limit"}},
	rBUF6: {ID: "BUF-6", Level: LevelCore,
		Text:  "on TCP, no data is lost or made up: over a connection's life, the RECV counts add up to what its handlers removed plus recv_len at CLOSE, and the positive SEND counts to what was queued (plus send_len at its first event) minus send_len at CLOSE (J)",
		Looks: "at each TCP CLOSE, for connections whose every core event records removed and queued; a connection on which a per-call buffer rule (BUF-1, BUF-2, BUF-2a, BUF-3, BUF-4) already failed is not judged again",
		Needs: []string{"removed", "queued"}},
	rBUF7: {ID: "BUF-7", Level: LevelCore,
		Text:  "where both ends of a stream are in the trace (peer, digests), the bytes one end sent are the bytes the other received, in order, none twice",
		Looks: "TCP only: tx_bytes advances by each positive SEND and rx_bytes by each RECV; a receiver never has more bytes than its peer has sent; where a receiver's count equals a count the sender recorded, the digests (tx_sum, rx_sum) agree",
		Needs: []string{"peer", "tx_bytes", "tx_sum", "rx_bytes", "rx_sum"}},
	rBUF8: {ID: "BUF-8", Level: LevelM618,
		Text:  "a TCP read or write moves at most 1460 bytes; at most one write per connection per poll (D-RECV-2, D-SEND-2); a write that moved nothing gives no SEND (D-SEND-3)",
		Looks: "TCP RECV and SEND counts against TCPIOSize; SENDs per connection and poll; SEND with count 0"},
	rBUF9: {ID: "BUF-9", Level: LevelM618,
		Text:  "a connection at its receive limit is not read, and is not closed for being full (D-RECV-5)",
		Looks: "no TCP RECV when recv_mbuf was at the limit as the poll began (the select sets are built before any handler runs) or before that read. Whether a close was caused by a full buffer cannot be told from a trace (another connection's handler may have closed it)",
		Needs: []string{"recv_limit"}},

	rCL1: {ID: "CL-1", Level: LevelCore,
		Text:  "once a handler returns with CLOSE_IMMEDIATELY set, the connection gets no more RECV and no positive SEND; it gets CLOSE (D-SEND-5, D-CLOSE-3)",
		Looks: "RECV and positive SEND after a handler's flags_after had CLOSE_IMMEDIATELY (until a later handler clears it, F4); that CLOSE comes is CL-4's (a trace may stop before it)",
		Needs: []string{"flags_after"}},
	rCL2: {ID: "CL-2", Level: LevelCore,
		Text:  "a connection that closes because of SEND_AND_CLOSE (without CLOSE_IMMEDIATELY) has an empty send_mbuf at CLOSE: queued data is sent first (D-SEND-6)",
		Looks: "a CLOSE inside a poll whose connection's last handler left SEND_AND_CLOSE set and CLOSE_IMMEDIATELY clear, after no failed CONNECT or SEND, and with no fault line since the connection appeared (a fault can cause a silent read error, D-RECV-7). mg_mgr_free's closes (no poll) are not judged",
		Needs: []string{"flags_after", "poll"}},
	rCL3: {ID: "CL-3", Level: LevelCore,
		Text:  "a handler cannot change the flags the core owns (LISTENING, UDP, RESOLVING, CONNECTING, SSL bits, WANT_*, RECV_AND_CLOSE); it can set and clear USER_1..6, PROTO_1/2, IS_WEBSOCKET, SEND_AND_CLOSE and CLOSE_IMMEDIATELY (F3)",
		Looks: "the core-owned bits (all but F3's modifiable set) at each entry equal those at the connection's previous entry: a handler's attempt may show in flags_after, the core undoes it. The core's own changes are allowed: CONNECTING is cleared when CONNECT is delivered and never otherwise, RESOLVING gives way to CONNECTING, SSL_HANDSHAKE_DONE and WANT_* move with TLS, RECV_AND_CLOSE may be set. LISTENING matches role listener, UDP matches udp",
		Needs: []string{"flags"}},
	rCL3a: {ID: "CL-3a", Level: LevelCore,
		Text:  "the core keeps what a handler leaves in the flags it may change (F3, F4): it only sets CLOSE_IMMEDIATELY (an IO error, a failed CONNECT, a close) and SEND_AND_CLOSE (EOF)",
		Looks: "two calls of one connection with no other handler call between them (adjacent lines of one poll): the modifiable bits at the second entry are those the first handler left, plus possibly CLOSE_IMMEDIATELY and SEND_AND_CLOSE. Across other handlers' calls nothing is judged: any handler may change another connection's flags",
		Needs: []string{"flags", "flags_after", "poll"}},
	rCL4: {ID: "CL-4", Level: LevelM618,
		Text:  "CLOSE_IMMEDIATELY set by a handler closes the connection at the start of its turn in the next poll; SEND_AND_CLOSE with an empty buffer likewise (B9, D-SEND-6)",
		Looks: "a turn that begins with TIMER or POLL while the entry flags hold CLOSE_IMMEDIATELY, or SEND_AND_CLOSE with send_len 0, that a handler of the connection set; every CLOSE's flags hold CLOSE_IMMEDIATELY (D-CLOSE-2)",
		Needs: []string{"flags", "poll"}},
	rCL5: {ID: "CL-5", Level: LevelM618,
		Text:  "a failed CONNECT is followed by CLOSE in the next poll; a peer's EOF gives no event and sets SEND_AND_CLOSE; a read or write error closes in the next poll (D-CONNECT-5, D-RECV-6, D-RECV-7, D-SEND-4)",
		Looks: "a failed CONNECT arrives with CLOSE_IMMEDIATELY already set (D-CONNECT-3; not resolve_cb's CONNECT(-1)); then as CL-4, for the flags the core set: CLOSE_IMMEDIATELY after a failed CONNECT or SEND, or found at entry without the connection's handler having set it (read error); SEND_AND_CLOSE found at entry without its handler having set it (EOF)",
		Needs: []string{"flags", "poll"}},
	rCL6: {ID: "CL-6", Level: LevelM618,
		Text:  "freeing the manager runs one last poll, then closes every remaining connection, listeners included, newest first (B11)",
		Looks: "a CLOSE without poll in a manager that had polls starts mg_mgr_free: after it that manager has only such CLOSEs, in list order (as EV-9), and none of its connections stays open; no other handler call happens outside a poll",
		Needs: []string{"poll"}},

	rTM1: {ID: "TM-1", Level: LevelCore,
		Text:  "TIMER never fires early: its value (data, the scheduled time) is at most the time of the call (D-TIMER-2)",
		Looks: "TIMER data against t, and against t of the poll's first call (the poll's clock is read before any call)"},
	rTM2: {ID: "TM-2", Level: LevelCore,
		Text:  "TIMER fires once per arming: the timer is disarmed when the handler is entered (timer is 0) and fires again only if re-armed; a handler may re-arm it (D-TIMER-3)",
		Looks: "timer at TIMER's entry is 0; TIMER data equals the timer the connection's previous handler left (timer_after)",
		Needs: []string{"timer", "timer_after"}},
	rTM2a: {ID: "TM-2a", Level: LevelCore,
		Text:  "between two handler calls a connection's timer changes only by firing: the timer at entry is the one the previous handler left (D-TIMER-1, D-TIMER-3)",
		Looks: "timer at every entry but TIMER's against the previous handler's timer_after. Assumes no handler sets another connection's timer",
		Needs: []string{"timer", "timer_after"}},
	rTM3: {ID: "TM-3", Level: LevelCore,
		Text:  "an armed timer is not lost: once the time passes it, it fires in the next poll the connection takes part in, unless the connection closes first (D-TIMER-2)",
		Looks: "a connection that takes part in a poll (other than by closing) with a timer armed at or below the poll's clock gets TIMER in it. The clock is bounded below by t of the manager's last call before the poll (less 1 µs for printing) and by POLL data; with clock=poll it is the poll's t",
		Needs: []string{"poll", "timer"}},
	rTM4: {ID: "TM-4", Level: LevelCore,
		Text:  "setting a timer returns the previous value, 0 when none was armed; 0 or less disarms (D-TIMER-1)",
		Looks: "the return value of mg_set_timer is not in traces; checked: TIMER data is positive, and no TIMER fires while the timer left by the previous handler is 0 or less",
		Needs: []string{"timer_after"}},
	rTM5: {ID: "TM-5", Level: LevelM618,
		Text:  "a timer re-armed into the past from its own handler fires in the next poll, not the same one; TIMER comes before POLL in a poll (D-TIMER-4, D-POLL-2)",
		Looks: "at most one TIMER per connection and poll, and it is the first event of the connection's turn",
		Needs: []string{"poll"}},

	rUDP1: {ID: "UDP-1", Level: LevelCore,
		Text:  "a datagram keeps its boundaries: one RECV per datagram, never merged with another, never split; RECV's count is the datagram's size and recv_mbuf grew by it (an outbound UDP connection whose buffer is emptied after each RECV, as in UDP-3, starts each RECV from empty)",
		Looks: "UDP children: recv_len = prev.recv_after + data at RECV and prev.recv_after otherwise; outbound UDP: that, or recv_len = data at RECV and 0 at the next event; RECV's count is positive. That a datagram was not merged or split needs the sender's side, which the trace does not pair for UDP",
		Needs: []string{"recv_after"}},
	rUDP2: {ID: "UDP-2", Level: LevelCore,
		Text:  "a datagram from a new peer on a listening UDP connection creates a new connection that gets ACCEPT, then RECV; later datagrams from that peer go to it while it lives (G2, G3)",
		Looks: "no two live children of one UDP listener have the same peer address (ACCEPT data). A child's first event is ACCEPT (EV-2); a zero-length datagram gives ACCEPT without RECV (G8)",
		Needs: []string{"listener"}},
	rUDP3: {ID: "UDP-3", Level: LevelM618,
		Text:  "the new connection starts with UDP and SEND_AND_CLOSE set; all of send_mbuf goes out as one datagram per poll; datagrams over 1460 bytes are cut; an outbound UDP connection's recv_mbuf is emptied after each RECV (G2, G5, G6, G7)",
		Looks: "a UDP child's flags at ACCEPT are exactly UDP|SEND_AND_CLOSE; send_len is 0 at a positive UDP SEND; UDP RECV counts against UDPIOSize; an outbound UDP RECV has recv_len = data and the next event recv_len 0",
		Needs: []string{"flags"}},
	rUDP3a: {ID: "UDP-3a", Level: LevelM618,
		Text:  "a UDP socket reads one datagram per poll: at most one RECV per poll on an outbound UDP connection, and one datagram (a child's ACCEPT and/or RECV) per poll for a UDP listener (G1, B9)",
		Looks: "RECVs per outbound UDP connection and poll; datagram events per UDP listener and poll",
		Needs: []string{"poll"}},
}
