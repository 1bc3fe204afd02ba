package simnet_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// udpTally is what arrived of numbered datagrams.
type udpTally struct {
	sent, lost, dups, late int // late: arrived after a higher-numbered one
	seen                   map[uint32]int
	faults                 map[string]int // fault events by kind
}

// sendNumbered sends n numbered datagrams of varied sizes, 1ms apart, over
// cfg, reads them all, and checks that each one that arrived is whole.
func sendNumbered(t *testing.T, seed sim.Seed, cfg simnet.Config, n int) udpTally {
	t.Helper()
	e := newEnv(t, seed, cfg)
	sfd := must(t)(e.b.ListenUDP(ap("10.0.0.2:53")))
	ufd := must(t)(e.a.OpenUDP())
	tally := udpTally{sent: n, seen: map[uint32]int{}, faults: map[string]int{}}
	e.w.Go("sender", func(p *sim.Proc) {
		for i := range n {
			ok(e.a.WriteTo(ufd, numbered(uint32(i)), ap("10.0.0.2:53")))
			p.Sleep(ms)
		}
	})
	var highest int64 = -1
	e.w.Go("receiver", func(p *sim.Proc) {
		buf := make([]byte, 200)
		for {
			wait(e.b, sfd, simnet.PollIn)
			k := ok(e.b.Read(sfd, buf))
			id := binary.BigEndian.Uint32(buf)
			if !bytes.Equal(buf[:k], numbered(id)) {
				panic("a datagram was cut, merged or changed")
			}
			tally.seen[id]++
			if int64(id) < highest {
				tally.late++
			}
			highest = max(highest, int64(id))
		}
	})
	e.run()
	for i := range n {
		switch tally.seen[uint32(i)] {
		case 0:
			tally.lost++
		case 2:
			tally.dups++
		}
	}
	for _, ev := range e.events {
		if ev.IsFault() {
			tally.faults[ev.Kind]++
		}
	}
	return tally
}

// numbered is datagram i: its number, then 0..96 bytes derived from it.
func numbered(i uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, i)
	for j := range (i * 7) % 97 {
		b = append(b, byte(i+j))
	}
	return b
}

// Loss, duplication and reordering happen at about the configured rates;
// each loss and duplicate is reported by an event; datagrams stay whole.
// The counts are exact for this seed.
func TestUDPLossDupReorder(t *testing.T) {
	cfg := simnet.Config{Latency: L, UDPLoss: 0.1, UDPDup: 0.05, UDPReorder: 0.2, ReorderDelay: 5 * ms}
	got := sendNumbered(t, 1, cfg, 4000)
	if got.lost != got.faults[simnet.KindFaultLoss] || got.dups != got.faults[simnet.KindFaultDup] {
		t.Fatalf("lost %d (events %d), duplicated %d (events %d)", got.lost, got.faults[simnet.KindFaultLoss], got.dups, got.faults[simnet.KindFaultDup])
	}
	near := func(name string, k int, p float64) {
		if f := float64(k) / 4000; f < p*0.75 || f > p*1.25 {
			t.Errorf("%s: %d of 4000 (%.3f), want about %.2f", name, k, f, p)
		}
	}
	near("lost", got.lost, 0.1)
	near("duplicated", got.dups, 0.05*0.9)
	near("reordered", got.faults[simnet.KindFaultReorder], 0.2*0.9*1.05)
	if got.late == 0 {
		t.Error("reordering never let a later datagram overtake")
	}
	want := [4]int{417, 185, 740, 549} // lost, duplicated, reorder events, overtaken: for seed 1
	if have := [4]int{got.lost, got.dups, got.faults[simnet.KindFaultReorder], got.late}; have != want {
		t.Errorf("seed 1: lost, duplicated, reordered, overtaken = %v, want %v", have, want)
	}
}

// With the impairments off, nothing is lost, duplicated or reordered, and
// no fault is reported.
func TestUDPNoImpairments(t *testing.T) {
	got := sendNumbered(t, 1, simnet.Config{Latency: L}, 500)
	if got.lost+got.dups+got.late != 0 || len(got.faults) != 0 {
		t.Fatalf("a clean link lost %d, duplicated %d, reordered %d, faults %v", got.lost, got.dups, got.late, got.faults)
	}
}

// Loss 1 loses everything; duplication 1 doubles everything.
func TestUDPExtremes(t *testing.T) {
	if got := sendNumbered(t, 2, simnet.Config{UDPLoss: 1}, 50); got.lost != 50 {
		t.Errorf("loss 1: %d of 50 lost", got.lost)
	}
	if got := sendNumbered(t, 2, simnet.Config{UDPDup: 1}, 50); got.dups != 50 {
		t.Errorf("dup 1: %d of 50 duplicated", got.dups)
	}
}

// A reordered datagram comes at most ReorderDelay late, with its event
// saying by how much.
func TestUDPReorderDelay(t *testing.T) {
	e := newEnv(t, 4, simnet.Config{Latency: L, UDPReorder: 1, ReorderDelay: 3 * ms})
	must(t)(e.b.ListenUDP(ap("10.0.0.2:53")))
	ufd := must(t)(e.a.OpenUDP())
	must(t)(e.a.WriteTo(ufd, []byte("late"), ap("10.0.0.2:53")))
	e.run()
	at, ok := e.firstEvent(simnet.KindDatagram, ap("10.0.0.2:53"))
	if !ok || at <= L || at > L+3*ms {
		t.Fatalf("reordered datagram arrived at %v, want in (%v, %v]", at, L, L+3*ms)
	}
	want := "0.000000000s fault:reorder 10.0.0.1:40000>10.0.0.2:53 len=4 datagram +" + (at - L).String() + "\n"
	if got := e.log(simnet.KindFaultReorder); got != want {
		t.Fatalf("reorder event %q, want %q", got, want)
	}
}
