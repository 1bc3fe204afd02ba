package conformance

import (
	"encoding/binary"
	"strconv"
)

// The fast path of ParseEvent: a line in the canonical form AppendEvent
// writes (the form of every line the kit and mgsim's tools write) is read
// in one pass, field after field in their fixed order, with no whitespace,
// token or error bookkeeping. Anything else (whitespace, another field
// order, an unknown field, an escape, a number written another way, a
// protocol event, a value of the wrong type) makes it give up, and
// ParseEvent parses the line again with the general parser, which accepts
// every line the fast path accepts, to the same Event, and says what is
// wrong with the others.

// canonParser reads one canonical line; b is the line without its
// closing brace.
type canonParser struct {
	b []byte
	i int
	e *Event
}

// parseCanonical parses a canonical line into e, which must be zero. It
// reports false, leaving e in any state, for a line it does not take.
func parseCanonical(b []byte, e *Event) bool {
	const start = `{"seq":`
	if len(b) <= len(start) || b[len(b)-1] != '}' || string(b[:len(start)]) != start {
		return false
	}
	p := canonParser{b: b[:len(b)-1], i: len(start), e: e}
	if !p.int(&e.Seq) || !p.field(fT) || !p.float(&e.T) {
		return false
	}
	if p.field(fFault) {
		return p.faultLine()
	}
	return p.handlerLine()
}

// handlerLine reads a handler call's fields after seq and t.
func (p *canonParser) handlerLine() bool {
	e := p.e
	if !p.field(fConn) || !p.int(&e.Conn) || !p.field(fRole) || !p.role() {
		return false
	}
	if p.field(fListener) && !p.intOpt(&e.Listener, HasListener) || p.field(fUDPField) && !p.udp() {
		return false
	}
	if !p.field(fEv) || !p.ev() {
		return false
	}
	if p.field(fData) {
		if !p.data() {
			return false
		}
	} else if e.Ev != EvClose {
		return false
	}
	if !p.field(fRecvLen) || !p.int(&e.RecvLen) || !p.field(fSendLen) || !p.int(&e.SendLen) {
		return false
	}
	e.Name = e.Ev.String()
	return p.buffersAndFlags() && p.timersAndRest() && p.i == len(p.b)
}

// buffersAndFlags reads the optional fields from recv_after to removed.
func (p *canonParser) buffersAndFlags() bool {
	e := p.e
	return p.optInt(fRecvAfter, &e.RecvAfter, HasRecvAfter) &&
		p.optInt(fSendAfter, &e.SendAfter, HasSendAfter) &&
		(!p.field(fFlags) || p.flags(&e.Flags, HasFlags)) &&
		(!p.field(fFlagsAfter) || p.flags(&e.FlagsAfter, HasFlagsAfter)) &&
		p.optInt(fQueued, &e.Queued, HasQueued) &&
		p.optInt(fRemoved, &e.Removed, HasRemoved)
}

// timersAndRest reads the optional fields from timer on.
func (p *canonParser) timersAndRest() bool {
	e := p.e
	return p.optFloat(fTimer, &e.Timer, HasTimer) &&
		p.optFloat(fTimerAfter, &e.TimerAfter, HasTimerAfter) &&
		(!p.field(fRecvLimit) || p.uint(&e.RecvLimit, HasRecvLimit)) &&
		p.optInt(fPoll, &e.Poll, HasPoll) &&
		(!p.field(fOrigin) || p.origin()) &&
		p.optInt(fPeer, &e.Peer, HasPeer) &&
		p.optInt(fMgr, &e.Mgr, HasMgr) &&
		p.stream(fTxBytes, &e.TxBytes, &e.TxSum, HasTx) &&
		p.stream(fRxBytes, &e.RxBytes, &e.RxSum, HasRx)
}

// faultLine reads a fault line's fault and maybe detail, after seq and
// t: the general parser keeps only these.
func (p *canonParser) faultLine() bool {
	e := p.e
	raw, ok := p.str()
	if !ok {
		return false
	}
	e.Ev, e.Fault = EvFault, string(raw)
	if p.field(fDetail) {
		if raw, ok = p.str(); !ok {
			return false
		}
		e.Detail = string(raw)
	}
	return p.i == len(p.b)
}

// canonKey is a field's `"name":` as two little-endian words and masks,
// to be matched with two loads and compares.
type canonKey struct {
	w0, w1, m0, m1 uint64
	n              int
}

var canonKeys = func() (out [fUnknown]canonKey) {
	for f, lit := range fieldLits {
		var buf [16]byte
		copy(buf[:], lit)
		k := canonKey{w0: binary.LittleEndian.Uint64(buf[:8]), w1: binary.LittleEndian.Uint64(buf[8:]), n: len(lit)}
		k.m0, k.m1 = byteMask(min(len(lit), 8)), byteMask(max(len(lit)-8, 0))
		out[f] = k
	}
	return out
}()

// byteMask has the low n bytes set.
func byteMask(n int) uint64 {
	if n >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*n) - 1
}

// field matches `,"name":` of field f at the cursor, and moves past it.
// Every literal is at most 16 bytes (TestCanonKeysFit).
func (p *canonParser) field(f fieldID) bool {
	b, i := p.b, p.i+1
	if i > len(b) || b[i-1] != ',' {
		return false
	}
	k := &canonKeys[f]
	if len(b)-i < 16 {
		return p.fieldNearEnd(f)
	}
	if binary.LittleEndian.Uint64(b[i:])&k.m0 != k.w0 || binary.LittleEndian.Uint64(b[i+8:])&k.m1 != k.w1 {
		return false
	}
	p.i = i + k.n
	return true
}

func (p *canonParser) fieldNearEnd(f fieldID) bool {
	lit, rest := fieldLits[f], p.b[p.i+1:]
	if len(rest) < len(lit) || string(rest[:len(lit)]) != lit {
		return false
	}
	p.i += 1 + len(lit)
	return true
}

// optInt reads an optional integer field: true when it is absent or
// read.
func (p *canonParser) optInt(f fieldID, dst *int64, h Has) bool {
	return !p.field(f) || p.intOpt(dst, h)
}

func (p *canonParser) optFloat(f fieldID, dst *float64, h Has) bool {
	if !p.field(f) {
		return true
	}
	p.e.Has |= h
	return p.float(dst)
}

func (p *canonParser) intOpt(dst *int64, h Has) bool {
	p.e.Has |= h
	return p.int(dst)
}

// stream reads tx_bytes and tx_sum, or rx_bytes and rx_sum: both or
// neither.
func (p *canonParser) stream(bytesField fieldID, n, sum *uint64, h Has) bool {
	if !p.field(bytesField) {
		return true
	}
	return p.uint(n, h) && p.field(bytesField+1) && p.sum(sum)
}

// int reads an integer written as JSON's integers are (an optional minus,
// no leading zero), within int64. One digit before a comma, the most
// common value, is read at once.
func (p *canonParser) int(dst *int64) bool {
	b, i := p.b, p.i
	if i+1 < len(b) && b[i+1] == ',' && b[i]-'0' <= 9 {
		*dst, p.i = int64(b[i]-'0'), i+1
		return true
	}
	neg := i < len(b) && b[i] == '-'
	if neg {
		p.i++
	}
	u, ok := p.digits()
	switch {
	case !ok:
		return false
	case neg && u <= 1<<63:
		*dst = -int64(u)
	case !neg && u < 1<<63:
		*dst = int64(u)
	default:
		return false
	}
	return true
}

func (p *canonParser) uint(dst *uint64, h Has) bool {
	u, ok := p.digits()
	*dst = u
	p.e.Has |= h
	return ok
}

func (p *canonParser) flags(dst *uint32, h Has) bool {
	u, ok := p.digits()
	*dst = uint32(u)
	p.e.Has |= h
	return ok && u <= 1<<32-1
}

// digits reads an unsigned decimal integer: at least one digit, no
// leading zero, within uint64.
func (p *canonParser) digits() (uint64, bool) {
	b, i := p.b, p.i
	end := min(len(b), i+19) // 19 digits cannot overflow
	var n uint64
	for ; i < end; i++ {
		d := uint64(b[i] - '0')
		if d > 9 {
			break
		}
		n = n*10 + d
	}
	if i < len(b) && b[i]-'0' <= 9 {
		return p.longDigits(n, i)
	}
	if i == p.i || i-p.i > 1 && b[p.i] == '0' {
		return 0, false
	}
	p.i = i
	return n, true
}

// longDigits finishes a number of more than 19 digits: a 20th may fit.
func (p *canonParser) longDigits(n uint64, i int) (uint64, bool) {
	b := p.b
	d := uint64(b[i] - '0')
	i++
	if b[p.i] == '0' || n > (1<<64-1-d)/10 || i < len(b) && b[i]-'0' <= 9 {
		return 0, false
	}
	p.i = i
	return n*10 + d, true
}

// float reads a number written as digits, maybe '.' and digits (no
// exponent). Up to 19 digits that fit 2^53 as one integer m give m / 10^k,
// exact in float64 and correctly rounded; others go to strconv. Either
// way the result is the correctly rounded value the general parser gives.
func (p *canonParser) float(dst *float64) bool {
	b, i := p.b, p.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	var m uint64
	n, start := 0, i
	for ; i < len(b) && b[i]-'0' <= 9; i, n = i+1, n+1 {
		m = m*10 + uint64(b[i]-'0')
	}
	if i == start || i-start > 1 && b[start] == '0' {
		return false
	}
	k := 0
	if i < len(b) && b[i] == '.' {
		i++
		start = i
		for ; i < len(b) && b[i]-'0' <= 9; i, n = i+1, n+1 {
			m = m*10 + uint64(b[i]-'0')
		}
		if k = i - start; k == 0 {
			return false
		}
	}
	f, ok := decimalValue(b[p.i:i], m, n, k, neg)
	*dst, p.i = f, i
	return ok
}

// decimalValue is the value of the number text, whose n digits (k after
// the point) read as the integer m when n <= 19.
func decimalValue(text []byte, m uint64, n, k int, neg bool) (float64, bool) {
	if n > 19 || m >= 1<<53 || k >= len(pow10) {
		f, err := strconv.ParseFloat(string(text), 64)
		return f, err == nil
	}
	f := float64(m) / pow10[k]
	if neg {
		f = -f
	}
	return f, true
}

// str reads a string without escapes and returns its bytes.
func (p *canonParser) str() ([]byte, bool) {
	b, i := p.b, p.i
	if i >= len(b) || b[i] != '"' {
		return nil, false
	}
	i++
	start := i
	for i < len(b) && !strSpecial[b[i]] {
		i++
	}
	if i >= len(b) || b[i] != '"' {
		return nil, false
	}
	p.i = i + 1
	return b[start:i], true
}

func (p *canonParser) role() bool {
	raw, ok := p.str()
	switch {
	case !ok:
	case string(raw) == "outbound":
		p.e.Role = RoleOutbound
	case string(raw) == "inbound":
		p.e.Role = RoleInbound
	case string(raw) == "listener":
		p.e.Role = RoleListener
	default:
		return false
	}
	return ok
}

func (p *canonParser) origin() bool {
	raw, ok := p.str()
	if !ok {
		return false
	}
	for o := OriginBind; o <= OriginAddSock; o++ {
		if string(raw) == originNames[o] {
			p.e.Origin = o
			p.e.Has |= HasOrigin
			return true
		}
	}
	return false
}

// ev reads a core event's name; a protocol event takes the general path.
func (p *canonParser) ev() bool {
	raw, ok := p.str()
	if !ok {
		return false
	}
	p.e.Ev = evOfBytes(raw)
	return p.e.Ev != EvOther
}

// data reads a core event's data as the event requires it (CLOSE has
// none: a null takes the general path).
func (p *canonParser) data() bool {
	e := p.e
	switch e.Ev {
	case EvPoll, EvConnect, EvRecv, EvSend:
		e.DataKind = DataInt
		ok := p.int(&e.DataInt)
		e.DataFloat = float64(e.DataInt)
		return ok
	case EvTimer:
		e.DataKind = DataFloat
		return p.float(&e.DataFloat)
	case EvAccept:
		raw, ok := p.str()
		e.DataKind, e.DataStr = DataString, string(raw)
		return ok
	}
	return false
}

func (p *canonParser) udp() bool {
	rest := p.b[p.i:]
	switch {
	case len(rest) >= 5 && string(rest[:5]) == "false":
		p.e.UDP, p.i = false, p.i+5
	case len(rest) >= 4 && string(rest[:4]) == "true":
		p.e.UDP, p.i = true, p.i+4
	default:
		return false
	}
	p.e.Has |= HasUDP
	return true
}

// sum reads 16 hex digits in quotes.
func (p *canonParser) sum(dst *uint64) bool {
	raw, ok := p.str()
	if !ok || len(raw) != 16 {
		return false
	}
	var n uint64
	for _, c := range raw {
		d := unhex(c)
		if d < 0 {
			return false
		}
		n = n<<4 | uint64(d)
	}
	*dst = n
	return true
}
