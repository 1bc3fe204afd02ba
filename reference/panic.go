package reference

import (
	"fmt"
	"runtime/debug"
)

// HandlerPanicError is the panic value Poll and Free re-panic with when a
// handler panics: which connection, which event, and the original value.
type HandlerPanicError struct {
	ConnID uint64
	Event  Event
	Value  any
	Stack  []byte // the handler goroutine's stack at the panic, for humans
}

// Error is a deterministic one-line description (without the stack).
func (e *HandlerPanicError) Error() string {
	return fmt.Sprintf("reference: handler panicked on conn %d, event %s: %v", e.ConnID, e.Event, e.Value)
}

// Unwrap returns the original value when it is an error.
func (e *HandlerPanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// invoke runs c's handler for one event.
func invoke(c *Conn, ev Event, d EventData) {
	defer repanic(c, ev)
	c.Handler(c, ev, d)
}

// repanic, deferred around a handler, turns a panic into a
// *HandlerPanicError for c and ev.
func repanic(c *Conn, ev Event) {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(*HandlerPanicError); ok {
		panic(r)
	}
	panic(&HandlerPanicError{ConnID: c.id, Event: ev, Value: r, Stack: debug.Stack()})
}
