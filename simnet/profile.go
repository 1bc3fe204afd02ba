package simnet

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Profile is a named network: a [Config] with a name and a one-line
// title. Profiles describe link properties and the adversary only; fault
// schedules are separate ([Schedule]).
type Profile struct {
	Name, Title string
	Config      Config
}

// Profiles returns the built-in profiles, in a fixed order:
//
//   - lan: 200µs latency with 100µs of jitter, segments of 536-1460 bytes.
//   - wan: 30ms latency with 10ms of jitter, segments of 100-1460 bytes,
//     16 KiB buffers.
//   - lossy: 10ms latency, 2ms jitter; datagrams lost 10%, duplicated 2%,
//     reordered 5%; TCP packets lost 2% (each loss costs an RTO).
//   - flaky: 20ms latency with heavy-tailed (Pareto) jitter of scale 40ms;
//     datagrams and TCP packets lost 5%, datagrams reordered 5%.
//   - chop: 1ms latency and jitter, segments of 1-100 bytes, 4 KiB buffers:
//     short writes and many small reads.
//   - slow: 20ms latency, 2ms jitter, 64 KiB/s of bandwidth per direction.
//   - adversary: lan links, and the syscall adversary on every host (short
//     reads and writes, EAGAIN and EINTR, hidden readiness, late connects).
func Profiles() []Profile {
	lan := Config{Latency: 200 * time.Microsecond, Jitter: 100 * time.Microsecond, MinSegment: 536, MaxSegment: 1460}
	adv := lan
	adv.Adversary = Adversary{ShortReads: 0.3, ShortWrites: 0.3, EAGAIN: 0.1, EINTR: 0.05, HideReady: 0.3, PollEINTR: 0.05, LateConnect: 0.5}
	return []Profile{
		{"lan", "200µs latency with jitter, segments of 536-1460 bytes", lan},
		{"wan", "30ms latency with 10ms jitter, segments of 100-1460 bytes, 16 KiB buffers", Config{
			Latency: 30 * time.Millisecond, Jitter: 10 * time.Millisecond, MinSegment: 100, MaxSegment: 1460,
			SendBuffer: 16 << 10, RecvBuffer: 16 << 10}},
		{"lossy", "10ms latency; datagrams lost 10%, duplicated 2%, reordered 5%; TCP packets lost 2%", Config{
			Latency: 10 * time.Millisecond, Jitter: 2 * time.Millisecond,
			UDPLoss: 0.1, UDPDup: 0.02, UDPReorder: 0.05, TCPLoss: 0.02}},
		{"flaky", "20ms latency with heavy-tailed jitter; 5% loss", Config{
			Latency: 20 * time.Millisecond, Jitter: 40 * time.Millisecond, JitterDist: Pareto,
			UDPLoss: 0.05, UDPReorder: 0.05, TCPLoss: 0.05}},
		{"chop", "1ms latency, segments of 1-100 bytes, 4 KiB buffers (short writes)", Config{
			Latency: time.Millisecond, Jitter: time.Millisecond, MinSegment: 1, MaxSegment: 100,
			SendBuffer: 4 << 10, RecvBuffer: 4 << 10}},
		{"slow", "20ms latency, 64 KiB/s per direction", Config{
			Latency: 20 * time.Millisecond, Jitter: 2 * time.Millisecond, Bandwidth: 64 << 10}},
		{"adversary", "lan links and the syscall adversary on every host", adv},
	}
}

// LookupProfile finds a built-in profile by name.
func LookupProfile(name string) (Profile, bool) {
	for _, p := range Profiles() {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// profileKey is one key of the profile file format: its name and the
// Config field it sets (a *time.Duration, *float64, *int, *int64 or
// *Dist). Ints marked size are written with a unit (16KiB).
type profileKey struct {
	name  string
	field func(c *Config) any
	size  bool
}

// profileKeys lists the keys in the order Profile.String writes them.
var profileKeys = []profileKey{
	{"latency", func(c *Config) any { return &c.Latency }, false},
	{"jitter", func(c *Config) any { return &c.Jitter }, false},
	{"jitter_dist", func(c *Config) any { return &c.JitterDist }, false},
	{"bandwidth", func(c *Config) any { return &c.Bandwidth }, true},
	{"udp_loss", func(c *Config) any { return &c.UDPLoss }, false},
	{"udp_dup", func(c *Config) any { return &c.UDPDup }, false},
	{"udp_reorder", func(c *Config) any { return &c.UDPReorder }, false},
	{"reorder_delay", func(c *Config) any { return &c.ReorderDelay }, false},
	{"tcp_loss", func(c *Config) any { return &c.TCPLoss }, false},
	{"rto", func(c *Config) any { return &c.RTO }, false},
	{"min_segment", func(c *Config) any { return &c.MinSegment }, false},
	{"max_segment", func(c *Config) any { return &c.MaxSegment }, false},
	{"send_buffer", func(c *Config) any { return &c.SendBuffer }, true},
	{"recv_buffer", func(c *Config) any { return &c.RecvBuffer }, true},
	{"backlog", func(c *Config) any { return &c.Backlog }, false},
	{"syn_retries", func(c *Config) any { return &c.SYNRetries }, false},
	{"tcp_user_timeout", func(c *Config) any { return &c.TCPUserTimeout }, false},
	{"dns_latency", func(c *Config) any { return &c.DNSLatency }, false},
	{"dns_timeout", func(c *Config) any { return &c.DNSTimeout }, false},
	{"poll_cost", func(c *Config) any { return &c.PollCost }, false},
	{"adversary.short_reads", func(c *Config) any { return &c.Adversary.ShortReads }, false},
	{"adversary.short_writes", func(c *Config) any { return &c.Adversary.ShortWrites }, false},
	{"adversary.eagain", func(c *Config) any { return &c.Adversary.EAGAIN }, false},
	{"adversary.eintr", func(c *Config) any { return &c.Adversary.EINTR }, false},
	{"adversary.hide_ready", func(c *Config) any { return &c.Adversary.HideReady }, false},
	{"adversary.poll_eintr", func(c *Config) any { return &c.Adversary.PollEINTR }, false},
	{"adversary.late_connect", func(c *Config) any { return &c.Adversary.LateConnect }, false},
}

// String writes the profile in the format [ParseProfile] reads, one
// "key = value" line per field that is not zero, in a fixed order: name,
// title, then the Config fields. Segment bounds that are both set are
// written as "segment = MIN..MAX".
func (p Profile) String() string {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s = %s\n", k, v) }
	if p.Name != "" {
		line("name", p.Name)
	}
	if p.Title != "" {
		line("title", p.Title)
	}
	c := p.Config
	both := c.MinSegment != 0 && c.MaxSegment != 0
	for _, k := range profileKeys {
		if both && k.name == "min_segment" {
			line("segment", strconv.Itoa(c.MinSegment)+".."+strconv.Itoa(c.MaxSegment))
		}
		if v := k.format(&c); v != "" && !(both && strings.HasSuffix(k.name, "_segment")) {
			line(k.name, v)
		}
	}
	return b.String()
}

// format writes the key's field, or "" when it is zero.
func (k profileKey) format(c *Config) string {
	switch f := k.field(c).(type) {
	case *time.Duration:
		return nonZero(*f != 0, f.String)
	case *float64:
		return nonZero(*f != 0, func() string { return strconv.FormatFloat(*f, 'g', -1, 64) })
	case *Dist:
		return nonZero(*f != 0, f.String)
	case *int64:
		return nonZero(*f != 0, func() string { return formatSize(*f) + "/s" })
	case *int:
		if k.size {
			return nonZero(*f != 0, func() string { return formatSize(int64(*f)) })
		}
		return nonZero(*f != 0, func() string { return strconv.Itoa(*f) })
	}
	return ""
}

func nonZero(set bool, s func() string) string {
	if !set {
		return ""
	}
	return s()
}

// ParseProfile reads a profile from lines of "key = value". Blank lines
// and lines starting with '#' are ignored, and so is a " #" comment after
// a value (except in the title). The keys are name, title, latency,
// jitter, jitter_dist (uniform, normal, exponential, pareto), bandwidth
// ("1MB/s", "64KiB/s", bytes per second), udp_loss, udp_dup, udp_reorder,
// tcp_loss (a probability, "0.05" or "5%"), reorder_delay, rto, segment
// ("1..1460", or one size), min_segment, max_segment, send_buffer,
// recv_buffer ("16KiB", "4096"), backlog, syn_retries, tcp_user_timeout,
// dns_latency, dns_timeout, and the adversary's adversary.short_reads,
// adversary.short_writes, adversary.eagain, adversary.eintr,
// adversary.hide_ready, adversary.poll_eintr and adversary.late_connect.
// Durations are Go durations ("20ms"). Errors name the line.
func ParseProfile(text string) (Profile, error) {
	var p Profile
	seen := map[string]int{}
	for i, line := range strings.Split(text, "\n") {
		key, value, ok, err := splitProfileLine(line)
		if err == nil && ok {
			err = p.set(key, value, seen, i+1)
		}
		if err != nil {
			return Profile{}, fmt.Errorf("simnet: profile line %d: %w", i+1, err)
		}
	}
	if err := p.Config.Validate(); err != nil {
		return Profile{}, fmt.Errorf("simnet: profile %q: %w", p.Name, err)
	}
	return p, nil
}

// splitProfileLine splits "key = value", dropping comments; ok is false
// for a line without a setting.
func splitProfileLine(line string) (key, value string, ok bool, err error) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return "", "", false, nil
	}
	key, value, ok = strings.Cut(line, "=")
	if !ok {
		return "", "", false, fmt.Errorf("want \"key = value\", got %q", line)
	}
	key, value = strings.TrimSpace(key), strings.TrimSpace(value)
	if key != "title" {
		value, _, _ = strings.Cut(value, " #")
		value = strings.TrimSpace(value)
	}
	return key, value, true, nil
}

// set parses one setting into p.
func (p *Profile) set(key, value string, seen map[string]int, line int) error {
	if prev, dup := seen[key]; dup {
		return fmt.Errorf("%s is already set on line %d", key, prev)
	}
	seen[key] = line
	switch key {
	case "name":
		p.Name = value
		return checkName(value)
	case "title":
		p.Title = value
		return nil
	case "segment":
		return parseSegments(value, &p.Config)
	}
	for _, k := range profileKeys {
		if k.name == key {
			return k.parse(value, &p.Config)
		}
	}
	return fmt.Errorf("unknown key %q", key)
}

// parse reads the key's field.
func (k profileKey) parse(s string, c *Config) error {
	var err error
	switch f := k.field(c).(type) {
	case *time.Duration:
		*f, err = parseNonNegDuration(s)
	case *float64:
		*f, err = parseProb(s)
	case *Dist:
		*f, err = ParseDist(s)
	case *int64:
		*f, err = parseSize(strings.TrimSuffix(s, "/s"))
	case *int:
		var v int64
		v, err = parseSize(s)
		*f = int(v)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", k.name, err)
	}
	return nil
}

func parseNonNegDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	return d, nil
}

// parseProb reads "0.05" or "5%", in [0, 1].
func parseProb(s string) (float64, error) {
	num, pct := strings.CutSuffix(s, "%")
	v, err := strconv.ParseFloat(num, 64)
	if pct {
		v /= 100
	}
	if err != nil || !(v >= 0 && v <= 1) {
		return 0, fmt.Errorf("bad probability %q: want a number in [0, 1] or a percentage", s)
	}
	return v, nil
}

// parseSegments reads "MIN..MAX" or one size for both.
func parseSegments(s string, c *Config) error {
	lo, hi, isRange := strings.Cut(s, "..")
	if !isRange {
		hi = lo
	}
	a, errA := parseSize(lo)
	b, errB := parseSize(hi)
	if err := errors.Join(errA, errB); err != nil {
		return fmt.Errorf("segment: %w", err)
	}
	c.MinSegment, c.MaxSegment = int(a), int(b)
	return nil
}

// sizeUnits are the units of sizes, largest first (binary before decimal
// for formatting).
var sizeUnits = []struct {
	name string
	mult int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}

// formatSize writes a byte count with the largest unit that divides it.
func formatSize(v int64) string {
	for _, u := range sizeUnits[:len(sizeUnits)-1] {
		if v%u.mult == 0 {
			return strconv.FormatInt(v/u.mult, 10) + u.name
		}
	}
	return strconv.FormatInt(v, 10)
}

// parseSize reads a non-negative byte count with an optional unit (B, KB,
// KiB, MB, MiB, GB, GiB; case does not matter).
func parseSize(s string) (int64, error) {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	v, err := strconv.ParseInt(s[:i], 10, 64)
	mult := unitMult(strings.TrimSpace(s[i:]))
	if err != nil || mult == 0 || v > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q: want a number of bytes, like 4096, 16KiB or 1MB", s)
	}
	return v * mult, nil
}

// unitMult is the multiplier of a size unit ("" is bytes), or 0.
func unitMult(unit string) int64 {
	if unit == "" {
		return 1
	}
	for _, u := range sizeUnits {
		if strings.EqualFold(unit, u.name) {
			return u.mult
		}
	}
	return 0
}
