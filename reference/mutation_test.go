package reference

import (
	"strings"
	"testing"

	"github.com/mgsim/mgsim/reference/internal/mutation"
)

// Arming goes through Options (copied into every manager made with them)
// or a Manager; anything else is an error, not a panic.
func TestArm(t *testing.T) {
	var o Options
	if err := mutation.Arm(&o, mutation.CloseTwice); err != nil {
		t.Fatal(err)
	}
	if m := NewManager(nil, o); m.bugs != mutation.CloseTwice {
		t.Errorf("a manager made with armed options has bugs %v", m.bugs)
	}
	m := NewManager(nil, Options{})
	if m.bugs != 0 {
		t.Errorf("a manager made with zero options has bugs %v", m.bugs)
	}
	if err := mutation.Arm(m, mutation.TimerEarly|mutation.SendZero); err != nil || m.bugs != mutation.TimerEarly|mutation.SendZero {
		t.Errorf("Arm(manager) = %v, bugs %v", err, m.bugs)
	}
	if err := mutation.Arm(o, mutation.CloseTwice); err == nil || !strings.Contains(err.Error(), "reference.Options") {
		t.Errorf("Arm of an Options value (not a pointer): err = %v", err)
	}
}
