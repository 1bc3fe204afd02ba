package reference_test

import (
	"testing"

	"github.com/mgsim/mgsim/reference"
)

func TestFlagsString(t *testing.T) {
	cases := []struct {
		f    reference.Flags
		want string
	}{
		{0, "0"},
		{reference.FlagSendAndClose | reference.FlagCloseImmediately, "SEND_AND_CLOSE|CLOSE_IMMEDIATELY"},
		{3072 | 1, "LISTENING|SEND_AND_CLOSE|CLOSE_IMMEDIATELY"},
		{reference.FlagUDP | reference.FlagConnecting | reference.FlagUser6, "UDP|CONNECTING|USER_6"},
		{1<<15 | reference.FlagProto2 | 1<<31, "PROTO_2|0x8000|0x80000000"},
		{reference.FlagResolving | reference.FlagSSL | reference.FlagSSLHandshakeDone | reference.FlagWantRead |
			reference.FlagWantWrite | reference.FlagIsWebsocket | reference.FlagRecvAndClose | reference.FlagProto1 |
			reference.FlagEnableBroadcast | reference.FlagUser1,
			"RESOLVING|SSL|SSL_HANDSHAKE_DONE|WANT_READ|WANT_WRITE|IS_WEBSOCKET|RECV_AND_CLOSE|PROTO_1|ENABLE_BROADCAST|USER_1"},
	}
	for _, tc := range cases {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("Flags(%#x).String() = %q, want %q", uint32(tc.f), got, tc.want)
		}
	}
}

func TestFlagValues(t *testing.T) { // section F
	got := []reference.Flags{reference.FlagListening, reference.FlagConnecting, reference.FlagSendAndClose,
		reference.FlagCloseImmediately, reference.FlagEnableBroadcast, reference.FlagUser1, reference.FlagUser6}
	want := []reference.Flags{0x1, 0x8, 0x400, 0x800, 0x4000, 0x100000, 0x2000000}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("flag %d = %#x, want %#x", i, uint32(got[i]), uint32(want[i]))
		}
	}
}

func TestEventAndOriginString(t *testing.T) {
	evs := map[reference.Event]string{
		reference.EvPoll: "POLL", reference.EvAccept: "ACCEPT", reference.EvConnect: "CONNECT",
		reference.EvRecv: "RECV", reference.EvSend: "SEND", reference.EvClose: "CLOSE",
		reference.EvTimer: "TIMER", 7: "unknown(7)", -1: "unknown(-1)",
	}
	for ev, want := range evs {
		if got := ev.String(); got != want {
			t.Errorf("Event(%d) = %q, want %q", int(ev), got, want)
		}
	}
	origins := map[reference.Origin]string{
		reference.OriginBind: "bind", reference.OriginConnect: "connect", reference.OriginAccept: "accept",
		reference.OriginUDPChild: "udp_child", reference.OriginAddSock: "add_sock", 0: "unknown(0)", 6: "unknown(6)",
	}
	for o, want := range origins {
		if got := o.String(); got != want {
			t.Errorf("Origin(%d) = %q, want %q", int(o), got, want)
		}
	}
}

// F2, test_connect_opts: only USER_1..6, PROTO_1 and ENABLE_BROADCAST are
// taken from the options at creation.
func TestFlagsMaskedAtCreation(t *testing.T) {
	e := newEnv(t)
	opt := reference.ConnOpts{Flags: reference.FlagUser6 | reference.FlagWantRead | reference.FlagProto1 |
		reference.FlagProto2 | reference.FlagEnableBroadcast | reference.FlagCloseImmediately | reference.FlagUDP}
	l, err := e.m.BindOpt(":8000", nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.m.ConnectOpt("127.0.0.1:8000", nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	s := e.m.AddSockOpt(nil, opt)
	kept := reference.FlagUser6 | reference.FlagProto1 | reference.FlagEnableBroadcast
	if l.Flags != kept|reference.FlagListening || c.Flags != kept|reference.FlagConnecting || s.Flags != kept {
		t.Fatalf("flags bind %v connect %v add_sock %v", l.Flags, c.Flags, s.Flags)
	}
}

// F3: after a handler returns, its changes to core-owned flags are undone;
// changes to USER_*, PROTO_*, IS_WEBSOCKET, SEND_AND_CLOSE and
// CLOSE_IMMEDIATELY stay. Changes made outside handlers are not masked.
func TestFlagsMaskedAfterHandler(t *testing.T) {
	e := newEnv(t)
	l := e.bind(":8000", on(reference.EvPoll, func(c *reference.Conn, _ reference.EventData) {
		c.Flags = reference.FlagUser1 | reference.FlagWantRead | reference.FlagConnecting | reference.FlagProto2 |
			reference.FlagIsWebsocket | reference.FlagRecvAndClose | reference.FlagUDP
	}))
	e.poll("1:1 POLL [LISTENING]")
	want := reference.FlagListening | reference.FlagUser1 | reference.FlagProto2 | reference.FlagIsWebsocket
	if l.Flags != want {
		t.Fatalf("flags after handler %v, want %v", l.Flags, want)
	}
	l.Flags |= reference.FlagWantWrite // outside any handler
	l.Handler = nil
	e.m.Poll(0)
	if l.Flags != want|reference.FlagWantWrite {
		t.Fatalf("flags %v, want %v", l.Flags, want|reference.FlagWantWrite)
	}
}
