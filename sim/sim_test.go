package sim_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
)

func TestSchedulerOrderIsTimeThenInsertion(t *testing.T) {
	w := sim.New(sim.Options{})
	var got []string
	add := func(at sim.Time, name string) {
		w.At(at, sim.Func(func() { got = append(got, fmt.Sprintf("%s@%v", name, w.Now())) }))
	}
	add(30, "c")
	add(10, "a1")
	add(20, "b")
	add(10, "a2")
	add(10, "a3")
	if err := w.Run(sim.Never); err != nil {
		t.Fatal(err)
	}
	want := "a1@0.000000010s a2@0.000000010s a3@0.000000010s b@0.000000020s c@0.000000030s"
	if s := strings.Join(got, " "); s != want {
		t.Fatalf("order:\n got %s\nwant %s", s, want)
	}
	if !w.Idle() {
		t.Fatal("world should be idle after running everything")
	}
}

func TestCancel(t *testing.T) {
	w := sim.New(sim.Options{})
	ran := 0
	h := w.After(time.Second, sim.Func(func() { ran++ }))
	w.After(2*time.Second, sim.Func(func() { ran += 10 }))
	if !w.Cancel(h) {
		t.Fatal("Cancel of a pending action reported false")
	}
	if w.Cancel(h) {
		t.Fatal("second Cancel reported true")
	}
	if err := w.Run(sim.Never); err != nil {
		t.Fatal(err)
	}
	if ran != 10 {
		t.Fatalf("ran = %d, want 10", ran)
	}
}

func TestRunStopsAtUntilAndRunsEverythingDueThen(t *testing.T) {
	w := sim.New(sim.Options{})
	n := 0
	w.At(5, sim.Func(func() {
		n++
		w.At(5, sim.Func(func() { n++ })) // scheduled during Run, due at until
	}))
	w.At(6, sim.Func(func() { n += 100 }))
	if err := w.Run(5); err != nil {
		t.Fatal(err)
	}
	if n != 2 || w.Now() != 5 || w.Idle() {
		t.Fatalf("n=%d now=%v idle=%v; want 2, 5, false", n, w.Now(), w.Idle())
	}
}

func TestRunStopsEarlyWhenIdle(t *testing.T) {
	w := sim.New(sim.Options{})
	w.Go("short", func(p *sim.Proc) { p.Sleep(time.Second) })
	w.Go("parked", func(p *sim.Proc) { p.Park(sim.Never) })
	if err := w.Run(sim.Time(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !w.Idle() || w.Now() != sim.Time(time.Second) {
		t.Fatalf("idle=%v now=%v; want idle at 1s", w.Idle(), w.Now())
	}
	w.Close()
}

func TestIdleHourIsOneJump(t *testing.T) {
	w := sim.New(sim.Options{})
	fired := false
	w.After(time.Hour, sim.Func(func() { fired = true }))
	if err := w.Run(sim.Never); err != nil {
		t.Fatal(err)
	}
	if !fired || w.Now() != sim.Time(time.Hour) {
		t.Fatalf("fired=%v now=%v", fired, w.Now())
	}
	if w.Steps() != 1 {
		t.Fatalf("reaching an hour took %d steps, want 1: the loop must jump, not spin", w.Steps())
	}
}

func TestProcessesInterleaveByVirtualTime(t *testing.T) {
	w := sim.New(sim.Options{})
	var log []string
	for i, period := range []time.Duration{3 * time.Millisecond, 2 * time.Millisecond} {
		name := fmt.Sprintf("p%d", i)
		w.Go(name, func(p *sim.Proc) {
			for k := 0; k < 3; k++ {
				p.Sleep(period)
				log = append(log, fmt.Sprintf("%s@%dms", p.Name(), w.Now()/sim.Time(time.Millisecond)))
			}
		})
	}
	if err := w.Run(sim.Never); err != nil {
		t.Fatal(err)
	}
	want := "p1@2ms p0@3ms p1@4ms p0@6ms p1@6ms p0@9ms"
	if got := strings.Join(log, " "); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestUnparkWakesAtCurrentTime(t *testing.T) {
	w := sim.New(sim.Options{})
	var sleeper *sim.Proc
	var woke sim.Time
	var unparked bool
	sleeper = w.Go("sleeper", func(p *sim.Proc) {
		unparked = p.Park(sim.Never)
		woke = w.Now()
	})
	w.At(sim.Time(7*time.Second), sim.Func(func() { sleeper.Unpark() }))
	if err := w.Run(sim.Never); err != nil {
		t.Fatal(err)
	}
	if !unparked || woke != sim.Time(7*time.Second) {
		t.Fatalf("unparked=%v woke=%v", unparked, woke)
	}
}

func TestParkDeadlineReportsTimeout(t *testing.T) {
	w := sim.New(sim.Options{})
	var res []bool
	w.Go("p", func(p *sim.Proc) { res = append(res, p.Park(w.Now().Add(time.Second))) })
	if err := w.Run(sim.Never); err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0] || w.Now() != sim.Time(time.Second) {
		t.Fatalf("res=%v now=%v", res, w.Now())
	}
}

func TestPanicStopsTheWorldWithAnError(t *testing.T) {
	w := sim.New(sim.Options{})
	other := 0
	w.Go("bad", func(p *sim.Proc) {
		p.Sleep(time.Millisecond)
		panic("boom")
	})
	w.Go("other", func(p *sim.Proc) {
		for {
			p.Sleep(time.Millisecond)
			other++
		}
	})
	err := w.Run(sim.Time(time.Second))
	var pe *sim.PanicError
	if !errors.As(err, &pe) || pe.Proc != "bad" || pe.Value != "boom" {
		t.Fatalf("err = %v", err)
	}
	if pe.At != sim.Time(time.Millisecond) {
		t.Fatalf("panic at %v", pe.At)
	}
	w.Close()
}

func TestStepBudgetCatchesABusyLoopInVirtualTime(t *testing.T) {
	w := sim.New(sim.Options{MaxSteps: 1000})
	w.Go("spinner", func(p *sim.Proc) {
		for {
			p.Yield() // never lets time advance
		}
	})
	err := w.Run(sim.Time(time.Second))
	var be *sim.BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a budget error", err)
	}
	w.Close()
}

func TestKillStopsAParkedProcessAndRunsItsDefers(t *testing.T) {
	w := sim.New(sim.Options{})
	deferred, after := false, false
	victim := w.Go("victim", func(p *sim.Proc) {
		defer func() { deferred = true }()
		p.Park(sim.Never)
		after = true
	})
	w.At(sim.Time(time.Second), sim.Func(func() { victim.Kill() }))
	if err := w.Run(sim.Never); err != nil {
		t.Fatal(err)
	}
	if !victim.Done() || !deferred || after {
		t.Fatalf("done=%v deferred=%v after=%v", victim.Done(), deferred, after)
	}
}

func TestCloseReleasesGoroutines(t *testing.T) {
	t.Run("driven by Run's caller", func(t *testing.T) { checkCloseReleases(t, false) })
	t.Run("driven by the world's goroutine (abort channel set)", func(t *testing.T) { checkCloseReleases(t, true) })
}

func checkCloseReleases(t *testing.T, withAbort bool) {
	before := runtime.NumGoroutine()
	w := sim.New(sim.Options{})
	if withAbort {
		w.SetAbort(make(chan struct{}))
	}
	for i := 0; i < 50; i++ {
		w.Go("parked", func(p *sim.Proc) { p.Park(sim.Never) })
	}
	w.Go("never-started", func(p *sim.Proc) {})
	if err := w.Run(0); err != nil {
		t.Fatal(err)
	}
	w.Go("made after the run", func(p *sim.Proc) {}) // never resumed
	w.Close()
	for _, p := range w.Procs() {
		if !p.Done() {
			t.Errorf("%s is not done after Close", p.Name())
		}
	}
	if n := w.Pending(); n != 0 {
		t.Errorf("%d entries still scheduled after Close", n)
	}
	waitForGoroutines(t, before)
}

// waitForGoroutines fails t unless the number of goroutines comes back to
// before. A goroutine that has been ended may still be on its way out on
// another thread, which a loaded machine can hold up: this waits for it
// (it bounds a wait, it does not time anything).
func waitForGoroutines(t *testing.T, before int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines left behind", n-before)
	}
}

// runAborted runs w with a process stuck until release is closed (it
// stands for a handler in an endless loop) and its abort channel already
// closed: Run must return ErrAborted.
func runAborted(t *testing.T, w *sim.World, release <-chan struct{}) {
	t.Helper()
	w.Go("stuck", func(p *sim.Proc) { <-release })
	abort := make(chan struct{})
	w.SetAbort(abort)
	close(abort)
	if err := w.Run(sim.Never); !errors.Is(err, sim.ErrAborted) {
		t.Fatalf("err = %v", err)
	}
}

func TestAbortReturnsWhenAProcessNeverYields(t *testing.T) {
	w := sim.New(sim.Options{})
	release := make(chan struct{})
	runAborted(t, w, release)
	close(release)
}

// A stuck process that returns after its run was aborted ends there: no
// action of the world runs on, and the goroutine that drove it ends.
func TestNothingRunsAfterTheAbortedProcessReturns(t *testing.T) {
	before := runtime.NumGoroutine()
	w := sim.New(sim.Options{})
	var ran atomic.Bool
	w.At(sim.Time(time.Second), sim.Func(func() { ran.Store(true) }))
	release := make(chan struct{})
	runAborted(t, w, release)
	close(release)
	waitForGoroutines(t, before)
	if ran.Load() {
		t.Fatal("an action ran after the run was aborted")
	}
}

// After an abort, the main pseudo-process's Park returns false at once:
// the world belongs to the stuck process, and the caller's goroutine (a
// test's, say) must not be ended the way a process that came back is.
func TestMainParkAfterAbortReturnsFalse(t *testing.T) {
	w := sim.New(sim.Options{})
	main := w.Current()
	release := make(chan struct{})
	defer close(release)
	runAborted(t, w, release)
	returned := make(chan bool)
	go func() {
		parked := true
		defer func() { returned <- parked }()
		parked = main.Park(sim.Time(time.Hour))
	}()
	if parked := <-returned; parked {
		t.Fatal("Park after an abort did not return false (or ended its goroutine)")
	}
}

func TestMainCanParkInlineWithoutProcesses(t *testing.T) {
	w := sim.New(sim.Options{})
	main := w.Current()
	w.After(time.Second, sim.Func(func() { main.Unpark() }))
	if !main.Park(sim.Time(time.Hour)) || w.Now() != sim.Time(time.Second) {
		t.Fatalf("now = %v", w.Now())
	}
	if main.Park(w.Now().Add(time.Minute)) || w.Now() != sim.Time(time.Second+time.Minute) {
		t.Fatalf("now = %v", w.Now())
	}
}

// runTrace runs a small world with randomness and two processes talking
// through actions, and returns its log.
func runTrace(seed sim.Seed) string {
	w := sim.New(sim.Options{Seed: seed})
	var b strings.Builder
	var ps []*sim.Proc
	for i := 0; i < 3; i++ {
		r := w.Rand(fmt.Sprintf("proc %d", i))
		ps = append(ps, w.Go(fmt.Sprintf("p%d", i), func(p *sim.Proc) {
			for k := 0; k < 20; k++ {
				if p.Park(w.Now().Add(r.Duration(0, time.Millisecond))) {
					fmt.Fprintf(&b, "%s woken %v\n", p.Name(), w.Now())
				}
				target := ps[r.IntN(len(ps))]
				w.After(r.Duration(0, time.Millisecond), sim.Func(target.Unpark))
			}
		}))
	}
	if err := w.Run(sim.Never); err != nil {
		return err.Error()
	}
	return b.String()
}

func TestSameSeedSameRun(t *testing.T) {
	for seed := sim.Seed(0); seed < 20; seed++ {
		a, b := runTrace(seed), runTrace(seed)
		if a != b {
			t.Fatalf("seed %v: two runs differ", seed)
		}
		if a == "" {
			t.Fatalf("seed %v: empty log, test proves nothing", seed)
		}
	}
	if runTrace(1) == runTrace(2) {
		t.Fatal("different seeds gave the same run")
	}
}

func TestForkedStreamsAreIndependentOfSiblingDraws(t *testing.T) {
	root := sim.NewRand(42)
	a1 := root.Fork("a")
	want := []uint64{a1.Uint64(), a1.Uint64(), a1.Uint64()}
	root2 := sim.NewRand(42)
	b := root2.Fork("b")
	for i := 0; i < 1000; i++ {
		b.Uint64()
		root2.Uint64()
	}
	a2 := root2.Fork("a")
	for i, w := range want {
		if g := a2.Uint64(); g != w {
			t.Fatalf("draw %d: %d != %d", i, g, w)
		}
	}
	if sim.NewRand(42).Fork("a").Uint64() == sim.NewRand(42).Fork("c").Uint64() {
		t.Fatal("different labels gave the same stream")
	}
}

func TestRandRanges(t *testing.T) {
	r := sim.NewRand(7)
	for i := 0; i < 1000; i++ {
		if v := r.Range(3, 5); v < 3 || v > 5 {
			t.Fatalf("Range out of bounds: %d", v)
		}
		if d := r.Duration(time.Millisecond, 2*time.Millisecond); d < time.Millisecond || d > 2*time.Millisecond {
			t.Fatalf("Duration out of bounds: %v", d)
		}
	}
	if r.IntN(0) != 0 || r.Range(5, 1) != 5 || r.Chance(0) || !r.Chance(1) {
		t.Fatal("edge cases")
	}
}

func TestTimeFormsAndConversions(t *testing.T) {
	cases := map[sim.Time]string{0: "0.000000000s", 1500 * sim.Time(time.Millisecond): "1.500000000s", -1: "-0.000000001s", sim.Never: "never"}
	for in, want := range cases {
		if got := in.String(); got != want {
			t.Errorf("%d: %q, want %q", int64(in), got, want)
		}
	}
	if sim.FromSeconds(1.25) != sim.Time(1250*time.Millisecond) || sim.Time(2e9).Seconds() != 2 {
		t.Fatal("seconds conversion")
	}
	if sim.Time(5).Add(time.Duration(1<<62)).Add(time.Duration(1<<62)) != sim.Never {
		t.Fatal("Add must saturate")
	}
	if s, err := sim.ParseSeed("0x10"); err != nil || s != 16 {
		t.Fatalf("ParseSeed: %v %v", s, err)
	}
	if _, err := sim.ParseSeed("-1"); err == nil {
		t.Fatal("negative seed accepted")
	}
}

func BenchmarkIdleHour(b *testing.B) {
	for i := 0; i < b.N; i++ {
		w := sim.New(sim.Options{})
		w.Go("idle", func(p *sim.Proc) { p.Sleep(time.Hour) })
		if err := w.Run(sim.Never); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPingPong measures a baton handoff between two processes (two
// per iteration): the cost a multi-process simulation pays per wake-up.
func BenchmarkPingPong(b *testing.B) {
	w := sim.New(sim.Options{})
	var a, c *sim.Proc
	n := b.N
	rounds := 0
	c = w.Go("c", func(p *sim.Proc) {
		for {
			p.Park(sim.Never)
			a.Unpark()
		}
	})
	a = w.Go("a", func(p *sim.Proc) {
		for i := 0; i < n; i++ {
			c.Unpark()
			p.Park(sim.Never)
			rounds++
		}
		c.Kill()
	})
	b.ResetTimer()
	if err := w.Run(sim.Never); err != nil {
		b.Fatal(err)
	}
	if rounds != n {
		b.Fatalf("%d rounds, want %d", rounds, n)
	}
}

func BenchmarkActions(b *testing.B) {
	w := sim.New(sim.Options{})
	var f sim.Func
	n := 0
	f = func() {
		n++
		if n < b.N {
			w.After(time.Microsecond, f)
		}
	}
	w.After(0, f)
	b.ReportAllocs()
	b.ResetTimer()
	if err := w.Run(sim.Never); err != nil {
		b.Fatal(err)
	}
}

// A process that calls runtime.Goexit (as t.FailNow does) ends there; with
// an abort channel set, the world goes on without it.
func TestGoexitInProcessWithAbort(t *testing.T) {
	w := sim.New(sim.Options{})
	w.SetAbort(make(chan struct{}))
	defer w.Close()
	stayed := false
	quitter := w.Go("quitter", func(p *sim.Proc) {
		p.Sleep(time.Second)
		runtime.Goexit()
	})
	w.Go("stayer", func(p *sim.Proc) {
		p.Sleep(2 * time.Second)
		stayed = true
	})
	if err := w.Run(sim.Never); err != nil {
		t.Fatal(err)
	}
	if !quitter.Done() || !stayed || w.Now() != sim.Time(2*time.Second) {
		t.Fatalf("quitter done %v, stayer ran %v, now %v", quitter.Done(), stayed, w.Now())
	}
}

// Without an abort channel the caller of Run resumes the processes on its
// own goroutine, so a process's Goexit ends that goroutine too.
func TestGoexitInProcessEndsTheRunner(t *testing.T) {
	w := sim.New(sim.Options{})
	w.Go("quitter", func(p *sim.Proc) { runtime.Goexit() })
	returned := make(chan bool)
	go func() {
		ok := false
		defer func() { returned <- ok }()
		w.Run(sim.Never)
		ok = true
	}()
	if <-returned {
		t.Fatal("Run returned: the process's Goexit should have ended its caller")
	}
}
