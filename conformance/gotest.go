package conformance

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/mgsim/mgsim/sim"
)

// Flags read by [Run], so that a failure printed by a user's go test can be
// replayed with one command.
var (
	flagSeed  = flag.String("mgsim.seed", "", "run only this seed (as printed by a failure)")
	flagSeeds = flag.Int("mgsim.seeds", 0, "number of seeds per scenario and network profile (default 5)")
	flagNet   = flag.String("mgsim.profile", "", "run only this network profile")
)

// Option configures [Run].
type Option func(*runConfig)

type runConfig struct {
	seeds []sim.Seed
	nets  []string
	rules Profile
}

// Seeds runs each scenario on seeds first..first+n-1.
func Seeds(first sim.Seed, n int) Option {
	return func(c *runConfig) { c.seeds = SeedRange(first, n) }
}

// Nets restricts the network profiles.
func Nets(names ...string) Option { return func(c *runConfig) { c.nets = names } }

// RuleProfile selects the checker profile (default core).
func RuleProfile(p Profile) Option { return func(c *runConfig) { c.rules = p } }

// Run runs the whole conformance suite on impl from a user's go test: one
// subtest per scenario (named "<id>_<name>", so -run selects), each over
// seeds and network profiles. A failing subtest prints the violated rules
// with the events around them and the one command that replays it.
//
//	func TestConformance(t *testing.T) { conformance.Run(t, myImpl{}) }
func Run(t *testing.T, impl Impl, opts ...Option) {
	t.Helper()
	cfg, err := runConfigFrom(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Scenarios() {
		t.Run(subtestName(s), func(t *testing.T) { runSubtest(t, impl, s, cfg) })
	}
}

func runConfigFrom(opts []Option) (runConfig, error) {
	cfg := runConfig{seeds: SeedRange(1, 5), nets: NetProfileNames()}
	for _, o := range opts {
		o(&cfg)
	}
	if *flagSeeds > 0 {
		cfg.seeds = SeedRange(1, *flagSeeds)
	}
	if *flagSeed != "" {
		s, err := sim.ParseSeed(*flagSeed)
		if err != nil {
			return cfg, err
		}
		cfg.seeds = []sim.Seed{s}
	}
	if *flagNet != "" {
		if _, ok := LookupNetProfile(*flagNet); !ok {
			return cfg, fmt.Errorf("-mgsim.profile: unknown network profile %q (have %s)", *flagNet, strings.Join(NetProfileNames(), ", "))
		}
		cfg.nets = []string{*flagNet}
	}
	return cfg, nil
}

func subtestName(s Scenario) string {
	return s.ID + "_" + strings.ReplaceAll(s.Name, "/", "-")
}

func runSubtest(t *testing.T, impl Impl, s Scenario, cfg runConfig) {
	for _, net := range cfg.nets {
		if p, _ := LookupNetProfile(net); !s.RunsOn(p) {
			continue
		}
		for _, seed := range cfg.seeds {
			r := RunScenario(impl, s, seed, RunOptions{Rules: cfg.rules, Net: net})
			if !r.OK() {
				t.Fatalf("%s %s seed %d profile %s:\n%s\nreplay: go test -run '^%s$/^%s$' -mgsim.seed=%d -mgsim.profile=%s",
					s.ID, s.Name, seed, net, failureText(r), t.Name()[:strings.Index(t.Name(), "/")], regexpQuote(subtestName(s)), seed, net)
			}
		}
	}
}

func regexpQuote(s string) string { return strings.NewReplacer(".", `\.`).Replace(s) }
