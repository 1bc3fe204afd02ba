package simnet_test

import (
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

// Every built-in profile is a valid network, round-trips through its text
// form, and can be found by name.
func TestBuiltinProfiles(t *testing.T) {
	names := map[string]bool{}
	for _, p := range simnet.Profiles() {
		if err := p.Config.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		back, err := simnet.ParseProfile(p.String())
		if err != nil || back != p {
			t.Errorf("%s: round trip gave %+v, %v\n%s", p.Name, back, err, p)
		}
		if found, ok := simnet.LookupProfile(p.Name); !ok || found != p || p.Title == "" {
			t.Errorf("LookupProfile(%q) = %v", p.Name, ok)
		}
		names[p.Name] = true
	}
	for _, want := range []string{"lan", "wan", "lossy", "flaky", "chop", "slow", "adversary"} {
		if !names[want] {
			t.Errorf("no built-in profile %q", want)
		}
	}
	if _, ok := simnet.LookupProfile("moon"); ok {
		t.Error("LookupProfile found a profile that does not exist")
	}
	if adv, _ := simnet.LookupProfile("adversary"); adv.Config.Adversary.IsZero() {
		t.Error("the adversary profile has no adversary")
	}
}

// A custom profile file, as a user would write it.
func TestParseProfile(t *testing.T) {
	p, err := simnet.ParseProfile(`
		# my network
		name = mynet
		title = a # is fine in a title
		latency = 20ms   # one way
		jitter = 5ms
		jitter_dist = pareto
		segment = 1..1460
		send_buffer = 16KiB
		recv_buffer = 4096
		udp_loss = 0.05
		tcp_loss = 2%
		bandwidth = 1MB/s
		tcp_user_timeout = 30s
		adversary.short_reads = 0.3
		adversary.late_connect = 1
	`)
	if err != nil {
		t.Fatal(err)
	}
	want := simnet.Profile{Name: "mynet", Title: "a # is fine in a title", Config: simnet.Config{
		Latency: 20 * ms, Jitter: 5 * ms, JitterDist: simnet.Pareto, MinSegment: 1, MaxSegment: 1460,
		SendBuffer: 16 << 10, RecvBuffer: 4096, UDPLoss: 0.05, TCPLoss: 0.02, Bandwidth: 1_000_000,
		TCPUserTimeout: 30 * time.Second,
		Adversary:      simnet.Adversary{ShortReads: 0.3, LateConnect: 1},
	}}
	if p != want {
		t.Fatalf("parsed %+v\nwant %+v", p, want)
	}
	text := "name = mynet\ntitle = a # is fine in a title\nlatency = 20ms\njitter = 5ms\njitter_dist = pareto\n" +
		"bandwidth = 1MB/s\nudp_loss = 0.05\ntcp_loss = 0.02\nsegment = 1..1460\nsend_buffer = 16KiB\n" +
		"recv_buffer = 4KiB\ntcp_user_timeout = 30s\nadversary.short_reads = 0.3\nadversary.late_connect = 1\n"
	if got := p.String(); got != text {
		t.Fatalf("String():\n%s\nwant:\n%s", got, text)
	}
}

// Errors name the line.
func TestParseProfileErrors(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"name = x\nlatency 20ms", `line 2: want "key = value"`},
		{"latency = soon", `line 1: latency: bad duration "soon"`},
		{"jitter = -1ms", `line 1: jitter: bad duration "-1ms"`},
		{"\n\nudp_loss = 1.5", "line 3: udp_loss: bad probability"},
		{"tcp_loss = 200%", "line 1: tcp_loss: bad probability"},
		{"jitter_dist = bell", `line 1: jitter_dist: simnet: unknown jitter distribution "bell"`},
		{"send_buffer = 16 parsecs", "line 1: send_buffer: bad size"},
		{"segment = 1..x", "line 1: segment: bad size"},
		{"colour = blue", `line 1: unknown key "colour"`},
		{"name = two words", "line 1: simnet: bad name"},
		{"latency = 1ms\nlatency = 2ms", "line 2: latency is already set on line 1"},
		{"name = n\nsegment = 100..10", `profile "n": simnet: Config.MinSegment 100 is larger than MaxSegment 10`},
		{"syn_retries = 99", "SYNRetries is 99"},
	}
	for _, tt := range tests {
		_, err := simnet.ParseProfile(tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseProfile(%q) = %v, want an error containing %q", tt.text, err, tt.want)
		}
	}
}

// genProfile draws a valid profile with any fields set.
func genProfile(t *rapid.T) simnet.Profile {
	dur := func(label string) time.Duration {
		if rapid.Bool().Draw(t, label+"?") {
			return time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, label))
		}
		return 0
	}
	prob := func(label string) float64 {
		if rapid.Bool().Draw(t, label+"?") {
			return rapid.Float64Range(0, 1).Draw(t, label)
		}
		return 0
	}
	size := func(label string, hi int) int { return rapid.IntRange(0, hi).Draw(t, label) }
	maxSeg := size("max segment", 70000)
	c := simnet.Config{
		Latency: dur("latency"), Jitter: dur("jitter"), JitterDist: simnet.Dist(rapid.IntRange(0, 3).Draw(t, "dist")),
		Bandwidth: int64(size("bandwidth", 1<<40)), UDPLoss: prob("udp loss"), UDPDup: prob("udp dup"),
		UDPReorder: prob("reorder"), ReorderDelay: dur("reorder delay"), TCPLoss: prob("tcp loss"), RTO: dur("rto"),
		MaxSegment: maxSeg, SendBuffer: size("send", 1<<30), RecvBuffer: size("recv", 1<<30),
		Backlog: size("backlog", 1000), SYNRetries: size("retries", 30), TCPUserTimeout: dur("user timeout"),
		DNSLatency: dur("dns latency"), DNSTimeout: dur("dns timeout"), PollCost: dur("poll cost"),
		Adversary: simnet.Adversary{
			ShortReads: prob("short reads"), ShortWrites: prob("short writes"), EAGAIN: prob("eagain"),
			EINTR: prob("eintr"), HideReady: prob("hide"), PollEINTR: prob("poll eintr"), LateConnect: prob("late"),
		},
	}
	if maxSeg > 0 {
		c.MinSegment = size("min segment", maxSeg)
	} else {
		c.MinSegment = size("min segment (max default)", simnet.DefaultSegment)
	}
	return simnet.Profile{
		Name:   rapid.StringMatching(`([a-z][a-z0-9_.-]{0,15})?`).Draw(t, "name"),
		Title:  rapid.StringMatching(`([A-Za-z0-9#%=.,:;()µ-]([A-Za-z0-9 #%=.,:;()µ-]{0,30}[A-Za-z0-9#%=.,:;()µ-])?)?`).Draw(t, "title"),
		Config: c,
	}
}

// parse(format(p)) == p for generated profiles.
func TestProfileRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genProfile(t)
		if err := p.Config.Validate(); err != nil {
			t.Fatalf("generated an invalid config: %v", err)
		}
		text := p.String()
		back, err := simnet.ParseProfile(text)
		if err != nil {
			t.Fatalf("ParseProfile(%q): %v", text, err)
		}
		if back != p {
			t.Fatalf("round trip:\n%+v\n%+v\n%s", p, back, text)
		}
	})
}

// A profile's Config runs: a network made from each built-in profile
// carries a stream exactly.
func TestProfilesCarryStreams(t *testing.T) {
	for i, p := range simnet.Profiles() {
		seed := sim.Seed(i + 1)
		out := [2][]byte{randomBytes(seed, 20000), randomBytes(seed+50, 5000)}
		res := runFaulty(t, seed, faultCase{cfg: p.Config, out: out, maxChunk: 3000})
		checkStreams(t, seed, out, res)
	}
}
