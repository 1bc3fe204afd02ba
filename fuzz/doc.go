// Package fuzz holds mgsim's fuzz targets and property tests. It has no
// API: everything is in its test files, and it may import every other
// package of the module (nothing imports it).
//
// # Fuzz targets
//
// Each target has a seed corpus in its code, one f.Add per seed with a
// comment saying what the seed exercises, and, in testdata/fuzz, the
// failing inputs found so far, named after what they found.
//
//   - FuzzHandler (a): the input is a network (latency, jitter,
//     segmentation, buffer sizes) and a script of handler actions on a
//     reference manager that connects to itself over simnet: connect (or
//     connect to a closed port), send N bytes, remove K from recv_mbuf,
//     set and clear flags (its own and the core's), arm and disarm timers,
//     close, poll with a timeout, let time pass. Every handler call is
//     traced into the conformance checker (mongoose-6.18 profile, resets
//     on the wire as fault lines), and a model of each connection checks
//     what the checker cannot see: the USER flags and the timer the
//     handler left, TIMER's value and time, CLOSE at the poll after
//     CLOSE_IMMEDIATELY, the bytes each end received against what the
//     other sent, the size of each read against mg_do_recv's rule
//     (D-RECV-2). It must find nothing on the reference.
//   - FuzzMbuf (b): sequences of mbuf operations (init, append, big
//     appends past the headroom cap, insert at any offset, remove, resize,
//     trim, clear, free, allocation limits) against a plain byte-slice
//     model written from section A of the spec.
//   - FuzzTrace (c): arbitrary bytes through the trace reader and the
//     checker, under every profile: the report is the same whether the
//     bytes come all at once, one at a time or in halves, and the streaming
//     checker fed event by event counts what the reader parsed.
//     conformance's own FuzzParseEvent and FuzzCheck cover single lines
//     and the canonical form.
//   - FuzzNetSchedule (d): a network and a schedule of writes, reads,
//     closes, resets and pauses on one simulated TCP connection. After
//     every call the stream holds (each side reads a prefix of what the
//     other's writes accepted; EOF only after all of it and an orderly
//     close; EBADF after a close; nothing lost unless a reset crossed the
//     network), and the same schedule gives the same network events and
//     bytes twice. When simnet's fault schedules land, their operations
//     become ops of this target.
//
// # Property tests
//
// TestManagerStateMachine is FuzzHandler's machine as a rapid state
// machine (the same actions, drawn by rapid, with the model checked after
// every step and the checker at the end). TestMachineCatchesBreakage and
// TestLinkCatchesBreakage show that those checks do fail on a lying trace
// or a corrupted stream. The gopter properties of simnet —
// TestGopterBytesOutEqualBytesIn (any segmentation and latency),
// TestGopterShortWrites (buffers of a few bytes) and
// TestGopterConnectionModel (gopter's commands: a stateful model of one
// connection, where nothing is delivered to a closed connection, not even
// to a new one that gets its descriptor number) — run with a fixed seed;
// -gopter.seed=N and -gopter.tests=N change it, and a failure prints the
// seed.
//
// # Running them
//
// go test ./fuzz runs the seeds and the committed inputs of every target
// (a second or two) with the property tests. To fuzz:
//
//	scripts/fuzz.sh                   # every target in the module, 10s each, as CI does
//	scripts/fuzz.sh -time 10m Handler # one target, longer, by hand
//	go test ./fuzz -run '^$' -fuzz '^FuzzMbuf$' -fuzztime 1m
//
// # A crash becomes a regression test
//
// A failing input is written to testdata/fuzz/FuzzXxx/HASH in the
// target's package, and go test prints the command that re-runs it
// (go test -run=FuzzXxx/HASH). Find the bug, fix it (or fix the target if
// the target was wrong), rename the file after what it found (the name is
// free; it is how the file is documented), check that go test ./fuzz
// passes, and commit the file: from then on every go test runs it. The
// three inputs in testdata/fuzz/FuzzHandler came this way: a CLOSE after a
// peer's reset that the checker took for a SEND_AND_CLOSE close (hence the
// reset fault lines), and reads above 1460 bytes that mg_do_recv makes
// after the application leaves spare capacity in recv_mbuf (hence the
// D-RECV-2 model).
//
// For a user's server handler, the shrinking counterpart is
// conformance.Explore: it draws whole workloads with rapid, runs them
// through the harness and reduces a failure to a minimal workload.
package fuzz
