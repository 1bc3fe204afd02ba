package conformance

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// ParseWorkload reads a workload in the text form [Workload.String]
// writes. Blank lines and lines starting with '#' are comments; a "seed"
// and a "net" line may be left out (zero values), clients are numbered
// from 1 in order, and indented "send" and "pause" lines belong to the
// client above them. The result is validated ([Workload.Validate]); errors
// name the line.
func ParseWorkload(text string) (Workload, error) {
	var p workloadParser
	for i, line := range strings.Split(text, "\n") {
		if err := p.line(strings.TrimSpace(line)); err != nil {
			return Workload{}, fmt.Errorf("workload line %d: %w", i+1, err)
		}
	}
	if err := p.w.Validate(); err != nil {
		return Workload{}, fmt.Errorf("workload: %w", err)
	}
	return p.w, nil
}

type workloadParser struct{ w Workload }

func (p *workloadParser) line(line string) error {
	if line == "" || strings.HasPrefix(line, "#") {
		return nil
	}
	f := strings.Fields(line)
	switch f[0] {
	case "seed":
		return p.seed(f)
	case "net":
		return p.net(f[1:])
	case "client":
		return p.client(f)
	case "send", "pause":
		return p.step(line, f)
	case "fault":
		return p.fault(f)
	}
	return fmt.Errorf("unknown statement %q (want seed, net, client, send, pause or fault)", f[0])
}

func (p *workloadParser) seed(f []string) error {
	if len(f) != 2 {
		return fmt.Errorf("want \"seed N\"")
	}
	s, err := sim.ParseSeed(f[1])
	p.w.Seed = s
	return err
}

// net reads "key=value" fields; each key may appear once.
func (p *workloadParser) net(fields []string) error {
	seen := map[string]bool{}
	for _, kv := range fields {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return fmt.Errorf("net: want distinct key=value fields, got %q", kv)
		}
		seen[k] = true
		if err := p.netField(k, v); err != nil {
			return fmt.Errorf("net %s: %w", k, err)
		}
	}
	return nil
}

func (p *workloadParser) netField(k, v string) error {
	n := &p.w.Net
	var err error
	switch k {
	case "latency":
		n.Latency, err = parseDuration(v)
	case "jitter":
		n.Jitter, err = parseDuration(v)
	case "segments":
		lo, hi, ok := strings.Cut(v, "-")
		if !ok {
			return fmt.Errorf("want MIN-MAX, got %q", v)
		}
		if n.MinSegment, err = parseCount(lo); err == nil {
			n.MaxSegment, err = parseCount(hi)
		}
	case "sndbuf":
		n.SendBuffer, err = parseCount(v)
	case "rcvbuf":
		n.RecvBuffer, err = parseCount(v)
	default:
		return fmt.Errorf("unknown field (want latency, jitter, segments, sndbuf, rcvbuf)")
	}
	return err
}

func (p *workloadParser) client(f []string) error {
	if len(f) != 4 || f[2] != "at" {
		return fmt.Errorf("want \"client N at DURATION\"")
	}
	if want := strconv.Itoa(len(p.w.Clients) + 1); f[1] != want {
		return fmt.Errorf("client %s: clients are numbered in order, this one should be %s", f[1], want)
	}
	start, err := parseDuration(f[3])
	if err != nil {
		return err
	}
	p.w.Clients = append(p.w.Clients, WorkloadClient{Start: start})
	return nil
}

func (p *workloadParser) step(line string, f []string) error {
	if len(p.w.Clients) == 0 {
		return fmt.Errorf("%s before any client", f[0])
	}
	c := &p.w.Clients[len(p.w.Clients)-1]
	if f[0] == "pause" {
		if len(f) != 2 {
			return fmt.Errorf("want \"pause DURATION\"")
		}
		d, err := parseDuration(f[1])
		c.Steps = append(c.Steps, Step{Pause: d})
		return err
	}
	data, err := strconv.Unquote(strings.TrimSpace(strings.TrimPrefix(line, "send")))
	if err != nil {
		return fmt.Errorf("send: want a Go-quoted string: %w", err)
	}
	c.Steps = append(c.Steps, Step{Data: []byte(data)})
	return nil
}

// fault reads "fault at DURATION KIND client N [for DURATION]".
func (p *workloadParser) fault(f []string) error {
	if (len(f) != 6 && len(f) != 8) || f[1] != "at" || f[4] != "client" || (len(f) == 8 && f[6] != "for") {
		return fmt.Errorf("want \"fault at DURATION KIND client N [for DURATION]\"")
	}
	var flt Fault
	var err error
	if flt.At, err = parseDuration(f[2]); err != nil {
		return err
	}
	if flt.Kind, err = ParseFaultKind(f[3]); err != nil {
		return err
	}
	if flt.Client, err = parseCount(f[5]); err != nil {
		return err
	}
	if len(f) == 8 {
		if flt.For, err = parseDuration(f[7]); err != nil {
			return err
		}
	}
	p.w.Faults = append(p.w.Faults, flt)
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	return d, nil
}

func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad count %q", s)
	}
	return n, nil
}
