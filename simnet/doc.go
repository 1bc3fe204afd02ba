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
// simnet imports only sim and the standard library: never reference,
// conformance or fuzz.
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
// segment arrives after Latency plus a random jitter (uniform in [0,
// Jitter] unless [Config.JitterDist] says otherwise), but never before the
// segment sent before it, so the byte order is kept.
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
// truncated to the buffer without notice, as recvfrom does. A link may
// lose a datagram ([Config.UDPLoss]), deliver it twice ([Config.UDPDup])
// or hold it back by up to [Config.ReorderDelay] so that later ones
// overtake it ([Config.UDPReorder]); a datagram is never cut or merged.
//
// # Links
//
// A link is one direction between two hosts. Every link has the
// properties of [LinkConfig]: latency, jitter with a distribution
// ([Uniform], [Normal], [Exponential], [Pareto]; all with mean Jitter/2),
// bandwidth (each packet's payload plus header is serialised, and packets
// queue behind each other per direction), UDP loss, duplication and
// reordering, and TCP loss. [Network.SetLink] configures one direction,
// [Network.SetLinks] both; the rest use the link fields of [Config].
//
// TCP loss is modelled as retransmission: a lost segment or FIN is sent
// again one RTO later ([Config.RTO], 200ms by default), the RTO doubling
// while no acknowledgement shows progress (up to [MaxRTO]), and the
// segments sent after it wait behind it, so the byte order is always kept
// and no byte is lost or duplicated; a lost acknowledgement or window
// update is followed by a fresh one, also after an RTO. The same holds
// for packets the fault rules drop, and for segments that reach a crashed
// host. A connection whose data (or FIN) stays unacknowledged for
// [Config.TCPUserTimeout] (60s by default) fails with ETIMEDOUT at that
// end, silently for the peer. As on Linux, the doubling RTO means the
// first retransmission after a repaired partition may come well after the
// repair.
//
// # Profiles
//
// A [Profile] is a named [Config]. [Profiles] lists the built-in ones
// (lan, wan, lossy, flaky, chop, slow, adversary) and [LookupProfile]
// finds one; [ParseProfile] reads a custom one from "key = value" lines
// and [Profile.String] writes it back in the same form.
//
// # Faults
//
// Faults are small composable rules, in the style of turmoil and errorfs.
// A [Rule] sees each packet as it enters the network ([PacketInfo]) and
// returns a [Verdict]: [Pass], [Drop], [Held] or [Deliver] with an extra
// delay. [Network.Install] adds a rule to the pipeline; rules run in
// install order and the first verdict other than Pass wins;
// [Network.Remove] takes it out. Rules judge a packet when it enters the
// network, so packets already on the wire when a rule is installed still
// arrive. Built-in rules: [Partition] and
// [PartitionOneWay], [Hold] and [HoldOneWay] (packets are kept, not lost:
// [Network.Release] delivers them, a TCP connection's in order), [DropRate]
// and [ExtraLatency]; combinators [Between], [OneWay], [OnlyProto],
// [OnlyKind], [Any] and [Count]. A TCP packet a rule drops is
// retransmitted like a lost one, and a dropped SYN by the connect's timer,
// so a partition repaired within the user timeout only delays the data.
//
// Beyond packets: [Network.Crash] stops a host (its sockets vanish
// without a packet, its processes — those started with [Host.Go] and
// [Host.Boot] — are killed, packets to it are dropped) and
// [Network.Restart] brings it back empty, running its boot functions
// again; a peer that sends to a connection the host forgot gets a reset.
// [Network.ResetConn] and [Network.ResetAll] reset connections at both
// ends at once.
//
// Every fault is also data. A [FaultOp] (partition, repair, hold,
// release and their one-way forms, crash, restart, reset, reset-host,
// dns-fail, dns-heal, dns-slow, dns-unslow) has a one-line text form such
// as "at 1.500000000s partition 10.0.0.1 10.0.0.2"; a [Schedule] is a list
// of them that [ParseSchedule] reads back to an equal value.
// [Network.Apply] schedules each op at its time, [Network.Do] applies one
// now, and [GenerateSchedule] draws a random, well-formed schedule (every
// fault followed by its inverse, [FaultKind.Inverse]).
//
// Faults are visible: every fault applied, and every packet a rule drops,
// holds or delays or a link loses, duplicates or reorders, is reported to
// [Network.Observe] as an [Event] whose Kind starts with "fault:"
// ([FaultPrefix]), with a stable String form.
//
// # Names
//
// [Network.AddName] gives a name an address. [Host.Lookup] starts a lookup
// and returns a descriptor that polls readable when the answer is there,
// [Config.DNSLatency] later; [Host.LookupResult] gives the address, or
// syscall.ENOENT for no such name, or syscall.ETIMEDOUT for an answer
// slower than [Config.DNSTimeout]. [Network.FailName] makes a name fail
// and [Network.SlowName] slow, each until its inverse ([Network.HealName],
// [Network.UnslowName]). The two lookup methods are the optional resolver
// extension of the reference poll core's socket seam.
//
// # Adversary
//
// The syscall adversary ([Adversary], [Config.Adversary],
// [Host.SetAdversary]) makes one host's socket calls as unhelpful as the
// POSIX contract allows, with seeded probabilities: short reads and writes
// down to one byte, EAGAIN or EINTR from Read, Write, Accept, ReadFrom and
// WriteTo (a refused call does nothing), Poll reporting only some of the
// ready descriptors (the rest at the next call at the latest), Poll
// returning EINTR with nothing reported, and a connect's completion shown
// one Poll late. It never loses or duplicates data and never stops
// progress: no call on a socket is refused twice in a row, and a Poll with
// ready descriptors shows at least one.
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
// Every random draw (segment sizes, jitter, losses, a rule's verdicts,
// the adversary's choices) comes from the world's "simnet" stream, forked
// per connection direction, per UDP socket, per host, per installed rule
// and per host's adversary, and a draw is made only for an impairment
// that is on, so a network without faults draws exactly what it drew
// before faults existed. Nothing depends on map iteration order,
// goroutine timing or the wall clock. The same seed and the same calls
// give the same run, byte for byte; [Network.Observe] shows it, packet by
// packet, as [Event]s with a stable text form.
//
// # Reproducing
//
// A hostile run is reproduced by three values: the world's seed, the
// network's [Config] (or its [Profile], whose text form [Profile.String]
// is a file [ParseProfile] reads back), and the fault [Schedule] (whose
// text form [ParseSchedule] reads back). Print all three with a failure;
// feeding them back replays the run byte for byte. A generated schedule
// can be cut down op by op (a fault together with its inverse) while the
// failure still happens.
//
// # Not modelled
//
// Congestion control, Nagle's algorithm and delayed ACKs, TIME_WAIT,
// half-close (shutdown), ICMP errors, and TCP out-of-order delivery below
// the socket (a lost packet delays everything behind it, as the receiver's
// reassembly would; no SACK).
package simnet
