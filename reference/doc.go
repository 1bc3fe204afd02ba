// Package reference is a poll core with the semantics of Cesanta Mongoose
// 6.18, written in Go: the executable form of the behavioural rules in
// mgsim's spec (mongoose-6.18.md, whose section ids such as B9 or
// D-CONNECT-4 the code cites). Its event traces are meant to read like
// ones recorded from the real library.
//
// It is a pure core. It imports only the standard library, starts no
// goroutine, and never reads a clock or touches a socket itself: a
// [Manager] does all its IO, and learns the time, through the small
// [Sockets] interface it is given (a simulated network in tests and
// simulations; simnet's Host satisfies it).
//
// # The model
//
// A [Manager] (mg_mgr) holds a list of connections ([Conn], mg_connection),
// newest first (B1): listeners from [Manager.Bind], outbound connections
// from [Manager.Connect], accepted connections and UDP "children" made by
// listeners, and socket-less connections from [Manager.AddSock]. Each has
// a [Handler] that receives core events ([Event]): POLL, ACCEPT, CONNECT,
// RECV, SEND, CLOSE and TIMER, with the event's value in an [EventData].
//
// Handlers never do IO. [Conn.Send] only appends to the connection's send
// buffer ([Mbuf]); received data waits in its receive buffer until the
// handler removes it. All IO happens in [Manager.Poll].
//
// # One poll
//
// [Manager.Poll] (mg_mgr_poll) does, in order:
//
//  1. Build the poll set before any handler runs (B5): read interest for
//     every socket below its receive limit (not for UDP children, which
//     share their listener's socket); write interest for sockets that are
//     connecting, or that have queued output and are not connecting.
//  2. Wait (B6): the caller's timeout, cut to about 1 ms after the earliest
//     armed timer, never negative. A flag set earlier does not shorten it.
//  3. Read the clock once (B7): every timer check and every POLL of this
//     poll uses that time.
//  4. Walk the list from the head, remembering each connection's successor
//     before serving it, so connections made during the walk (accepted
//     ones, UDP children, new outbound ones) wait for the next poll (B9).
//
// Each connection served gets, in this order:
//
//   - a close, and nothing else, if CLOSE_IMMEDIATELY is set, or
//     SEND_AND_CLOSE with an empty send buffer (CLOSE is the last event,
//     exactly once);
//   - TIMER, if its timer is armed and due (disarmed before the handler);
//   - POLL, always;
//   - CONNECT, if it was connecting and its socket became ready;
//   - one accept (TCP listener), one datagram (UDP), or a loop of reads of
//     at most 1460 bytes, one RECV each (TCP; a read is larger only if the
//     application left spare capacity in the receive buffer, D-RECV-2);
//   - at most one write, and SEND with its count.
//
// So within one poll a connection's events are either CLOSE alone, or
// TIMER? POLL CONNECT? RECV* SEND?. Poll returns the number of handler
// calls other than POLL (B3). [Manager.Free] runs one more poll and then
// closes every connection, newest first (B11).
//
// # Details that surprise
//
//   - An outbound connection gets POLL (with CONNECTING set) before its
//     CONNECT, and a connection closed while connecting never gets CONNECT
//     (D-FIRST-2). Data queued in the CONNECT handler goes out in the same
//     poll, since the socket was already in the write set (D-CONNECT-4).
//   - A failed connect arrives as CONNECT with a Linux errno (111 for a
//     refused connection) and CLOSE_IMMEDIATELY already set; CLOSE follows
//     in the next poll unless the handler clears the flag (D-CONNECT-3, F4).
//   - ACCEPT goes to the new connection, which runs the listener's handler;
//     a TCP listener accepts one connection per poll (D-ACCEPT-1, -2).
//   - The peer's EOF has no event: it sets SEND_AND_CLOSE, so the
//     connection closes once its output is sent (D-RECV-6). A read error
//     has no event either: CLOSE comes in the next poll (D-RECV-7). A write
//     error still gives SEND, with a negative count (D-SEND-4).
//   - A connection at its receive limit is simply not read, and never
//     closed for being full (D-RECV-5).
//   - A UDP listener reads one datagram per poll. A datagram from a new
//     peer makes a child connection with UDP|SEND_AND_CLOSE, which gets
//     ACCEPT and then RECV in the same poll; with SEND_AND_CLOSE kept, it
//     lives for one exchange (section G). A UDP send carries the whole send
//     buffer as one datagram.
//
// # Flags
//
// [Flags] are Mongoose's MG_F_* bits. At creation only USER_1..6, PROTO_1
// and ENABLE_BROADCAST are taken from [ConnOpts] (F2). After each handler
// call the core undoes the handler's changes to every flag except
// USER_1..6, PROTO_1, PROTO_2, IS_WEBSOCKET, SEND_AND_CLOSE and
// CLOSE_IMMEDIATELY (F3): a handler can close, or cancel a close, but not
// change what the core owns.
//
// # Buffers
//
// [Mbuf] follows mbuf.c to the byte: capacity grows 1.5x (capped at
// +8192) when an append does not fit, a remove never shrinks it, a read
// grows the receive buffer by exactly the chunk and trims it afterwards,
// and a write trims the send buffer (section A). Allocation failure can be
// modelled with [Mbuf.SetAllocLimit].
//
// # Handler panics
//
// A handler that panics makes Poll (or Free) panic with a
// [*HandlerPanicError] naming the connection and the event. The manager is
// left consistent: Free still works.
//
// # Host names
//
// When the Sockets also implement [Resolver] (simnet's Host does),
// [Manager.Connect] takes host names, with 6.18's resolver path (B2,
// D-CONNECT-6, D-FIRST-3, D-TIMER-7):
//
//   - The connection comes back with RESOLVING set and is not listed:
//     no POLL, and [Manager.Next] does not return it.
//   - When the lookup succeeds (in the poll that finds its answer), it is
//     listed with CONNECTING and goes on as for a numeric address; its
//     first POLL comes in the next poll.
//   - When the lookup fails (no such name), the connection gets CONNECT
//     with -1 and then CLOSE in the same call, in the next poll, without
//     any POLL before; an answer without an IPv4 address fails it at
//     once. Neither CONNECT nor CLOSE is preceded by CLOSE_IMMEDIATELY,
//     as resolve_cb calls the handler directly.
//   - When the lookup times out ([Options.ResolveTimeout], 5s by default,
//     or a timer set on the resolving connection, which 6.18 copies to its
//     DNS connection), the next poll gives TIMER with the current time,
//     then CONNECT(-1), then CLOSE. The connection's own timer field keeps
//     its value, as in C.
//
// The lookup holds the place of Mongoose's internal DNS connection in the
// list, so these events come at that place in the walk, but it is never
// returned by Next, gets no number, and its work is not counted in Poll's
// return value (in C the DNS connection's own events are counted).
//
// Without a Resolver, Connect returns an error for a host name.
//
// # Out of scope
//
// SSL/TLS, mg_broadcast, protocol handlers (HTTP, MQTT, ...), IPv6
// addresses (as in the default build), several interfaces per manager,
// mg_add_sock on an existing socket, and the hosts file (a name such as
// "localhost" goes to the Resolver like any other).
//
// # A hostile network
//
// The core treats EAGAIN, EWOULDBLOCK, EINTR and EINPROGRESS from any call
// as "would block", a short read or write as what it is, and an error from
// Poll as "nothing ready" (select returning -1 in C). So it runs unchanged
// over simnet's syscall adversary, which returns exactly those.
package reference
