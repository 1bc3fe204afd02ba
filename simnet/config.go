package simnet

import (
	"fmt"
	"math"
	"time"
)

// Defaults for the zero fields of [Config] and [LinkConfig].
const (
	DefaultSegment        = 1460
	DefaultSendBuffer     = 64 << 10
	DefaultRecvBuffer     = 64 << 10
	DefaultBacklog        = 128
	DefaultSYNRetries     = 6
	DefaultRTO            = 200 * time.Millisecond
	DefaultReorderDelay   = 10 * time.Millisecond
	DefaultTCPUserTimeout = 60 * time.Second
	DefaultPollCost       = 10 * time.Microsecond
	DefaultDNSLatency     = time.Millisecond
	DefaultDNSTimeout     = 10 * time.Second
)

// MaxRTO caps the doubling of a connection's retransmission timeout.
const MaxRTO = 120 * time.Second

// Config describes a [Network]. The zero value is a usable network: no
// latency, no jitter, no loss, unlimited bandwidth, 1460-byte segments,
// 64 KiB buffers, a backlog of 128, six SYN retransmissions and no
// adversary.
//
// The fields from Latency to RTO describe the default link: every
// direction between two hosts that [Network.SetLink] did not configure
// (see [LinkConfig], which has the same fields and meanings).
type Config struct {
	// Latency is the one-way delay of every segment and datagram. Zero: 0
	// (delivery is still a later scheduled event, never synchronous inside
	// the sender's call).
	Latency time.Duration
	// Jitter is the scale of an extra delay drawn for each segment and
	// datagram from JitterDist. Zero: none. TCP keeps its byte order
	// whatever the jitter; UDP datagrams may be reordered by it.
	Jitter time.Duration
	// JitterDist is the distribution of the jitter. Zero: [Uniform] in
	// [0, Jitter].
	JitterDist Dist
	// Bandwidth is the link's rate in bytes per second. Each packet takes
	// (payload + header) / Bandwidth to put on the wire, and packets of one
	// link direction queue behind each other. Zero: unlimited.
	Bandwidth int64
	// UDPLoss, UDPDup and UDPReorder are the probabilities that a datagram
	// is lost, delivered twice, or held back by an extra delay of up to
	// ReorderDelay (so later datagrams overtake it). Zero: never.
	UDPLoss    float64
	UDPDup     float64
	UDPReorder float64
	// ReorderDelay bounds the extra delay of a reordered datagram, drawn
	// uniformly in [1ns, ReorderDelay]. Zero: 10ms.
	ReorderDelay time.Duration
	// TCPLoss is the probability that a TCP segment, acknowledgement or
	// FIN is lost on the link. A lost one is sent again one RTO later
	// (doubling while it keeps being lost); the byte order is kept. SYNs,
	// SYN-ACKs and resets are not subject to it. Zero: never.
	TCPLoss float64
	// RTO is the first retransmission timeout of a lost TCP packet; it
	// doubles on each loss in a row, up to [MaxRTO]. Zero: 200ms.
	RTO time.Duration

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
	// TCPUserTimeout is how long sent data (or a FIN) may stay
	// unacknowledged before the connection fails with ETIMEDOUT at that
	// end, as TCP_USER_TIMEOUT does. Zero: 60s.
	TCPUserTimeout time.Duration

	// DNSLatency is how long a [Host.Lookup] takes to be answered, unless
	// [Network.SlowName] says otherwise. Zero: 1ms.
	DNSLatency time.Duration
	// DNSTimeout is how long a lookup waits for an answer: one that would
	// take longer fails with ETIMEDOUT at DNSTimeout. Zero: 10s.
	DNSTimeout time.Duration

	// PollCost is the virtual time a [Host.Poll] takes when it returns at
	// once (something was ready, or the timeout was 0). On a real machine a
	// program that polls in a busy loop — Mongoose does after a peer's EOF
	// while its own output waits — burns real time; without a cost such a
	// loop would stop virtual time, and with it the retransmission that
	// would end the loop. Zero: 10µs; negative: none.
	PollCost time.Duration

	// Adversary is the syscall adversary of every host (see [Adversary]);
	// [Host.SetAdversary] changes one host's. Zero: off.
	Adversary Adversary

	_ struct{} // force keyed literals
}

// LinkConfig describes one direction of the path between two hosts. The
// fields mean what the same fields of [Config] mean; zero RTO and
// ReorderDelay take the package defaults (200ms and 10ms).
type LinkConfig struct {
	Latency      time.Duration
	Jitter       time.Duration
	JitterDist   Dist
	Bandwidth    int64 // bytes per second; zero: unlimited
	UDPLoss      float64
	UDPDup       float64
	UDPReorder   float64
	ReorderDelay time.Duration
	TCPLoss      float64
	RTO          time.Duration

	_ struct{} // force keyed literals
}

// Link returns the default link of c: its fields from Latency to RTO.
func (c Config) Link() LinkConfig {
	return LinkConfig{
		Latency: c.Latency, Jitter: c.Jitter, JitterDist: c.JitterDist, Bandwidth: c.Bandwidth,
		UDPLoss: c.UDPLoss, UDPDup: c.UDPDup, UDPReorder: c.UDPReorder, ReorderDelay: c.ReorderDelay,
		TCPLoss: c.TCPLoss, RTO: c.RTO,
	}
}

// Validate reports the first problem of c: a negative field, a probability
// outside [0, 1], an unknown distribution, MinSegment above MaxSegment,
// too many SYN retries.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// withDefaults validates c and returns it with its zero fields filled in.
func (c Config) withDefaults() (Config, error) {
	if err := c.checkSigns(); err != nil {
		return c, err
	}
	if err := c.Link().check("Config"); err != nil {
		return c, err
	}
	if err := c.Adversary.check(); err != nil {
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
	c.RTO = orDefault(c.RTO, DefaultRTO)
	c.ReorderDelay = orDefault(c.ReorderDelay, DefaultReorderDelay)
	c.TCPUserTimeout = orDefault(c.TCPUserTimeout, DefaultTCPUserTimeout)
	c.DNSLatency = orDefault(c.DNSLatency, DefaultDNSLatency)
	c.DNSTimeout = orDefault(c.DNSTimeout, DefaultDNSTimeout)
	c.PollCost = orDefault(c.PollCost, DefaultPollCost)
	return c, nil
}

// checkSigns rejects negative sizes, counts and timeouts.
func (c Config) checkSigns() error {
	fields := [...]struct {
		name string
		v    int64
	}{
		{"MinSegment", int64(c.MinSegment)}, {"MaxSegment", int64(c.MaxSegment)},
		{"SendBuffer", int64(c.SendBuffer)}, {"RecvBuffer", int64(c.RecvBuffer)},
		{"Backlog", int64(c.Backlog)}, {"SYNRetries", int64(c.SYNRetries)},
		{"TCPUserTimeout", int64(c.TCPUserTimeout)}, {"DNSLatency", int64(c.DNSLatency)},
		{"DNSTimeout", int64(c.DNSTimeout)},
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

// withDefaults validates l and fills in its zero RTO and ReorderDelay.
func (l LinkConfig) withDefaults() (LinkConfig, error) {
	if err := l.check("LinkConfig"); err != nil {
		return l, err
	}
	l.RTO = orDefault(l.RTO, DefaultRTO)
	l.ReorderDelay = orDefault(l.ReorderDelay, DefaultReorderDelay)
	return l, nil
}

// check validates a link's fields; what names the struct in messages.
func (l LinkConfig) check(what string) error {
	if l.Latency < 0 || l.Jitter < 0 {
		return fmt.Errorf("simnet: %s.Latency (%v) and Jitter (%v) must not be negative", what, l.Latency, l.Jitter)
	}
	if l.ReorderDelay < 0 || l.RTO < 0 || l.Bandwidth < 0 {
		return fmt.Errorf("simnet: %s.ReorderDelay (%v), RTO (%v) and Bandwidth (%d) must not be negative", what, l.ReorderDelay, l.RTO, l.Bandwidth)
	}
	if !l.JitterDist.valid() {
		return fmt.Errorf("simnet: %s.JitterDist is %v", what, l.JitterDist)
	}
	probs := [...]struct {
		name string
		p    float64
	}{{"UDPLoss", l.UDPLoss}, {"UDPDup", l.UDPDup}, {"UDPReorder", l.UDPReorder}, {"TCPLoss", l.TCPLoss}}
	for _, f := range probs {
		if err := checkProb(what+"."+f.name, f.p); err != nil {
			return err
		}
	}
	return nil
}

// checkProb rejects a probability outside [0, 1] (NaN included).
func checkProb(name string, p float64) error {
	if !(p >= 0 && p <= 1) {
		return fmt.Errorf("simnet: %s is %v; a probability must be in [0, 1]", name, p)
	}
	return nil
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Dist is the distribution of a link's jitter. Every distribution has
// mean Jitter/2 (so that switching distributions keeps the average delay)
// and is cut at 50 times Jitter.
type Dist uint8

const (
	// Uniform draws the jitter uniformly in [0, Jitter].
	Uniform Dist = iota
	// Normal draws it from a normal distribution with mean Jitter/2 and
	// standard deviation Jitter/4, cut at 0.
	Normal
	// Exponential draws it from an exponential distribution with mean
	// Jitter/2: mostly small, sometimes several times larger.
	Exponential
	// Pareto draws it from a Pareto distribution with shape 1.5 and
	// minimum Jitter/6: a heavy tail of rare, very late packets.
	Pareto
)

var distNames = [...]string{"uniform", "normal", "exponential", "pareto"}

// String returns the distribution's name ("uniform", ...), or
// "unknown(%d)".
func (d Dist) String() string {
	if d.valid() {
		return distNames[d]
	}
	return fmt.Sprintf("unknown(%d)", uint8(d))
}

func (d Dist) valid() bool { return int(d) < len(distNames) }

// ParseDist reads a distribution name as [Dist.String] writes it.
func ParseDist(s string) (Dist, error) {
	for i, name := range distNames {
		if s == name {
			return Dist(i), nil
		}
	}
	return 0, fmt.Errorf("simnet: unknown jitter distribution %q (want uniform, normal, exponential or pareto)", s)
}

// maxJitterFactor cuts every jitter distribution at this many times Jitter.
const maxJitterFactor = 50

// paretoShape is the shape of the Pareto jitter; its minimum is chosen so
// that the mean is Jitter/2.
const paretoShape = 1.5

// scaled returns f*j as a duration, cut to [0, maxJitterFactor*j].
func scaled(f float64, j time.Duration) time.Duration {
	f = max(0, min(f, maxJitterFactor))
	return time.Duration(math.Round(f * float64(j)))
}
