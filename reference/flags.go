package reference

import (
	"fmt"
	"strings"
)

// Flags is nc->flags, with Mongoose 6.x bit values (section F).
type Flags uint32

// The MG_F_* bits (section F). Bits 15-19 are unused.
const (
	FlagListening        Flags = 1 << 0  // core: listening connection (TCP or UDP)
	FlagUDP              Flags = 1 << 1  // core: datagram connection
	FlagResolving        Flags = 1 << 2  // core: waiting for DNS (not used yet: no resolver)
	FlagConnecting       Flags = 1 << 3  // core: connect started, result not yet delivered
	FlagSSL              Flags = 1 << 4  // core: TLS (out of scope)
	FlagSSLHandshakeDone Flags = 1 << 5  // core: TLS handshake finished (out of scope)
	FlagWantRead         Flags = 1 << 6  // core/SSL: TLS needs to read
	FlagWantWrite        Flags = 1 << 7  // core/SSL: TLS needs to write
	FlagIsWebsocket      Flags = 1 << 8  // protocol: connection is a websocket
	FlagRecvAndClose     Flags = 1 << 9  // core: close deferred until input can be drained (D-CLOSE-6)
	FlagSendAndClose     Flags = 1 << 10 // user (and core on EOF): close once send_mbuf is empty
	FlagCloseImmediately Flags = 1 << 11 // user or core: close at the next opportunity
	FlagProto1           Flags = 1 << 12 // protocol use (MG_F_WEBSOCKET_NO_DEFRAG)
	FlagProto2           Flags = 1 << 13 // protocol use (MG_F_DELETE_CHUNK)
	FlagEnableBroadcast  Flags = 1 << 14 // option: SO_BROADCAST on outbound UDP (not modelled)
	FlagUser1            Flags = 1 << 20 // free for the application
	FlagUser2            Flags = 1 << 21
	FlagUser3            Flags = 1 << 22
	FlagUser4            Flags = 1 << 23
	FlagUser5            Flags = 1 << 24
	FlagUser6            Flags = 1 << 25
)

const userFlags = FlagUser1 | FlagUser2 | FlagUser3 | FlagUser4 | FlagUser5 | FlagUser6

// allowedAtCreation is _MG_ALLOWED_CONNECT_FLAGS_MASK (F2).
const allowedAtCreation = userFlags | FlagProto1 | FlagEnableBroadcast

// handlerModifiable is _MG_CALLBACK_MODIFIABLE_FLAGS_MASK (F3).
const handlerModifiable = userFlags | FlagProto1 | FlagProto2 | FlagSendAndClose |
	FlagCloseImmediately | FlagIsWebsocket

var flagNames = [32]string{
	0: "LISTENING", 1: "UDP", 2: "RESOLVING", 3: "CONNECTING", 4: "SSL",
	5: "SSL_HANDSHAKE_DONE", 6: "WANT_READ", 7: "WANT_WRITE", 8: "IS_WEBSOCKET",
	9: "RECV_AND_CLOSE", 10: "SEND_AND_CLOSE", 11: "CLOSE_IMMEDIATELY",
	12: "PROTO_1", 13: "PROTO_2", 14: "ENABLE_BROADCAST",
	20: "USER_1", 21: "USER_2", 22: "USER_3", 23: "USER_4", 24: "USER_5", 25: "USER_6",
}

// String names the set bits in bit order, joined by "|", with Mongoose's
// names without the MG_F_ prefix ("SEND_AND_CLOSE|CLOSE_IMMEDIATELY"). A bit
// with no name is written in hex ("0x8000"); no bits at all is "0".
func (f Flags) String() string {
	if f == 0 {
		return "0"
	}
	var b strings.Builder
	for bit := range 32 {
		if f&(1<<bit) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		if name := flagNames[bit]; name != "" {
			b.WriteString(name)
		} else {
			fmt.Fprintf(&b, "%#x", uint32(1)<<bit)
		}
	}
	return b.String()
}
