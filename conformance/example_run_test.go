package conformance_test

import (
	"fmt"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
)

// Run one numbered scenario on the reference over a simulated LAN, checking
// the Mongoose 6.18 rules live. The output is the same on every machine.
func ExampleRunScenario() {
	s, _ := conformance.LookupScenario("3.3")
	r := conformance.RunScenario(adapter.New(), s, 42, conformance.RunOptions{Rules: conformance.ProfileM618, Net: "lan"})
	fmt.Println(s.ID, s.Name, "ok:", r.OK())
	fmt.Println("events:", r.Events, "violations:", r.Check.ViolationCount)
	fmt.Println("replay:", r.Replay())
	// Output:
	// 3.3 tcp/peer-closes-first ok: true
	// events: 22 violations: 0
	// replay: go run ./cmd/mgsim run --impl reference --scenario 3.3 --seed 42 --profile lan --rules mongoose-6.18
}
