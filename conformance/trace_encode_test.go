package conformance

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestAppendEventCanonical(t *testing.T) {
	e := Event{Seq: 7, T: 12.5, Conn: 3, Role: RoleInbound, Listener: 2, UDP: false, Ev: EvRecv, Name: "RECV",
		DataKind: DataInt, DataInt: 6, DataFloat: 6, RecvLen: 6, RecvAfter: 0, SendAfter: 6, Flags: 0,
		FlagsAfter: 1024, Queued: 6, Removed: 6, Timer: 0, TimerAfter: 13.000000001, RecvLimit: math.MaxUint64,
		Poll: 2, Origin: OriginAccept, Peer: 1, Mgr: 4, RxBytes: 6, RxSum: 0xaf63bd4c8601b7df,
		Has: HasListener | HasUDP | HasRecvAfter | HasSendAfter | HasFlags | HasFlagsAfter | HasQueued | HasRemoved |
			HasTimer | HasTimerAfter | HasRecvLimit | HasPoll | HasOrigin | HasPeer | HasMgr | HasRx}
	want := `{"seq":7,"t":12.500000000,"conn":3,"role":"inbound","listener":2,"udp":false,"ev":"RECV","data":6,` +
		`"recv_len":6,"send_len":0,"recv_after":0,"send_after":6,"flags":0,"flags_after":1024,"queued":6,"removed":6,` +
		`"timer":0.000000000,"timer_after":13.000000001,"recv_limit":18446744073709551615,"poll":2,"origin":"accept",` +
		`"peer":1,"mgr":4,"rx_bytes":6,"rx_sum":"af63bd4c8601b7df"}`
	if got := string(AppendEvent(nil, &e)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// Only the fields present are written; data follows the event.
func TestAppendEventMinimal(t *testing.T) {
	cases := []struct {
		e    Event
		want string
	}{
		{Event{Seq: 1, Conn: 2, Role: RoleListener, Ev: EvClose},
			`{"seq":1,"t":0.000000000,"conn":2,"role":"listener","ev":"CLOSE","recv_len":0,"send_len":0}`},
		{Event{Seq: 2, T: 1, Role: RoleOutbound, Ev: EvTimer, DataKind: DataFloat, DataFloat: 0.25},
			`{"seq":2,"t":1.000000000,"conn":0,"role":"outbound","ev":"TIMER","data":0.250000000,"recv_len":0,"send_len":0}`},
		{Event{Seq: 3, Role: RoleInbound, Ev: EvAccept, DataKind: DataString, DataStr: "10.0.0.2:40001"},
			`{"seq":3,"t":0.000000000,"conn":0,"role":"inbound","ev":"ACCEPT","data":"10.0.0.2:40001","recv_len":0,"send_len":0}`},
		{Event{Seq: 4, Role: RoleInbound, Ev: EvOther, Name: "MQTT \"x\"\n", DataKind: DataString, DataStr: "a\x01\\"},
			`{"seq":4,"t":0.000000000,"conn":0,"role":"inbound","ev":"MQTT \"x\"\n","data":"a\u0001\\","recv_len":0,"send_len":0}`},
		{Event{Seq: 5, T: 2, Ev: EvFault, Fault: "partition", Detail: "a <-/-> b"},
			`{"seq":5,"t":2.000000000,"fault":"partition","detail":"a <-/-> b"}`},
		{Event{Seq: 6, T: 3, Ev: EvFault, Fault: "heal"},
			`{"seq":6,"t":3.000000000,"fault":"heal"}`},
	}
	for _, c := range cases {
		if got := string(AppendEvent(nil, &c.e)); got != c.want {
			t.Errorf("got\n%s\nwant\n%s", got, c.want)
		}
	}
}

func TestAppendEventAllocs(t *testing.T) {
	var e Event
	if err := ParseEvent([]byte(pollLine), &e); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { buf = AppendEvent(buf[:0], &e) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

// TestAppendSecondsMatchesStrconv: the fast path prints exactly what
// strconv prints, for virtual-clock times and for arbitrary floats.
func TestAppendSecondsMatchesStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(f float64) {
		want := strconv.AppendFloat(nil, f, 'f', 9, 64)
		if got := appendSeconds(nil, f); string(got) != string(want) {
			t.Fatalf("%v: got %s want %s", f, got, want)
		}
	}
	for i := 0; i < 200000; i++ {
		check(float64(r.Int64N(1<<50)) / 1e9)          // whole nanoseconds
		check(float64(r.Int64N(1<<45)) / 1e6)          // microseconds, like real traces
		check(1795790330 + float64(r.Int64N(1e6))/1e6) // UNIX times with 6 decimals
		check(r.Float64() * 1e4)                       // anything
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 0.5e-9, 1.5e-9, 1e-9, 0.0000000005, 9007199.254740991, -1, math.MaxFloat64} {
		check(f)
	}
}
