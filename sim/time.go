package sim

import (
	"math"
	"strconv"
	"time"
)

// Time is a reading of the virtual clock: nanoseconds since the world's
// epoch. It is an integer so that arithmetic on it is exact and the same on
// every machine; seconds as float64 appear only at Mongoose-shaped APIs, via
// [Time.Seconds] and [FromSeconds].
//
// The zero Time is the epoch, where a world's clock starts unless
// [Options.Start] says otherwise.
type Time int64

// Never is a deadline that never comes: parking until Never waits for an
// explicit [Proc.Unpark].
const Never Time = math.MaxInt64

// Add returns t+d, saturating at [Never].
func (t Time) Add(d time.Duration) Time {
	s := t + Time(d)
	if d > 0 && s < t {
		return Never
	}
	return s
}

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Seconds returns t in seconds, the unit of Mongoose's mg_time().
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// FromSeconds converts seconds (as mg_time() returns them) to a Time,
// rounding to the nearest nanosecond and saturating at [Never].
func FromSeconds(s float64) Time {
	ns := math.Round(s * 1e9)
	if ns >= math.MaxInt64 {
		return Never
	}
	if ns <= math.MinInt64 {
		return math.MinInt64
	}
	return Time(ns)
}

// String formats t as seconds with nanosecond precision, for example
// "1.500000000s". The form is stable byte for byte.
func (t Time) String() string {
	if t == Never {
		return "never"
	}
	neg := t < 0
	u := uint64(t)
	if neg {
		u = uint64(-t)
	}
	b := make([]byte, 0, 24)
	if neg {
		b = append(b, '-')
	}
	b = strconv.AppendUint(b, u/1e9, 10)
	b = append(b, '.')
	frac := strconv.FormatUint(u%1e9, 10)
	for i := len(frac); i < 9; i++ {
		b = append(b, '0')
	}
	b = append(b, frac...)
	b = append(b, 's')
	return string(b)
}
