package reference

import (
	"math/bits"
	"sync"
	"unsafe"
)

// Mbuf arrays are recycled across buffers and managers: every
// benchmark or test run builds new connections whose buffers fill from
// nothing, and allocating (and zeroing) that storage afresh each
// time costs more than moving the data. Arrays of 1 KiB and more are
// handed out in power-of-two size classes. Which array is reused never
// shows in any output: an Mbuf reads only bytes it holds.

// Size classes: 1<<poolMinShift up to 1<<poolMaxShift bytes.
const (
	poolMinShift = 10
	poolMaxShift = 24
)

// bufPools hold, per class, pointers to the first byte of spare arrays:
// every array in class c has exactly 1<<(c+poolMinShift) bytes, so the
// pointer is the whole array, and a Put boxes nothing (a slice would need
// a *[]byte, an allocation of its own).
var bufPools [poolMaxShift - poolMinShift + 1]sync.Pool

// poolClass returns the class whose arrays hold n bytes, and false if n is
// outside the classes (small arrays cost little to allocate).
func poolClass(n int) (int, bool) {
	shift := bits.Len(uint(n - 1))
	return shift - poolMinShift, n >= 1<<poolMinShift && shift <= poolMaxShift
}

// getBuf returns a slice of n bytes (contents undefined), from the pool
// when it has an array of n's class.
func getBuf(n int) []byte {
	c, ok := poolClass(n)
	if !ok {
		return make([]byte, n)
	}
	if p, _ := bufPools[c].Get().(*byte); p != nil {
		return unsafe.Slice(p, 1<<(c+poolMinShift))[:n]
	}
	return make([]byte, n, 1<<(c+poolMinShift))
}

// putBuf gives b's array back for reuse. Nothing may use b afterwards.
// Arrays whose capacity is not a class size are left to the collector.
func putBuf(b []byte) {
	n := cap(b)
	if c, ok := poolClass(n); ok && n == 1<<(c+poolMinShift) {
		bufPools[c].Put(unsafe.SliceData(b))
	}
}
