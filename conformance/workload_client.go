package conformance

import (
	"errors"
	"io"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// clientProc plays one workload client over raw simulated sockets, as a
// simulated process: connect at its start, then a loop of "do what can be
// done now" (faults due, reads, writes) and "wait in virtual time until
// something can be done" (a socket event, the end of a pause or stall, the
// next fault, the end of the quiet time).
type clientProc struct {
	host   *simnet.Host
	addr   netip.AddrPort
	spec   WorkloadClient
	faults []Fault // this client's faults not yet applied, in time order
	quiet  time.Duration
	out    *ClientOutcome
	done   func()
	record func(kind, detail string) // puts a fault line in the trace
	buf    []byte

	p        *sim.Proc
	fd       int
	step     int // the next step
	off      int // bytes of the current send already written
	pausing  bool
	pauseEnd sim.Time
	stallEnd sim.Time
	idleFrom sim.Time // the last time it read data or finished its steps
	eof      bool
	applied  int // faults applied

	lastWait     sim.Time // spin guard: when the previous wait ended...
	lastProgress int      // ...and how far the client had got then
}

func (c *clientProc) run(p *sim.Proc) {
	c.p = p
	defer c.finish()
	p.Sleep(c.spec.Start)
	if !c.connect() {
		return
	}
	for c.tick() {
		c.wait()
	}
}

func (c *clientProc) now() sim.Time { return c.p.World().Now() }

// finish records when the client ended, and counts it as done.
func (c *clientProc) finish() {
	if c.out.End != EndUnfinished {
		c.out.EndedAt = c.now().Sub(0)
	}
	c.done()
}

// connect dials the server and waits for the outcome. Faults due in the
// meantime take effect once it is connected.
func (c *clientProc) connect() bool {
	fd, err := c.host.DialTCP(c.addr)
	if err != nil {
		return c.fail("connect", err)
	}
	c.fd = fd
	fds := []simnet.PollFD{{FD: fd, Events: simnet.PollOut}}
	if _, err := c.host.Poll(fds, -1); err != nil {
		return c.fail("poll", err)
	}
	if err := c.host.ConnectError(fd); err != nil {
		return c.fail("connect", err)
	}
	c.out.Connected, c.out.ConnectedAt = true, c.now().Sub(0)
	c.idleFrom = c.now()
	return true
}

// tick does everything that can be done now and reports whether the
// client goes on.
func (c *clientProc) tick() bool {
	now := c.now()
	return c.applyFaults(now) && c.read(now) && c.write(now) && !c.finished(now)
}

// applyFaults applies the faults due; a close or a reset ends the client.
func (c *clientProc) applyFaults(now sim.Time) bool {
	for len(c.faults) > 0 && epoch(c.faults[0].At) <= now {
		f := c.faults[0]
		c.faults = c.faults[1:]
		c.applied++
		switch f.Kind {
		case FaultStall:
			c.stallEnd = max(c.stallEnd, now.Add(f.For))
		case FaultClose:
			c.recordFault(f)
			c.host.Close(c.fd)
			c.out.End = EndFaultClose
			return false
		case FaultReset:
			c.recordFault(f)
			c.host.Reset(c.fd)
			c.out.End = EndFaultReset
			return false
		}
	}
	return true
}

// recordFault writes a fault line naming the connection: a close may
// reset it (when data is unread), and what a reset does to the server is
// no rule's business.
func (c *clientProc) recordFault(f Fault) {
	local := c.host.LocalAddr(c.fd)
	c.record(f.Kind.String(), "client "+strconv.Itoa(f.Client)+" "+local.String()+">"+c.addr.String())
}

// read reads everything available, unless the client is stalled.
func (c *clientProc) read(now sim.Time) bool {
	if now < c.stallEnd {
		return true
	}
	for !c.eof {
		n, err := c.host.Read(c.fd, c.buf)
		switch {
		case n > 0:
			c.out.Received = append(c.out.Received, c.buf[:n]...)
			c.idleFrom = now
		case errors.Is(err, syscall.EAGAIN):
			return true
		case err == io.EOF:
			c.eof = true
		case err != nil:
			return c.fail("read", err)
		}
	}
	return true
}

// write goes through the steps as far as it can now: pauses that have
// ended, and sends the socket accepts.
func (c *clientProc) write(now sim.Time) bool {
	for c.step < len(c.spec.Steps) {
		st := c.spec.Steps[c.step]
		if st.IsPause() {
			if !c.pausing {
				c.pausing, c.pauseEnd = true, now.Add(st.Pause)
			}
			if now < c.pauseEnd {
				return true
			}
			c.pausing = false
		} else if done, ok := c.send(st.Data); !ok || !done {
			return ok
		}
		c.step++
		if c.step == len(c.spec.Steps) {
			c.idleFrom = now
		}
	}
	return true
}

// send writes what it can of the current send; done when all is written.
func (c *clientProc) send(data []byte) (done, ok bool) {
	n, err := c.host.Write(c.fd, data[c.off:])
	if n > 0 {
		c.out.Sent = append(c.out.Sent, data[c.off:c.off+n]...)
		c.off += n
	}
	switch {
	case errors.Is(err, syscall.EAGAIN):
		return false, true
	case err != nil:
		return false, c.fail("write", err)
	case c.off < len(data):
		return false, true
	}
	c.off = 0
	return true, true
}

// quietEnd is when the client, done with its steps, gives up waiting for
// more data: the quiet time after it last read, finished its steps, or
// came out of a stall.
func (c *clientProc) quietEnd() sim.Time { return max(c.idleFrom, c.stallEnd).Add(c.quiet) }

func (c *clientProc) stepsDone() bool { return c.step == len(c.spec.Steps) }

// writing reports whether a send is waiting for room in the socket.
func (c *clientProc) writing() bool {
	return !c.stepsDone() && !c.spec.Steps[c.step].IsPause()
}

// finished closes the connection and reports true when the server closed
// it, or when the client has sent everything and the line has been quiet
// for a while.
func (c *clientProc) finished(now sim.Time) bool {
	switch {
	case c.eof:
		c.out.End = EndPeerClosed
	case c.stepsDone() && now >= c.quietEnd():
		c.out.End = EndQuiet
	default:
		return false
	}
	c.host.Close(c.fd)
	return true
}

// wait blocks in virtual time until a socket event or the next deadline
// of the client's own: the next fault, the end of a pause or a stall, the
// end of the quiet time.
func (c *clientProc) wait() {
	now := c.now()
	deadline, stalled := c.deadline(now), now < c.stallEnd
	if c.spinning(now) || (stalled && !c.writing()) {
		c.p.Park(deadline) // nothing to poll for (or the poll does not block): just wait
		return
	}
	events := int16(0)
	if !stalled {
		events |= simnet.PollIn
	}
	if c.writing() && !c.pausing {
		events |= simnet.PollOut
	}
	timeout := time.Duration(-1)
	if deadline != sim.Never {
		timeout = deadline.Sub(now)
	}
	c.host.Poll([]simnet.PollFD{{FD: c.fd, Events: events}}, timeout)
}

func (c *clientProc) deadline(now sim.Time) sim.Time {
	d := sim.Never
	if len(c.faults) > 0 {
		d = max(epoch(c.faults[0].At), now)
	}
	if c.pausing {
		d = min(d, c.pauseEnd)
	}
	if now < c.stallEnd {
		d = min(d, c.stallEnd)
	}
	if c.stepsDone() {
		d = min(d, c.quietEnd())
	}
	return d
}

// spinning reports a second wait at the same instant with no progress in
// between: the socket polls ready (an error or a hang-up) but nothing can
// be done until a deadline.
func (c *clientProc) spinning(now sim.Time) bool {
	progress := len(c.out.Sent) + len(c.out.Received) + c.step + c.applied
	spin := now == c.lastWait && progress == c.lastProgress
	c.lastWait, c.lastProgress = now, progress
	return spin
}

// fail records a failed call and ends the client.
func (c *clientProc) fail(call string, err error) bool {
	c.out.End, c.out.Err = EndError, call+": "+err.Error()
	if c.fd >= 0 {
		c.host.Close(c.fd)
	}
	return false
}
