package conformance

import (
	"bytes"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// ReduceOptions bound a reduction. The zero value allows 500 runs and
// may cut sends anywhere.
type ReduceOptions struct {
	// MaxRuns bounds the runs a reduction makes. Zero: 500.
	MaxRuns int
	// Suffix is kept at the end of every send (see
	// [WorkloadLimits.Suffix]): the reduction cuts only the bytes before
	// it. Zero: none. Search and FindFailure take it from their limits
	// when it is not set.
	Suffix string

	_ struct{}
}

// Reduce shrinks a failing workload to a minimal reproduction: it tries
// smaller workloads (fewer clients, then fewer faults, fewer steps, fewer
// bytes, then earlier times, a simpler network and seed 0) and keeps each
// one that still fails with the same [Outcome.FailureKind], until no
// smaller one fails or the run budget is spent. A candidate that passes
// with the workload's seed is tried with seeds 0 to 3 too, since a failure
// that depends on timing often needs another seed once the workload is
// smaller; the reduced workload carries the seed it fails with. It returns the smallest
// failing run and the number of runs it made; a workload that does not
// fail comes back as it is. Reduce is deterministic: the same workload
// and target give the same reduction.
func Reduce(tg Target, w Workload, o ReduceOptions) (*Outcome, int) {
	r := &reducer{tg: tg, max: positiveOr(o.MaxRuns, 500), suffix: []byte(o.Suffix)}
	r.best = RunWorkload(tg, w)
	r.runs = 1
	r.kind = r.best.FailureKind()
	if r.kind == "" {
		return r.best, r.runs
	}
	for r.round() {
	}
	return r.best, r.runs
}

// reducer is a greedy delta-debugging reduction over a workload's lists
// and values.
type reducer struct {
	tg        Target
	suffix    []byte
	kind      string
	best      *Outcome
	runs, max int
}

// round runs every pass once and reports whether one made progress.
func (r *reducer) round() bool {
	improved := false
	for _, pass := range []func() bool{r.dropClients, r.dropFaults, r.dropSteps, r.cutData, r.simplifyTimes, r.simplifyNet} {
		if pass() {
			improved = true
		}
	}
	return improved && r.runs < r.max
}

// retrySeeds are the seeds a candidate is also tried with when it passes
// with its own: a failure that hangs on timing often survives a smaller
// workload under another seed.
var retrySeeds = [...]sim.Seed{0, 1, 2, 3}

// try runs a candidate, with its seed and then the retry seeds, and keeps
// the first run that fails the same way.
func (r *reducer) try(w Workload) bool {
	if w.Validate() != nil || !r.keepsSuffix(w) {
		return false
	}
	if r.tryOnce(w) {
		return true
	}
	own := w.Seed
	for _, s := range retrySeeds {
		if w.Seed = s; s != own && r.tryOnce(w) {
			return true
		}
	}
	return false
}

func (r *reducer) tryOnce(w Workload) bool {
	if r.runs >= r.max {
		return false
	}
	r.runs++
	o := RunWorkload(r.tg, w)
	if o.OK() || o.FailureKind() != r.kind {
		return false
	}
	r.best = o
	return true
}

func (r *reducer) cur() Workload { return r.best.Workload }

// keepsSuffix reports whether every send of w ends with the suffix.
func (r *reducer) keepsSuffix(w Workload) bool {
	for _, c := range w.Clients {
		for _, st := range c.Steps {
			if !st.IsPause() && !bytes.HasSuffix(st.Data, r.suffix) {
				return false
			}
		}
	}
	return true
}

// dropChunks removes items [i, j) of a list of n() items, in chunks from
// the whole list down to single items (ddmin), keeping every removal that
// still fails.
func (r *reducer) dropChunks(n func() int, without func(i, j int) Workload) bool {
	improved := false
	for size := n(); size >= 1; size /= 2 {
		for i := 0; i < n(); {
			if r.try(without(i, min(i+size, n()))) {
				improved = true
				continue
			}
			i += size
		}
	}
	return improved
}

func (r *reducer) dropClients() bool {
	return r.dropChunks(func() int { return len(r.cur().Clients) }, func(i, j int) Workload {
		return withoutClients(r.cur(), i, j)
	})
}

// withoutClients removes clients [i, j), their faults, and renumbers the
// faults of the clients after them.
func withoutClients(w Workload, i, j int) Workload {
	w = w.Clone()
	w.Clients = append(w.Clients[:i], w.Clients[j:]...)
	faults := w.Faults[:0]
	for _, f := range w.Faults {
		switch {
		case f.Client > j:
			f.Client -= j - i
		case f.Client > i:
			continue
		}
		faults = append(faults, f)
	}
	w.Faults = faults
	return w
}

func (r *reducer) dropFaults() bool {
	return r.dropChunks(func() int { return len(r.cur().Faults) }, func(i, j int) Workload {
		w := r.cur().Clone()
		w.Faults = append(w.Faults[:i], w.Faults[j:]...)
		return w
	})
}

func (r *reducer) dropSteps() bool {
	improved := false
	for k := 0; k < len(r.cur().Clients); k++ {
		steps := func() int { return len(r.cur().Clients[k].Steps) }
		if r.dropChunks(steps, func(i, j int) Workload {
			w := r.cur().Clone()
			c := &w.Clients[k]
			c.Steps = append(c.Steps[:i], c.Steps[j:]...)
			return w
		}) {
			improved = true
		}
	}
	return improved
}

// cutData removes bytes from every send.
func (r *reducer) cutData() bool {
	improved := false
	for k := 0; k < len(r.cur().Clients); k++ {
		for s := 0; s < len(r.cur().Clients[k].Steps); s++ {
			data := func() int { return len(r.cur().Clients[k].Steps[s].Data) - len(r.suffix) }
			if r.dropChunks(data, func(i, j int) Workload {
				w := r.cur().Clone()
				st := &w.Clients[k].Steps[s]
				st.Data = append(st.Data[:i], st.Data[j:]...)
				return w
			}) {
				improved = true
			}
		}
	}
	return improved
}

// simplifyTimes moves starts and faults to 0 (or earlier), and shortens
// pauses and stalls.
func (r *reducer) simplifyTimes() bool {
	improved := false
	for k := 0; k < len(r.cur().Clients); k++ {
		improved = r.shorten(0, func(w *Workload) *time.Duration { return &w.Clients[k].Start }) || improved
		for s := 0; s < len(r.cur().Clients[k].Steps); s++ {
			if r.cur().Clients[k].Steps[s].IsPause() {
				improved = r.shorten(time.Millisecond, func(w *Workload) *time.Duration { return &w.Clients[k].Steps[s].Pause }) || improved
			}
		}
	}
	for i := 0; i < len(r.cur().Faults); i++ {
		improved = r.shorten(0, func(w *Workload) *time.Duration { return &w.Faults[i].At }) || improved
		if r.cur().Faults[i].Kind == FaultStall {
			improved = r.shorten(time.Millisecond, func(w *Workload) *time.Duration { return &w.Faults[i].For }) || improved
		}
	}
	return improved
}

// shorten tries floor for the duration at field, then halves it (to
// whole milliseconds) while that still fails.
func (r *reducer) shorten(floor time.Duration, field func(*Workload) *time.Duration) bool {
	w := r.cur()
	cur := *field(&w)
	if cur <= floor {
		return false
	}
	if r.try(withDuration(r.cur(), field, floor)) {
		return true
	}
	improved := false
	for v := halve(cur); v > floor && v < cur; v = halve(cur) {
		if !r.try(withDuration(r.cur(), field, v)) {
			break
		}
		improved, cur = true, v
	}
	return improved
}

// halve halves d to whole milliseconds (microseconds below 2ms), and
// gives d back below 2µs, which ends the halving.
func halve(d time.Duration) time.Duration {
	switch h := d / 2; {
	case h >= time.Millisecond:
		return h.Truncate(time.Millisecond)
	case h >= time.Microsecond:
		return h.Truncate(time.Microsecond)
	}
	return d
}

func withDuration(w Workload, field func(*Workload) *time.Duration, v time.Duration) Workload {
	w = w.Clone()
	*field(&w) = v
	return w
}

// simplifyNet tries seed 0, less latency and jitter, and each other
// network field at its default.
func (r *reducer) simplifyNet() bool {
	improved := r.shorten(0, func(w *Workload) *time.Duration { return &w.Net.Latency })
	improved = r.shorten(0, func(w *Workload) *time.Duration { return &w.Net.Jitter }) || improved
	edits := []func(w *Workload){
		func(w *Workload) { w.Seed = 0 },
		func(w *Workload) { w.Net.MinSegment, w.Net.MaxSegment = 0, 0 },
		func(w *Workload) { w.Net.MinSegment = w.Net.MaxSegment },
		func(w *Workload) { w.Net.SendBuffer = 0 },
		func(w *Workload) { w.Net.RecvBuffer = 0 },
	}
	for _, edit := range edits {
		w := r.cur().Clone()
		edit(&w)
		if w.String() != r.cur().String() && r.try(w) {
			improved = true
		}
	}
	return improved
}
