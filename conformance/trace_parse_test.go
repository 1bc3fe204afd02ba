package conformance

import (
	"bytes"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

const pollLine = `{"seq":1,"t":1795790330.449440,"conn":1,"role":"outbound","udp":false,"ev":"POLL","data":1795790330,"recv_len":0,"send_len":0,"recv_after":0,"send_after":0,"flags":8,"flags_after":8,"queued":0,"removed":0,"timer":0.000000,"timer_after":0.000000,"recv_limit":18446744073709551615,"poll":1,"origin":"connect"}`

func TestParseRealLine(t *testing.T) {
	var e Event
	if err := ParseEvent([]byte(pollLine), &e); err != nil {
		t.Fatal(err)
	}
	want := Event{Seq: 1, T: 1795790330.449440, Conn: 1, Role: RoleOutbound, Ev: EvPoll, Name: "POLL",
		DataKind: DataInt, DataInt: 1795790330, DataFloat: 1795790330, Flags: 8, FlagsAfter: 8,
		RecvLimit: math.MaxUint64, Poll: 1, Origin: OriginConnect,
		Has: HasUDP | HasRecvAfter | HasSendAfter | HasFlags | HasFlagsAfter | HasQueued | HasRemoved |
			HasTimer | HasTimerAfter | HasRecvLimit | HasPoll | HasOrigin}
	if e != want {
		t.Errorf("got  %+v\nwant %+v", e, want)
	}
}

// Every line of the real traces parses, and its canonical form is a
// fixed point: append(parse(append(parse(line)))) == append(parse(line)).
func TestParseRealTraces(t *testing.T) {
	for _, path := range realTraces {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range bytes.Split(data, []byte("\n")) {
			if len(line) == 0 || line[0] == '#' {
				continue
			}
			var e, e2 Event
			if err := ParseEvent(line, &e); err != nil {
				t.Fatalf("%s:%d: %v", path, i+1, err)
			}
			a := AppendEvent(nil, &e)
			if err := ParseEvent(a, &e2); err != nil || e2 != e {
				t.Fatalf("%s:%d: canonical form %s parses to %+v, %v", path, i+1, a, e2, err)
			}
			if b := AppendEvent(nil, &e2); !bytes.Equal(a, b) {
				t.Errorf("%s:%d: not a fixed point:\n%s\n%s", path, i+1, a, b)
			}
		}
	}
}

func TestParseAcceptAndClose(t *testing.T) {
	var e Event
	line := `{"seq":5,"t":1.5,"conn":3,"role":"inbound","listener":2,"ev":"ACCEPT","data":"127.0.0.1:54686","recv_len":0,"send_len":0}`
	if err := ParseEvent([]byte(line), &e); err != nil {
		t.Fatal(err)
	}
	if e.Ev != EvAccept || e.DataKind != DataString || e.DataStr != "127.0.0.1:54686" || e.Listener != 2 || e.Has != HasListener {
		t.Errorf("ACCEPT: %+v", e)
	}
	for _, line := range []string{
		`{"seq":6,"t":2,"conn":3,"role":"inbound","ev":"CLOSE","recv_len":0,"send_len":0}`,
		`{"seq":6,"t":2,"conn":3,"role":"inbound","ev":"CLOSE","data":null,"recv_len":0,"send_len":0}`,
	} {
		if err := ParseEvent([]byte(line), &e); err != nil || e.Ev != EvClose || e.DataKind != DataNone {
			t.Errorf("%s: %+v, %v", line, e, err)
		}
	}
}

// trace.md's own example writes POLL data as 0.000: a whole number is an
// integer whatever its notation.
func TestParseWholeNumberData(t *testing.T) {
	var e Event
	for _, data := range []string{"0.000", "-0.0", "2e3", "2.000e3"} {
		line := `{"seq":1,"t":0.000,"conn":1,"role":"listener","ev":"POLL","data":` + data + `,"recv_len":0,"send_len":0}`
		want, _ := strconv.ParseFloat(data, 64)
		if err := ParseEvent([]byte(line), &e); err != nil || e.DataKind != DataInt || float64(e.DataInt) != want {
			t.Errorf("data %s: %+v, %v", data, e, err)
		}
	}
}

func TestParseProtocolAndFault(t *testing.T) {
	var e Event
	line := `{"seq":7,"t":3,"conn":4,"role":"inbound","ev":"HTTP_REQUEST","data":{"uri":"/"},"recv_len":10,"send_len":0}`
	if err := ParseEvent([]byte(line), &e); err != nil || e.Ev != EvOther || e.Name != "HTTP_REQUEST" || e.DataKind != DataNone {
		t.Errorf("protocol event: %+v, %v", e, err)
	}
	line = `{"seq":8,"t":4.25,"fault":"partition","detail":"a \u2194 b","conn":9}`
	want := Event{Seq: 8, T: 4.25, Ev: EvFault, Fault: "partition", Detail: "a ↔ b"}
	if err := ParseEvent([]byte(line), &e); err != nil || e != want {
		t.Errorf("fault line: %+v, %v", e, err)
	}
}

// Unknown fields are ignored whatever they hold; keys may be escaped and
// fields may come in any order.
func TestParseIgnoresUnknownFields(t *testing.T) {
	line := ` { "x" : {"a":[1,{"b":null},true,-2.5e-3],"c":"\"}"} , "send_len":0,"ev":"RECV","seq":2,"\u0074":1,` +
		`"conn":1,"role":"outbound","data":3,"recv_len":3,"y":[[],{}],"z":"\\"} `
	var e Event
	if err := ParseEvent([]byte(line), &e); err != nil {
		t.Fatal(err)
	}
	if e.Seq != 2 || e.T != 1 || e.Ev != EvRecv || e.DataInt != 3 || e.RecvLen != 3 {
		t.Errorf("%+v", e)
	}
}

func TestParseErrors(t *testing.T) {
	const base = `"seq":1,"t":1.5,"conn":1,"role":"outbound","recv_len":0,"send_len":0`
	cases := []struct{ line, want string }{
		{`{"seq":"x","t":1,"conn":1,"role":"inbound","ev":"POLL","data":1,"recv_len":0,"send_len":0}`, `field "seq": want integer, got string "x"`},
		{`{"seq":1.5,` + base[8:] + `,"ev":"POLL","data":1}`, `field "seq": want integer, got 1.5`},
		{`{"seq":99999999999999999999,` + base[8:] + `,"ev":"POLL","data":1}`, `field "seq": integer out of range: 99999999999999999999`},
		{`{"seq":1,"conn":1,"role":"outbound","ev":"POLL","data":1,"recv_len":0,"send_len":0}`, `field "t": missing (required)`},
		{`{"seq":1,"t":1e400,"conn":1,"role":"outbound","ev":"POLL","data":1,"recv_len":0,"send_len":0}`, `field "t": number out of range: 1e400`},
		{`{"seq":1,"t":true,"conn":1,"role":"outbound","ev":"POLL","data":1,"recv_len":0,"send_len":0}`, `field "t": want number, got true`},
		{`{"seq":1,"t":1,"conn":1,"role":"server","ev":"POLL","data":1,"recv_len":0,"send_len":0}`, `field "role": want "listener", "inbound" or "outbound", got string "server"`},
		{`{` + base + `,"ev":5,"data":1}`, `field "ev": want string, got 5`},
		{`{` + base + `,"ev":"POLL"}`, `field "data": missing (required for POLL)`},
		{`{` + base + `,"ev":"POLL","data":"now"}`, `field "data": want integer for POLL, got string "now"`},
		{`{` + base + `,"ev":"RECV","data":1.5}`, `field "data": want integer for RECV, got 1.5`},
		{`{` + base + `,"ev":"POLL","data":1e30}`, `field "data": want integer for POLL, got 1e30`},
		{`{` + base + `,"ev":"TIMER","data":"x"}`, `field "data": want number, got string "x"`},
		{`{` + base + `,"ev":"ACCEPT","data":1}`, `field "data": want a string (the peer address) for ACCEPT, got 1`},
		{`{` + base + `,"ev":"CLOSE","data":0}`, `field "data": CLOSE carries no data, got 0`},
		{`{` + base + `,"ev":"POLL","data":1,"udp":"yes"}`, `field "udp": want true or false, got string "yes"`},
		{`{` + base + `,"ev":"POLL","data":1,"recv_limit":-1}`, `field "recv_limit": want non-negative integer, got -1`},
		{`{` + base + `,"ev":"POLL","data":1,"flags":4294967296}`, `field "flags": want a 32-bit flag word, got 4294967296`},
		{`{` + base + `,"ev":"POLL","data":1,"poll":null}`, `field "poll": want integer, got null`},
		{`{` + base + `,"ev":"POLL","data":1,"timer":[]}`, `field "timer": want number, got array`},
		{`{` + base + `,"ev":"POLL","data":1,"origin":"dial"}`, `field "origin": want bind, connect, accept, udp_child or add_sock, got string "dial"`},
		{`{` + base + `,"ev":"SEND","data":1,"tx_bytes":1}`, `field "tx_sum": missing (tx_bytes is given)`},
		{`{` + base + `,"ev":"SEND","data":1,"tx_bytes":1,"tx_sum":"xyz"}`, `field "tx_sum": want 16 hex digits, got string "xyz"`},
		{`{` + base + `,"ev":"RECV","data":1,"rx_sum":"000000000000000g","rx_bytes":1}`, `field "rx_sum": want 16 hex digits, got string "000000000000000g"`},
		{`{"fault":"reset","seq":3}`, `field "t": missing (required)`},
		{`{}`, `field "seq": missing (required)`},
		{``, `invalid JSON: want '{' (a JSON object), got end of line`},
		{`[1]`, `invalid JSON at byte 1: want '{' (a JSON object), got '['`},
		{`{` + base + `,"ev":"POLL","data":1} x`, `invalid JSON at byte`},
		{`{` + base + `,"ev":"POLL","data":01}`, `invalid JSON at byte`},
		{`{` + base + `,"ev":"POLL","data":1,}`, `want a field name (string), got '}'`},
		{`{"seq":1 "t":1}`, `want ',' or '}' after a field, got '"'`},
		{`{"seq":1,"t"}`, `want ':' after a field name`},
		{`{"seq":1,"x":"abc`, `unterminated string`},
		{`{"seq":1,"x":"a\qb"}`, `want an escape`},
		{`{"seq":1,"x":"a` + "\x01" + `b"}`, `control characters must be escaped`},
		{`{"seq":1,"x":tru}`, `want a value, got 't'`},
		{`{"seq":1,"x":-}`, `want a digit, got '}'`},
		{`{"seq":1,"x":1.}`, `want a digit after '.', got '}'`},
		{`{"seq":1,"x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, `nested deeper than 256`},
		{`{"seq":1,"x":[1 2]}`, `want ',' or ']', got '2'`},
		{"\xff\xfe", `invalid JSON at byte 1: want '{' (a JSON object), got byte "\xff"`},
	}
	for _, c := range cases {
		var e Event
		err := ParseEvent([]byte(c.line), &e)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s", c.line, err, c.want)
		}
	}
}

// Parsing a core event allocates nothing; an ACCEPT keeps one string.
func TestParseAllocs(t *testing.T) {
	accept := []byte(`{"seq":5,"t":1.5,"conn":3,"role":"inbound","listener":2,"ev":"ACCEPT","data":"127.0.0.1:54686","recv_len":0,"send_len":0}`)
	var e Event
	for _, c := range []struct {
		line []byte
		want float64
	}{{[]byte(pollLine), 0}, {accept, 1}} {
		if got := testing.AllocsPerRun(100, func() { ParseEvent(c.line, &e) }); got != c.want {
			t.Errorf("%s: %v allocations, want %v", c.line[:40], got, c.want)
		}
	}
}

// genTime draws a time that is a whole number of nanoseconds, as the
// virtual clock's are.
func genTime(t *rapid.T, label string) float64 {
	return float64(rapid.Int64Range(-1<<61, 1<<61).Draw(t, label)) / 1e9
}

// genEvent draws any event AppendEvent and ParseEvent agree on: times in
// whole nanoseconds, optional fields zero unless their Has bit is set.
func genEvent(t *rapid.T) Event {
	if rapid.IntRange(0, 9).Draw(t, "fault?") == 0 {
		return Event{Seq: rapid.Int64().Draw(t, "seq"), T: genTime(t, "t"), Ev: EvFault,
			Fault: rapid.String().Draw(t, "fault"), Detail: rapid.String().Draw(t, "detail")}
	}
	e := Event{Seq: rapid.Int64().Draw(t, "seq"), T: genTime(t, "t"), Conn: rapid.Int64().Draw(t, "conn"),
		Role:    Role(rapid.IntRange(1, 3).Draw(t, "role")),
		Ev:      rapid.SampledFrom([]Ev{EvPoll, EvAccept, EvConnect, EvRecv, EvSend, EvClose, EvTimer, EvOther}).Draw(t, "ev"),
		RecvLen: rapid.Int64().Draw(t, "recv_len"), SendLen: rapid.Int64().Draw(t, "send_len")}
	genData(t, &e)
	genOptional(t, &e)
	return e
}

func genData(t *rapid.T, e *Event) {
	e.Name = e.Ev.String()
	kind := map[Ev]DataKind{EvPoll: DataInt, EvConnect: DataInt, EvRecv: DataInt, EvSend: DataInt,
		EvAccept: DataString, EvTimer: DataFloat, EvClose: DataNone}[e.Ev]
	if e.Ev == EvOther {
		e.Name = rapid.StringMatching(`[A-Za-z_"\\ é]{1,12}`).Filter(func(s string) bool { return ParseEv(s) == EvOther }).Draw(t, "name")
		kind = DataKind(rapid.IntRange(0, 3).Draw(t, "kind"))
	}
	e.DataKind = kind
	switch kind {
	case DataInt:
		e.DataInt = rapid.Int64().Draw(t, "data")
		e.DataFloat = float64(e.DataInt)
	case DataFloat:
		e.DataFloat = genTime(t, "data")
	case DataString:
		e.DataStr = rapid.String().Draw(t, "data")
	}
}

func genOptional(t *rapid.T, e *Event) {
	e.Has = Has(rapid.Uint32Range(0, uint32(HasRx)<<1-1).Draw(t, "has"))
	opt := func(h Has, f func()) {
		if e.Has&h != 0 {
			f()
		}
	}
	i64 := func(l string) int64 { return rapid.Int64().Draw(t, l) }
	u64 := func(l string) uint64 { return rapid.Uint64().Draw(t, l) }
	opt(HasUDP, func() { e.UDP = rapid.Bool().Draw(t, "udp") })
	opt(HasRecvAfter, func() { e.RecvAfter = i64("recv_after") })
	opt(HasSendAfter, func() { e.SendAfter = i64("send_after") })
	opt(HasFlags, func() { e.Flags = rapid.Uint32().Draw(t, "flags") })
	opt(HasFlagsAfter, func() { e.FlagsAfter = rapid.Uint32().Draw(t, "flags_after") })
	opt(HasQueued, func() { e.Queued = i64("queued") })
	opt(HasRemoved, func() { e.Removed = i64("removed") })
	opt(HasTimer, func() { e.Timer = genTime(t, "timer") })
	opt(HasTimerAfter, func() { e.TimerAfter = genTime(t, "timer_after") })
	opt(HasRecvLimit, func() { e.RecvLimit = u64("recv_limit") })
	opt(HasListener, func() { e.Listener = i64("listener") })
	opt(HasPeer, func() { e.Peer = i64("peer") })
	opt(HasPoll, func() { e.Poll = i64("poll") })
	opt(HasOrigin, func() { e.Origin = Origin(rapid.IntRange(1, 5).Draw(t, "origin")) })
	opt(HasMgr, func() { e.Mgr = i64("mgr") })
	opt(HasTx, func() { e.TxBytes, e.TxSum = u64("tx_bytes"), u64("tx_sum") })
	opt(HasRx, func() { e.RxBytes, e.RxSum = u64("rx_bytes"), u64("rx_sum") })
}

// parse(append(e)) == e, and the canonical line is a fixed point.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genEvent(t)
		line := AppendEvent(nil, &e)
		var got Event
		if err := ParseEvent(line, &got); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if got != e {
			t.Fatalf("%s\n got %+v\nwant %+v", line, got, e)
		}
		if again := AppendEvent(nil, &got); !bytes.Equal(again, line) {
			t.Fatalf("not a fixed point:\n%s\n%s", line, again)
		}
	})
}

// A line written with the fields shuffled, spaces around everything and
// unknown fields mixed in parses to the same event.
func TestParseAnyOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genEvent(t)
		members := splitMembers(AppendEvent(nil, &e))
		members = append(members, `"zz_extra":{"a":[1,"}",{"b":[]}]}`, `"_":null`)
		perm := rapid.Permutation(members).Draw(t, "order")
		line := " {  " + strings.Join(perm, " ,\t") + " }\r\n"
		var got Event
		if err := ParseEvent([]byte(line), &got); err != nil || got != e {
			t.Fatalf("%s\n got %+v, %v\nwant %+v", line, got, err, e)
		}
	})
}

// splitMembers splits a canonical line into its "key":value members (the
// values of a canonical line hold no ',' outside strings).
func splitMembers(line []byte) []string {
	var out []string
	inStr, start := false, 1
	for i := 1; i < len(line)-1; i++ {
		switch c := line[i]; {
		case c == '\\' && inStr:
			i++
		case c == '"':
			inStr = !inStr
		case c == ',' && !inStr:
			out = append(out, string(line[start:i]))
			start = i + 1
		}
	}
	return append(out, string(line[start:len(line)-1]))
}

// The fast decimal path gives exactly what strconv gives.
func TestFastFloatMatchesStrconv(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringMatching(`-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,20})?`).Draw(t, "number")
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Skip()
		}
		var got float64
		p := eventParser{s: scanner{b: []byte(s)}}
		if err := p.float("t", &got); err != nil || got != want || math.Signbit(got) != math.Signbit(want) || p.s.i != len(s) {
			t.Fatalf("%s: got %v (%v, at %d), want %v", s, got, err, p.s.i, want)
		}
	})
}

// ParseEvent never panics, and whatever it accepts has a canonical form
// that is a fixed point.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(pollLine))                                      // a real 6.18 line
	f.Add([]byte(`{"seq":8,"t":4.25,"fault":"partition"}`))      // a fault line
	f.Add([]byte(`{"x":[{"y":"\ud83d\ude00\u00"}],"seq":-0.0}`)) // escapes, bad surrogate
	f.Add([]byte(`{"seq":1,"t":1e-400,"conn":-9223372036854775808,"role":"inbound","ev":"CLOSE","recv_len":0,"send_len":0}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var e, e2 Event
		if ParseEvent(line, &e) != nil {
			return
		}
		a := AppendEvent(nil, &e)
		if err := ParseEvent(a, &e2); err != nil {
			t.Fatalf("canonical form %s does not parse: %v", a, err)
		}
		if b := AppendEvent(nil, &e2); !bytes.Equal(a, b) {
			t.Fatalf("not a fixed point:\n%s\n%s", a, b)
		}
	})
}

// BenchmarkParse parses lines like the real traces', all fields present.
func BenchmarkParse(b *testing.B) {
	lines := bytes.Split(bytes.TrimSpace(synthTrace(2000)), []byte("\n"))[1:]
	var e Event
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			if err := ParseEvent(l, &e); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
