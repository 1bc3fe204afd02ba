package conformance

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"pgregory.net/rapid"
)

// Every literal `"name":` fits the fast path's two-word compare.
func TestCanonKeysFit(t *testing.T) {
	for f, lit := range fieldLits {
		if len(lit) > 16 || canonKeys[f].n != len(lit) {
			t.Errorf("field %s: literal %q does not fit 16 bytes", fieldNames[f], lit)
		}
	}
}

// The fast path takes the lines the kit and AppendEvent write, fault
// lines included, and reads them as the general parser does.
func TestParseFastTakesCanonicalLines(t *testing.T) {
	lines := bytes.Split(synthTrace(50), []byte("\n"))
	paths, _ := filepath.Glob("testdata/*/*.jsonl")
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, bytes.Split(data, []byte("\n"))...)
	}
	n := 0
	for _, line := range lines {
		var e Event
		if len(line) == 0 || line[0] != '{' || parseGeneral(line, &e) != nil || e.Ev == EvOther {
			continue
		}
		canon := AppendEvent(nil, &e)
		var fast Event
		if !parseCanonical(canon, &fast) || fast != e {
			t.Errorf("fast path on %s: %v\n got %+v\nwant %+v", canon, parseCanonical(canon, &Event{}), fast, e)
		}
		n++
	}
	if n < 1000 {
		t.Errorf("only %d lines tried", n)
	}
}

// Whatever line the fast path takes, the general parser takes too, to the
// same event: canonical lines of any event, and the same with bytes
// changed, inserted or deleted.
func TestParseFastAgreesWithGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genEvent(t)
		line := AppendEvent(nil, &e)
		var fast Event
		if ok := parseCanonical(line, &fast); ok != (e.Ev != EvOther && !bytes.ContainsRune(line, '\\')) {
			t.Fatalf("fast path takes %s: %v", line, ok)
		}
		for k := rapid.IntRange(0, 4).Draw(t, "edits"); k > 0; k-- {
			line = editLine(t, line)
		}
		checkFastAgrees(t, line)
	})
}

// editLine changes, inserts or deletes one byte, drawn from those that
// matter to JSON and numbers.
func editLine(t *rapid.T, line []byte) []byte {
	b := rapid.SampledFrom([]byte(`0123456789-+.eE"\,:{}[] tnfu`+"\x00\x1f\x7f\xff")).Draw(t, "byte")
	i := rapid.IntRange(0, len(line)).Draw(t, "at")
	switch op := rapid.IntRange(0, 2).Draw(t, "op"); {
	case op == 0 && i < len(line):
		line = append([]byte(nil), line...)
		line[i] = b
	case op == 1:
		line = append(line[:i:i], append([]byte{b}, line[i:]...)...)
	case i < len(line):
		line = append(line[:i:i], line[i+1:]...)
	}
	return line
}

type fatalfer interface {
	Fatalf(format string, args ...any)
}

func checkFastAgrees(t fatalfer, line []byte) {
	var fast, general Event
	if !parseCanonical(line, &fast) {
		return
	}
	if err := parseGeneral(line, &general); err != nil || general != fast {
		t.Fatalf("%s:\nfast    %+v\ngeneral %+v, %v", line, fast, general, err)
	}
}

// The fast path never panics, and agrees with the general parser on every
// line it takes.
func FuzzParseCanonical(f *testing.F) {
	for _, line := range bytes.Split(synthTrace(3), []byte("\n")) {
		f.Add(line)
	}
	f.Add([]byte(`{"seq":8,"t":4.25,"fault":"partition","detail":"a b"}`))
	f.Add([]byte(`{"seq":1,"t":1,"conn":1,"role":"inbound","ev":"TIMER","data":12.5,"recv_len":0,"send_len":0,"tx_bytes":5,"tx_sum":"00000000000000ff"}`))
	f.Add([]byte(`{"seq":-9223372036854775808,"t":-0.0,"conn":1,"role":"inbound","ev":"RECV","data":1,"recv_len":0,"send_len":0,"recv_limit":18446744073709551615}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		checkFastAgrees(t, line)
	})
}
