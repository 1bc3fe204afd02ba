// Package simnet is a simulated network for testing event loops shaped
// like Mongoose 6.x: hosts with non-blocking TCP and UDP sockets and a
// poll(2) that blocks in virtual time, with no real socket and no real
// clock. It runs on a [sim.World]: every segment and datagram is a
// scheduled action of that world, and every random choice comes from the
// world's seed.
//
// A [Network] holds [Host]s, each with a name and an address. A [Host]
// offers the socket calls a poll core makes — [Host.ListenTCP],
// [Host.DialTCP], [Host.Accept], [Host.Read], [Host.Write],
// [Host.ReadFrom], [Host.WriteTo], [Host.Close], [Host.Poll] and the rest —
// over integer descriptors. The calls never block, except Poll, and they
// return standard syscall.Errno values (syscall.EAGAIN, ECONNREFUSED,
// ECONNRESET, EPIPE, ...) and io.EOF, to be tested with errors.Is; a bad
// descriptor gives syscall.EBADF, never a panic. The method set matches, type
// for type, the socket seam the reference poll core declares, so that
// *Host can be handed to it without either package importing the other.
//
// # TCP timing
//
// With one-way latency L and a connect started at t0:
//
//   - t0+L: the SYN arrives. If a listener has backlog room, the server
//     endpoint is created and a SYN-ACK goes back.
//   - t0+2L: the client is connected: it polls writable and
//     [Host.ConnectError] is nil (it is syscall.EINPROGRESS until then).
//   - t0+3L: the handshake's ACK arrives; only now can the server accept
//     (the listener polls readable).
//
// Data written by the client after it connected arrives after that ACK,
// never before. Without a listener the SYN is answered with a RST and the
// connect fails with ECONNREFUSED at t0+2L. A SYN that finds the backlog
// full, or no host at its address, is dropped; the client retransmits it
// after 1s, 2s, 4s, ... and after [Config.SYNRetries] retransmissions
// (6 by default: the last at 63s) the connect fails with ETIMEDOUT (at
// 127s by default). A failed socket polls readable, writable, PollErr and
// PollHup, and its Read and Write return the failure.
//
// [Host.Write] only copies into the send buffer ([Config.SendBuffer]; a
// short count when it fills, EAGAIN when it is full). Everything else is a
// later scheduled action: a transmitter per direction cuts the buffered
// bytes into segments of random size in [[Config.MinSegment],
// [Config.MaxSegment]] and sends them while the receiver's window has room
// (its [Config.RecvBuffer] minus unread bytes minus bytes in flight). Each
// segment arrives after Latency plus a random jitter in [0, Jitter], but
// never before the segment sent before it, so the byte order is kept.
// Segments arriving at one instant are acknowledged together; bytes leave
// the sender's buffer when that acknowledgement arrives, one latency (plus
// jitter) later. Reading opens the window again, and the window update
// reaches the sender one latency (plus jitter) later. Acknowledgements and
// window updates travel in order with the data of their direction.
//
// # Close and reset
//
// [Host.Close] releases the descriptor at once (further calls: EBADF). A
// connection with no unread received data closes in order: the stack
// still sends what is buffered, then a FIN; the peer reads the data and
// then (0, io.EOF) for ever, and keeps polling readable. A connection
// closed while received data is still unread is reset instead, as Linux
// does, and so is one that receives data after its descriptor was closed.
// [Host.Reset] resets on purpose (close with SO_LINGER 0). A reset peer
// discards its unread data; its Read returns ECONNRESET from then on, its
// first Write ECONNRESET and later ones EPIPE, and it polls PollIn,
// PollOut, PollErr and PollHup. Closing a listener resets the connections
// in its backlog. Closing a socket that is still connecting abandons the
// connect.
//
// # UDP
//
// Datagrams keep their boundaries and arrive after Latency plus jitter;
// jitter may reorder them. A datagram to a port with no socket, or one
// that does not fit in the receiver's queue ([Config.RecvBuffer] bytes of
// payload), is dropped silently. [Host.ReadFrom] returns one datagram,
// truncated to the buffer without notice, as recvfrom does.
//
// # Addresses
//
// A host reaches itself at its own address and at the loopback addresses
// (127.0.0.1, ::1), with the same latency rules as any other path. A
// listener on the unspecified address (0.0.0.0 or ::) takes connections
// to all of the host's addresses; port 0 picks an ephemeral port.
// Ephemeral ports are handed out in order from [EphemeralFirst], per host
// and protocol, and descriptors are the lowest free number from 3, as on
// Linux.
//
// # Poll blocks in virtual time
//
// [Host.Poll] fills in Revents and returns at once when something is
// ready, or when its timeout is 0. Otherwise it parks the calling process
// ([sim.World.Current]; for the main pseudo-process, parking runs the
// world inline) with a registration on each socket of its set. A change
// that makes one of them ready unparks it at that very virtual instant; a
// wake-up that finds nothing ready (another process took the data) parks
// it again, so Poll returns exactly when the first socket became ready, or
// exactly at its timeout. A Poll that might block must be called from a
// process, not from a scheduled action ([ErrPollInAction]); the main
// pseudo-process polling forever in an idle world gets
// [ErrBlockedForever]; a stopped world's error is returned as is.
//
// # Determinism
//
// Every random draw (segment sizes, jitter) comes from the world's
// "simnet" stream, forked per connection direction, per UDP socket and per
// host, and nothing depends on map iteration order, goroutine timing or
// the wall clock. The same seed and the same calls give the same run,
// byte for byte; [Network.Observe] shows it, packet by packet, as
// [Event]s with a stable text form.
//
// # Not modelled
//
// Loss, duplication and reordering of TCP segments (there is no
// retransmission of data), congestion control, Nagle's algorithm and
// delayed ACKs, TIME_WAIT, half-close (shutdown), ICMP errors, and
// fault-injection rules: they come later.
package simnet
