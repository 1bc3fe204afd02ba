package simnet_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// genAddr draws an IPv4 or IPv6 address.
func genAddr(t *rapid.T, label string) netip.Addr {
	if rapid.Bool().Draw(t, label+" v6") {
		var b [16]byte
		copy(b[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, label))
		return netip.AddrFrom16(b)
	}
	var b [4]byte
	copy(b[:], rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, label))
	return netip.AddrFrom4(b)
}

// genOp draws a well-formed fault operation of any kind.
func genOp(t *rapid.T) simnet.FaultOp {
	kinds := simnet.FaultKinds()
	op := simnet.FaultOp{
		At:   sim.Time(rapid.Int64Range(0, int64(100*time.Hour)).Draw(t, "at")),
		Kind: kinds[rapid.IntRange(0, len(kinds)-1).Draw(t, "kind")],
	}
	name := rapid.StringMatching(`[a-z][a-z0-9.-]{0,20}`).Draw(t, "name")
	switch op.Kind {
	case simnet.OpPartition, simnet.OpRepair, simnet.OpPartitionOneWay, simnet.OpRepairOneWay,
		simnet.OpHold, simnet.OpRelease, simnet.OpHoldOneWay, simnet.OpReleaseOneWay:
		op.A, op.B = genAddr(t, "a"), genAddr(t, "b")
	case simnet.OpReset:
		op.From = netip.AddrPortFrom(genAddr(t, "from"), rapid.Uint16().Draw(t, "from port"))
		op.To = netip.AddrPortFrom(genAddr(t, "to"), rapid.Uint16().Draw(t, "to port"))
	case simnet.OpDNSSlow:
		op.Name = name
		op.Delay = time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, "delay"))
	default:
		op.Name = name
	}
	return op
}

// Generate, format, parse: equal (the ops-as-data round trip).
func TestScheduleRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := simnet.Schedule(rapid.SliceOf(rapid.Custom(genOp)).Draw(t, "schedule"))
		for _, op := range s {
			if err := op.Validate(); err != nil {
				t.Fatalf("generated op %v is invalid: %v", op, err)
			}
		}
		text := s.String()
		back, err := simnet.ParseSchedule(text)
		if err != nil {
			t.Fatalf("ParseSchedule(%q): %v", text, err)
		}
		if len(back) != len(s) {
			t.Fatalf("%d ops back from %d:\n%s", len(back), len(s), text)
		}
		for i := range s {
			if back[i] != s[i] {
				t.Fatalf("op %d: %#v back as %#v", i, s[i], back[i])
			}
		}
		if back.String() != text {
			t.Fatalf("text changed:\n%s\n%s", text, back.String())
		}
	})
}

// Generated schedules round-trip too, and are well formed: every fault
// that lasts is followed by its inverse, later, on the same target.
func TestGenerateSchedule(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	c := e.host("c", addrC)
	hosts := []*simnet.Host{e.a, e.b, c}
	kinds := []simnet.FaultKind{simnet.OpPartition, simnet.OpPartitionOneWay, simnet.OpHold, simnet.OpHoldOneWay,
		simnet.OpCrash, simnet.OpResetHost, simnet.OpDNSFail, simnet.OpDNSSlow, simnet.OpRepair, simnet.OpReset}
	for seed := sim.Seed(1); seed <= 200; seed++ {
		s := simnet.GenerateSchedule(sim.NewRand(seed), hosts, simnet.GenOptions{
			Faults: 8, Kinds: kinds, Names: []string{"x.test", "y.test"}, Start: sim.Time(time.Second),
		})
		back, err := simnet.ParseSchedule(s.String())
		if err != nil || back.String() != s.String() {
			t.Fatalf("seed %v: round trip: %v\n%s", seed, err, s)
		}
		checkWellFormed(t, seed, s)
	}
	again := simnet.GenerateSchedule(sim.NewRand(7), hosts, simnet.GenOptions{})
	if again.String() != simnet.GenerateSchedule(sim.NewRand(7), hosts, simnet.GenOptions{}).String() {
		t.Fatal("the same seed generated different schedules")
	}
	if len(simnet.GenerateSchedule(sim.NewRand(7), hosts[:1], simnet.GenOptions{Kinds: []simnet.FaultKind{simnet.OpPartition}})) != 0 {
		t.Fatal("a pair fault was drawn from one host")
	}
}

// checkWellFormed fails unless every op that starts a lasting fault has
// its inverse later, with no other start on that target in between, and
// every inverse ends a fault in force. Ops are in time order and start
// within the default window.
func checkWellFormed(t *testing.T, seed sim.Seed, s simnet.Schedule) {
	t.Helper()
	open := map[string]bool{}
	for i, op := range s {
		if i > 0 && op.At < s[i-1].At {
			t.Fatalf("seed %v: not in time order at op %d:\n%s", seed, i, s)
		}
		if !op.Kind.Starts() {
			inv, _ := op.Kind.Inverse()
			key := target(inv, op)
			if !open[key] {
				t.Fatalf("seed %v: %v ends nothing:\n%s", seed, op, s)
			}
			delete(open, key)
			continue
		}
		if op.At < sim.Time(time.Second) || op.At >= sim.Time(11*time.Second) {
			t.Fatalf("seed %v: %v outside the window", seed, op)
		}
		if _, lasts := op.Kind.Inverse(); lasts {
			if key := target(op.Kind, op); open[key] {
				t.Fatalf("seed %v: %v while the same fault is in force:\n%s", seed, op, s)
			} else {
				open[key] = true
			}
		}
	}
	if len(open) != 0 {
		t.Fatalf("seed %v: faults never undone: %v\n%s", seed, open, s)
	}
}

// target names what a fault applies to.
func target(kind simnet.FaultKind, op simnet.FaultOp) string {
	op.At, op.Kind, op.Delay = 0, kind, 0
	return op.String()
}

func TestFaultKinds(t *testing.T) {
	for _, k := range simnet.FaultKinds() {
		back, err := simnet.ParseFaultKind(k.String())
		if err != nil || back != k {
			t.Errorf("ParseFaultKind(%q) = %v, %v", k, back, err)
		}
		inv, ok := k.Inverse()
		if k == simnet.OpReset || k == simnet.OpResetHost {
			if ok {
				t.Errorf("%v has an inverse %v", k, inv)
			}
			continue
		}
		if twice, _ := inv.Inverse(); !ok || twice != k || inv.Starts() == k.Starts() {
			t.Errorf("%v: inverse %v (%v), its inverse %v", k, inv, ok, twice)
		}
	}
	if got := simnet.FaultKind(99).String(); got != "unknown(99)" {
		t.Errorf("FaultKind(99) = %q", got)
	}
	if _, err := simnet.ParseFaultKind("explode"); err == nil {
		t.Error("ParseFaultKind accepted an unknown kind")
	}
}

// Parse errors name the line and the problem.
func TestParseScheduleErrors(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"at 1s partition 10.0.0.1", "line 1: partition: want 2 operands, got 1"},
		{"# comment\n\nat 1s crash a\nat x crash b", `line 4: bad time "x"`},
		{"at -1s crash a", `line 1: bad time "-1s"`},
		{"at 1s explode a", `line 1: simnet: unknown fault kind "explode"`},
		{"at 1s partition-oneway 10.0.0.1 10.0.0.2", "line 1: partition-oneway: want 1 operands, got 2"},
		{"at 1s partition-oneway 10.0.0.1-10.0.0.2", "want FROM>TO"},
		{"at 1s partition 10.0.0.1 nowhere", `line 1: partition: ParseAddr("nowhere")`},
		{"at 1s reset 10.0.0.1 10.0.0.2:80", "line 1: reset: "},
		{"at 1s dns-slow x.test soon", `bad delay "soon"`},
		{"at 1s dns-slow x.test -1s", "the delay must not be negative"},
		{"1s crash a", "want \"at TIME KIND OPERANDS\""},
		{"at 1s crash a\nat 2s crash a b", "line 2: crash: want 1 operands, got 2"},
	}
	for _, tt := range tests {
		_, err := simnet.ParseSchedule(tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseSchedule(%q) = %v, want an error containing %q", tt.text, err, tt.want)
		}
	}
	s, err := simnet.ParseSchedule("  # nothing but comments\n\n")
	if err != nil || len(s) != 0 {
		t.Errorf("comments only: %v, %v", s, err)
	}
}

// Validate rejects ops a program built badly.
func TestFaultOpValidate(t *testing.T) {
	bad := []simnet.FaultOp{
		{Kind: 0},
		{Kind: simnet.OpCrash, At: -1, Name: "a"},
		{Kind: simnet.OpCrash, At: sim.Never, Name: "a"},
		{Kind: simnet.OpCrash},
		{Kind: simnet.OpCrash, Name: "a", A: addrA},
		{Kind: simnet.OpPartition, A: addrA},
		{Kind: simnet.OpReset, From: srvAddr},
		{Kind: simnet.OpDNSFail, Name: "a b"},
		{Kind: simnet.OpDNSFail, Name: "a", Delay: time.Second},
	}
	for _, op := range bad {
		if err := op.Validate(); err == nil {
			t.Errorf("%#v is valid", op)
		}
	}
}

// Apply runs each op at its time, reports it, and reports ops that cannot
// be applied then; it rejects a schedule naming an unknown host.
func TestApply(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{Latency: L})
	s, err := simnet.ParseSchedule(`
		at 1s partition 10.0.0.2 10.0.0.1
		at 2s repair 10.0.0.1 10.0.0.2
		at 2s repair 10.0.0.1 10.0.0.2
		at 3s hold-oneway 10.0.0.1>10.0.0.2
		at 3.5s release-oneway 10.0.0.1>10.0.0.2
		at 4s crash b
		at 5s restart b
		at 6s reset 10.0.0.1:40000 10.0.0.2:80
		at 7s reset-host a
		at 8s dns-slow x.test 1.5s
		at 9s dns-unslow x.test
	`)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.n.Apply(append(s, simnet.FaultOp{Kind: simnet.OpCrash, Name: "zz"})); err == nil || !strings.Contains(err.Error(), `no host named "zz"`) {
		t.Fatalf("Apply with an unknown host = %v", err)
	}
	if err := e.n.Apply(s); err != nil {
		t.Fatal(err)
	}
	e.run()
	want := "" +
		"1.000000000s fault:partition 10.0.0.2 10.0.0.1\n" + // as written; "repair 10.0.0.1 10.0.0.2" undoes it
		"2.000000000s fault:repair 10.0.0.1 10.0.0.2\n" +
		"2.000000000s fault:error at 2.000000000s repair 10.0.0.1 10.0.0.2: no partition in force to undo\n" +
		"3.000000000s fault:hold-oneway 10.0.0.1>10.0.0.2\n" +
		"3.500000000s fault:release-oneway 10.0.0.1>10.0.0.2\n" +
		"4.000000000s fault:crash b\n" +
		"5.000000000s fault:restart b\n" +
		"6.000000000s fault:error at 6.000000000s reset 10.0.0.1:40000 10.0.0.2:80: simnet: no TCP connection between 10.0.0.1:40000 and 10.0.0.2:80\n" +
		"7.000000000s fault:reset-host a\n" +
		"8.000000000s fault:dns-slow x.test 1.5s\n" +
		"9.000000000s fault:dns-unslow x.test\n"
	if got := e.logWhere(simnet.Event.IsFault); got != want {
		t.Fatalf("fault events:\n%s\nwant:\n%s", got, want)
	}
}

// Do applies one op now; a partition in force cannot start again, and a
// fault event's Kind and Detail read back as the op.
func TestDo(t *testing.T) {
	e := newEnv(t, 1, simnet.Config{})
	op := simnet.FaultOp{Kind: simnet.OpPartitionOneWay, A: addrB, B: addrA, At: sim.Time(time.Hour)}
	if err := e.n.Do(op); err != nil {
		t.Fatal(err)
	}
	if err := e.n.Do(op); err == nil {
		t.Fatal("the same partition started twice")
	}
	ev := e.events[len(e.events)-1]
	back, err := simnet.ParseFaultOp("at 0s " + strings.TrimPrefix(ev.Kind, simnet.FaultPrefix) + " " + ev.Detail)
	if op.At = 0; err != nil || back != op {
		t.Fatalf("event %v reads back as %v, %v", ev, back, err)
	}
	inv, ok := op.Inverse(sim.Time(time.Second))
	if !ok || inv.Kind != simnet.OpRepairOneWay || inv.At != sim.Time(time.Second) {
		t.Fatalf("Inverse = %v, %v", inv, ok)
	}
	if err := e.n.Do(inv); err != nil {
		t.Fatal(err)
	}
	if _, ok := (simnet.FaultOp{Kind: simnet.OpReset}).Inverse(0); ok {
		t.Fatal("reset has an inverse")
	}
}
