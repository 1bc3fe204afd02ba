//go:build race

package simnet_test

// raceEnabled: under the race detector sync.Pool drops items at random,
// so the buffer pools (and with them allocation counts) are not steady.
const raceEnabled = true
