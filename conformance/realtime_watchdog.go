package conformance

import (
	"time"

	"github.com/mgsim/mgsim/sim"
)

// startWatchdog is the one place the harness reads the wall clock: outside
// the simulated world, it aborts a run whose handler never returns (a
// handler spinning in an endless loop cannot be interrupted in Go; the run
// is abandoned and reported, and the rest of the suite goes on). It returns
// the function that disarms it. Nothing inside the simulation depends on it.
func startWatchdog(w *sim.World, limit time.Duration) func() {
	abort := make(chan struct{})
	w.SetAbort(abort)
	timer := time.AfterFunc(limit, func() { close(abort) })
	return func() { timer.Stop() }
}
