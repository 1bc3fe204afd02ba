package fuzz_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mgsim/mgsim/reference"
)

// mbufModel is the mbuf of section A written out from the spec text, over
// a plain byte slice: the oracle of FuzzMbuf.
type mbufModel struct {
	data  []byte
	size  int
	limit int
}

// alloc says whether a realloc to n bytes succeeds: shrinking always does,
// growing only within the limit (A12).
func (o *mbufModel) alloc(n int) bool { return o.limit == 0 || n <= o.limit || n <= o.size }

func (o *mbufModel) resize(n int) { // A5
	if n >= 0 && (n > o.size || n < o.size && n >= len(o.data)) && o.alloc(n) {
		o.size = n
	}
}

func (o *mbufModel) insert(off int, p []byte) int { // A7, A8
	if off < 0 || off > len(o.data) {
		return 0
	}
	if need := len(o.data) + len(p); need > o.size {
		switch grown := min(need+need/2, need+reference.MbufHeadroom); {
		case o.alloc(grown):
			o.size = grown
		case o.alloc(need):
			o.size = need
		default:
			return 0
		}
	}
	tail := append([]byte(nil), o.data[off:]...)
	o.data = append(append(o.data[:off], p...), tail...)
	return len(p)
}

func (o *mbufModel) remove(n int) { // A10
	if n > 0 && n <= len(o.data) {
		o.data = o.data[n:]
	}
}

// mbufOp codes; each op takes the two bytes after its code as arguments.
const (
	mInit byte = iota
	mAppend
	mAppendBig // 200 bytes per unit: reaches the headroom cap
	mInsert
	mRemove
	mResize
	mTrim
	mClear
	mFree
	mLimit
	mAppendOwn // appends part of the buffer's own data to itself
	numMbufOps
)

// runMbufOps applies the ops to an Mbuf and to the model and returns the
// first difference.
func runMbufOps(data []byte) error {
	var m reference.Mbuf
	var o mbufModel
	for i := 0; i+2 < len(data); i += 3 {
		code, a, b := data[i]%numMbufOps, int(data[i+1]), int(data[i+2])
		if got, want := applyMbufOp(&m, &o, code, a, b); got != want {
			return fmt.Errorf("op %d (code %d, %d, %d) returned %d, the model %d", i/3+1, code, a, b, got, want)
		}
		if !bytes.Equal(m.Bytes(), o.data) || m.Size() != o.size || m.Len() > m.Size() {
			return fmt.Errorf("after op %d (code %d, %d, %d): mbuf len %d size %d, model len %d size %d", i/3+1, code, a, b, m.Len(), m.Size(), len(o.data), o.size)
		}
	}
	return nil
}

// applyMbufOp does one op on both; it returns the results of inserts.
func applyMbufOp(m *reference.Mbuf, o *mbufModel, code byte, a, b int) (got, want int) {
	p := bytes.Repeat([]byte{byte(b)}, a)
	switch code {
	case mInit:
		m.Init(a*8 - 1)
		o.data, o.size = o.data[:0], 0
		o.resize(a*8 - 1)
	case mAppend:
		return m.Append(p), o.insert(len(o.data), p)
	case mAppendBig:
		p = bytes.Repeat(p, 200)
		return m.Append(p), o.insert(len(o.data), p)
	case mInsert:
		off := b%(len(o.data)+3) - 1 // -1 and len+1 are out of range
		return m.Insert(off, p), o.insert(off, p)
	case mRemove:
		m.Remove(a*4 - 1)
		o.remove(a*4 - 1)
	case mResize:
		m.Resize(a*b - 1)
		o.resize(a*b - 1)
	case mTrim:
		m.Trim()
		o.resize(len(o.data))
	case mClear:
		m.Clear()
		o.data = o.data[:0]
	case mFree:
		m.Free()
		o.data, o.size = nil, 0
	case mLimit:
		m.SetAllocLimit(a * b)
		o.limit = a * b
	case mAppendOwn:
		if len(o.data) == 0 {
			break
		}
		from := a % len(o.data)
		own := o.data[from : from+1+b%(len(o.data)-from)]
		return m.Append(m.Bytes()[from : from+len(own)]), o.insert(len(o.data), bytes.Clone(own))
	}
	return 0, 0
}

// FuzzMbuf (target b): mbuf operation sequences against the model. Each
// op is three bytes: a code (mod the number of ops) and two arguments.
func FuzzMbuf(f *testing.F) {
	f.Add([]byte{mInit, 1, 0, mLimit, 128, 128, mAppend, 0, 0, mAppend, 4, 'T', mResize, 1, 3, mInsert, 2, 1, mInsert, 18, 1}) // 6.18's test_mbuf: init(7), limit, append nothing, append 4, resize(2) keeps data, inserts at the front
	f.Add([]byte{mAppend, 6, 'x', mAppend, 18, 'y'})                                                                           // 1.5x growth: 6 bytes in 9, then 24 in 36 (A7)
	f.Add([]byte{mAppendBig, 90, 'a', mAppendBig, 10, 'b'})                                                                    // 18000 bytes: capped at need+8192, then fits (A7)
	f.Add([]byte{mAppend, 6, 'x', mLimit, 5, 6, mAppend, 18, 'y', mLimit, 1, 23, mAppend, 18, 'y'})                            // the 1.5x allocation fails, exact need works; then both fail (A7, A12)
	f.Add([]byte{mAppend, 10, 'q', mRemove, 3, 0, mRemove, 200, 0, mRemove, 0, 0, mTrim, 0, 0})                                // remove 11 of 10 does nothing, remove -1 too; remove never shrinks, trim does (A6, A10)
	f.Add([]byte{mAppend, 4, 'a', mInsert, 2, 0, mInsert, 2, 5, mInsert, 2, 6, mInsert, 1, 7})                                 // inserts at -1 (refused), 4 (end), 5 (past the end: refused)
	f.Add([]byte{mAppend, 20, 'z', mClear, 0, 0, mResize, 1, 1, mFree, 0, 0, mAppend, 1, 'k'})                                 // clear keeps capacity; resize to 0 when empty; free then append (A4, A11)
	f.Add([]byte{mAppend, 4, 'a', mAppend, 4, 'b', mRemove, 1, 0, mAppendOwn, 0, 4})                                           // remove, then append the data to itself: the array moves the data to its front first
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := runMbufOps(data); err != nil {
			t.Fatal(err)
		}
	})
}
