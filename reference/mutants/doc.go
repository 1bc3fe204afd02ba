// Package mutants is the mutation catalogue of mgsim: deliberately buggy
// poll cores that prove the conformance suite has teeth. Each [Mutant] is
// the reference implementation with one realistic bug, the kind a poll-core
// author could write (CLOSE delivered twice, a timer fired 10 ms early, a
// SEND that reports the length asked for instead of the length written,
// ...). A suite that passes the reference and fails every mutant catches
// those bugs in any implementation; a mutant it lets through marks a gap.
//
// # What a mutant is
//
// Most bugs live inside the poll loop. Package reference has mutation
// points there: one-line checks such as
//
//	if m.bugs&mutation.CloseTwice != 0 {
//		m.call(c, EvClose, EventData{})
//	}
//
// placed where the bug would live. The bits are armed through package
// reference/internal/mutation, which only packages inside reference/ can
// import: the public API of reference does not change, and with no bit set
// every check is a branch never taken. A mutant's [conformance.Impl] is the
// reference adapter whose managers are made armed.
//
// A bug that lives at the interface (mbuf_remove, which handlers call) is a
// small wrapper around the adapter's Manager and Conn instead
// (mutant/remove-clamps).
//
// # The hunt
//
// [Hunt] runs the suite on each mutant, every scenario on every network
// profile with seeds 1..3, in suite order, and stops at the mutant's first
// failing run, checked under the mutant's Level: the lowest checker profile
// expected to catch it (core for a bug no implementation may have,
// mongoose-6.18 for a departure from 6.18's own order and sizes). It also
// runs the reference on every one of those runs, as a control: a suite
// that failed the reference would "catch" every mutant and prove nothing.
// For the same reason, options that select no run (an unknown network
// profile, no scenario) are an error, not a hunt every mutant survives.
// [Score.WriteText] prints what caught each mutant (the rule ids broken
// and the kinds of the scenario's own failures) and where. The score of the
// catalogue is kept in testdata/score.txt, so that a change in the suite's
// teeth shows up in review; "mgsim mutants" prints it too.
//
// # Known survivors
//
// [Survivors] are live mutants (their focused tests show the bug happening)
// that the suite does not catch yet. Each has a Gap saying why, and what
// would catch it. They are not in the score; a test fails when the suite
// starts catching one, so that it moves to the catalogue.
//
// A mutant that behaves exactly like the reference (an equivalent mutant)
// has no place in either list. Reading the clock once per connection
// instead of once per poll is one: no virtual time passes during a poll's
// walk, so it cannot be told apart here.
//
// # Adding a mutant
//
//  1. Add a bit to reference/internal/mutation (its name is the mutant's
//     slug) and a mutation point where the bug lives in package reference,
//     keeping the point to a one-line check (longer buggy paths go to
//     reference/mutation.go).
//  2. Append an entry to the catalogue in mutants.go: the one-line Bug and
//     the Level you expect to catch it.
//  3. Add its focused test (focus_test.go): a footprint read straight from
//     a trace, which the mutant leaves and the reference does not.
//  4. Run go test -run TestSuiteCatchesEveryMutant -update and review
//     testdata/score.txt. If the suite lets the mutant through, make it a
//     known survivor with its gap, and tell the suite's owners.
package mutants
