package fuzz_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/mgsim/mgsim/conformance"
)

// checkText checks a trace read from r and returns the report's text.
func checkText(t *testing.T, r io.Reader, p conformance.Profile) string {
	t.Helper()
	rep, err := conformance.CheckReader(r, conformance.CheckOptions{Profile: p, MaxKept: 50})
	if err != nil {
		t.Fatalf("CheckReader: %v", err)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// FuzzTrace (target c): the trace reader and the checker on arbitrary
// bytes. conformance's own FuzzParseEvent (one line) and FuzzCheck (no
// panic; a passing trace passes in canonical form) cover the rest; this
// target checks that the verdict does not depend on how the bytes arrive
// — a reader that returns one byte at a time, or half of what was asked,
// gives the same report, byte for byte — under every profile, and that the
// streaming checker fed the events one by one agrees with the whole-trace
// reader on what it counts.
func FuzzTrace(f *testing.F) {
	real, _ := filepath.Glob("../conformance/testdata/real/*.jsonl")
	for _, path := range real {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		f.Add(bytes.Join(lines[:min(len(lines), 8)], nil)) // the start of a trace recorded from Mongoose 6.18
	}
	f.Add([]byte("# mgsim-trace v1 clock=poll\n" + `{"seq":1,"t":0,"conn":1,"role":"listener","ev":"POLL","data":0,"recv_len":0,"send_len":0,"poll":1}` + "\n")) // a directive and one event
	f.Add([]byte(`{"seq":1,"t":0.5,"fault":"rst","detail":"a>b"}` + "\r\n" + `{"seq":1,"t":0.4,"conn":2}` + "\n\n#"))                                            // a fault line, then seq and time going back, a CRLF, a trailing comment
	f.Add([]byte("{\"seq\":1,\n\"t\":0}\x00\xff" + `{"seq":` + "\n"))                                                                                            // broken JSON across lines, binary
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []conformance.Profile{conformance.ProfileCore, conformance.ProfileM618, conformance.ProfileTextbook} {
			whole := checkText(t, bytes.NewReader(data), p)
			if one := checkText(t, iotest.OneByteReader(bytes.NewReader(data)), p); one != whole {
				t.Fatalf("profile %v: one byte at a time gives another report:\n%s\nwhole:\n%s", p, one, whole)
			}
			if half := checkText(t, iotest.HalfReader(bytes.NewReader(data)), p); half != whole {
				t.Fatalf("profile %v: half reads give another report:\n%s\nwhole:\n%s", p, half, whole)
			}
		}
		streamAgrees(t, data)
	})
}

// streamAgrees feeds the events the Reader parses to a Checker one by one
// and compares the event count with the whole-trace check's.
func streamAgrees(t *testing.T, data []byte) {
	rd := conformance.NewReader(bytes.NewReader(data))
	var events []conformance.Event
	for {
		var e conformance.Event
		err := rd.Next(&e)
		if err == io.EOF {
			break
		}
		if err != nil {
			continue // a malformed line: the reader goes on with the next
		}
		events = append(events, e)
	}
	// The Reader knows a clock directive only once it has read it, which
	// may be after some events; the checker is made when the whole trace
	// has been read, with what the directives say. Only the event counts
	// are compared, and the clock does not change them.
	c := conformance.NewChecker(conformance.CheckOptions{PollClock: rd.PollClock()})
	for i := range events {
		c.Add(&events[i])
	}
	parsed := int64(len(events))
	whole, err := conformance.CheckReader(bytes.NewReader(data), conformance.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Finish().Events; got != parsed || whole.Events != parsed {
		t.Fatalf("the reader parsed %d events; the streaming checker counted %d, the whole-trace check %d", parsed, got, whole.Events)
	}
}
