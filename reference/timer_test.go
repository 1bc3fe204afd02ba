package reference_test

import (
	"math"
	"testing"
	"time"

	"github.com/mgsim/mgsim/reference"
)

// D-TIMER-1..3, test_timer: set returns the previous value (0 at first);
// TIMER comes before POLL, the timer is disarmed at entry, data is the
// scheduled time, and it fires once.
func TestTimerFiresOnceBeforePoll(t *testing.T) {
	e := newEnv(t)
	c := e.m.AddSock(e.rec.wrap(nil))
	at := e.m.Time() + 0.005
	if prev := c.SetTimer(at); prev != 0 {
		t.Fatalf("first SetTimer returned %v, want 0", prev)
	}
	e.poll("1:1 TIMER(1000.005) [0]", "1:1 POLL [0]")
	// rec.take cleared the log; check the fields on a fresh firing.
	again := e.m.Time()
	c.SetTimer(again)
	e.m.Poll(10)
	if r := e.rec.log[0]; r.Ev != reference.EvTimer || r.Timer != 0 || r.Data.Time != again {
		t.Fatalf("TIMER entry %v: timer at entry %v, data %v, want 0 and %v", r, r.Timer, r.Data.Time, again)
	}
	e.rec.take()
	e.poll("3:1 POLL [0]")
	if c.Timer() != 0 {
		t.Fatalf("timer %v after firing, want 0", c.Timer())
	}
	if prev := c.SetTimer(5); prev != 0 {
		t.Fatalf("SetTimer after firing returned %v, want 0", prev)
	}
	if prev := c.SetTimer(-1); prev != 5 {
		t.Fatalf("SetTimer returned %v, want 5", prev)
	}
	e.poll("4:1 POLL [0]") // a timer <= 0 is disarmed
}

// D-TIMER-4, TM-5: re-armed into the past from its own handler, a timer
// fires in the next poll (not the same one), and that poll does not wait.
func TestTimerRearmedIntoPast(t *testing.T) {
	e := newEnv(t)
	fired := 0
	c := e.m.AddSock(e.rec.wrap(on(reference.EvTimer, func(c *reference.Conn, d reference.EventData) {
		if fired++; fired == 1 {
			if prev := c.SetTimer(d.Time - 1); prev != 0 {
				t.Errorf("re-arm returned %v, want 0", prev)
			}
		}
	})))
	c.SetTimer(e.m.Time())
	e.poll("1:1 TIMER(1000.000) [0]", "1:1 POLL [0]")
	e.m.Poll(1000)
	e.expect("2:1 TIMER(999.000) [0]", "2:1 POLL [0]")
	if e.net.lastTimeout != 0 {
		t.Fatalf("poll 2 waited %v, want 0", e.net.lastTimeout)
	}
}

// B6, D-TIMER-5: the wait is the caller's timeout cut to
// (earliest - now)*1000 + 1 ms, never negative.
func TestPollTimeout(t *testing.T) {
	cases := []struct {
		name    string
		ms      int
		timerIn float64 // seconds from now; 0 = no timer
		want    time.Duration
	}{
		{"no timer", 250, 0, 250 * time.Millisecond},
		{"timer sooner", 1000, 0.125, 126 * time.Millisecond},
		{"timer later", 50, 0.125, 50 * time.Millisecond},
		{"timer due", 1000, -0.5, 0},
		{"negative timeout", -1, 0, 0},
		{"huge timeout", math.MaxInt, 0, time.Duration(math.MaxInt64/int64(time.Millisecond)) * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.net.now = 1024e9 // a time with an exact binary fraction
			e.net.pollCost = 0
			c := e.m.AddSock(nil)
			if tc.timerIn != 0 {
				c.SetTimer(e.m.Time() + tc.timerIn)
			}
			e.m.Poll(tc.ms)
			if e.net.lastTimeout != tc.want {
				t.Fatalf("waited %v, want %v", e.net.lastTimeout, tc.want)
			}
		})
	}
}

// B6: a flag set by a handler does not shorten the wait; the close
// happens after the full timeout.
func TestCloseFlagDoesNotShortenWait(t *testing.T) {
	e := newEnv(t)
	e.net.pollCost = 0
	e.m.AddSock(e.rec.wrap(on(reference.EvPoll, func(c *reference.Conn, _ reference.EventData) {
		c.Flags |= reference.FlagCloseImmediately
	})))
	e.m.Poll(50)
	start := e.net.now
	e.m.Poll(50)
	if waited := time.Duration(e.net.now - start); waited != 50*time.Millisecond {
		t.Fatalf("close poll waited %v, want 50ms", waited)
	}
}

// B7, TR-4: the clock is read once per poll, after the wait; every
// connection's POLL carries that one time even if the clock moves while
// handlers run.
func TestNowSampledOncePerPoll(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		e.m.AddSock(e.rec.wrap(func(c *reference.Conn, _ reference.Event, _ reference.EventData) {
			c.Send([]byte("x")) // mg_send reads the clock too
		}))
	}
	e.net.nowTick = 1e9 // every clock read moves it one second
	e.m.Poll(0)
	first := e.rec.log[0].Data.Int
	for _, r := range e.rec.log {
		if r.Data.Int != first {
			t.Fatalf("POLL data %d and %d in one poll", first, r.Data.Int)
		}
	}
}

// D-TIMER-6, test_timer: timers work on socket-less connections, and
// CLOSE_IMMEDIATELY gives CLOSE at the next poll with no TIMER.
func TestTimerOnSocketlessConnection(t *testing.T) {
	e := newEnv(t)
	c := e.m.AddSock(e.rec.wrap(on(reference.EvTimer, func(c *reference.Conn, d reference.EventData) {
		c.SetTimer(d.Time + 0.03)
	})))
	c.SetTimer(e.m.Time() + 0.03)
	e.poll("1:1 POLL [0]")
	e.poll("2:1 POLL [0]")
	e.poll("3:1 TIMER(1000.030) [0]", "3:1 POLL [0]") // 30.03 ms: 10 µs per poll of cost
	if got := c.Timer(); math.Abs(got-1000.06) > 1e-9 {
		t.Fatalf("re-armed timer %v, want 1000.06", got)
	}
	c.Flags |= reference.FlagCloseImmediately
	e.poll("4:1 CLOSE [CLOSE_IMMEDIATELY]")
}
