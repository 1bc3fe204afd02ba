package conformance

import (
	"fmt"
	"net/netip"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// Env is the world one scenario run lives in: the virtual clock and
// scheduler, the simulated network, the implementation under test, and the
// run's own random stream. A scenario's Setup builds hosts, managers and
// handlers on it and starts the processes that poll them; the run ends
// when the scenario calls [Env.Finish] (or at its deadline, which is a
// failure).
type Env struct {
	Seed  sim.Seed
	World *sim.World
	Net   *simnet.Network
	// Rand is the scenario's own stream: draw the shape of the workload
	// (sizes, counts, orders) from it.
	Rand *sim.Rand

	impl     Impl
	t        *tracer
	failures []string
	finished bool
	hosts    int
	extra    int
}

// Host adds a simulated host named name, at address 10.0.0.N (N counting
// from 1 in creation order).
func (e *Env) Host(name string) *simnet.Host {
	e.hosts++
	addr := netip.AddrFrom4([4]byte{10, 0, 0, byte(e.hosts)})
	h, err := e.Net.AddHost(name, addr)
	if err != nil {
		e.Errorf("harness: add host %s: %v", name, err)
		return nil
	}
	return h
}

// NewManager creates a traced manager of the implementation under test on
// host h.
func (e *Env) NewManager(h *simnet.Host) *Mgr {
	m, err := e.impl.NewManager(h)
	if err != nil {
		e.Errorf("harness: %s: new manager: %v", e.impl.Name(), err)
		return nil
	}
	e.t.mgrs++
	return &Mgr{impl: m, t: e.t, idx: e.t.mgrs, host: h}
}

// Loop starts a process on m's host that polls m every pollMs milliseconds
// (the timeout given to mg_mgr_poll) until the scenario finishes, then
// polls it a few more times and frees it, as a Mongoose program's main loop
// does. A crash of the host kills the process (and with it the manager,
// whose connections then never get CLOSE).
func (e *Env) Loop(name string, m *Mgr, pollMs int) {
	if m == nil {
		return
	}
	m.Host().Go(name, func(p *sim.Proc) { e.mainLoop(m, pollMs) })
}

func (e *Env) mainLoop(m *Mgr, pollMs int) {
	for !e.finished {
		m.Poll(pollMs)
	}
	for i := 0; i < e.extra; i++ {
		m.Poll(pollMs)
	}
	m.Free()
}

// Serve makes h run a Mongoose program: at boot, and again after every
// restart of the host, a new manager is made, setup builds its listeners
// and connections, and the main loop polls it (as [Env.Loop]).
func (e *Env) Serve(h *simnet.Host, pollMs int, setup func(m *Mgr)) {
	h.Boot(func(p *sim.Proc) {
		m := e.NewManager(h)
		if m == nil {
			return
		}
		setup(m)
		e.mainLoop(m, pollMs)
	})
}

// Faults applies a fault schedule written in simnet's text form, one
// operation per line ("at 1s partition 10.0.0.1 10.0.0.2"). Operations due
// now (or in the past) are applied at once, so that a fault "at 0s" is in
// place before anything the setup starts; the rest are scheduled. A
// schedule that does not parse is a harness error.
func (e *Env) Faults(schedule string) {
	s, err := simnet.ParseSchedule(schedule)
	var later simnet.Schedule
	for _, op := range s {
		if err == nil && op.At <= e.World.Now() {
			err = e.Net.Do(op)
		} else {
			later = append(later, op)
		}
	}
	if err == nil {
		err = e.Net.Apply(later)
	}
	if err != nil {
		e.Errorf("harness: fault schedule: %v", err)
	}
}

// Fault records a fault the scenario injects outside the traced managers
// (a peer's reset, a network fault) as a fault line of the trace, at the
// current virtual time: the checker then knows that what follows may be
// the fault's doing. kind is one word ("reset"); detail is a stable
// one-line description.
func (e *Env) Fault(kind, detail string) { e.t.fault(e.World.Now().Seconds(), kind, detail) }

// Finish ends the scenario: every manager loop does its last polls and
// frees its manager.
func (e *Env) Finish() { e.finished = true }

// Finished reports whether Finish was called.
func (e *Env) Finished() bool { return e.finished }

// Errorf records a failed expectation of the scenario. The text must be
// deterministic (no pointers, no map order): it is part of the report.
func (e *Env) Errorf(format string, args ...any) {
	e.failures = append(e.failures, fmt.Sprintf(format, args...))
}

// Failed reports whether the scenario has recorded a failure.
func (e *Env) Failed() bool { return len(e.failures) > 0 }

// TCP returns "tcp://ip:port" for host h.
func TCP(h *simnet.Host, port uint16) string {
	return "tcp://" + netip.AddrPortFrom(h.Addr(), port).String()
}

// UDP returns "udp://ip:port" for host h.
func UDP(h *simnet.Host, port uint16) string {
	return "udp://" + netip.AddrPortFrom(h.Addr(), port).String()
}
