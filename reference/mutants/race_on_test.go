//go:build race

package mutants_test

// raceEnabled: the race detector makes a full hunt too slow for go test;
// the tests replay the recorded catches instead.
const raceEnabled = true
