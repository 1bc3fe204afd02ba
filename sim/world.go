package sim

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Action is work the scheduler runs at a given virtual time. Network
// deliveries, fault injections and timers are actions.
type Action interface{ Run() }

// Func adapts a plain function to an [Action].
type Func func()

// Run calls f.
func (f Func) Run() { f() }

// Handle names a scheduled action so that it can be cancelled. The zero
// Handle names nothing.
type Handle struct {
	e   *entry
	seq uint64
}

// Options configure a [World]. The zero value is a usable world: seed 0,
// clock starting at the epoch, no step budget.
type Options struct {
	// Seed is the root of every random stream in the world ([World.Rand]).
	Seed Seed
	// Start is the clock's first reading. Zero: the epoch.
	Start Time
	// MaxSteps bounds the number of scheduler steps (actions run plus
	// process resumptions) over the world's life. Zero: no bound. A run that
	// exceeds it stops with a [*BudgetError]: it is how a simulation that
	// never lets time advance (a busy loop in virtual time) is caught.
	MaxSteps uint64

	_ struct{} // force keyed literals
}

// World is a deterministic simulated world: a virtual clock, a scheduler
// with a total order (due time, then insertion sequence), seeded
// randomness, and simulated processes ([Proc]) of which exactly one runs at
// any moment.
//
// A World is not safe for concurrent use: it is driven by one goroutine at
// a time (the one that called [World.Run], or the process that holds the
// baton).
type World struct {
	opts    Options
	now     Time
	seq     uint64
	q       queue
	rand    *Rand
	procs   []*Proc
	ext     *Proc // the goroutine outside any process: the caller of Run
	current *Proc // the process whose code is running; nil in actions
	inRun   bool  // ext is parked inside Run or Park
	running bool  // ext is inside Run (not an inline Park)
	closing bool
	idle    bool
	err     error
	steps   uint64
	abort   <-chan struct{}
	aborted atomic.Bool
	handoff *Proc      // the process a parking process handed the baton to
	driver  chan *Proc // with an abort channel: the goroutine that runs processes
}

// New returns a world at opts.Start with no processes and nothing scheduled.
func New(opts Options) *World {
	w := &World{opts: opts, now: opts.Start, rand: NewRand(opts.Seed)}
	w.ext = &Proc{w: w, name: "main", id: -1, wake: make(chan struct{}, 1), ext: true}
	w.current = w.ext
	return w
}

// Now returns the current virtual time.
func (w *World) Now() Time { return w.now }

// Seed returns the world's seed.
func (w *World) Seed() Seed { return w.opts.Seed }

// Rand returns the stream for the labelled component (see [Rand.Fork]).
func (w *World) Rand(label string) *Rand { return w.rand.Fork(label) }

// Steps returns the number of scheduler steps taken so far.
func (w *World) Steps() uint64 { return w.steps }

// Err returns the error that stopped the world, if any: a process that
// panicked, or an exceeded step budget.
func (w *World) Err() error { return w.err }

// Pending reports how many actions and process resumptions are scheduled.
func (w *World) Pending() int { return w.q.len() }

// Next returns the time of the earliest scheduled item, or false if nothing
// is scheduled.
func (w *World) Next() (Time, bool) {
	if e := w.q.peek(); e != nil {
		return e.at, true
	}
	return 0, false
}

// At schedules a to run at time t (or now, if t is in the past).
func (w *World) At(t Time, a Action) Handle {
	e := w.schedule(t, a, nil)
	return Handle{e: e, seq: e.seq}
}

// After schedules a to run d from now.
func (w *World) After(d time.Duration, a Action) Handle { return w.At(w.now.Add(d), a) }

// Cancel removes a scheduled action. It reports whether the action was
// still pending.
func (w *World) Cancel(h Handle) bool {
	if h.e == nil || h.e.seq != h.seq || !h.e.queued() {
		return false
	}
	w.q.cancel(h.e)
	return true
}

func (w *World) schedule(t Time, a Action, p *Proc) *entry {
	e := w.newEntry(t, a, p)
	if e.at == w.now {
		w.q.pushNow(e)
	} else {
		w.q.push(e)
	}
	return e
}

// newEntry returns an entry for a at t (or now, if t is in the past) with
// the next sequence number, not yet queued.
func (w *World) newEntry(t Time, a Action, p *Proc) *entry {
	e := w.q.alloc()
	w.seq++
	e.at, e.seq, e.act, e.proc = max(t, w.now), w.seq, a, p
	return e
}

// SetAbort installs a channel that, once closed, makes a waiting
// [World.Run] give up with [ErrAborted]. It exists for watchdogs that live
// outside the simulated world (a wall-clock limit on a handler that never
// returns); nothing inside the world uses it. With it set, the processes
// run on a goroutine of the world's own while the caller of Run waits. After
// an abort the world must not be used again.
func (w *World) SetAbort(ch <-chan struct{}) { w.abort = ch }

// Run advances the world until virtual time until: it runs every action and
// process due at or before until, in order, jumping over idle time. It
// returns early when the world is idle (nothing is scheduled: every process
// has finished or is parked with no deadline), leaving the clock at the last
// thing that happened and [World.Idle] true. It returns the error that
// stopped the world, if any.
//
// Run must be called from outside any process.
func (w *World) Run(until Time) error {
	if w.current != w.ext || w.inRun {
		return errors.New("sim: Run called from inside the simulation")
	}
	if w.err != nil {
		return w.err
	}
	w.idle = false
	if until != Never {
		e := w.newEntry(until, nil, w.ext)
		e.seq = math.MaxUint64 // everything else due at until runs first
		w.q.push(e)            // never the now list, whose keys must only grow
		w.ext.pending = e
	}
	w.inRun, w.running = true, true
	if err := w.ext.block(); err != nil {
		return err // aborted: the world belongs to the stuck process now; touch nothing
	}
	w.inRun, w.running = false, false
	w.ext.cancelPending()
	return w.err
}

// RunFor is Run(Now()+d).
func (w *World) RunFor(d time.Duration) error { return w.Run(w.now.Add(d)) }

// Idle reports whether the world had nothing left to do when the last Run
// returned: no action and no process was scheduled.
func (w *World) Idle() bool { return w.idle }

// Current returns the process whose code is running: a spawned process, or
// the main pseudo-process (the goroutine that created the world and calls
// Run). It returns nil inside a scheduled [Action].
func (w *World) Current() *Proc { return w.current }

// Procs returns the processes spawned so far, in spawn order.
func (w *World) Procs() []*Proc { return w.procs }

// Go spawns a simulated process running fn. It becomes runnable now, after
// everything already scheduled for now. The process runs only while the
// world runs, and only one process runs at a time, so fn needs no locks and
// its interleaving with other processes is decided by the scheduler alone.
//
// A panic in fn stops the world: [World.Run] returns a [*PanicError].
func (w *World) Go(name string, fn func(p *Proc)) *Proc {
	p := &Proc{w: w, name: name, id: len(w.procs), fn: fn}
	w.procs = append(w.procs, p)
	p.pending = w.schedule(w.now, nil, p)
	p.resume, p.stop = iter.Pull(p.body)
	return p
}

// Close ends every process that has not finished (each stops at the point
// where it is parked, as if killed) and releases their goroutines. The
// world's clock and queue are left as they are. Close must be called from
// outside any process; it is safe to call twice.
func (w *World) Close() {
	if w.current != w.ext || w.inRun || w.aborted.Load() {
		return
	}
	w.closing = true
	for _, p := range w.procs {
		if p.dead {
			continue
		}
		p.killed = true
		if p.started {
			p.end()
		} else {
			p.stop()   // never resumed: its body never runs
			p.finish() // so it is marked done here, its resumption cancelled
		}
	}
	if w.driver != nil {
		w.driver <- nil // taken by the driver, which then returns
		w.driver = nil
	}
	w.current = w.ext
	w.closing = false
}

// drive resumes processes, next first, each until it parks and hands the
// baton on or ends, until the baton comes back to the main pseudo-process.
// Processes are coroutines (iter.Pull): a hand-over is a switch on the
// driving thread, with no wake-up of another thread.
func (w *World) drive(next *Proc) {
	for next != w.ext {
		w.handoff = nil
		next.started = true
		next.resume()
		if w.aborted.Load() {
			runtime.Goexit() // a stuck process came back after the run was given up: nothing runs on
		}
		if next.exiting {
			next.end()
		}
		if next = w.handoff; next == nil { // it ended: the baton passes on
			next = w.passBaton()
		}
	}
}

// startDriver starts the goroutine that drives the processes while the
// main pseudo-process waits with an eye on the abort channel.
func (w *World) startDriver() {
	if w.driver != nil {
		return
	}
	w.driver = make(chan *Proc)
	go w.driverLoop(w.driver, nil)
}

// driverLoop drives the processes each time the main pseudo-process hands
// it the baton, first carrying on with cont if set. A process that calls
// runtime.Goexit (t.FailNow, say) ends the goroutine that resumed it:
// this one, which then carries on in a new one, as the process ended.
func (w *World) driverLoop(driver <-chan *Proc, cont *Proc) {
	done := false
	defer func() {
		if r := recover(); r != nil {
			panic(r)
		}
		if !done && !w.aborted.Load() {
			go w.driverLoop(driver, w.passBaton())
		}
	}()
	for next := cont; ; next = nil {
		if next == nil {
			if next = <-driver; next == nil { // Close
				break
			}
		}
		w.drive(next)
		w.ext.wake <- struct{}{}
	}
	done = true
}

// passBaton runs due actions until some process must resume, and makes it
// the current one (see nextProc).
func (w *World) passBaton() *Proc {
	next := w.nextProc()
	w.current = next
	return next
}

// nextProc runs due actions until some process must resume, and returns
// it. It returns the main pseudo-process when the world stops (error,
// budget, idle) or when main's own deadline comes.
func (w *World) nextProc() *Proc {
	for {
		if w.err != nil || w.closing {
			return w.ext
		}
		if w.running && w.q.len() == 1 && w.q.peek() == w.ext.pending {
			w.idle = true // only Run's own deadline is left: stop here
			return w.ext
		}
		e := w.q.pop()
		if e == nil {
			w.idle = true
			return w.ext
		}
		if e.at > w.now {
			w.now = e.at
		}
		w.steps++
		if w.opts.MaxSteps > 0 && w.steps > w.opts.MaxSteps {
			w.err = &BudgetError{Steps: w.opts.MaxSteps, At: w.now}
			if e.proc != nil {
				e.proc.pending = nil
			}
			w.q.release(e)
			return w.ext
		}
		if p := e.proc; p != nil {
			p.pending = nil
			w.q.release(e)
			if p.dead || (p.ext && !w.inRun) {
				continue
			}
			if p.ext {
				w.idle = w.q.len() == 0
			}
			return p
		}
		a := e.act
		w.q.release(e)
		w.current = nil
		a.Run()
	}
}

// BudgetError reports a world stopped by [Options.MaxSteps].
type BudgetError struct {
	Steps uint64
	At    Time
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("sim: step budget of %d exceeded at %v (does virtual time advance?)", e.Steps, e.At)
}

// PanicError reports a process that panicked. Value and Proc are
// deterministic; Stack is for humans and is not.
type PanicError struct {
	Proc  string
	At    Time
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("sim: process %q panicked at %v: %v", e.Proc, e.At, e.Value)
}

// ErrAborted is returned by [World.Run] when the channel given to
// [World.SetAbort] was closed while the world ran.
var ErrAborted = errors.New("sim: run aborted from outside the simulation (a process did not yield)")

// Proc is a simulated process: a coroutine that runs only when the world's
// scheduler hands it the baton, so exactly one process (or the main
// pseudo-process) runs at any moment. Processes block by parking on virtual
// time ([Proc.Park], [Proc.Sleep]); while all are parked the world jumps
// straight to the next due item.
type Proc struct {
	w       *World
	name    string
	id      int
	wake    chan struct{} // the main pseudo-process: the driver gives the baton back
	pending *entry        // scheduled resumption, if any
	parked  bool
	woken   bool // set by Unpark while parked
	killed  bool
	dead    bool
	ext     bool

	fn        func(*Proc)
	started   bool
	resume    func() (struct{}, bool) // runs the coroutine until it parks or ends
	stop      func()
	yield     func(struct{}) bool // inside the coroutine: back to the driver
	exiting   bool                // it asked the driver to end it (see exit)
	finishing bool                // it is being ended (see end)
}

// Name returns the name given to [World.Go] ("main" for the main
// pseudo-process).
func (p *Proc) Name() string { return p.name }

// World returns the world p lives in.
func (p *Proc) World() *World { return p.w }

// Done reports whether p has finished (returned, panicked or been killed).
func (p *Proc) Done() bool { return p.dead }

// Killed reports whether [Proc.Kill] was called on p.
func (p *Proc) Killed() bool { return p.killed }

// body is the process's coroutine: fn, with finish deferred.
func (p *Proc) body(yield func(struct{}) bool) {
	p.yield = yield
	w := p.w
	if w.aborted.Load() {
		return
	}
	w.current = p
	defer p.finish()
	if !p.killed {
		p.fn(p)
	}
}

// finish runs when a process's function ends in any way: it records a
// panic, marks the process dead and passes the baton on.
func (p *Proc) finish() {
	w := p.w
	r := recover()
	if w.aborted.Load() {
		return // the run was given up; leave its state alone
	}
	if r != nil {
		if w.err == nil {
			w.err = &PanicError{Proc: p.name, At: w.now, Value: r, Stack: debug.Stack()}
		}
	}
	p.dead = true
	p.parked = false
	p.cancelPending()
}

// exit ends the process where it is, running its deferred calls, as
// runtime.Goexit does. A Goexit inside a coroutine would also end the
// goroutine that resumed it (the driver), so the process first asks the
// driver to resume it from a goroutine of its own (see end).
func (p *Proc) exit() {
	if !p.finishing {
		p.exiting = true
		p.yield(struct{}{})
	}
	runtime.Goexit()
}

// end resumes an ending process from a goroutine that takes its Goexit.
func (p *Proc) end() {
	p.exiting, p.finishing = false, true
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.resume()
	}()
	<-done
}

// Park blocks p until another party calls [Proc.Unpark] or until deadline
// (use [Never] for none), whichever comes first, and reports whether it was
// unparked. Callers re-check their condition after Park returns.
//
// Park must be called by p's own code. Called by the main pseudo-process
// (see [World.Current]), it runs the world until the wake-up, as
// [World.Run] would; once a run has been aborted ([World.SetAbort]), it
// returns false at once.
func (p *Proc) Park(deadline Time) bool {
	w := p.w
	if w.aborted.Load() {
		if p.ext {
			return false // the caller of Run: the run was given up, and nothing will wake it
		}
		runtime.Goexit() // a process that came back after its run was given up
	}
	if w.current != p {
		panic("sim: Park called by a party other than the process itself")
	}
	if p.killed {
		p.exit()
	}
	if deadline != Never {
		p.pending = w.schedule(deadline, nil, p)
	}
	p.parked, p.woken = true, false
	if p.ext {
		w.inRun = true
		err := p.block()
		if err != nil {
			return false // aborted: touch nothing
		}
		w.inRun = false
		if w.err != nil {
			p.cancelPending()
			p.parked = false
			return false
		}
	} else {
		p.block()
	}
	p.parked = false
	p.cancelPending()
	if p.killed {
		p.exit()
	}
	return p.woken
}

// Sleep parks p for d of virtual time, ignoring unparks.
func (p *Proc) Sleep(d time.Duration) {
	until := p.w.now.Add(d)
	for p.w.now < until {
		p.Park(until)
	}
}

// Yield lets every other process and action due now run before p goes on.
func (p *Proc) Yield() { p.Park(p.w.now) }

// Unpark wakes p if it is parked, at the current virtual time, after
// everything already scheduled for now. Unparking a process that is not
// parked does nothing. Actions and other processes call it.
func (p *Proc) Unpark() {
	if !p.parked || p.dead {
		return
	}
	w := p.w
	p.woken = true
	if p.pending != nil {
		if p.pending.at <= w.now {
			return
		}
		w.q.cancel(p.pending)
	}
	p.pending = w.schedule(w.now, nil, p)
}

// Kill ends p: a parked process stops where it is parked (its goroutine
// exits, running its deferred calls), a running one at its next Park. It is
// how a host crash stops the processes on it. Killing the main
// pseudo-process does nothing.
func (p *Proc) Kill() {
	if p.ext || p.dead {
		return
	}
	p.killed = true
	if p.parked {
		p.Unpark()
	}
}

func (p *Proc) cancelPending() {
	if p.pending != nil {
		p.w.q.cancel(p.pending)
		p.pending = nil
	}
}

// block gives up the baton: it runs due actions and resumes whichever
// process comes next, and returns when p is resumed. Only the main
// pseudo-process can see an error (an abort from outside).
func (p *Proc) block() error {
	w := p.w
	next := w.passBaton()
	if next == p {
		return nil
	}
	if p.ext {
		return p.blockExt(next)
	}
	w.handoff = next
	p.yield(struct{}{})
	if w.aborted.Load() {
		runtime.Goexit() // resumed by the driver of a run given up: it ends too
	}
	return nil
}

// blockExt is block for the main pseudo-process: it drives the processes
// itself, or, when an abort channel is set, has the driver goroutine do it
// and waits for the baton or the abort.
func (p *Proc) blockExt(next *Proc) error {
	w := p.w
	if w.abort == nil {
		w.drive(next)
		return nil
	}
	w.startDriver()
	w.driver <- next
	select {
	case <-p.wake:
		return nil
	case <-w.abort:
		w.aborted.Store(true)
		return ErrAborted
	}
}
