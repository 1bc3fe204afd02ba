package reference

import (
	"maps"
	"slices"
	"testing"
	"unsafe"
)

// A poll reads, of every connection, what its poll set entry needs
// (socket, flags, timer, buffer lengths and limit, lookup) and what its
// turn needs (the handler, the next connection). Those fields sit in the
// first 128 bytes of a Conn (two or three cache lines, as the Conn falls),
// so that a poll over thousands of connections does not miss the cache
// half a dozen times per connection.
func TestConnHotFields(t *testing.T) {
	var c Conn
	end := func(off, size uintptr) uintptr { return off + size }
	hot := map[string]uintptr{
		"Flags":         end(unsafe.Offsetof(c.Flags), unsafe.Sizeof(c.Flags)),
		"pfd":           end(unsafe.Offsetof(c.pfd), unsafe.Sizeof(c.pfd)),
		"sock":          end(unsafe.Offsetof(c.sock), unsafe.Sizeof(c.sock)),
		"timer":         end(unsafe.Offsetof(c.timer), unsafe.Sizeof(c.timer)),
		"next":          end(unsafe.Offsetof(c.next), unsafe.Sizeof(c.next)),
		"dns":           end(unsafe.Offsetof(c.dns), unsafe.Sizeof(c.dns)),
		"Handler":       end(unsafe.Offsetof(c.Handler), unsafe.Sizeof(c.Handler)),
		"RecvMbufLimit": end(unsafe.Offsetof(c.RecvMbufLimit), unsafe.Sizeof(c.RecvMbufLimit)),
		"RecvMbuf.len":  end(unsafe.Offsetof(c.RecvMbuf)+unsafe.Offsetof(c.RecvMbuf.len), unsafe.Sizeof(c.RecvMbuf.len)),
		"SendMbuf.len":  end(unsafe.Offsetof(c.SendMbuf)+unsafe.Offsetof(c.SendMbuf.len), unsafe.Sizeof(c.SendMbuf.len)),
	}
	for _, name := range slices.Sorted(maps.Keys(hot)) { // failures in a fixed order
		if e := hot[name]; e > 128 {
			t.Errorf("Conn.%s ends at byte %d, beyond the first 128", name, e)
		}
	}
}
