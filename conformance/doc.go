// Package conformance holds mgsim's rules of the Mongoose 6.x event model
// and the means to hold any implementation to them: a trace format, a
// streaming rule checker, a catalogue of numbered scenarios, the harness
// that runs them on an implementation over a simulated network, and the
// reports.
//
// # Traces
//
// A trace is one JSON object per handler call ([Event]; spec/trace.md).
// [ParseEvent] and [AppendEvent] read and write the canonical form; a
// [Reader] streams a file. Any implementation in any language can write one
// — a C Mongoose application logging from its event handler, say — and
// have it checked with [CheckReader] or "mgsim check".
//
// # Rules and the checker
//
// [Rules] lists every rule with its stable id (TR-, EV-, BUF-, CL-, TM-,
// UDP-), its level and what the checker looks at. The [Checker] takes
// events one at a time, in linear time and with memory proportional to the
// open connections, and reports each violated rule with the connection,
// the line and the events around it. Two profiles: [ProfileCore], what the
// event model promises any handler, and [ProfileM618], which adds what
// Mongoose 6.18 really does (newest-first service, one accept per poll,
// 1460-byte IO, when exactly a close happens). A rule that needs a field a
// trace lacks is reported as not evaluated, never as passed. Both traces
// recorded from the real library (testdata/real) pass both profiles.
//
// # Implementations
//
// An [Impl] is a poll core under test; it creates a [Manager] on a
// simulated host, and the suite drives it through [Manager] and [Conn],
// which mirror mg_mgr and mg_connection. The reference implementation's
// adapter (package reference/adapter) is about a hundred lines; a Go port
// of Mongoose needs the same. From a user's go test:
//
//	func TestConformance(t *testing.T) { conformance.Run(t, myimpl.New()) }
//
// [Run] makes one subtest per scenario, so -run selects; a failure prints
// the violated rules and the one command that replays it.
//
// # Scenarios
//
// A [Scenario] is a small program of managers and handlers with a stable id
// grouped by area ("1.x" lifecycle, "2.x" data and buffers, "3.x" closing,
// "4.x" timers, "5.x" UDP, "6.x" the poll loop, "7.x" the hostile network:
// partitions, holds, crashes, resets, name resolution). Each names the rules
// it exercises ([Coverage]) and runs across seeds and network profiles
// ([NetProfiles]); the faults a run suffers are lines of its trace. Its handlers see every call recorded: entry and exit
// buffer lengths, flags and timer, the bytes queued and removed, and a
// running digest of each stream, so that bytes out equal bytes in can be
// checked from the trace alone.
//
// # Exploring a handler
//
// A [Workload] is a run's choices as data with a stable text form: clients
// with connect times, byte chunks and pauses, a network, and faults (a
// client stalls, closes or resets). [Explore] draws workloads through rapid
// for a user's server handler ([Target]), judges each run by the rules and
// the user's property, and on a failure shrinks it ([Reduce]) to the
// fewest clients, bytes and faults, saves it under testdata/mgsim and
// prints the one command that replays it; saved reductions are replayed on
// every later run. [Search] does the same without testing.T, and
// [RunWorkload] runs one workload.
//
// # Determinism and reproducing a failure
//
// A run is a function of (implementation, scenario, seed, network
// profile): the same inputs give a byte-identical trace on any machine, at
// any GOMAXPROCS, with or without the race detector, and [RunSuite] gives
// the same report whatever its Jobs. A failed [Result] carries its
// [Result.Replay] command; "mgsim run --trace FILE" with that command's
// flags writes the run's trace for reading or for "mgsim check", which,
// given the run's rule profile, reports what its live checker reported
// (but for line numbers).
//
// # Crashes and endless loops
//
// A handler that panics stops its run's world and becomes a failure of
// that run; one that never returns is abandoned after a wall-clock limit
// (the only wall clock in the package, outside the simulated world) and
// reported; a run that never lets virtual time advance hits a step budget.
// A core that goes on calling handlers without getting anywhere (CONNECT
// in every poll, say, each one making the scenario queue its data again)
// hits a budget of handler calls or of bytes queued with mg_send
// ([RunOptions].MaxCalls, MaxQueued): its run fails in a second, the same
// way for the same seed, instead of after a minute of wall time or by
// filling the machine's memory. The rest of the suite goes on.
//
// conformance imports sim and simnet, never reference: the reference is
// one implementation among others.
package conformance
