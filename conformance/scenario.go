package conformance

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mgsim/mgsim/simnet"
)

// Scenario is one numbered conformance scenario: a small program of
// managers, connections and handlers that exercises some rules, run on the
// implementation under test across seeds and network profiles. Ids are
// stable and grouped by area, like h2spec's sections: "1.x" lifecycle,
// "2.x" data and buffers, "3.x" closing, "4.x" timers, "5.x" UDP, "6.x"
// the poll loop, "7.x" hostile networks.
type Scenario struct {
	ID    string   // stable id, "2.3"
	Name  string   // stable slug, "tcp/partial-consume"
	Title string   // one line for humans
	Rules []string // ids of the rules it exercises (see Rules)
	// Deadline is the simulated time the scenario must finish within.
	// Zero: 120s.
	Deadline time.Duration
	// Nets restricts the network profiles the scenario runs on (by name).
	// Nil: every profile.
	Nets []string
	// Setup builds the scenario on a fresh Env and starts its processes.
	Setup func(e *Env)
}

func (s Scenario) deadline() time.Duration {
	if s.Deadline == 0 {
		return 120 * time.Second
	}
	return s.Deadline
}

// runsOn reports whether the scenario runs on network profile net.
func (s Scenario) runsOn(net string) bool {
	if s.Nets == nil {
		return true
	}
	for _, n := range s.Nets {
		if n == net {
			return true
		}
	}
	return false
}

var registry []Scenario

// register adds scenarios to the catalogue; it is called from init
// functions of the scenario files.
func register(ss ...Scenario) { registry = append(registry, ss...) }

// Scenarios returns the catalogue in id order.
func Scenarios() []Scenario {
	out := append([]Scenario(nil), registry...)
	sort.Slice(out, func(i, j int) bool { return lessID(out[i].ID, out[j].ID) })
	return out
}

// LookupScenario finds a scenario by id ("2.3") or name
// ("tcp/partial-consume").
func LookupScenario(key string) (Scenario, bool) {
	for _, s := range registry {
		if s.ID == key || s.Name == key {
			return s, true
		}
	}
	return Scenario{}, false
}

// lessID orders dotted ids numerically: "1.2" < "1.10" < "2.1".
func lessID(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			if as[i] != bs[i] {
				return as[i] < bs[i]
			}
			continue
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// NetProfile is a named network the suite runs scenarios on.
type NetProfile struct {
	Name   string
	Title  string
	Config simnet.Config
}

// NetProfiles returns the network profiles scenarios run on, in a fixed
// order.
func NetProfiles() []NetProfile {
	return []NetProfile{
		{Name: "lan", Title: "200µs latency with jitter, segments of 536-1460 bytes", Config: simnet.Config{
			Latency: 200 * time.Microsecond, Jitter: 100 * time.Microsecond, MinSegment: 536, MaxSegment: 1460}},
		{Name: "wan", Title: "30ms latency with 10ms jitter, segments of 100-1460 bytes, 16 KiB buffers", Config: simnet.Config{
			Latency: 30 * time.Millisecond, Jitter: 10 * time.Millisecond, MinSegment: 100, MaxSegment: 1460,
			SendBuffer: 16 << 10, RecvBuffer: 16 << 10}},
		{Name: "chop", Title: "1ms latency, segments of 1-100 bytes, 4 KiB buffers (short writes)", Config: simnet.Config{
			Latency: time.Millisecond, Jitter: time.Millisecond, MinSegment: 1, MaxSegment: 100,
			SendBuffer: 4 << 10, RecvBuffer: 4 << 10}},
	}
}

// LookupNetProfile finds a network profile by name.
func LookupNetProfile(name string) (NetProfile, bool) {
	for _, p := range NetProfiles() {
		if p.Name == name {
			return p, true
		}
	}
	return NetProfile{}, false
}

// NetProfileNames lists the profile names in order.
func NetProfileNames() []string {
	var out []string
	for _, p := range NetProfiles() {
		out = append(out, p.Name)
	}
	return out
}
