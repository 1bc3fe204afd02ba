package mutants_test

import (
	"fmt"
	"os"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/mutants"
)

// The catalogue lists realistic poll-core bugs; each mutant is a
// conformance.Impl the suite can run, and says what it does wrong.
func ExampleCatalogue() {
	for _, m := range mutants.Catalogue()[:4] {
		fmt.Printf("%-26s %-5s %s\n", m.Name, m.Level, m.Bug)
	}
	// Output:
	// mutant/recv-before-accept  core  an accepted connection is read in the accept poll before its ACCEPT is delivered
	// mutant/close-twice         core  CLOSE is delivered twice
	// mutant/io-inside-send      core  Send writes to the socket directly when its buffer is empty, with no SEND
	// mutant/timer-early         core  a timer due within 10 ms counts as due (now+10ms >= timer)
}

// Hunting a mutant on one scenario: the first failing run says what
// caught it.
func ExampleHunt() {
	m, _ := mutants.Lookup("mutant/close-twice")
	s, _ := conformance.LookupScenario("1.1")
	score, err := mutants.Hunt([]mutants.Mutant{m}, mutants.Options{
		Scenarios: []conformance.Scenario{s}, Nets: []string{"lan"}, Seeds: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	score.WriteText(os.Stdout)
	// Output:
	// mutant             | caught by | first failing scenario
	// mutant/close-twice | EV-1      | 1.1 tcp/connect-accept-close (lan, seed 1)
	// score: 1/1 mutants caught
	// control: reference passed 1/1 runs (rules mongoose-6.18)
}
