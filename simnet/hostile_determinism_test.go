package simnet_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// For every kind of fault: the chat workload with that fault, run twice
// (at GOMAXPROCS 1 and 8), gives a byte-identical log; the fault shows in
// it; and another seed gives another log.
func TestFaultDeterminism(t *testing.T) {
	lan := simnet.Config{Latency: L, Jitter: 3 * ms, MaxSegment: 700}
	slowLink := lan
	slowLink.Bandwidth = 4000 // one round's 1600 bytes take 0.4s each way: a reset finds it
	cases := []struct {
		name  string
		cfg   simnet.Config
		sched string
		want  []string // in the log
	}{
		{"partition", lan, "at 1s partition 10.0.0.1 10.0.0.2\nat 2.5s repair 10.0.0.1 10.0.0.2", []string{"fault:partition", "fault:drop", "fault:repair"}},
		{"partition-oneway", lan, "at 1s partition-oneway 10.0.0.2>10.0.0.1\nat 2.5s repair-oneway 10.0.0.2>10.0.0.1", []string{"fault:drop 10.0.0.2"}},
		{"hold", lan, "at 1s hold 10.0.0.1 10.0.0.2\nat 2s release 10.0.0.1 10.0.0.2", []string{"fault:hold ", "fault:release"}},
		{"hold-oneway", lan, "at 1s hold-oneway 10.0.0.1>10.0.0.2\nat 2s release-oneway 10.0.0.1>10.0.0.2", []string{"fault:hold "}},
		{"crash", lan, "at 1.2s crash b\nat 2.5s restart b", []string{"fault:crash b", "fault:restart b", " drop "}},
		{"reset", slowLink, "at 0.2s reset 10.0.0.1:40000 10.0.0.2:80", []string{"fault:reset 10.0.0.1:40000", "connection reset"}},
		{"reset-host", slowLink, "at 0.2s reset-host b", []string{"fault:reset-host b", "connection reset"}},
		{"dns-fail", lan, "at 0.5s dns-fail srv.test\nat 2s dns-heal srv.test", []string{"lookup a srv.test ENOENT"}},
		{"dns-slow", withLink(lan, func(c *simnet.Config) { c.DNSTimeout = time.Second }), "at 0.3s dns-slow srv.test 12s\nat 2s dns-unslow srv.test", []string{"lookup a srv.test ETIMEDOUT"}},
		{"udp impairments", withLink(lan, func(c *simnet.Config) { c.UDPLoss, c.UDPDup, c.UDPReorder = 0.3, 0.3, 0.3 }), "", []string{"fault:loss", "fault:dup", "fault:reorder"}},
		{"tcp loss", withLink(lan, func(c *simnet.Config) { c.TCPLoss = 0.2 }), "", []string{"fault:loss"}},
		{"pareto jitter and bandwidth", withLink(lan, func(c *simnet.Config) { c.JitterDist, c.Jitter, c.Bandwidth = simnet.Pareto, 20*ms, 50_000 }), "", []string{"segment"}},
		{"adversary", withLink(lan, func(c *simnet.Config) {
			c.Adversary = simnet.Adversary{ShortReads: 0.5, ShortWrites: 0.5, EAGAIN: 0.2, EINTR: 0.2, HideReady: 0.5, PollEINTR: 0.2, LateConnect: 0.5}
		}), "", []string{"client: round"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := simnet.ParseSchedule(c.sched)
			if err != nil {
				t.Fatal(err)
			}
			log := twice(t, func() string { return chat(t, 7, c.cfg, s, 4*time.Second) })
			for _, w := range c.want {
				if !strings.Contains(log, w) {
					t.Fatalf("%q is not in the log:\n%s", w, log)
				}
			}
			if strings.Contains(log, "fault:error") {
				t.Fatalf("a fault could not be applied:\n%s", log)
			}
			if other := chat(t, 8, c.cfg, s, 4*time.Second); other == log {
				t.Fatal("seeds 7 and 8 gave the same log")
			}
		})
	}
}

// A generated schedule of every kind of fault is just as reproducible.
func TestGeneratedScheduleDeterminism(t *testing.T) {
	e := newQuietEnv(t, 1, simnet.Config{})
	kinds := []simnet.FaultKind{simnet.OpPartition, simnet.OpPartitionOneWay, simnet.OpHold, simnet.OpHoldOneWay,
		simnet.OpCrash, simnet.OpResetHost, simnet.OpDNSFail, simnet.OpDNSSlow}
	s := simnet.GenerateSchedule(sim.NewRand(3), []*simnet.Host{e.a, e.b}, simnet.GenOptions{
		Span: 4 * time.Second, Faults: 10, Kinds: kinds, Names: []string{chatName}, MaxLength: time.Second,
	})
	log := twice(t, func() string { return chat(t, 11, simnet.Config{Latency: L, Jitter: ms}, s, 6*time.Second) })
	if strings.Count(log, "fault:") < 6 || strings.Contains(log, "fault:error") {
		t.Fatalf("schedule:\n%s\nlog:\n%s", s, log)
	}
}

func withLink(c simnet.Config, f func(*simnet.Config)) simnet.Config {
	f(&c)
	return c
}
