package conformance

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// Workload is one simulated run's choices as data: the seed of its world,
// the network, the clients that connect to the server under test (when,
// and what they send), and the faults that hit them. It is what
// [WorkloadGen] draws, what [RunWorkload] runs, and what [Reduce] shrinks;
// its text form ([Workload.String], [ParseWorkload]) is the reproduction a
// failure prints.
//
// Faults is the workload's list of fault events. Its kinds are the ones the
// kit can inject with the simulated network as it is now: a client resets
// or closes its connection, or stops reading for a while. Network-wide
// faults (partitions, holds, drops: simnet schedules) are meant to come as
// one more list of the same shape, drawn, run and shrunk the same way.
type Workload struct {
	Seed    sim.Seed
	Net     WorkloadNet
	Clients []WorkloadClient
	Faults  []Fault
}

// WorkloadNet is a workload's network: the [simnet.Config] fields a
// workload varies. Zero fields mean simnet's defaults (no latency, 1460-byte
// segments, 64 KiB buffers).
type WorkloadNet struct {
	Latency    time.Duration
	Jitter     time.Duration
	MinSegment int
	MaxSegment int
	SendBuffer int
	RecvBuffer int
}

// Config is the simulated network's configuration.
func (n WorkloadNet) Config() simnet.Config {
	return simnet.Config{Latency: n.Latency, Jitter: n.Jitter, MinSegment: n.MinSegment,
		MaxSegment: n.MaxSegment, SendBuffer: n.SendBuffer, RecvBuffer: n.RecvBuffer}
}

// WorkloadClient is one client: it connects to the server at Start (from
// the run's beginning), performs its Steps in order, then reads what the
// server still sends until the line is quiet, and closes.
type WorkloadClient struct {
	Start time.Duration
	Steps []Step
}

// Step is one thing a client does: send Data (all of it, however many
// writes that takes), or, when Data is empty, wait for Pause. While it
// waits it keeps reading.
type Step struct {
	Pause time.Duration
	Data  []byte
}

// IsPause reports whether the step is a pause.
func (s Step) IsPause() bool { return len(s.Data) == 0 }

// FaultKind is the kind of a workload fault.
type FaultKind uint8

// The fault kinds, from the mildest.
const (
	FaultStall FaultKind = iota // the client stops reading for a while (the server's writes back up)
	FaultClose                  // the client closes its connection (a FIN, or a RST if it has unread data)
	FaultReset                  // the client resets its connection (a RST: close with SO_LINGER 0)
)

var faultNames = [...]string{"stall", "close", "reset"}

// String returns "stall", "close" or "reset".
func (k FaultKind) String() string {
	if int(k) < len(faultNames) {
		return faultNames[k]
	}
	return "unknown(" + strconv.Itoa(int(k)) + ")"
}

// ParseFaultKind returns the kind with the given name.
func ParseFaultKind(s string) (FaultKind, error) {
	for i, n := range faultNames {
		if n == s {
			return FaultKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown fault kind %q (want stall, close or reset)", s)
}

// Fault is one fault event: at time At (from the run's beginning), client
// number Client (from 1) suffers Kind; a stall lasts For. A fault that
// comes before its client is connected, or after it finished, does
// nothing.
type Fault struct {
	At     time.Duration
	Kind   FaultKind
	Client int
	For    time.Duration
}

// WorkloadSize counts what a reduction minimises.
type WorkloadSize struct {
	Clients, Steps, Bytes, Faults int
}

// String is "2 clients, 3 steps, 14 bytes, 1 fault".
func (s WorkloadSize) String() string {
	return plural(int64(s.Clients), "client") + ", " + plural(int64(s.Steps), "step") + ", " +
		plural(int64(s.Bytes), "byte") + ", " + plural(int64(s.Faults), "fault")
}

// Size counts the workload's clients, steps, bytes sent and faults.
func (w Workload) Size() WorkloadSize {
	s := WorkloadSize{Clients: len(w.Clients), Faults: len(w.Faults)}
	for _, c := range w.Clients {
		s.Steps += len(c.Steps)
		for _, st := range c.Steps {
			s.Bytes += len(st.Data)
		}
	}
	return s
}

// Clone returns a deep copy: a reduction edits copies, never the original.
func (w Workload) Clone() Workload {
	out := w
	out.Clients = make([]WorkloadClient, len(w.Clients))
	for i, c := range w.Clients {
		out.Clients[i] = WorkloadClient{Start: c.Start, Steps: make([]Step, len(c.Steps))}
		for j, st := range c.Steps {
			out.Clients[i].Steps[j] = Step{Pause: st.Pause, Data: append([]byte(nil), st.Data...)}
		}
	}
	out.Faults = append([]Fault(nil), w.Faults...)
	return out
}

// Validate reports the first thing wrong with the workload: negative
// times, empty steps, a fault on a client that does not exist, a network
// simnet would refuse.
func (w Workload) Validate() error {
	if err := w.Net.validate(); err != nil {
		return err
	}
	for i, c := range w.Clients {
		if err := c.validate(); err != nil {
			return fmt.Errorf("client %d: %w", i+1, err)
		}
	}
	for i, f := range w.Faults {
		if err := f.validate(len(w.Clients)); err != nil {
			return fmt.Errorf("fault %d: %w", i+1, err)
		}
	}
	return nil
}

func (n WorkloadNet) validate() error {
	if err := n.Config().Validate(); err != nil {
		return fmt.Errorf("net: %w", err)
	}
	return nil
}

func (c WorkloadClient) validate() error {
	if c.Start < 0 {
		return fmt.Errorf("start %v is negative", c.Start)
	}
	for j, st := range c.Steps {
		if st.IsPause() && st.Pause <= 0 {
			return fmt.Errorf("step %d: a pause must be positive and a send must have data", j+1)
		}
		if !st.IsPause() && st.Pause != 0 {
			return fmt.Errorf("step %d: a step is a send or a pause, not both", j+1)
		}
	}
	return nil
}

func (f Fault) validate(clients int) error {
	switch {
	case f.At < 0:
		return fmt.Errorf("time %v is negative", f.At)
	case int(f.Kind) >= len(faultNames):
		return fmt.Errorf("kind %v", f.Kind)
	case f.Client < 1 || f.Client > clients:
		return fmt.Errorf("client %d does not exist (the workload has %d)", f.Client, clients)
	case f.Kind == FaultStall && f.For <= 0:
		return fmt.Errorf("a stall needs a positive duration")
	case f.Kind != FaultStall && f.For != 0:
		return fmt.Errorf("only a stall has a duration")
	}
	return nil
}

// String is the workload's stable text form, one statement per line, which
// [ParseWorkload] reads back to an equal workload:
//
//	seed 3
//	net latency=1ms jitter=500µs segments=1-100 sndbuf=0 rcvbuf=4096
//	client 1 at 0s
//	  send "GET\n"
//	  pause 5ms
//	fault at 12ms reset client 1
//	fault at 20ms stall client 1 for 100ms
func (w Workload) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d\n", uint64(w.Seed))
	b.WriteString(w.Net.String())
	b.WriteByte('\n')
	for i, c := range w.Clients {
		fmt.Fprintf(&b, "client %d at %v\n", i+1, c.Start)
		for _, st := range c.Steps {
			b.WriteString("  " + st.String() + "\n")
		}
	}
	for _, f := range w.Faults {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// String is the net line of the text form. Zero values mean simnet's
// defaults.
func (n WorkloadNet) String() string {
	return fmt.Sprintf("net latency=%v jitter=%v segments=%d-%d sndbuf=%d rcvbuf=%d",
		n.Latency, n.Jitter, n.MinSegment, n.MaxSegment, n.SendBuffer, n.RecvBuffer)
}

// String is `send "..."` (Go-quoted bytes) or "pause 5ms".
func (s Step) String() string {
	if s.IsPause() {
		return "pause " + s.Pause.String()
	}
	return "send " + strconv.Quote(string(s.Data))
}

// String is "fault at 12ms reset client 1" ("... for 100ms" for a stall).
func (f Fault) String() string {
	s := fmt.Sprintf("fault at %v %v client %d", f.At, f.Kind, f.Client)
	if f.Kind == FaultStall {
		s += " for " + f.For.String()
	}
	return s
}
