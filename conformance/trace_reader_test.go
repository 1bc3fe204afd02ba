package conformance

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

const (
	evA = `{"seq":1,"t":1,"conn":1,"role":"outbound","ev":"POLL","data":1,"recv_len":0,"send_len":0,"poll":1}`
	evB = `{"seq":2,"t":1,"conn":1,"role":"outbound","ev":"CLOSE","recv_len":0,"send_len":0,"poll":2}`
)

// readAll reads every event, recording each event's line and each error.
func readAll(t *testing.T, r *Reader) (lines []int, errs []string) {
	t.Helper()
	for {
		var e Event
		err := r.Next(&e)
		switch {
		case errors.Is(err, io.EOF):
			return lines, errs
		case err != nil:
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("not a line error: %v", err)
			}
			errs = append(errs, err.Error())
		default:
			lines = append(lines, e.Line)
		}
	}
}

func TestReaderLinesCommentsDirectives(t *testing.T) {
	in := "# a comment\n\n" + evA + "\r\n  \t\n# mgsim-trace v1 clock=poll impl=ref\n#mgsim-tracer x=1\n" +
		"{broken\n" + evB // no final newline
	r := NewReader(strings.NewReader(in))
	lines, errs := readAll(t, r)
	if want := []int{3, 8}; !equalInts(lines, want) {
		t.Errorf("event lines %v, want %v", lines, want)
	}
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "line 7: invalid JSON") {
		t.Errorf("errors %q, want one for line 7", errs)
	}
	want := []Directive{{"v1", "", 5}, {"clock", "poll", 5}, {"impl", "ref", 5}}
	if got := r.Directives(); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("directives %+v, want %+v", got, want)
	}
	if !r.PollClock() || r.Line() != 8 {
		t.Errorf("PollClock %v, Line %d", r.PollClock(), r.Line())
	}
}

// A line over 1 MiB is an error for that line only; shorter long lines are
// read whole.
func TestReaderLongLines(t *testing.T) {
	long := `{"pad":"` + strings.Repeat("x", 200<<10) + `",` + evA[1:]
	tooLong := `{"pad":"` + strings.Repeat("y", MaxLineLen) + `"}`
	in := long + "\n" + tooLong + "\n" + evB + "\n" + tooLong
	lines, errs := readAll(t, NewReader(strings.NewReader(in)))
	if want := []int{1, 3}; !equalInts(lines, want) {
		t.Errorf("event lines %v, want %v", lines, want)
	}
	if len(errs) != 2 || errs[0] != "line 2: line longer than 1 MiB" || errs[1] != "line 4: line longer than 1 MiB" {
		t.Errorf("errors %q", errs)
	}
}

func TestReaderReadError(t *testing.T) {
	r := NewReader(io.MultiReader(strings.NewReader(evA+"\n"), iotest.ErrReader(errors.New("disk on fire"))))
	var e Event
	if err := r.Next(&e); err != nil {
		t.Fatal(err)
	}
	if err := r.Next(&e); err == nil || err.Error() != "disk on fire" {
		t.Errorf("got %v, want the read error", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
