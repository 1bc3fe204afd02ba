package fuzz_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference"
	"github.com/mgsim/mgsim/sim"
)

// flagChoices are the bits the handler actions set and clear: the ones a
// handler owns, and some the core owns (the core must undo those, CL-3).
var flagChoices = []reference.Flags{
	reference.FlagUser1, reference.FlagUser3, reference.FlagUser6, reference.FlagSendAndClose,
	reference.FlagCloseImmediately, reference.FlagProto1,
	reference.FlagListening, reference.FlagConnecting, reference.FlagUDP,
}

// TestManagerStateMachine drives the reference over simnet with rapid
// actions — connect, send N bytes, remove K, set and clear flags, arm and
// disarm timers, close, poll with a timeout, advance time — and checks the
// model after every step and the checker's rules at the end.
func TestManagerStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		mc, err := newMachine(sim.Seed(rapid.Uint64().Draw(t, "seed")), drawMachineNet(t))
		if err != nil {
			t.Fatal(err)
		}
		defer mc.w.Close()
		t.Repeat(managerActions(mc))
		if err := mc.finish(); err != nil {
			t.Fatal(err)
		}
	})
}

func drawMachineNet(t *rapid.T) machineNet {
	maxSeg := rapid.IntRange(1, 1460).Draw(t, "max_segment")
	return machineNet{
		Latency:    time.Duration(rapid.IntRange(0, 5000).Draw(t, "latency_us")) * time.Microsecond,
		Jitter:     time.Duration(rapid.IntRange(0, 5000).Draw(t, "jitter_us")) * time.Microsecond,
		MinSegment: rapid.IntRange(1, maxSeg).Draw(t, "min_segment"),
		MaxSegment: maxSeg,
		Buffer:     rapid.SampledFrom([]int{0, 256, 1024, 4096}).Draw(t, "buffer"),
	}
}

func managerActions(mc *machine) map[string]func(*rapid.T) {
	conn := func(t *rapid.T) int {
		if len(mc.live()) == 0 {
			t.Skip("no live connection")
		}
		return rapid.IntRange(0, len(mc.live())-1).Draw(t, "conn")
	}
	return map[string]func(*rapid.T){
		"connect": func(t *rapid.T) {
			if len(mc.live()) >= 12 {
				t.Skip("enough connections")
			}
			mc.connect(rapid.IntRange(0, 4).Draw(t, "refused") == 0)
		},
		"send":   func(t *rapid.T) { mc.intend(conn(t), intent{kind: doSend, n: rapid.IntRange(1, 5000).Draw(t, "n")}) },
		"remove": func(t *rapid.T) { mc.intend(conn(t), intent{kind: doRemove, n: rapid.IntRange(-1, 3000).Draw(t, "k")}) },
		"flags": func(t *rapid.T) {
			k, f := conn(t), rapid.SampledFrom(flagChoices).Draw(t, "flag")
			mc.intend(k, intent{kind: rapid.SampledFrom([]intentKind{doSetFlags, doClearFlags}).Draw(t, "set"), f: f})
		},
		"timer": func(t *rapid.T) { mc.intend(conn(t), intent{kind: doTimer, n: rapid.IntRange(0, 300).Draw(t, "ms")}) },
		"close": func(t *rapid.T) { mc.intend(conn(t), intent{kind: doClose}) },
		"poll":  func(t *rapid.T) { mc.poll(rapid.IntRange(0, 50).Draw(t, "timeout_ms")) },
		"advance": func(t *rapid.T) {
			mc.advance(rapid.IntRange(1, 100).Draw(t, "ms"))
		},
		"": func(t *rapid.T) {
			if err := mc.check(); err != nil {
				t.Fatal(err)
			}
		},
	}
}

// op is one step of a handler fuzzing script: the same steps as the state
// machine's actions, decoded from bytes.
type op struct {
	code byte
	a, b byte
}

const (
	opConnect byte = iota
	opSend
	opRemove
	opFlags
	opTimer
	opClose
	opPoll
	opAdvance
	numOps
)

// decodeScript reads a network (4 bytes) and then ops (3 bytes each).
func decodeScript(data []byte) (machineNet, []op) {
	var head [4]byte
	copy(head[:], data)
	maxSeg := 1 + int(head[2])*1459/255
	n := machineNet{
		Latency:    time.Duration(head[0]) * 20 * time.Microsecond,
		Jitter:     time.Duration(head[1]) * 20 * time.Microsecond,
		MinSegment: 1 + int(head[3])%maxSeg,
		MaxSegment: maxSeg,
		Buffer:     []int{0, 256, 1024, 4096}[head[3]>>6],
	}
	var ops []op
	for data = data[min(len(data), 4):]; len(data) >= 3; data = data[3:] {
		ops = append(ops, op{code: data[0] % numOps, a: data[1], b: data[2]})
	}
	return n, ops
}

// script encodes a network and ops (the inverse of decodeScript), for
// seed corpora written as readable calls.
func script(net [4]byte, ops ...op) []byte {
	out := net[:]
	for _, o := range ops {
		out = append(out, o.code, o.a, o.b)
	}
	return out
}

func (o op) apply(mc *machine) {
	k := int(o.a)
	switch o.code {
	case opConnect:
		if len(mc.live()) < 12 {
			mc.connect(o.a%5 == 0)
		}
	case opSend:
		mc.intend(k, intent{kind: doSend, n: 1 + int(o.b)*20})
	case opRemove:
		mc.intend(k, intent{kind: doRemove, n: int(o.b)*12 - 1})
	case opFlags:
		kind := doSetFlags
		if o.b&0x80 != 0 {
			kind = doClearFlags
		}
		mc.intend(k, intent{kind: kind, f: flagChoices[int(o.b&0x7f)%len(flagChoices)]})
	case opTimer:
		mc.intend(k, intent{kind: doTimer, n: int(o.b)})
	case opClose:
		mc.intend(k, intent{kind: doClose})
	case opPoll:
		mc.poll(int(o.b) % 60)
	case opAdvance:
		mc.advance(1 + int(o.b)%100)
	}
}

func (o op) String() string {
	names := [...]string{"connect", "send", "remove", "flags", "timer", "close", "poll", "advance"}
	return fmt.Sprintf("%s(%d,%d)", names[o.code], o.a, o.b)
}

// runScript runs a decoded script on a fresh machine and returns the
// verdict.
func runScript(data []byte) error {
	n, ops := decodeScript(data)
	mc, err := newMachine(1, n)
	if err != nil {
		return nil // a network simnet refuses is not a finding
	}
	defer mc.w.Close()
	for i, o := range ops {
		o.apply(mc)
		if err := mc.check(); err != nil {
			return fmt.Errorf("after op %d %v: %w", i+1, o, err)
		}
	}
	return mc.finish()
}

// FuzzHandler (target a): the input drives handler actions and the
// network; the reference must break no rule of the mongoose-6.18 profile
// and the model must hold.
func FuzzHandler(f *testing.F) {
	lan := [4]byte{10, 5, 255, 255}                                                                                                          // 200µs latency, 100µs jitter, fixed 1460-byte segments, 4 KiB buffers
	chop := [4]byte{50, 50, 10, 3}                                                                                                           // 1ms latency and jitter, segments of 4-58 bytes, default buffers
	tiny := [4]byte{0, 250, 0, 0x40}                                                                                                         // no latency, 5ms jitter, 1-byte segments, 256-byte buffers
	f.Add(script(lan, op{opConnect, 1, 0}, op{opPoll, 0, 10}, op{opPoll, 0, 10}, op{opSend, 0, 5}, op{opPoll, 0, 10}, op{opPoll, 0, 10}))    // connect, then send 101 bytes
	f.Add(script(chop, op{opConnect, 1, 0}, op{opSend, 0, 200}, op{opPoll, 0, 5}, op{opPoll, 0, 5}, op{opPoll, 0, 5}, op{opAdvance, 0, 50})) // 4001 bytes queued before CONNECT, cut small
	f.Add(script(tiny, op{opConnect, 1, 0}, op{opPoll, 0, 1}, op{opPoll, 0, 1}, op{opSend, 0, 100}, op{opPoll, 0, 1}, op{opRemove, 1, 3}))   // short writes on tiny buffers, a partial remove
	f.Add(script(lan, op{opConnect, 0, 0}, op{opPoll, 0, 10}, op{opPoll, 0, 10}, op{opPoll, 0, 10}))                                         // a refused connect: CONNECT(111), then CLOSE
	f.Add(script(lan, op{opConnect, 0, 0}, op{opFlags, 0, 0x80 | 4}, op{opPoll, 0, 10}, op{opPoll, 0, 10}, op{opPoll, 0, 10}))               // a refused connect whose handler clears CLOSE_IMMEDIATELY
	f.Add(script(lan, op{opConnect, 1, 0}, op{opTimer, 0, 30}, op{opPoll, 0, 50}, op{opTimer, 0, 0}, op{opPoll, 0, 50}, op{opPoll, 0, 50}))  // arm a timer, poll past it, disarm
	f.Add(script(lan, op{opConnect, 1, 0}, op{opPoll, 0, 5}, op{opPoll, 0, 5}, op{opSend, 0, 50}, op{opClose, 0, 0}, op{opPoll, 0, 5}))      // close with data queued
	f.Add(script(chop, op{opConnect, 1, 0}, op{opPoll, 0, 5}, op{opPoll, 0, 5}, op{opSend, 1, 40}, op{opFlags, 1, 3}, op{opPoll, 0, 5}))     // SEND_AND_CLOSE after queueing
	f.Add(script(lan, op{opConnect, 1, 0}, op{opFlags, 0, 6}, op{opFlags, 0, 0x80 | 7}, op{opPoll, 0, 5}, op{opPoll, 0, 5}))                 // try to set LISTENING and clear CONNECTING: the core undoes both
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := runScript(data); err != nil {
			_, ops := decodeScript(data)
			t.Fatalf("%v\nscript: %s", err, opsText(ops))
		}
	})
}

func opsText(ops []op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = o.String()
	}
	return strings.Join(s, " ")
}

// echoScript connects, sends, polls, arms a timer and polls past it.
var echoScript = script([4]byte{10, 5, 255, 255}, op{opConnect, 1, 0}, op{opPoll, 0, 10}, op{opPoll, 0, 10}, op{opSend, 0, 5},
	op{opPoll, 0, 10}, op{opPoll, 0, 10}, op{opRemove, 1, 3}, op{opTimer, 0, 30}, op{opPoll, 0, 50}, op{opPoll, 0, 50})

// The machine's checks can fail: a trace that lies about what a handler
// queued is caught by the checker, and a connection changed behind the
// handler's back is caught by the model.
func TestMachineCatchesBreakage(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(mc *machine)
		want  string
	}{
		{"trace lies about queued bytes", func(mc *machine) {
			mc.mutate = func(e *conformance.Event) {
				if e.Queued > 0 {
					e.Queued++
				}
			}
		}, "BUF-4"},
		{"trace drops a CLOSE", func(mc *machine) {
			mc.mutate = func(e *conformance.Event) {
				if e.Ev == conformance.EvClose && e.Conn == 2 {
					e.Ev, e.Name = conformance.EvPoll, "POLL"
				}
			}
		}, "violations"},
		{"USER bit set outside a handler", func(mc *machine) { mc.conns[1].c.Flags |= reference.FlagUser2 }, "USER bits"},
		{"timer armed outside a handler", func(mc *machine) { mc.conns[1].c.SetTimer(1e6) }, "armed for"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			net, ops := decodeScript(echoScript)
			mc, err := newMachine(1, net)
			if err != nil {
				t.Fatal(err)
			}
			defer mc.w.Close()
			for i, o := range ops {
				if i == 3 {
					tc.spoil(mc)
				}
				o.apply(mc)
			}
			err = mc.finish()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
	if err := runScript(echoScript); err != nil {
		t.Fatalf("the unbroken script fails: %v", err)
	}
}
