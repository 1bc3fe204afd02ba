package conformance

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// normalized makes empty lists nil, so that a drawn workload and a parsed
// one compare equal when they mean the same.
func normalized(w Workload) Workload {
	w = w.Clone()
	if len(w.Clients) == 0 {
		w.Clients = nil
	}
	for i := range w.Clients {
		if len(w.Clients[i].Steps) == 0 {
			w.Clients[i].Steps = nil
		}
		for j := range w.Clients[i].Steps {
			if len(w.Clients[i].Steps[j].Data) == 0 {
				w.Clients[i].Steps[j].Data = nil
			}
		}
	}
	if len(w.Faults) == 0 {
		w.Faults = nil
	}
	return w
}

// Ops are data that round-trip: generate, format, parse, equal; and the
// text is a fixed point.
func TestWorkloadRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		alphabet := rapid.SampledFrom([]string{"", "ab\n", "\x00\xff\"\\ é"}).Draw(t, "alphabet")
		w := WorkloadGen(WorkloadLimits{Alphabet: alphabet}).Draw(t, "w")
		if err := w.Validate(); err != nil {
			t.Fatalf("the generator drew an invalid workload: %v\n%s", err, w)
		}
		text := w.String()
		got, err := ParseWorkload(text)
		if err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
		if !reflect.DeepEqual(normalized(got), normalized(w)) {
			t.Fatalf("parsed back differently:\n%s\n%s", text, got)
		}
		if again := got.String(); again != text {
			t.Fatalf("not a fixed point:\n%s\n%s", text, again)
		}
	})
}

func TestParseWorkload(t *testing.T) {
	text := `# a comment, then a blank line

net rcvbuf=4096 segments=1-100 latency=1.5ms
client 1 at 10ms
  send "GET /\r\n"
  pause 5ms
  send "\x00"
client 2 at 0s
fault at 20ms stall client 2 for 1s
fault at 0s reset client 1
`
	w, err := ParseWorkload(text)
	if err != nil {
		t.Fatal(err)
	}
	want := Workload{
		Net: WorkloadNet{Latency: 1500 * time.Microsecond, MinSegment: 1, MaxSegment: 100, RecvBuffer: 4096},
		Clients: []WorkloadClient{
			{Start: 10 * time.Millisecond, Steps: []Step{{Data: []byte("GET /\r\n")}, {Pause: 5 * time.Millisecond}, {Data: []byte{0}}}},
			{},
		},
		Faults: []Fault{{At: 20 * time.Millisecond, Kind: FaultStall, Client: 2, For: time.Second}, {Kind: FaultReset, Client: 1}},
	}
	if !reflect.DeepEqual(normalized(w), normalized(want)) {
		t.Fatalf("got\n%s\nwant\n%s", w, want)
	}
	wantText := `seed 0
net latency=1.5ms jitter=0s segments=1-100 sndbuf=0 rcvbuf=4096
client 1 at 10ms
  send "GET /\r\n"
  pause 5ms
  send "\x00"
client 2 at 0s
fault at 20ms stall client 2 for 1s
fault at 0s reset client 1
`
	if w.String() != wantText {
		t.Fatalf("text:\n%s\nwant:\n%s", w, wantText)
	}
	if s := w.Size().String(); s != "2 clients, 3 steps, 8 bytes, 2 faults" {
		t.Fatalf("size %q", s)
	}
}

func TestParseWorkloadErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{"seed x", `line 1: sim: bad seed "x"`},
		{"seed 1 2", `line 1: want "seed N"`},
		{"net latency=1ms latency=2ms", "distinct key=value"},
		{"net colour=red", "unknown field"},
		{"net segments=5", "want MIN-MAX"},
		{"net segments=100-5", "MinSegment 100 is larger than MaxSegment 5"},
		{"net latency=-1s", "must not be negative"},
		{"client 2 at 0s", "this one should be 1"},
		{"client 1 at soon", `bad duration "soon"`},
		{"client 1 at -1s", "client 1: start -1s is negative"},
		{"send \"x\"", "send before any client"},
		{"client 1 at 0s\n  send x", "want a Go-quoted string"},
		{"client 1 at 0s\n  send \"\"", "a pause must be positive and a send must have data"},
		{"client 1 at 0s\n  pause 0s", "a pause must be positive"},
		{"client 1 at 0s\nfault at 1s reset client 2", "client 2 does not exist"},
		{"client 1 at 0s\nfault at 1s stall client 1", "a stall needs a positive duration"},
		{"client 1 at 0s\nfault at 1s reset client 1 for 1s", "only a stall has a duration"},
		{"client 1 at 0s\nfault at 1s explode client 1", `unknown fault kind "explode"`},
		{"client 1 at 0s\nfault 1s reset client 1", "want \"fault at DURATION"},
		{"frobnicate", `unknown statement "frobnicate"`},
	}
	for _, tc := range cases {
		_, err := ParseWorkload(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseWorkload(%q) = %v, want an error containing %q", tc.text, err, tc.want)
		}
	}
}

func TestFaultKindString(t *testing.T) {
	for k, want := range map[FaultKind]string{FaultStall: "stall", FaultClose: "close", FaultReset: "reset", 9: "unknown(9)"} {
		if k.String() != want {
			t.Errorf("%d: %q, want %q", k, k, want)
		}
	}
	for e, want := range map[ClientEnd]string{EndUnfinished: "unfinished", EndQuiet: "quiet", EndError: "error", 99: "unknown(99)"} {
		if e.String() != want {
			t.Errorf("%d: %q, want %q", e, e, want)
		}
	}
}

func TestWithoutClientsRenumbersFaults(t *testing.T) {
	w, err := ParseWorkload("client 1 at 0s\nclient 2 at 0s\nclient 3 at 0s\nclient 4 at 0s\n" +
		"fault at 0s reset client 1\nfault at 0s reset client 2\nfault at 0s close client 3\nfault at 0s reset client 4\n")
	if err != nil {
		t.Fatal(err)
	}
	got := withoutClients(w, 1, 3).String()
	want := "seed 0\nnet latency=0s jitter=0s segments=0-0 sndbuf=0 rcvbuf=0\nclient 1 at 0s\nclient 2 at 0s\n" +
		"fault at 0s reset client 1\nfault at 0s reset client 2\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if w.Size().Clients != 4 {
		t.Fatal("withoutClients changed its argument")
	}
}
