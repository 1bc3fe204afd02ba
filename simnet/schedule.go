package simnet

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// FaultKind is the kind of a fault operation ([FaultOp]). Every kind that
// starts a lasting fault has an inverse kind that ends it
// ([FaultKind.Inverse]); reset and reset-host are instants.
type FaultKind uint8

// The fault kinds, with their text names.
const (
	OpPartition       FaultKind = iota + 1 // "partition A B": drop everything between A and B
	OpRepair                               // "repair A B": undo partition
	OpPartitionOneWay                      // "partition-oneway A>B": drop everything from A to B
	OpRepairOneWay                         // "repair-oneway A>B"
	OpHold                                 // "hold A B": keep everything between A and B
	OpRelease                              // "release A B": deliver what hold kept, and stop holding
	OpHoldOneWay                           // "hold-oneway A>B"
	OpReleaseOneWay                        // "release-oneway A>B"
	OpCrash                                // "crash HOST" (Network.Crash)
	OpRestart                              // "restart HOST" (Network.Restart)
	OpReset                                // "reset IP:PORT IP:PORT" (Network.ResetConn)
	OpResetHost                            // "reset-host HOST" (Network.ResetAll)
	OpDNSFail                              // "dns-fail NAME" (Network.FailName)
	OpDNSHeal                              // "dns-heal NAME" (Network.HealName)
	OpDNSSlow                              // "dns-slow NAME DURATION" (Network.SlowName)
	OpDNSUnslow                            // "dns-unslow NAME" (Network.UnslowName)
)

// operands is the shape of a fault kind's operands.
type operands uint8

const (
	pairOperands     operands = iota // A B
	onewayOperands                   // A>B
	hostOperand                      // HOST
	endpointOperands                 // IP:PORT IP:PORT
	nameOperand                      // NAME
	nameDelayOperand                 // NAME DURATION
)

// count is how many fields the operands take in the text form.
func (s operands) count() int {
	switch s {
	case pairOperands, endpointOperands, nameDelayOperand:
		return 2
	}
	return 1
}

var faultKinds = [...]struct {
	name    string
	shape   operands
	inverse FaultKind // 0: none
}{
	OpPartition:       {"partition", pairOperands, OpRepair},
	OpRepair:          {"repair", pairOperands, OpPartition},
	OpPartitionOneWay: {"partition-oneway", onewayOperands, OpRepairOneWay},
	OpRepairOneWay:    {"repair-oneway", onewayOperands, OpPartitionOneWay},
	OpHold:            {"hold", pairOperands, OpRelease},
	OpRelease:         {"release", pairOperands, OpHold},
	OpHoldOneWay:      {"hold-oneway", onewayOperands, OpReleaseOneWay},
	OpReleaseOneWay:   {"release-oneway", onewayOperands, OpHoldOneWay},
	OpCrash:           {"crash", hostOperand, OpRestart},
	OpRestart:         {"restart", hostOperand, OpCrash},
	OpReset:           {"reset", endpointOperands, 0},
	OpResetHost:       {"reset-host", hostOperand, 0},
	OpDNSFail:         {"dns-fail", nameOperand, OpDNSHeal},
	OpDNSHeal:         {"dns-heal", nameOperand, OpDNSFail},
	OpDNSSlow:         {"dns-slow", nameDelayOperand, OpDNSUnslow},
	OpDNSUnslow:       {"dns-unslow", nameOperand, OpDNSSlow},
}

// FaultKinds returns every kind, in their numeric order.
func FaultKinds() []FaultKind {
	out := make([]FaultKind, 0, len(faultKinds)-1)
	for k := OpPartition; int(k) < len(faultKinds); k++ {
		out = append(out, k)
	}
	return out
}

func (k FaultKind) valid() bool { return k > 0 && int(k) < len(faultKinds) }

// String is the kind's text name ("partition-oneway"), or "unknown(%d)".
func (k FaultKind) String() string {
	if k.valid() {
		return faultKinds[k].name
	}
	return "unknown(" + strconv.Itoa(int(k)) + ")"
}

// ParseFaultKind reads a kind's text name.
func ParseFaultKind(s string) (FaultKind, error) {
	for k := OpPartition; int(k) < len(faultKinds); k++ {
		if faultKinds[k].name == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("simnet: unknown fault kind %q", s)
}

// Inverse returns the kind that undoes k (repair for partition, partition
// for repair, ...). Instants (reset, reset-host) have none: ok is false.
func (k FaultKind) Inverse() (inv FaultKind, ok bool) {
	if !k.valid() || faultKinds[k].inverse == 0 {
		return 0, false
	}
	return faultKinds[k].inverse, true
}

// Starts reports whether k starts a fault (rather than ending one): its
// inverse, if any, ends it.
func (k FaultKind) Starts() bool {
	switch k {
	case OpPartition, OpPartitionOneWay, OpHold, OpHoldOneWay, OpCrash, OpReset, OpResetHost, OpDNSFail, OpDNSSlow:
		return true
	}
	return false
}

// FaultOp is one fault operation at a virtual time: a comparable value
// with a stable one-line text form ([FaultOp.String]) that
// [ParseSchedule] reads back to an equal value. Only the operand fields of
// its Kind are set; the others are zero.
type FaultOp struct {
	At   sim.Time
	Kind FaultKind
	// A and B are the two hosts' addresses of the partition and hold
	// kinds (one way: from A to B).
	A, B netip.Addr
	// From and To are the connection's endpoints of a reset.
	From, To netip.AddrPort
	// Name is the host's name (crash, restart, reset-host) or the DNS
	// name (dns-*).
	Name string
	// Delay is the lookup time of dns-slow.
	Delay time.Duration
}

// Inverse returns the operation that undoes op, at time at, and false for
// an instant (reset, reset-host).
func (op FaultOp) Inverse(at sim.Time) (FaultOp, bool) {
	k, ok := op.Kind.Inverse()
	if !ok {
		return FaultOp{}, false
	}
	inv := op
	inv.At, inv.Kind, inv.Delay = at, k, 0
	return inv, true
}

// String is the operation's text form, for example
// "at 1.500000000s partition 10.0.0.1 10.0.0.2" or
// "at 8.000000000s reset 10.0.0.1:40000 10.0.0.2:80".
func (op FaultOp) String() string {
	return "at " + op.At.String() + " " + op.Kind.String() + " " + op.operandText()
}

// operandText is the operands' part of the text form.
func (op FaultOp) operandText() string {
	if !op.Kind.valid() {
		return ""
	}
	switch faultKinds[op.Kind].shape {
	case pairOperands:
		return pairText(op.A, op.B, false)
	case onewayOperands:
		return pairText(op.A, op.B, true)
	case endpointOperands:
		return op.From.String() + " " + op.To.String()
	case nameDelayOperand:
		return op.Name + " " + op.Delay.String()
	}
	return op.Name
}

// Validate reports whether op is well formed: a known kind, a time that is
// not negative, the operands its kind needs (valid addresses, a name
// without spaces, a delay that is not negative) and no others.
func (op FaultOp) Validate() error {
	if !op.Kind.valid() {
		return fmt.Errorf("simnet: fault kind %v", op.Kind)
	}
	if op.At < 0 || op.At == sim.Never {
		return fmt.Errorf("simnet: %v: bad time %v", op.Kind, op.At)
	}
	if err := op.checkOperands(); err != nil {
		return fmt.Errorf("simnet: %v: %w", op.Kind, err)
	}
	return nil
}

func (op FaultOp) checkOperands() error {
	want := op.canonical()
	switch faultKinds[op.Kind].shape {
	case pairOperands, onewayOperands:
		if !op.A.IsValid() || !op.B.IsValid() || op.A.Zone() != "" || op.B.Zone() != "" {
			return errors.New("want two addresses")
		}
	case endpointOperands:
		if !op.From.IsValid() || !op.To.IsValid() || op.From.Addr().Zone() != "" || op.To.Addr().Zone() != "" {
			return errors.New("want two endpoints (ip:port)")
		}
	case nameDelayOperand:
		if op.Delay < 0 {
			return errors.New("the delay must not be negative")
		}
		fallthrough
	default:
		if err := checkName(op.Name); err != nil {
			return err
		}
	}
	if op != want {
		return errors.New("operands that the kind does not take are set")
	}
	return nil
}

// canonical returns op with only its kind's operands kept.
func (op FaultOp) canonical() FaultOp {
	c := FaultOp{At: op.At, Kind: op.Kind}
	switch faultKinds[op.Kind].shape {
	case pairOperands, onewayOperands:
		c.A, c.B = op.A, op.B
	case endpointOperands:
		c.From, c.To = op.From, op.To
	case nameDelayOperand:
		c.Name, c.Delay = op.Name, op.Delay
	default:
		c.Name = op.Name
	}
	return c
}

// Schedule is a list of fault operations: a fault scenario as data. Its
// text form has one operation per line; [ParseSchedule] reads it back.
type Schedule []FaultOp

// String writes one operation per line, each ending in a newline.
func (s Schedule) String() string {
	var b strings.Builder
	for _, op := range s {
		b.WriteString(op.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseSchedule reads a schedule: one operation per line, as
// [FaultOp.String] writes it ("at 1.5s partition 10.0.0.1 10.0.0.2"; the
// time is a Go duration since the epoch). Blank lines and lines starting
// with '#' are ignored. Errors name the line.
func ParseSchedule(text string) (Schedule, error) {
	var s Schedule
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, err := ParseFaultOp(line)
		if err != nil {
			return nil, fmt.Errorf("simnet: schedule line %d: %w", i+1, err)
		}
		s = append(s, op)
	}
	return s, nil
}

// ParseFaultOp reads one operation in its text form.
func ParseFaultOp(line string) (FaultOp, error) {
	f := strings.Fields(line)
	if len(f) < 3 || f[0] != "at" {
		return FaultOp{}, fmt.Errorf("want \"at TIME KIND OPERANDS\", got %q", line)
	}
	at, err := parseTime(f[1])
	if err != nil {
		return FaultOp{}, err
	}
	kind, err := ParseFaultKind(f[2])
	if err != nil {
		return FaultOp{}, err
	}
	op := FaultOp{At: at, Kind: kind}
	if err := op.parseOperands(f[3:]); err != nil {
		return FaultOp{}, fmt.Errorf("%v: %w", kind, err)
	}
	return op, op.Validate()
}

// parseTime reads a non-negative Go duration as a time since the epoch.
func parseTime(s string) (sim.Time, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad time %q: want a duration since the start, like 1.5s", s)
	}
	return sim.Time(d), nil
}

func (op *FaultOp) parseOperands(f []string) error {
	shape := faultKinds[op.Kind].shape
	if want := shape.count(); len(f) != want {
		return fmt.Errorf("want %d operands, got %d", want, len(f))
	}
	switch shape {
	case pairOperands:
		return op.parsePair(f[0], f[1])
	case onewayOperands:
		a, b, ok := strings.Cut(f[0], ">")
		if !ok {
			return fmt.Errorf("want FROM>TO, got %q", f[0])
		}
		return op.parsePair(a, b)
	case endpointOperands:
		return op.parseEndpoints(f[0], f[1])
	case nameDelayOperand:
		d, err := time.ParseDuration(f[1])
		if err != nil {
			return fmt.Errorf("bad delay %q", f[1])
		}
		op.Delay = d
	}
	op.Name = f[0]
	return nil
}

func (op *FaultOp) parsePair(a, b string) error {
	var errA, errB error
	op.A, errA = netip.ParseAddr(a)
	op.B, errB = netip.ParseAddr(b)
	return errors.Join(errA, errB)
}

func (op *FaultOp) parseEndpoints(a, b string) error {
	var errA, errB error
	op.From, errA = netip.ParseAddrPort(a)
	op.To, errB = netip.ParseAddrPort(b)
	return errors.Join(errA, errB)
}

// ---- applying operations ----

// faultKey names a lasting rule fault: its starting kind and its pair
// (both-way pairs in address order).
type faultKey struct {
	kind FaultKind
	a, b netip.Addr
}

// Apply schedules every operation of s at its time (operations in the past
// run now; several at one time run in schedule order). It checks them all
// first, hosts named included, and schedules nothing if one is bad. An
// operation that cannot be applied when its time comes (a repair without a
// partition, a reset of a connection that is gone) does nothing and is
// reported as a "fault:error" event.
func (n *Network) Apply(s Schedule) error {
	for i, op := range s {
		if err := n.checkOp(op); err != nil {
			return fmt.Errorf("simnet: schedule op %d (%v): %w", i+1, op, err)
		}
	}
	for _, op := range s {
		n.w.At(op.At, &opAction{n, op})
	}
	return nil
}

// opAction applies one scheduled operation.
type opAction struct {
	n  *Network
	op FaultOp
}

func (a *opAction) Run() {
	if err := a.n.Do(a.op); err != nil {
		a.n.emitNote(KindFaultError, a.op.String()+": "+err.Error())
	}
}

func (n *Network) checkOp(op FaultOp) error {
	if err := op.Validate(); err != nil {
		return err
	}
	if faultKinds[op.Kind].shape == hostOperand && n.byName[op.Name] == nil {
		return fmt.Errorf("no host named %q", op.Name)
	}
	return nil
}

// Do applies op now (its At is ignored) and reports it as a fault event
// whose Kind is "fault:" and the op's kind, and whose Detail is its
// operands in text form.
func (n *Network) Do(op FaultOp) error {
	if err := n.checkOp(op); err != nil {
		return err
	}
	switch op.Kind {
	case OpCrash:
		return n.Crash(n.byName[op.Name])
	case OpRestart:
		return n.Restart(n.byName[op.Name])
	case OpReset:
		return n.ResetConn(op.From, op.To)
	case OpResetHost:
		n.ResetAll(n.byName[op.Name])
		return nil
	}
	if n.doName(op) {
		return nil
	}
	return n.doRule(op)
}

// doName applies the dns kinds and reports whether op was one.
func (n *Network) doName(op FaultOp) bool {
	switch op.Kind {
	case OpDNSFail:
		n.FailName(op.Name)
	case OpDNSHeal:
		n.HealName(op.Name)
	case OpDNSSlow:
		n.SlowName(op.Name, op.Delay)
	case OpDNSUnslow:
		n.UnslowName(op.Name)
	default:
		return false
	}
	return true
}

// doRule applies the partition and hold kinds: a starting kind installs
// its rule, its inverse removes it (delivering what it held).
func (n *Network) doRule(op FaultOp) error {
	key, rule := ruleFault(op)
	if op.Kind.Starts() {
		if n.faults[key] != nil {
			return fmt.Errorf("%s is already in force", key.kind)
		}
		n.faults[key] = n.install(rule)
	} else {
		in := n.faults[key]
		if in == nil {
			return fmt.Errorf("no %s in force to undo", key.kind)
		}
		delete(n.faults, key)
		n.uninstall(in.id)
		n.deliverHeld(in, len(in.held))
	}
	n.emitNote(FaultPrefix+op.Kind.String(), op.operandText())
	return nil
}

// ruleFault returns the key of a partition or hold operation and the rule
// its starting kind installs.
func ruleFault(op FaultOp) (faultKey, Rule) {
	start := op.Kind
	if !start.Starts() {
		start, _ = op.Kind.Inverse()
	}
	a, b := op.A.Unmap(), op.B.Unmap()
	if faultKinds[start].shape == pairOperands && b.Less(a) {
		a, b = b, a
	}
	rules := map[FaultKind]func(a, b netip.Addr) Rule{
		OpPartition: Partition, OpPartitionOneWay: PartitionOneWay, OpHold: Hold, OpHoldOneWay: HoldOneWay,
	}
	return faultKey{start, a, b}, rules[start](a, b)
}
