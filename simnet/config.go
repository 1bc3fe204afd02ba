package simnet

import (
	"fmt"
	"time"
)

// Defaults for the zero fields of [Config].
const (
	DefaultSegment    = 1460
	DefaultSendBuffer = 64 << 10
	DefaultRecvBuffer = 64 << 10
	DefaultBacklog    = 128
	DefaultSYNRetries = 6
)

// Config describes a [Network]. The zero value is a usable network: no
// latency, no jitter, 1460-byte segments, 64 KiB buffers, a backlog of 128
// and six SYN retransmissions.
type Config struct {
	// Latency is the one-way delay of every segment and datagram. Zero: 0
	// (delivery is still a later scheduled event, never synchronous inside
	// the sender's call).
	Latency time.Duration
	// Jitter is an extra delay drawn uniformly in [0, Jitter] for each
	// segment and datagram. Zero: none. TCP keeps its byte order whatever
	// the jitter; UDP datagrams may be reordered by it.
	Jitter time.Duration
	// MinSegment and MaxSegment bound the TCP segment sizes, drawn
	// uniformly in [MinSegment, MaxSegment]. Zero MaxSegment: 1460. Zero
	// MinSegment: equal to MaxSegment (fixed-size segments). So the zero
	// Config sends 1460-byte segments.
	MinSegment int
	MaxSegment int
	// SendBuffer is the per-socket send buffer: bytes written but not yet
	// acknowledged. Zero: 64 KiB.
	SendBuffer int
	// RecvBuffer is the per-socket receive buffer, which is also the TCP
	// window and the bound of a UDP socket's queue. Zero: 64 KiB.
	RecvBuffer int
	// Backlog bounds a listener's pending connections: those half open and
	// those established but not yet accepted. Zero: 128.
	Backlog int
	// SYNRetries is the number of SYN retransmissions (after 1s, 2s, 4s...
	// of backoff) before a connect fails with ETIMEDOUT. Zero: 6, so a
	// connect that is never answered fails 127s after it started. At most
	// 30.
	SYNRetries int

	_ struct{} // force keyed literals
}

// withDefaults validates c and returns it with its zero fields filled in.
func (c Config) withDefaults() (Config, error) {
	if err := c.checkSigns(); err != nil {
		return c, err
	}
	c.MaxSegment = orDefault(c.MaxSegment, DefaultSegment)
	c.MinSegment = orDefault(c.MinSegment, c.MaxSegment)
	if c.MinSegment > c.MaxSegment {
		return c, fmt.Errorf("simnet: Config.MinSegment %d is larger than MaxSegment %d", c.MinSegment, c.MaxSegment)
	}
	c.SendBuffer = orDefault(c.SendBuffer, DefaultSendBuffer)
	c.RecvBuffer = orDefault(c.RecvBuffer, DefaultRecvBuffer)
	c.Backlog = orDefault(c.Backlog, DefaultBacklog)
	c.SYNRetries = orDefault(c.SYNRetries, DefaultSYNRetries)
	return c, nil
}

// checkSigns rejects negative fields.
func (c Config) checkSigns() error {
	if c.Latency < 0 || c.Jitter < 0 {
		return fmt.Errorf("simnet: Config.Latency (%v) and Jitter (%v) must not be negative", c.Latency, c.Jitter)
	}
	fields := [...]struct {
		name string
		v    int
	}{
		{"MinSegment", c.MinSegment}, {"MaxSegment", c.MaxSegment},
		{"SendBuffer", c.SendBuffer}, {"RecvBuffer", c.RecvBuffer},
		{"Backlog", c.Backlog}, {"SYNRetries", c.SYNRetries},
	}
	for _, f := range fields {
		if f.v < 0 {
			return fmt.Errorf("simnet: Config.%s is %d; it must not be negative", f.name, f.v)
		}
	}
	if c.SYNRetries > 30 {
		return fmt.Errorf("simnet: Config.SYNRetries is %d; at most 30 are allowed", c.SYNRetries)
	}
	return nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
