package conformance

import (
	"testing"
	"unsafe"
)

// The fields of connState that almost every call reads or writes (up to
// grammarState) fit in its first three cache lines: a poll visits every
// other open connection between two calls of one, so each line the
// common path touches is likely a miss.
func TestConnStateHotFields(t *testing.T) {
	var cs connState
	if end := unsafe.Offsetof(cs.grammarState) + unsafe.Sizeof(cs.grammarState); end > 3*64 {
		t.Errorf("connState's hot fields end at byte %d, beyond the first three cache lines", end)
	}
}
