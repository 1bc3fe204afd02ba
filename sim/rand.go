package sim

import (
	"math/rand/v2"
	"time"
)

// Rand is a seeded random source. Every random choice in a simulation comes
// from a Rand derived from the world's one [Seed]; nothing reads global
// randomness.
//
// Components draw from their own stream, made with [Rand.Fork] and a label.
// A forked stream depends only on the parent's key and the label, never on
// how much the parent or a sibling has drawn, so adding a component (or one
// more draw in one component) leaves every other stream unchanged.
//
// The zero Rand is not usable; make one with [NewRand] or [Rand.Fork].
type Rand struct {
	key uint64
	src rand.PCG
	r   *rand.Rand
}

// NewRand returns the root stream for seed.
func NewRand(seed Seed) *Rand { return newRand(mix64(uint64(seed) ^ 0x6d67_7369_6d00_0001)) }

func newRand(key uint64) *Rand {
	r := &Rand{key: key}
	r.src.Seed(key, mix64(key+0x9e3779b97f4a7c15))
	r.r = rand.New(&r.src)
	return r
}

// Fork returns the stream for a labelled component. Forking twice with the
// same label returns two copies of the same stream, so labels must be unique
// among a parent's children. Paths nest: r.Fork("net").Fork("link 1").
func (r *Rand) Fork(label string) *Rand {
	return newRand(mix64(r.key ^ hashLabel(label)))
}

// Uint64 returns a uniformly random 64-bit value.
func (r *Rand) Uint64() uint64 { return r.r.Uint64() }

// IntN returns a uniform int in [0, n). It returns 0 when n <= 0.
func (r *Rand) IntN(n int) int {
	if n <= 0 {
		return 0
	}
	return r.r.IntN(n)
}

// Int64N returns a uniform int64 in [0, n). It returns 0 when n <= 0.
func (r *Rand) Int64N(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return r.r.Int64N(n)
}

// Range returns a uniform int in [lo, hi]. It returns lo when hi <= lo.
func (r *Rand) Range(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.r.IntN(hi-lo+1)
}

// Float64 returns a uniform float64 in [0, 1).
func (r *Rand) Float64() float64 { return r.r.Float64() }

// Chance returns true with probability p (p <= 0 never, p >= 1 always).
func (r *Rand) Chance(p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	return r.r.Float64() < p
}

// Duration returns a uniform duration in [lo, hi].
func (r *Rand) Duration(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.r.Int64N(int64(hi-lo)+1))
}

// ExpFloat64 returns an exponentially distributed value with mean 1.
func (r *Rand) ExpFloat64() float64 { return r.r.ExpFloat64() }

// NormFloat64 returns a normally distributed value with mean 0 and
// standard deviation 1.
func (r *Rand) NormFloat64() float64 { return r.r.NormFloat64() }

// Shuffle permutes n elements with swap, as [rand.Shuffle] does.
func (r *Rand) Shuffle(n int, swap func(i, j int)) { r.r.Shuffle(n, swap) }

// Perm returns a random permutation of [0, n).
func (r *Rand) Perm(n int) []int { return r.r.Perm(n) }

// mix64 is the splitmix64 finaliser: a bijection that spreads every input
// bit over the output.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashLabel is 64-bit FNV-1a, stable across Go releases and platforms.
func hashLabel(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
