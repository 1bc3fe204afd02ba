package conformance

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// ParseError is the error [ParseEvent] returns for a line that is not a
// valid trace event: the field at fault (empty for a JSON syntax error or a
// line-level problem) and what is wrong with it.
type ParseError struct {
	Field string
	Msg   string
}

func (e *ParseError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return "field " + strconv.Quote(e.Field) + ": " + e.Msg
}

// ParseEvent parses one trace line, a JSON object, into e (which it resets
// first; e.Line is left 0 for the caller to set). It follows the trace
// contract (spec/trace.md):
//
//   - required: seq (integer), t (number), conn (integer), role (listener,
//     inbound or outbound), ev (string), recv_len and send_len (integers),
//     and data for every core event but CLOSE (an integer for POLL, CONNECT,
//     RECV and SEND, a number for TIMER, a string for ACCEPT); CLOSE has no
//     data (null is accepted); a protocol event may carry any data;
//   - optional fields set their [Has] bit; recv_limit, tx_bytes and
//     rx_bytes are unsigned 64-bit, flags and flags_after unsigned 32-bit,
//     tx_sum and rx_sum 16 hex digits;
//   - a line with "fault" and no "ev" is a fault line ([EvFault]): seq, t,
//     fault and an optional detail;
//   - unknown fields are ignored, whatever their value.
//
// The error, a [*ParseError], names the field at fault and why. ParseEvent
// allocates only the strings it keeps: an ACCEPT address, a protocol event's
// name and a fault's text.
func ParseEvent(line []byte, e *Event) error {
	*e = Event{}
	if parseCanonical(line, e) {
		return nil
	}
	return parseGeneral(line, e)
}

// parseGeneral is ParseEvent without the fast path for canonical lines.
func parseGeneral(line []byte, e *Event) error {
	*e = Event{}
	p := eventParser{s: scanner{b: line}, e: e}
	return p.parse()
}

// Required fields of a handler line, as bits of eventParser.seen.
const (
	reqSeq = 1 << iota
	reqT
	reqConn
	reqRole
	reqEv
	reqRecvLen
	reqSendLen
	reqTxBytes
	reqTxSum
	reqRxBytes
	reqRxSum
)

var requiredOrder = [...]struct {
	bit  uint32
	name string
}{{reqSeq, "seq"}, {reqT, "t"}, {reqConn, "conn"}, {reqRole, "role"}, {reqEv, "ev"}, {reqRecvLen, "recv_len"}, {reqSendLen, "send_len"}}

const reqHandler = reqSeq | reqT | reqConn | reqRole | reqEv | reqRecvLen | reqSendLen

type eventParser struct {
	s       scanner
	next    fieldID
	e       *Event
	seen    uint32
	ev      token
	data    token
	fault   token
	detail  token
	hasData bool
	isFault bool
	hasDet  bool
}

func (p *eventParser) parse() error {
	if err := p.object(); err != nil {
		return err
	}
	if p.seen&reqEv == 0 && p.isFault {
		return p.finishFault()
	}
	if err := p.required(); err != nil {
		return err
	}
	if err := p.pairs(); err != nil {
		return err
	}
	p.setEv()
	return p.setData()
}

// object scans the whole line: one JSON object and nothing after it.
func (p *eventParser) object() error {
	s := &p.s
	s.ws()
	if !s.eat('{') {
		return s.syntax("'{' (a JSON object)")
	}
	s.ws()
	if s.eat('}') {
		return p.end()
	}
	for {
		if err := p.member(); err != nil {
			return err
		}
		s.ws()
		if s.eat('}') {
			return p.end()
		}
		if !s.eat(',') {
			return s.syntax("',' or '}' after a field")
		}
		s.ws()
	}
}

func (p *eventParser) end() error {
	p.s.ws()
	if p.s.i != len(p.s.b) {
		return p.s.syntax("end of line after the object")
	}
	return nil
}

// member scans one "key": value pair and stores what it knows. Writers
// put fields in the canonical order, so the field after the previous one
// (or the one after that) is tried first as a literal; any other order
// takes the general path.
func (p *eventParser) member() error {
	s := &p.s
	f, ok := p.predict()
	if !ok {
		var buf [24]byte
		key, err := s.key(buf[:0])
		if err != nil {
			return err
		}
		s.ws()
		if !s.eat(':') {
			return s.syntax("':' after a field name")
		}
		f = lookupField(key)
	}
	s.ws()
	p.next = f + 1
	return p.field(f)
}

// predict matches the expected next field's `"name":` at the cursor.
func (p *eventParser) predict() (fieldID, bool) {
	s := &p.s
	for f := p.next; f < p.next+2 && f < fUnknown; f++ {
		lit := fieldLits[f]
		if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
			s.i += len(lit)
			return f, true
		}
	}
	return fUnknown, false
}

// key scans a field name; an escaped one is unescaped into buf (a name
// too long for buf cannot be a known field and comes back empty).
func (s *scanner) key(buf []byte) ([]byte, error) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, s.syntax("a field name (string)")
	}
	start := s.i + 1
	i := start
	for i < len(s.b) && !strSpecial[s.b[i]] {
		i++
	}
	if i < len(s.b) && s.b[i] == '"' {
		s.i = i + 1
		return s.b[start:i], nil
	}
	var k token
	if err := s.str(&k); err != nil {
		return nil, err
	}
	return keyBytes(s.b, &k, buf), nil
}

// keyBytes returns a field name's bytes, unescaped into buf if needed (a
// name too long for buf cannot be a known field and comes back empty).
func keyBytes(b []byte, k *token, buf []byte) []byte {
	raw := b[k.s:k.e]
	if !k.esc {
		return raw
	}
	if len(raw) > cap(buf) {
		return nil
	}
	out := appendUnescaped(buf, raw)
	if len(out) > cap(buf) {
		return nil
	}
	return out
}

// fieldID names the fields ParseEvent knows, in canonical order.
type fieldID uint8

const (
	fSeq fieldID = iota
	fT
	fConn
	fRole
	fListener
	fUDPField
	fEv
	fData
	fRecvLen
	fSendLen
	fRecvAfter
	fSendAfter
	fFlags
	fFlagsAfter
	fQueued
	fRemoved
	fTimer
	fTimerAfter
	fRecvLimit
	fPoll
	fOrigin
	fPeer
	fMgr
	fTxBytes
	fTxSum
	fRxBytes
	fRxSum
	fFault
	fDetail
	fUnknown
)

var fieldNames = [fUnknown]string{"seq", "t", "conn", "role", "listener", "udp", "ev", "data", "recv_len",
	"send_len", "recv_after", "send_after", "flags", "flags_after", "queued", "removed", "timer",
	"timer_after", "recv_limit", "poll", "origin", "peer", "mgr", "tx_bytes", "tx_sum", "rx_bytes",
	"rx_sum", "fault", "detail"}

// fieldLits are the fields as they start a member: "name":
var fieldLits = func() (out [fUnknown]string) {
	for i, n := range fieldNames {
		out[i] = `"` + n + `":`
	}
	return out
}()

func lookupField(key []byte) fieldID {
	for i, n := range fieldNames {
		if string(key) == n {
			return fieldID(i)
		}
	}
	return fUnknown
}

// field reads the value of one field: a known one into the event, an
// unknown one skipped whatever it holds. It is the parser's dispatcher,
// one flat switch: this is the hot path.
func (p *eventParser) field(f fieldID) error {
	e := p.e
	switch f {
	case fSeq:
		p.seen |= reqSeq
		return p.int("seq", &e.Seq)
	case fT:
		p.seen |= reqT
		return p.float("t", &e.T)
	case fConn:
		p.seen |= reqConn
		return p.int("conn", &e.Conn)
	case fRole:
		return p.role()
	case fListener:
		return p.intOpt("listener", &e.Listener, HasListener)
	case fUDPField:
		return p.udp()
	case fEv:
		p.seen |= reqEv
		return p.strTok("ev", &p.ev)
	case fData:
		p.hasData = true
		return p.s.value(&p.data, 0)
	case fRecvLen:
		p.seen |= reqRecvLen
		return p.int("recv_len", &e.RecvLen)
	case fSendLen:
		p.seen |= reqSendLen
		return p.int("send_len", &e.SendLen)
	case fRecvAfter:
		return p.intOpt("recv_after", &e.RecvAfter, HasRecvAfter)
	case fSendAfter:
		return p.intOpt("send_after", &e.SendAfter, HasSendAfter)
	case fFlags:
		return p.flags("flags", &e.Flags, HasFlags)
	case fFlagsAfter:
		return p.flags("flags_after", &e.FlagsAfter, HasFlagsAfter)
	case fQueued:
		return p.intOpt("queued", &e.Queued, HasQueued)
	case fRemoved:
		return p.intOpt("removed", &e.Removed, HasRemoved)
	case fTimer:
		return p.floatOpt("timer", &e.Timer, HasTimer)
	case fTimerAfter:
		return p.floatOpt("timer_after", &e.TimerAfter, HasTimerAfter)
	case fRecvLimit:
		e.Has |= HasRecvLimit
		return p.uint("recv_limit", &e.RecvLimit)
	case fPoll:
		return p.intOpt("poll", &e.Poll, HasPoll)
	case fOrigin:
		return p.origin()
	case fPeer:
		return p.intOpt("peer", &e.Peer, HasPeer)
	case fMgr:
		return p.intOpt("mgr", &e.Mgr, HasMgr)
	case fTxBytes:
		p.seen |= reqTxBytes
		return p.uint("tx_bytes", &e.TxBytes)
	case fTxSum:
		p.seen |= reqTxSum
		return p.sum("tx_sum", &e.TxSum)
	case fRxBytes:
		p.seen |= reqRxBytes
		return p.uint("rx_bytes", &e.RxBytes)
	case fRxSum:
		p.seen |= reqRxSum
		return p.sum("rx_sum", &e.RxSum)
	case fFault:
		p.isFault = true
		return p.strTok("fault", &p.fault)
	case fDetail:
		p.hasDet = true
		return p.strTok("detail", &p.detail)
	}
	var skip token
	return p.s.value(&skip, 0)
}

func (p *eventParser) intOpt(name string, dst *int64, h Has) error {
	p.e.Has |= h
	return p.int(name, dst)
}

// int reads an integer value: the common case straight from the bytes,
// anything else through the scanner, which finds what is wrong.
func (p *eventParser) int(name string, dst *int64) error {
	if n, ok := p.s.fastInt(); ok {
		*dst = n
		return nil
	}
	var v token
	if err := p.s.value(&v, 0); err != nil {
		return err
	}
	return p.intTok(&v, name, dst)
}

func (p *eventParser) intTok(v *token, name string, dst *int64) error {
	if v.kind != tkNumber || !v.integer {
		return p.typeErr(v, name, "integer")
	}
	n, ok := parseInt(p.s.b[v.s:v.e])
	if !ok {
		return &ParseError{Field: name, Msg: "integer out of range: " + p.show(v)}
	}
	*dst = n
	return nil
}

func (p *eventParser) uint(name string, dst *uint64) error {
	if s := &p.s; s.i < len(s.b) && s.b[s.i] != '-' {
		if n, ok := s.fastUint(); ok {
			*dst = n
			return nil
		}
	}
	var v token
	if err := p.s.value(&v, 0); err != nil {
		return err
	}
	if v.kind != tkNumber || !v.integer || p.s.b[v.s] == '-' {
		return p.typeErr(&v, name, "non-negative integer")
	}
	n, ok := parseUint(p.s.b[v.s:v.e])
	if !ok {
		return &ParseError{Field: name, Msg: "integer out of range: " + p.show(&v)}
	}
	*dst = n
	return nil
}

func (p *eventParser) flags(name string, dst *uint32, h Has) error {
	start := p.s.i
	var n uint64
	if err := p.uint(name, &n); err != nil {
		return err
	}
	if n > 1<<32-1 {
		return &ParseError{Field: name, Msg: "want a 32-bit flag word, got " + clip(p.s.b[start:p.s.i])}
	}
	*dst = uint32(n)
	p.e.Has |= h
	return nil
}

func (p *eventParser) floatOpt(name string, dst *float64, h Has) error {
	p.e.Has |= h
	return p.float(name, dst)
}

func (p *eventParser) float(name string, dst *float64) error {
	if f, ok := p.s.fastFloat(); ok {
		*dst = f
		return nil
	}
	var v token
	if err := p.s.value(&v, 0); err != nil {
		return err
	}
	return p.floatTok(&v, name, dst)
}

func (p *eventParser) floatTok(v *token, name string, dst *float64) error {
	if v.kind != tkNumber {
		return p.typeErr(v, name, "number")
	}
	f, err := strconv.ParseFloat(string(p.s.b[v.s:v.e]), 64)
	if err != nil {
		return &ParseError{Field: name, Msg: "number out of range: " + p.show(v)}
	}
	*dst = f
	return nil
}

func (p *eventParser) sum(name string, dst *uint64) error {
	var v token
	if err := p.s.value(&v, 0); err != nil {
		return err
	}
	raw := p.s.b[v.s:v.e]
	if v.kind != tkString || v.esc || len(raw) != 16 {
		return &ParseError{Field: name, Msg: "want 16 hex digits, got " + p.show(&v)}
	}
	var n uint64
	for _, c := range raw {
		d := unhex(c)
		if d < 0 {
			return &ParseError{Field: name, Msg: "want 16 hex digits, got " + p.show(&v)}
		}
		n = n<<4 | uint64(d)
	}
	*dst = n
	return nil
}

func (p *eventParser) udp() error {
	var v token
	if err := p.s.value(&v, 0); err != nil {
		return err
	}
	switch v.kind {
	case tkTrue:
		p.e.UDP = true
	case tkFalse:
		p.e.UDP = false
	default:
		return p.typeErr(&v, "udp", "true or false")
	}
	p.e.Has |= HasUDP
	return nil
}

func (p *eventParser) strTok(name string, dst *token) error {
	if err := p.s.value(dst, 0); err != nil {
		return err
	}
	if dst.kind != tkString {
		return p.typeErr(dst, name, "string")
	}
	return nil
}

func (p *eventParser) role() error {
	p.seen |= reqRole
	var v token
	if err := p.s.value(&v, 0); err != nil {
		return err
	}
	var buf [16]byte
	if v.kind == tkString {
		if r, ok := ParseRole(string(keyBytes(p.s.b, &v, buf[:0]))); ok {
			p.e.Role = r
			return nil
		}
	}
	return &ParseError{Field: "role", Msg: "want \"listener\", \"inbound\" or \"outbound\", got " + p.show(&v)}
}

func (p *eventParser) origin() error {
	var v token
	if err := p.s.value(&v, 0); err != nil {
		return err
	}
	var buf [16]byte
	if v.kind == tkString {
		if o, ok := ParseOrigin(string(keyBytes(p.s.b, &v, buf[:0]))); ok {
			p.e.Origin = o
			p.e.Has |= HasOrigin
			return nil
		}
	}
	return &ParseError{Field: "origin", Msg: "want bind, connect, accept, udp_child or add_sock, got " + p.show(&v)}
}

// required reports the first missing required field of a handler line.
func (p *eventParser) required() error {
	if p.seen&reqHandler != reqHandler {
		for _, f := range requiredOrder {
			if p.seen&f.bit == 0 {
				return &ParseError{Field: f.name, Msg: "missing (required)"}
			}
		}
	}
	return nil
}

// pairs checks that tx_bytes/tx_sum and rx_bytes/rx_sum come together.
func (p *eventParser) pairs() error {
	tx, rx := p.seen&(reqTxBytes|reqTxSum), p.seen&(reqRxBytes|reqRxSum)
	switch {
	case tx == reqTxBytes:
		return &ParseError{Field: "tx_sum", Msg: "missing (tx_bytes is given)"}
	case tx == reqTxSum:
		return &ParseError{Field: "tx_bytes", Msg: "missing (tx_sum is given)"}
	case rx == reqRxBytes:
		return &ParseError{Field: "rx_sum", Msg: "missing (rx_bytes is given)"}
	case rx == reqRxSum:
		return &ParseError{Field: "rx_bytes", Msg: "missing (rx_sum is given)"}
	}
	if tx != 0 {
		p.e.Has |= HasTx
	}
	if rx != 0 {
		p.e.Has |= HasRx
	}
	return nil
}

// setEv resolves the event name: a core event's name is kept as the
// static string, any other is copied.
func (p *eventParser) setEv() {
	raw := p.s.b[p.ev.s:p.ev.e]
	if p.ev.esc {
		name := string(appendUnescaped(nil, raw))
		p.e.Ev, p.e.Name = ParseEv(name), name
	} else {
		p.e.Ev = evOfBytes(raw)
		if p.e.Ev == EvOther {
			p.e.Name = string(raw)
		}
	}
	if p.e.Ev != EvOther {
		p.e.Name = p.e.Ev.String()
	}
}

func evOfBytes(b []byte) Ev {
	switch string(b) {
	case "POLL":
		return EvPoll
	case "ACCEPT":
		return EvAccept
	case "CONNECT":
		return EvConnect
	case "RECV":
		return EvRecv
	case "SEND":
		return EvSend
	case "CLOSE":
		return EvClose
	case "TIMER":
		return EvTimer
	}
	return EvOther
}

// setData interprets data by event.
func (p *eventParser) setData() error {
	e := p.e
	switch e.Ev {
	case EvClose:
		if p.hasData && p.data.kind != tkNull {
			return &ParseError{Field: "data", Msg: "CLOSE carries no data, got " + p.show(&p.data)}
		}
		return nil
	case EvOther:
		return p.otherData()
	}
	if !p.hasData {
		return &ParseError{Field: "data", Msg: "missing (required for " + e.Ev.String() + ")"}
	}
	switch e.Ev {
	case EvTimer:
		e.DataKind = DataFloat
		return p.floatTok(&p.data, "data", &e.DataFloat)
	case EvAccept:
		return p.stringData("a string (the peer address) for ACCEPT")
	}
	if err := p.intData(); err != nil && !p.wholeData() {
		return &ParseError{Field: "data", Msg: "want integer for " + e.Ev.String() + ", got " + p.show(&p.data)}
	}
	return nil
}

// wholeData takes data written as a whole number with a fraction or an
// exponent (trace.md's example writes POLL data as 0.000).
func (p *eventParser) wholeData() bool {
	var f float64
	if p.data.kind != tkNumber || p.floatTok(&p.data, "data", &f) != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
		return false
	}
	p.e.DataKind, p.e.DataInt, p.e.DataFloat = DataInt, int64(f), float64(int64(f))
	return true
}

func (p *eventParser) intData() error {
	e := p.e
	if err := p.intTok(&p.data, "data", &e.DataInt); err != nil {
		return err
	}
	e.DataKind, e.DataFloat = DataInt, float64(e.DataInt)
	return nil
}

func (p *eventParser) stringData(want string) error {
	if p.data.kind != tkString {
		return &ParseError{Field: "data", Msg: "want " + want + ", got " + p.show(&p.data)}
	}
	p.e.DataKind, p.e.DataStr = DataString, p.text(&p.data)
	return nil
}

// otherData keeps a protocol event's data when it is a number or a
// string; anything else is ignored.
func (p *eventParser) otherData() error {
	if !p.hasData {
		return nil
	}
	e := p.e
	switch {
	case p.data.kind == tkString:
		return p.stringData("string")
	case p.data.kind != tkNumber:
		return nil
	case p.data.integer && p.intData() == nil:
		return nil
	}
	e.DataKind, e.DataInt = DataFloat, 0
	return p.floatTok(&p.data, "data", &e.DataFloat)
}

func (p *eventParser) finishFault() error {
	if p.seen&reqSeq == 0 {
		return &ParseError{Field: "seq", Msg: "missing (required)"}
	}
	if p.seen&reqT == 0 {
		return &ParseError{Field: "t", Msg: "missing (required)"}
	}
	*p.e = Event{Seq: p.e.Seq, T: p.e.T, Ev: EvFault, Fault: p.text(&p.fault)}
	if p.hasDet {
		p.e.Detail = p.text(&p.detail)
	}
	return nil
}

// text returns a string token's value as a new string.
func (p *eventParser) text(t *token) string {
	raw := p.s.b[t.s:t.e]
	if !t.esc {
		return string(raw)
	}
	return string(appendUnescaped(make([]byte, 0, len(raw)), raw))
}

func (p *eventParser) typeErr(v *token, name, want string) error {
	return &ParseError{Field: name, Msg: "want " + want + ", got " + p.show(v)}
}

// show describes a token for an error message: its kind, or the number or
// string itself (cut to 40 bytes).
func (p *eventParser) show(v *token) string {
	switch v.kind {
	case tkString:
		return "string " + clip(p.s.b[v.s-1:v.e+1])
	case tkNumber:
		return clip(p.s.b[v.s:v.e])
	case tkTrue:
		return "true"
	case tkFalse:
		return "false"
	case tkNull:
		return "null"
	case tkObject:
		return "object"
	case tkArray:
		return "array"
	}
	return "nothing"
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:37]) + "..."
	}
	return string(b)
}

func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	u, ok := parseUint(b)
	switch {
	case !ok:
		return 0, false
	case neg && u <= 1<<63:
		return -int64(u), true
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}

func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 || n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// A scanner walks one line of JSON. It never reads past the slice and
// never recurses deeper than maxDepth, so no input makes it panic.
type scanner struct {
	b []byte
	i int
}

type tokKind uint8

const (
	tkNone tokKind = iota
	tkString
	tkNumber
	tkTrue
	tkFalse
	tkNull
	tkObject
	tkArray
)

// token is a scanned JSON value: for a string, s:e is the text between the
// quotes (esc: it holds escapes); for a number, its text.
type token struct {
	kind    tokKind
	esc     bool
	integer bool
	s, e    int
}

const maxDepth = 256

// strSpecial marks the bytes that end a plain run of string text.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func (s *scanner) ws() {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) syntax(want string) error {
	if s.i >= len(s.b) {
		return &ParseError{Msg: "invalid JSON: want " + want + ", got end of line"}
	}
	got := strconv.QuoteRuneToASCII(rune(s.b[s.i]))
	if s.b[s.i] >= utf8.RuneSelf {
		got = "byte " + strconv.Quote(string(s.b[s.i:s.i+1]))
	}
	return &ParseError{Msg: "invalid JSON at byte " + strconv.Itoa(s.i+1) + ": want " + want + ", got " + got}
}

// value scans one JSON value of any kind into t; objects and arrays are
// checked and skipped.
func (s *scanner) value(t *token, depth int) error {
	s.ws()
	if s.i >= len(s.b) {
		return s.syntax("a value")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str(t)
	case c == '-' || c >= '0' && c <= '9':
		return s.num(t)
	case c == '{':
		t.kind = tkObject
		return s.skipObject(depth + 1)
	case c == '[':
		t.kind = tkArray
		return s.skipArray(depth + 1)
	case c == 't':
		return s.lit(t, "true", tkTrue)
	case c == 'f':
		return s.lit(t, "false", tkFalse)
	case c == 'n':
		return s.lit(t, "null", tkNull)
	}
	return s.syntax("a value")
}

func (s *scanner) lit(t *token, word string, k tokKind) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.syntax("a value")
	}
	s.i += len(word)
	t.kind = k
	return nil
}

// str scans a string; s.i is at its opening quote.
func (s *scanner) str(t *token) error {
	s.i++
	t.kind, t.s, t.esc = tkString, s.i, false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			t.e = s.i
			s.i++
			return nil
		case c == '\\':
			t.esc = true
			if err := s.escape(); err != nil {
				return err
			}
		case c < 0x20:
			return s.syntax("a character of a string (control characters must be escaped)")
		default:
			s.i++
		}
	}
	return &ParseError{Msg: "invalid JSON: unterminated string"}
}

func (s *scanner) escape() error {
	s.i++
	if s.i >= len(s.b) {
		return s.syntax("an escape")
	}
	switch s.b[s.i] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i++
		return nil
	case 'u':
		s.i++
		for k := 0; k < 4; k++ {
			if s.i >= len(s.b) || unhex(s.b[s.i]) < 0 {
				return s.syntax("4 hex digits after \\u")
			}
			s.i++
		}
		return nil
	}
	return s.syntax("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
}

// num scans a number by JSON's grammar.
func (s *scanner) num(t *token) error {
	t.kind, t.s, t.integer = tkNumber, s.i, true
	s.eat('-')
	if s.eat('0') {
	} else if !s.digits() {
		return s.syntax("a digit")
	}
	if s.eat('.') {
		t.integer = false
		if !s.digits() {
			return s.syntax("a digit after '.'")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		t.integer = false
		if !s.eat('+') {
			s.eat('-')
		}
		if !s.digits() {
			return s.syntax("a digit in the exponent")
		}
	}
	t.e = s.i
	return nil
}

func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

func (s *scanner) skipObject(depth int) error {
	if depth > maxDepth {
		return &ParseError{Msg: "invalid JSON: nested deeper than 256"}
	}
	s.i++
	s.ws()
	if s.eat('}') {
		return nil
	}
	for {
		var k, v token
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.syntax("a field name (string)")
		}
		if err := s.str(&k); err != nil {
			return err
		}
		s.ws()
		if !s.eat(':') {
			return s.syntax("':' after a field name")
		}
		if err := s.value(&v, depth); err != nil {
			return err
		}
		if done, err := s.next('}'); done || err != nil {
			return err
		}
	}
}

func (s *scanner) skipArray(depth int) error {
	if depth > maxDepth {
		return &ParseError{Msg: "invalid JSON: nested deeper than 256"}
	}
	s.i++
	s.ws()
	if s.eat(']') {
		return nil
	}
	for {
		var v token
		if err := s.value(&v, depth); err != nil {
			return err
		}
		if done, err := s.next(']'); done || err != nil {
			return err
		}
	}
}

// next eats the ',' before another element, or the closing bracket.
func (s *scanner) next(closer byte) (done bool, err error) {
	s.ws()
	if s.eat(closer) {
		return true, nil
	}
	if !s.eat(',') {
		return false, s.syntax("',' or '" + string(closer) + "'")
	}
	s.ws()
	return false, nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// appendUnescaped appends the value of a string's text, whose escapes the
// scanner has already checked.
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		if raw[i+1] != 'u' {
			dst = append(dst, unescapeByte(raw[i+1]))
			i += 2
			continue
		}
		var r rune
		r, i = unescapeRune(raw, i)
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

func unescapeByte(c byte) byte {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c // '"', '\\', '/'
}

// unescapeRune decodes \uXXXX at raw[i:], joining a surrogate pair; a lone
// surrogate becomes U+FFFD. It returns the rune and the index after it.
func unescapeRune(raw []byte, i int) (rune, int) {
	r := hex4(raw[i+2:])
	i += 6
	if r < 0xD800 || r > 0xDFFF {
		return r, i
	}
	if r <= 0xDBFF && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
		if lo := hex4(raw[i+2:]); lo >= 0xDC00 && lo <= 0xDFFF {
			return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), i + 6
		}
	}
	return utf8.RuneError, i
}

func hex4(b []byte) rune {
	return rune(unhex(b[0])<<12 | unhex(b[1])<<8 | unhex(b[2])<<4 | unhex(b[3]))
}

// fastUint reads a plain decimal integer (no sign, no leading zero, no
// fraction or exponent, no overflow) and moves past it; anything else
// leaves the scanner where it was and reports false.
func (s *scanner) fastUint() (uint64, bool) {
	n, end, ok := s.uintDigits()
	if !ok || end < len(s.b) && isNumberTail(s.b[end]) {
		return 0, false
	}
	s.i = end
	return n, true
}

// uintDigits reads the digits at s.i as a JSON integer part: at least one,
// no leading zero, within uint64. It does not move the scanner.
func (s *scanner) uintDigits() (n uint64, end int, ok bool) {
	i, safe := s.i, min(len(s.b), s.i+19) // 19 digits cannot overflow
	for ; i < safe; i++ {
		d := uint64(s.b[i] - '0')
		if d > 9 {
			break
		}
		n = n*10 + d
	}
	for ; i < len(s.b); i++ {
		d := uint64(s.b[i] - '0')
		if d > 9 {
			break
		}
		if n > (1<<64-1-d)/10 {
			return 0, 0, false
		}
		n = n*10 + d
	}
	if i == s.i || i-s.i > 1 && s.b[s.i] == '0' {
		return 0, 0, false
	}
	return n, i, true
}

func isNumberTail(c byte) bool { return c == '.' || c == 'e' || c == 'E' }

// fastInt is fastUint with an optional minus sign, within int64.
func (s *scanner) fastInt() (int64, bool) {
	start := s.i
	neg := s.eat('-')
	u, ok := s.fastUint()
	switch {
	case ok && !neg && u < 1<<63:
		return int64(u), true
	case ok && neg && u <= 1<<63:
		return -int64(u), true
	}
	s.i = start
	return 0, false
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat reads a number written as digits, optionally '.' and digits,
// whose significant digits fit 2^53: then m / 10^k is exact in float64
// and rounds correctly (Clinger's fast path), as strconv would. Anything
// else reports false and leaves the scanner where it was.
func (s *scanner) fastFloat() (float64, bool) {
	start := s.i
	neg := s.eat('-')
	m, exp, ok := s.decimal()
	switch {
	case !ok || s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E'):
	case m == 0:
		return signed(0, neg), true
	case m < 1<<53 && exp < len(pow10):
		return signed(float64(m)/pow10[exp], neg), true
	}
	s.i = start
	return 0, false
}

func signed(f float64, neg bool) float64 {
	if neg {
		return -f
	}
	return f
}

// decimal reads digits[.digits] as m / 10^exp, leaving the fraction's
// trailing zeros out of both.
func (s *scanner) decimal() (m uint64, exp int, ok bool) {
	m, end, ok := s.uintDigits()
	if !ok {
		return 0, 0, false
	}
	s.i = end
	if !s.eat('.') {
		return m, 0, true
	}
	start, zeros := s.i, 0
	for ; s.i < len(s.b); s.i++ {
		d := uint64(s.b[s.i] - '0')
		switch {
		case d > 9:
			return m, exp, s.i > start
		case d == 0:
			zeros++
			continue
		}
		for ; zeros >= 0; zeros-- {
			if m > 1<<59 {
				return 0, 0, false
			}
			m *= 10
			exp++
		}
		m, zeros = m+d, 0
	}
	return m, exp, s.i > start
}
