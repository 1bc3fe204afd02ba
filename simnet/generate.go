package simnet

import (
	"cmp"
	"slices"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// GenOptions shape a generated fault schedule ([GenerateSchedule]). The
// zero value is usable.
type GenOptions struct {
	// Start is the earliest time a fault starts. Zero: the epoch.
	Start sim.Time
	// Span is the window after Start in which faults start. Zero: 10s.
	Span time.Duration
	// Faults is how many faults to draw. Zero: 4.
	Faults int
	// MaxLength is the longest a fault lasts before its inverse. Zero: 2s.
	// Every fault lasts at least 1ms.
	MaxLength time.Duration
	// Kinds are the kinds to draw from: kinds that start a fault (see
	// [FaultKind.Starts]). Zero: partition, partition-oneway, hold,
	// hold-oneway and crash.
	Kinds []FaultKind
	// Names are the DNS names the dns-fail and dns-slow kinds pick from;
	// without names those kinds are skipped.
	Names []string
	// SlowBy bounds the lookup time of a dns-slow fault, drawn in [1ms,
	// SlowBy]. Zero: 20s (beyond the default DNS timeout at times).
	SlowBy time.Duration

	_ struct{} // force keyed literals
}

func (o GenOptions) withDefaults() GenOptions {
	o.Span = orDefault(o.Span, 10*time.Second)
	o.Faults = orDefault(o.Faults, 4)
	o.MaxLength = max(orDefault(o.MaxLength, 2*time.Second), time.Millisecond)
	o.SlowBy = max(orDefault(o.SlowBy, 20*time.Second), time.Millisecond)
	if len(o.Kinds) == 0 {
		o.Kinds = []FaultKind{OpPartition, OpPartitionOneWay, OpHold, OpHoldOneWay, OpCrash}
	}
	return o
}

// GenerateSchedule draws a random, well-formed schedule on hosts: each
// fault is followed by its inverse (an instant, such as reset-host, has
// none), and two faults on the same target never overlap, so every
// operation applies cleanly. The result is sorted by time (ties in the
// order drawn). Removing a fault together with its inverse keeps a
// schedule well formed, which is what a shrinker does. Kinds that need
// what is not there (two hosts for a pair, a name for dns-*) are skipped;
// so are reset (it needs a live connection) and kinds that do not start a
// fault.
func GenerateSchedule(r *sim.Rand, hosts []*Host, opts GenOptions) Schedule {
	o := opts.withDefaults()
	g := &generator{r: r, hosts: hosts, o: o, busy: map[string][]span{}}
	for range o.Faults {
		g.drawFault()
	}
	slices.SortStableFunc(g.out, func(a, b FaultOp) int { return cmp.Compare(a.At, b.At) })
	return g.out
}

// span is a time interval [from, to] a target is busy.
type span struct{ from, to sim.Time }

type generator struct {
	r     *sim.Rand
	hosts []*Host
	o     GenOptions
	busy  map[string][]span // per target (pair, host or name)
	out   Schedule
}

// drawFault draws one fault and its inverse, or nothing if the kind drawn
// cannot be used or its target is busy at the time drawn.
func (g *generator) drawFault() {
	op, ok := g.drawTarget(g.o.Kinds[g.r.IntN(len(g.o.Kinds))])
	if !ok {
		return
	}
	op.At = g.o.Start.Add(g.r.Duration(0, g.o.Span-1))
	end := op.At.Add(g.r.Duration(time.Millisecond, g.o.MaxLength))
	target := op
	target.Delay = 0
	key := op.Kind.String() + " " + target.operandText()
	if op.Kind == OpCrash || op.Kind == OpResetHost {
		key = "host " + op.Name // a crash and a reset of one host do not mix
	}
	if !g.reserve(key, span{op.At, end}) {
		return
	}
	g.out = append(g.out, op)
	if inv, ok := op.Inverse(end); ok {
		g.out = append(g.out, inv)
	}
}

// drawTarget picks the operands for a kind; ok is false if the kind
// cannot be drawn.
func (g *generator) drawTarget(k FaultKind) (FaultOp, bool) {
	op := FaultOp{Kind: k}
	if !k.Starts() || k == OpReset || !k.valid() {
		return op, false
	}
	switch faultKinds[k].shape {
	case pairOperands, onewayOperands:
		return g.drawPair(op)
	case hostOperand:
		if len(g.hosts) == 0 {
			return op, false
		}
		op.Name = g.hosts[g.r.IntN(len(g.hosts))].name
	default:
		if len(g.o.Names) == 0 {
			return op, false
		}
		op.Name = g.o.Names[g.r.IntN(len(g.o.Names))]
		if k == OpDNSSlow {
			op.Delay = g.r.Duration(time.Millisecond, g.o.SlowBy)
		}
	}
	return op, true
}

// drawPair picks two different hosts.
func (g *generator) drawPair(op FaultOp) (FaultOp, bool) {
	if len(g.hosts) < 2 {
		return op, false
	}
	i := g.r.IntN(len(g.hosts))
	j := (i + 1 + g.r.IntN(len(g.hosts)-1)) % len(g.hosts)
	op.A, op.B = g.hosts[i].addr, g.hosts[j].addr
	if op.Kind == OpPartition || op.Kind == OpHold {
		if op.B.Less(op.A) {
			op.A, op.B = op.B, op.A
		}
	}
	return op, true
}

// reserve marks a target busy for s unless it already is at some time of
// s.
func (g *generator) reserve(key string, s span) bool {
	for _, b := range g.busy[key] {
		if s.from <= b.to && b.from <= s.to {
			return false
		}
	}
	g.busy[key] = append(g.busy[key], s)
	return true
}
