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
	// Needs says what the scenario requires of a network; it is skipped on
	// profiles that lack it. Zero: it runs on every profile.
	Needs Need
	// Tune, if set, adjusts the network's configuration (taken from the
	// profile) before the world is built, e.g. a shorter TCP user timeout.
	Tune func(c *simnet.Config)
	// Setup builds the scenario on a fresh Env and starts its processes.
	Setup func(e *Env)
}

func (s Scenario) deadline() time.Duration {
	if s.Deadline == 0 {
		return 120 * time.Second
	}
	return s.Deadline
}

// Need is a set of requirements a scenario has of its network.
type Need uint8

// Requirements.
const (
	// NeedReliableDatagrams: no UDP loss, duplication or reordering (the
	// scenario checks exact datagram semantics).
	NeedReliableDatagrams Need = 1 << iota
)

// RunsOn reports whether the scenario runs on network profile p (it is
// skipped on profiles that lack what it Needs).
func (s Scenario) RunsOn(p simnet.Profile) bool {
	c := p.Config
	if s.Needs&NeedReliableDatagrams != 0 && (c.UDPLoss > 0 || c.UDPDup > 0 || c.UDPReorder > 0) {
		return false
	}
	return true
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

// NetProfiles returns the network profiles scenarios run on, in a fixed
// order: simnet's named profiles (lan, wan, lossy, flaky, chop, slow,
// adversary).
func NetProfiles() []simnet.Profile { return simnet.Profiles() }

// LookupNetProfile finds a network profile by name.
func LookupNetProfile(name string) (simnet.Profile, bool) { return simnet.LookupProfile(name) }

// NetProfileNames lists the profile names in order.
func NetProfileNames() []string {
	var out []string
	for _, p := range NetProfiles() {
		out = append(out, p.Name)
	}
	return out
}
