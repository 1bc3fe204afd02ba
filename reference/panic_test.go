package reference_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mgsim/mgsim/reference"
)

// catch runs f and returns the value it panicked with, or nil.
func catch(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// A handler panic comes out of Poll as a *HandlerPanicError naming the
// connection and the event; the manager stays usable and Free works.
func TestHandlerPanic(t *testing.T) {
	e := newEnv(t)
	_, peer := acceptOne(t, e, on(reference.EvRecv, func(c *reference.Conn, _ reference.EventData) {
		panic(io.ErrUnexpectedEOF)
	}))
	e.net.rawSend(peer, "boom")
	v := catch(func() { e.m.Poll(10) })
	hp, ok := v.(*reference.HandlerPanicError)
	if !ok {
		t.Fatalf("panic value %T %v, want *HandlerPanicError", v, v)
	}
	if hp.ConnID != 2 || hp.Event != reference.EvRecv || hp.Value != io.ErrUnexpectedEOF {
		t.Fatalf("got conn %d event %v value %v", hp.ConnID, hp.Event, hp.Value)
	}
	if want := "reference: handler panicked on conn 2, event RECV: unexpected EOF"; hp.Error() != want {
		t.Fatalf("Error() = %q, want %q", hp.Error(), want)
	}
	if !errors.Is(hp, io.ErrUnexpectedEOF) || !strings.Contains(string(hp.Stack), "panic_test.go") {
		t.Fatalf("Unwrap or Stack missing the original: %s", hp.Stack)
	}
	e.rec.take()
	e.m.Free()
	e.expect("3:2 POLL [0]", "3:1 POLL [LISTENING]", "0:2 CLOSE [CLOSE_IMMEDIATELY]", "0:1 CLOSE [LISTENING|CLOSE_IMMEDIATELY]")
}

// A panic in a CLOSE handler during Free propagates; Free can be called
// again and closes the rest.
func TestHandlerPanicDuringFree(t *testing.T) {
	e := newEnv(t)
	e.m.AddSock(e.rec.wrap(nil))
	e.m.AddSock(e.rec.wrap(on(reference.EvClose, func(*reference.Conn, reference.EventData) { panic("close") })))
	v := catch(e.m.Free)
	if hp, ok := v.(*reference.HandlerPanicError); !ok || hp.ConnID != 2 || hp.Event != reference.EvClose {
		t.Fatalf("panic %v", v)
	}
	e.rec.take()
	e.m.Free()
	e.expect("2:1 POLL [0]", "0:1 CLOSE [CLOSE_IMMEDIATELY]")
}
