// Package sim is the deterministic heart of mgsim: a virtual clock, a
// scheduler with a total order, seeded randomness, and simulated processes
// of which exactly one runs at a time.
//
// # Time
//
// [Time] is an integer count of nanoseconds since the world's epoch. Nothing
// in a simulation reads the wall clock: time moves only when the scheduler
// takes the next due item, and it jumps straight there, so an hour of idle
// virtual time costs one step.
//
// # Order
//
// Everything scheduled — an [Action] given to [World.At], or the wake-up of
// a parked [Proc] — runs in the order (due time, insertion sequence). Two
// runs that schedule the same things in the same order run identically, on
// any machine, at any GOMAXPROCS, with or without the race detector.
//
// # Processes
//
// [World.Go] starts a simulated process as a coroutine (iter.Pull): exactly
// one process (or the main pseudo-process, the caller of [World.Run]) runs
// at any moment, and a process gives up the baton only by parking
// ([Proc.Park], [Proc.Sleep]). The caller of Run resumes the processes one
// after another on its own thread, so goroutine timing never matters and a
// hand-over wakes no other thread. A process that panics stops the world
// and the panic comes back from Run as a [*PanicError]; a world that never
// lets time advance is stopped by [Options.MaxSteps]. A process that calls
// runtime.Goexit (t.FailNow) also ends the goroutine that called Run,
// unless an abort channel is set ([World.SetAbort]), in which case the
// world goes on without it.
//
// # Randomness
//
// Every random choice comes from a [Rand] derived from the world's one
// [Seed]. Components take their own stream with [World.Rand] (or
// [Rand.Fork]) and a label; a stream depends only on the seed and its label
// path, so adding a component, or a draw in one, leaves the others alone.
//
// # Reproducing a failure
//
// Print the [Seed] with every failure; the same seed and the same build give
// the same run, byte for byte.
//
// sim imports nothing else of mgsim. Inside it there is no time.Now, no
// time.Sleep and no global math/rand.
package sim
