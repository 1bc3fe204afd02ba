package conformance

// Timers: TM-1, TM-2, TM-2a, TM-4 per call; TM-3 at a poll's end (TM-5 is
// in the turn order, check_turns.go).

// timerChanged: TM-2a failed, the timer changed between calls.
func (c *Checker) timerChanged(cs *connState, e *Event) {
	c.fail(rTM2a, cs.id, e.Ev.String()+" with timer "+ftoa(e.Timer)+" at entry, but the previous handler left "+ftoa(cs.timerAfter)+": a timer changes between calls only by firing")
}

func (c *Checker) timerFired(m *mgrState, cs *connState, e *Event, inPoll bool) {
	d := e.DataFloat
	if c.eval(rTM4) && d <= 0 {
		c.fail(rTM4, cs.id, "TIMER with data "+ftoa(d)+": a timer at 0 or less is disarmed and never fires")
	}
	c.notEarly(m, cs, e, inPoll)
	if e.Has&HasTimer == 0 {
		c.skip(rTM2, "timer")
	} else if c.eval(rTM2) && e.Timer != 0 {
		c.fail(rTM2, cs.id, "timer at TIMER's entry is "+ftoa(e.Timer)+", not 0: the core disarms the timer before the call")
	}
	c.firedAsArmed(cs, d)
}

// notEarly: TM-1.
func (c *Checker) notEarly(m *mgrState, cs *connState, e *Event, inPoll bool) {
	if !c.eval(rTM1) {
		return
	}
	d := e.DataFloat
	switch {
	case d > e.T:
		c.fail(rTM1, cs.id, "TIMER data "+ftoa(d)+" is later than the call's time "+ftoa(e.T)+": it fired early")
	case inPoll && d > m.firstT:
		c.fail(rTM1, cs.id, "TIMER data "+ftoa(d)+" is later than "+ftoa(m.firstT)+", the time of poll "+itoa(m.poll)+"'s first call: the poll's clock, read before any call, had not reached it")
	}
}

// firedAsArmed: TM-2 and TM-4, TIMER reports the timer the previous
// handler left, which must be armed.
func (c *Checker) firedAsArmed(cs *connState, d float64) {
	switch {
	case cs.events == 0:
	case !cs.timerKnown:
		c.skip(rTM2, "timer_after")
	case cs.timerAfter <= 0:
		if c.eval(rTM4) {
			c.fail(rTM4, cs.id, "TIMER for connection "+itoa(cs.id)+" although the previous handler left its timer disarmed ("+ftoa(cs.timerAfter)+")")
		}
	case c.eval(rTM2) && cs.timerAfter != d:
		c.fail(rTM2, cs.id, "TIMER data "+ftoa(d)+", but the armed timer was "+ftoa(cs.timerAfter)+": TIMER reports the time it was armed for, once")
	}
}

// lostTimers: TM-3 at a poll's end, for every connection that had a turn
// without closing and without TIMER. The evaluations are counted once for
// the whole poll.
func (c *Checker) lostTimers(m *mgrState) {
	if !c.on(rTM3) {
		return
	}
	lower, ok := c.nowLower(m)
	evals := int64(0)
	for _, cs := range m.turns {
		switch {
		case cs.closed || cs.sawTimer:
		case !cs.timerOK:
			c.skip(rTM3, "timer")
		case !ok:
			c.skip(rTM3, "poll")
		default:
			evals++
			if cs.timerStart > 0 && cs.timerStart <= lower {
				c.timerLost(m, cs, lower)
			}
		}
	}
	c.evalN(rTM3, evals)
}

func (c *Checker) timerLost(m *mgrState, cs *connState, lower float64) {
	c.failAt(rTM3, cs.id, m.lastIdx, "connection "+itoa(cs.id)+"'s timer, armed for "+ftoa(cs.timerStart)+", was due in poll "+itoa(m.poll)+" (its clock was at least "+ftoa(lower)+") but did not fire")
}
