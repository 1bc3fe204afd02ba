package conformance

import (
	"math"
	"strconv"
)

// AppendEvent appends e's canonical trace line (without a newline) to b and
// returns the extended buffer. The form is byte-stable: fields in the fixed
// order seq, t, conn, role, listener, udp, ev, data, recv_len, send_len,
// recv_after, send_after, flags, flags_after, queued, removed, timer,
// timer_after, recv_limit, poll, origin, peer, mgr, tx_bytes, tx_sum,
// rx_bytes, rx_sum, each optional one only when its [Has] bit is set; times
// (t, timer, timer_after, TIMER data) with exactly 9 decimals, the virtual
// clock's nanoseconds; POLL, CONNECT, RECV and SEND data as integers. A
// fault line is {"seq","t","fault","detail"}, detail only when not empty.
//
// [ParseEvent] reads the line back to an equal Event for every event it can
// produce whose times are whole nanoseconds.
func AppendEvent(b []byte, e *Event) []byte {
	if e.Ev == EvFault {
		return appendFault(b, e)
	}
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = appendTimeField(b, `,"t":`, e.T)
	b = appendIntField(b, `,"conn":`, e.Conn)
	b = append(b, `,"role":"`...)
	b = append(b, e.Role.String()...)
	b = append(b, '"')
	if e.Has&HasListener != 0 {
		b = appendIntField(b, `,"listener":`, e.Listener)
	}
	if e.Has&HasUDP != 0 {
		b = append(b, `,"udp":`...)
		b = strconv.AppendBool(b, e.UDP)
	}
	b = append(b, `,"ev":`...)
	b = appendString(b, eventName(e))
	b = appendData(b, e)
	b = appendIntField(b, `,"recv_len":`, e.RecvLen)
	b = appendIntField(b, `,"send_len":`, e.SendLen)
	b = appendOptional(b, e)
	return append(b, '}')
}

func eventName(e *Event) string {
	if e.Ev == EvOther {
		return e.Name
	}
	return e.Ev.String()
}

// appendData writes data as the event requires it; a protocol event's by
// its DataKind.
func appendData(b []byte, e *Event) []byte {
	switch e.Ev {
	case EvClose:
		return b
	case EvPoll, EvConnect, EvRecv, EvSend:
		return appendIntField(b, `,"data":`, e.DataInt)
	case EvTimer:
		return appendTimeField(b, `,"data":`, e.DataFloat)
	case EvAccept:
		return appendString(append(b, `,"data":`...), e.DataStr)
	}
	switch e.DataKind {
	case DataInt:
		return appendIntField(b, `,"data":`, e.DataInt)
	case DataFloat:
		return appendTimeField(b, `,"data":`, e.DataFloat)
	case DataString:
		return appendString(append(b, `,"data":`...), e.DataStr)
	}
	return b
}

func appendOptional(b []byte, e *Event) []byte {
	h := e.Has
	b = appendIntIf(b, h&HasRecvAfter != 0, `,"recv_after":`, e.RecvAfter)
	b = appendIntIf(b, h&HasSendAfter != 0, `,"send_after":`, e.SendAfter)
	b = appendUintIf(b, h&HasFlags != 0, `,"flags":`, uint64(e.Flags))
	b = appendUintIf(b, h&HasFlagsAfter != 0, `,"flags_after":`, uint64(e.FlagsAfter))
	b = appendIntIf(b, h&HasQueued != 0, `,"queued":`, e.Queued)
	b = appendIntIf(b, h&HasRemoved != 0, `,"removed":`, e.Removed)
	if h&HasTimer != 0 {
		b = appendTimeField(b, `,"timer":`, e.Timer)
	}
	if h&HasTimerAfter != 0 {
		b = appendTimeField(b, `,"timer_after":`, e.TimerAfter)
	}
	b = appendUintIf(b, h&HasRecvLimit != 0, `,"recv_limit":`, e.RecvLimit)
	b = appendIntIf(b, h&HasPoll != 0, `,"poll":`, e.Poll)
	if h&HasOrigin != 0 {
		b = append(b, `,"origin":"`...)
		b = append(b, e.Origin.String()...)
		b = append(b, '"')
	}
	b = appendIntIf(b, h&HasPeer != 0, `,"peer":`, e.Peer)
	b = appendIntIf(b, h&HasMgr != 0, `,"mgr":`, e.Mgr)
	if h&HasTx != 0 {
		b = appendStream(b, `,"tx_bytes":`, `,"tx_sum":"`, e.TxBytes, e.TxSum)
	}
	if h&HasRx != 0 {
		b = appendStream(b, `,"rx_bytes":`, `,"rx_sum":"`, e.RxBytes, e.RxSum)
	}
	return b
}

func appendFault(b []byte, e *Event) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = appendTimeField(b, `,"t":`, e.T)
	b = appendString(append(b, `,"fault":`...), e.Fault)
	if e.Detail != "" {
		b = appendString(append(b, `,"detail":`...), e.Detail)
	}
	return append(b, '}')
}

func appendIntField(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(append(b, key...), v, 10)
}

func appendIntIf(b []byte, ok bool, key string, v int64) []byte {
	if !ok {
		return b
	}
	return appendIntField(b, key, v)
}

func appendUintIf(b []byte, ok bool, key string, v uint64) []byte {
	if !ok {
		return b
	}
	return strconv.AppendUint(append(b, key...), v, 10)
}

func appendTimeField(b []byte, key string, f float64) []byte {
	return appendSeconds(append(b, key...), f)
}

// appendSeconds writes f with exactly 9 decimals, as
// strconv.AppendFloat(b, f, 'f', 9, 64) does. A time that is a whole number
// of nanoseconds (every time on the virtual clock) takes an integer fast
// path: f is then within an ulp of ns/1e9, far from any rounding boundary,
// so both paths print the same digits.
func appendSeconds(b []byte, f float64) []byte {
	if !math.Signbit(f) && f < 1<<53/1e9 { // -0 keeps its sign, as in strconv
		ns := int64(math.Round(f * 1e9))
		if float64(ns)/1e9 == f {
			b = strconv.AppendInt(b, ns/1e9, 10)
			return appendNanos(append(b, '.'), ns%1e9)
		}
	}
	return strconv.AppendFloat(b, f, 'f', 9, 64)
}

// appendNanos writes 0 <= n < 1e9 as exactly nine digits.
func appendNanos(b []byte, n int64) []byte {
	var d [9]byte
	for i := 8; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:]...)
}

func appendStream(b []byte, countKey, sumKey string, n, sum uint64) []byte {
	b = strconv.AppendUint(append(b, countKey...), n, 10)
	b = append(b, sumKey...)
	b = appendHex16(b, sum)
	return append(b, '"')
}

func appendHex16(b []byte, v uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, digits[v>>uint(shift)&0xf])
	}
	return b
}

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, everything else (UTF-8 or not) as is.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = appendControl(b, c)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func appendControl(b []byte, c byte) []byte {
	switch c {
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	const digits = "0123456789abcdef"
	return append(b, '\\', 'u', '0', '0', digits[c>>4], digits[c&0xf])
}
