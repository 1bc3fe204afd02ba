package conformance

import (
	"encoding/binary"
	"strconv"
)

// The fast path of ParseEvent: a line in the canonical form AppendEvent
// writes (the form of every line the kit and mgsim's tools write) is read
// in one pass, with no whitespace, token or error bookkeeping. Anything
// else (whitespace, another field order, an unknown field, an escape, a
// number written another way, a protocol event, a value of the wrong type)
// makes it give up, and ParseEvent parses the line again with the general
// parser, which accepts every line the fast path accepts, to the same
// Event, and says what is wrong with the others.

// canonParser reads one canonical line.
type canonParser struct {
	b       []byte
	i       int
	e       *Event
	seen    uint32 // req* bits of the fields read
	hasData bool
	isFault bool
}

// parseCanonical parses a canonical line into e, which must be zero. It
// reports false, leaving e in any state, for a line it does not take.
func parseCanonical(b []byte, e *Event) bool {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	p := canonParser{b: b, i: 1, e: e}
	return p.members() && p.finish()
}

// members reads the "key":value members, whose keys must come in the
// canonical order.
func (p *canonParser) members() bool {
	next := fSeq
	for {
		f, ok := p.key(next)
		if !ok || !p.value(f) || p.i >= len(p.b) {
			return false
		}
		next = f + 1
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			return p.i == len(p.b)-1
		default:
			return false
		}
	}
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

// key matches the member's `"name":` against the known fields from the
// given one on, and moves past it. Every literal is at most 16 bytes
// (TestCanonKeysFit).
func (p *canonParser) key(from fieldID) (fieldID, bool) {
	b, i := p.b, p.i
	if len(b)-i < 16 {
		return p.keyNearEnd(from)
	}
	w0, w1 := binary.LittleEndian.Uint64(b[i:]), binary.LittleEndian.Uint64(b[i+8:])
	for f := from; f < fUnknown; f++ {
		if k := &canonKeys[f]; w0&k.m0 == k.w0 && w1&k.m1 == k.w1 {
			p.i += k.n
			return f, true
		}
	}
	return fUnknown, false
}

func (p *canonParser) keyNearEnd(from fieldID) (fieldID, bool) {
	rest := p.b[p.i:]
	for f := from; f < fUnknown; f++ {
		if lit := fieldLits[f]; len(rest) >= len(lit) && string(rest[:len(lit)]) == lit {
			p.i += len(lit)
			return f, true
		}
	}
	return fUnknown, false
}

// value reads the value of field f into the event.
func (p *canonParser) value(f fieldID) bool {
	e := p.e
	if p.isFault && f != fDetail {
		return false
	}
	switch f {
	case fSeq:
		p.seen |= reqSeq
		return p.int(&e.Seq)
	case fT:
		p.seen |= reqT
		return p.float(&e.T)
	case fConn:
		p.seen |= reqConn
		return p.int(&e.Conn)
	case fRole:
		p.seen |= reqRole
		return p.role()
	case fEv:
		p.seen |= reqEv
		return p.ev()
	case fData:
		return p.data()
	case fRecvLen:
		p.seen |= reqRecvLen
		return p.int(&e.RecvLen)
	case fSendLen:
		p.seen |= reqSendLen
		return p.int(&e.SendLen)
	}
	return p.optional(f)
}

// optional reads the value of an optional field and sets its Has bit.
func (p *canonParser) optional(f fieldID) bool {
	e := p.e
	switch f {
	case fListener:
		return p.intOpt(&e.Listener, HasListener)
	case fUDPField:
		return p.udp()
	case fRecvAfter:
		return p.intOpt(&e.RecvAfter, HasRecvAfter)
	case fSendAfter:
		return p.intOpt(&e.SendAfter, HasSendAfter)
	case fFlags:
		return p.flags(&e.Flags, HasFlags)
	case fFlagsAfter:
		return p.flags(&e.FlagsAfter, HasFlagsAfter)
	case fQueued:
		return p.intOpt(&e.Queued, HasQueued)
	case fRemoved:
		return p.intOpt(&e.Removed, HasRemoved)
	case fTimer:
		e.Has |= HasTimer
		return p.float(&e.Timer)
	case fTimerAfter:
		e.Has |= HasTimerAfter
		return p.float(&e.TimerAfter)
	}
	return p.rare(f)
}

func (p *canonParser) rare(f fieldID) bool {
	e := p.e
	switch f {
	case fRecvLimit:
		e.Has |= HasRecvLimit
		return p.uint(&e.RecvLimit)
	case fPoll:
		return p.intOpt(&e.Poll, HasPoll)
	case fOrigin:
		return p.origin()
	case fPeer:
		return p.intOpt(&e.Peer, HasPeer)
	case fMgr:
		return p.intOpt(&e.Mgr, HasMgr)
	case fTxBytes:
		p.seen |= reqTxBytes
		return p.uint(&e.TxBytes)
	case fTxSum:
		p.seen |= reqTxSum
		return p.sum(&e.TxSum)
	case fRxBytes:
		p.seen |= reqRxBytes
		return p.uint(&e.RxBytes)
	case fRxSum:
		p.seen |= reqRxSum
		return p.sum(&e.RxSum)
	}
	return p.fault(f)
}

// fault reads a fault line's fault and detail: the line holds seq, t,
// fault and maybe detail, nothing else.
func (p *canonParser) fault(f fieldID) bool {
	raw, ok := p.str()
	switch {
	case !ok:
		return false
	case f == fFault && p.seen == reqSeq|reqT:
		p.isFault, p.e.Fault = true, string(raw)
		return true
	case f == fDetail && p.isFault:
		p.e.Detail = string(raw)
		return true
	}
	return false
}

// finish completes the event as the general parser would, and gives up
// on a line the general parser finds wrong.
func (p *canonParser) finish() bool {
	e := p.e
	if p.isFault { // the general parser keeps only these
		*e = Event{Seq: e.Seq, T: e.T, Ev: EvFault, Fault: e.Fault, Detail: e.Detail}
		return true
	}
	tx, rx := p.seen&(reqTxBytes|reqTxSum), p.seen&(reqRxBytes|reqRxSum)
	switch {
	case p.seen&reqHandler != reqHandler:
		return false
	case tx != 0 && tx != reqTxBytes|reqTxSum, rx != 0 && rx != reqRxBytes|reqRxSum:
		return false
	case !p.hasData && e.Ev != EvClose:
		return false
	}
	if tx != 0 {
		e.Has |= HasTx
	}
	if rx != 0 {
		e.Has |= HasRx
	}
	e.Name = e.Ev.String()
	return true
}

func (p *canonParser) intOpt(dst *int64, h Has) bool {
	p.e.Has |= h
	return p.int(dst)
}

// int reads an integer written as JSON's integers are (an optional minus,
// no leading zero), within int64.
func (p *canonParser) int(dst *int64) bool {
	neg := p.i < len(p.b) && p.b[p.i] == '-'
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

func (p *canonParser) uint(dst *uint64) bool {
	u, ok := p.digits()
	*dst = u
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

// data reads a core event's data as the event requires it.
func (p *canonParser) data() bool {
	e := p.e
	p.hasData = true
	switch {
	case p.seen&reqEv == 0:
		return false
	case e.Ev == EvPoll || e.Ev == EvConnect || e.Ev == EvRecv || e.Ev == EvSend:
		e.DataKind = DataInt
		ok := p.int(&e.DataInt)
		e.DataFloat = float64(e.DataInt)
		return ok
	case e.Ev == EvTimer:
		e.DataKind = DataFloat
		return p.float(&e.DataFloat)
	case e.Ev == EvAccept:
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
