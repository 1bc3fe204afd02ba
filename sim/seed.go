package sim

import (
	"fmt"
	"strconv"
)

// Seed is the one number a simulated run is derived from. Print it on every
// failure; feeding it back reproduces the run byte for byte.
type Seed uint64

// String returns the seed in decimal, the form [ParseSeed] reads.
func (s Seed) String() string { return strconv.FormatUint(uint64(s), 10) }

// ParseSeed reads a seed written in decimal, or in hex with a 0x prefix.
func ParseSeed(text string) (Seed, error) {
	v, err := strconv.ParseUint(text, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("sim: bad seed %q: want a non-negative integer", text)
	}
	return Seed(v), nil
}
