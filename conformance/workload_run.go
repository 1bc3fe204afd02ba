package conformance

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// WorkloadPort is the port the server handler of a workload run listens
// on, at 10.0.0.1 (host "server"); the clients run on 10.0.0.2 (host
// "clients").
const WorkloadPort = 8000

// Target is what workloads are run against: an implementation, a user's
// server handler on it, and the property every run must hold besides the
// checker's rules.
type Target struct {
	// Impl is the implementation under test.
	Impl Impl
	// Server returns the server's handler, bound at tcp://10.0.0.1:8000.
	// It is called once per run, so a handler may keep its state in its
	// closure.
	Server func() Handler
	// Property, if set, judges a finished run from what its clients sent
	// and received; an error fails the run. Nil: the checker alone judges.
	Property func(*Outcome) error
	// Rules is the checker profile. Zero: core.
	Rules Profile
	// PollMs is the server loop's mg_mgr_poll timeout. Zero: 10.
	PollMs int
	// Trace, if set, receives the JSONL trace of every run, one after the
	// other: set it to look at the run of one workload.
	Trace io.Writer
	// MaxCalls and MaxQueued bound each run's handler calls and the bytes
	// its handlers queue (see RunOptions). Zero: 10,000,000 calls and
	// 1 GiB; an echo of 100 clients x 64 KiB makes 200,000 calls and
	// queues 6.4 MB.
	MaxCalls  int64
	MaxQueued int64

	_ struct{}
}

// ClientEnd says how a workload client finished.
type ClientEnd uint8

// The ways a client finishes.
const (
	EndUnfinished ClientEnd = iota // still running when the run stopped (a crash, or the deadline)
	EndQuiet                       // sent everything, heard nothing more for a while, and closed
	EndPeerClosed                  // read the server's EOF and closed
	EndFaultClose                  // closed by a close fault
	EndFaultReset                  // reset by a reset fault
	EndError                       // the connect, a read or a write failed (see ClientOutcome.Err)
)

var endNames = [...]string{"unfinished", "quiet", "peer-closed", "fault-close", "fault-reset", "error"}

// String returns the end's name ("quiet", "peer-closed", ...).
func (e ClientEnd) String() string {
	if int(e) < len(endNames) {
		return endNames[e]
	}
	return "unknown(" + strconv.Itoa(int(e)) + ")"
}

// Clean reports whether the client finished without a fault or an error:
// it sent everything and stayed to the end.
func (e ClientEnd) Clean() bool { return e == EndQuiet || e == EndPeerClosed }

// ClientOutcome is what one client of a workload did and saw.
type ClientOutcome struct {
	Connected   bool
	ConnectedAt time.Duration // when the connect completed (from the run's beginning)
	Sent        []byte        // what its socket accepted, in order
	Received    []byte        // what it read, in order
	End         ClientEnd
	EndedAt     time.Duration // when it finished; for EndUnfinished, 0
	Err         string        // the failed call and its error, for EndError
}

// Outcome is the result of running one workload.
type Outcome struct {
	Workload Workload
	// Result is the harness's verdict: the run's failures (crashes,
	// liveness) and the checker's report on the server's trace.
	Result  *Result
	Clients []ClientOutcome
	// PropertyErr is the target's Property's verdict (nil: held, or no
	// property).
	PropertyErr error
}

// OK reports whether the run broke no rule, had no failure and held the
// property.
func (o *Outcome) OK() bool { return o.Result.OK() && o.PropertyErr == nil }

// FailureKind names what failed first, in this order: a harness failure
// ("crash", "liveness", ...), a rule ("rule BUF-3"), or "property". It is
// empty when the run passed. A reduction keeps the kind of the failure it
// reduces, so that it does not slide to a different bug.
func (o *Outcome) FailureKind() string {
	switch {
	case len(o.Result.Failures) > 0:
		kind, _, _ := strings.Cut(o.Result.Failures[0], ":")
		return kind
	case o.Result.Check != nil && len(o.Result.Check.Violations) > 0:
		return "rule " + o.Result.Check.Violations[0].Rule
	case o.Result.Check != nil && !o.Result.Check.OK():
		return "rule"
	case o.PropertyErr != nil:
		return "property"
	}
	return ""
}

// Summary is a deterministic description of what went wrong: the
// harness's failures and violations, then the property's error. It is
// empty when the run passed.
func (o *Outcome) Summary() string {
	s := o.Result.Summary()
	if o.PropertyErr != nil {
		s += "property: " + o.PropertyErr.Error() + "\n"
	}
	return s
}

// RunWorkload runs w once against tg through the conformance harness: the
// server's handler on a traced manager of the implementation, checked
// live by the checker, with w's clients and faults played against it; then
// the property judges the outcome. It never panics because of the
// implementation, the handler or the property.
func RunWorkload(tg Target, w Workload) *Outcome {
	o := &Outcome{Workload: w, Clients: make([]ClientOutcome, len(w.Clients))}
	if err := w.Validate(); err != nil {
		o.Result = &Result{Impl: tg.Impl.Name(), Seed: w.Seed, Failures: []string{"harness: invalid workload: " + err.Error()}}
		return o
	}
	cfg := w.Net.Config()
	s := Scenario{ID: "workload", Name: "workload", Title: "a drawn workload", Deadline: w.deadline(),
		Setup: func(e *Env) { setupWorkload(e, tg, w, o.Clients) }}
	o.Result = RunScenario(tg.Impl, s, w.Seed, RunOptions{Rules: tg.Rules, Net: "workload", Profile: &simnet.Profile{Name: "workload", Config: cfg}, Trace: tg.Trace,
		MaxCalls: cmp.Or(tg.MaxCalls, 10_000_000), MaxQueued: cmp.Or(tg.MaxQueued, 1<<30)})
	if tg.Property != nil {
		o.PropertyErr = callProperty(tg.Property, o)
	}
	return o
}

func callProperty(p func(*Outcome) error, o *Outcome) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the property panicked: %v", r)
		}
	}()
	return p(o)
}

// deadline is the simulated time a run of w must finish in: the last
// thing the workload schedules, plus a connect's whole SYN back-off, plus
// slack.
func (w Workload) deadline() time.Duration {
	last := time.Duration(0)
	for _, c := range w.Clients {
		end := c.Start
		for _, st := range c.Steps {
			end += st.Pause
		}
		last = max(last, end)
	}
	for _, f := range w.Faults {
		last = max(last, f.At+f.For)
	}
	return last + 200*time.Second
}

// quiet is how long a client that sent everything waits for more data
// before it closes: long enough for a few round trips.
func (n WorkloadNet) quiet() time.Duration {
	return 4*(n.Latency+n.Jitter) + 50*time.Millisecond
}

// setupWorkload builds the run: the server's manager and handler, its
// poll loop, and one process per client. The run finishes when every
// client has.
func setupWorkload(e *Env, tg Target, w Workload, out []ClientOutcome) {
	sh, ch := e.Host("server"), e.Host("clients")
	srv := e.NewManager(sh)
	if srv == nil || ch == nil {
		return
	}
	if _, err := srv.Bind(TCP(sh, WorkloadPort), tg.Server()); !must(e, "harness: bind", err) {
		return
	}
	e.Loop("server", srv, positiveOr(tg.PollMs, 10))
	done := countdown(e, len(w.Clients))
	addr := netip.AddrPortFrom(sh.Addr(), WorkloadPort)
	for i, c := range w.Clients {
		cp := &clientProc{host: ch, addr: addr, spec: c, faults: faultsOf(w.Faults, i+1),
			quiet: w.Net.quiet(), out: &out[i], done: done, record: e.Fault, fd: -1, buf: make([]byte, 4096)}
		e.World.Go("client "+strconv.Itoa(i+1), cp.run)
	}
}

// faultsOf returns client n's faults in time order (stable for equal
// times).
func faultsOf(all []Fault, n int) []Fault {
	var out []Fault
	for _, f := range all {
		if f.Client == n {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Fault) int { return cmp.Compare(a.At, b.At) })
	return out
}

// epoch is the time a duration from the run's beginning names.
func epoch(d time.Duration) sim.Time { return sim.Time(0).Add(d) }
