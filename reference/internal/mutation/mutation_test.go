package mutation

import (
	"strings"
	"testing"
)

func TestNamesRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range All() {
		name := b.String()
		if name == "" || strings.Contains(name, "|") || strings.HasPrefix(name, "unknown") || seen[name] {
			t.Errorf("bug %#x has a bad or repeated name %q", uint64(b), name)
		}
		seen[name] = true
		if got, err := Parse(name); err != nil || got != b {
			t.Errorf("Parse(%q) = %#x, %v; want %#x", name, uint64(got), err, uint64(b))
		}
	}
	if len(seen) != numBugs {
		t.Errorf("%d names for %d bugs", len(seen), numBugs)
	}
}

func TestString(t *testing.T) {
	for _, c := range []struct {
		b    Bug
		want string
	}{
		{0, "none"},
		{CloseTwice, "close-twice"},
		{CloseTwice | RecvBeforeAccept, "recv-before-accept|close-twice"},
		{1 << 63, "unknown(63)"},
		{NoTimerWakeup | 1<<40, "no-timer-wakeup|unknown(40)"},
	} {
		if got := c.b.String(); got != c.want {
			t.Errorf("Bug(%#x).String() = %q, want %q", uint64(c.b), got, c.want)
		}
	}
}

func TestParseUnknown(t *testing.T) {
	if _, err := Parse("close-thrice"); err == nil || !strings.Contains(err.Error(), `"close-thrice"`) {
		t.Errorf("Parse of an unknown name: err = %v", err)
	}
}
