package reference_test

import (
	"errors"
	"io"
	"net/netip"
	"syscall"
	"time"

	"github.com/mgsim/mgsim/reference"
)

// fakeNet is a scripted, deterministic in-memory network that satisfies
// reference.Sockets. Everything is instant: a connect to a listening
// address is established at once (the listener becomes readable), written
// bytes are readable by the peer at once, and a Poll that finds nothing
// ready advances the clock by its whole timeout. Every Poll also costs
// pollCost of virtual time, so timers fire a little late, as in real runs.
//
// Tests drive the far side of a connection with "raw" sockets (rawDial,
// rawUDP) that no Manager owns, and inject faults through fsock fields.
type fakeNet struct {
	now       int64 // nanoseconds
	pollCost  int64
	nowTick   int64 // added to now by every Now call (to catch repeated clock reads)
	nextFD    int
	nextPort  uint16
	socks     map[int]*fsock
	tcpListen map[netip.AddrPort]*fsock
	udpBound  map[netip.AddrPort]*fsock
	dialErr   error                   // DialTCP fails with it (no descriptor)
	blackhole map[netip.AddrPort]bool // connects here never complete
	udpErr    error                   // OpenUDP fails with it

	lastTimeout time.Duration
	pollCalls   int
	closedFDs   []int
}

type fsockKind int

const (
	kListen fsockKind = iota
	kStream
	kDgram
)

// fsock is one socket of the fake network.
type fsock struct {
	fd            int
	kind          fsockKind
	local, remote netip.AddrPort
	peer          *fsock
	in            []byte   // stream bytes waiting to be read
	eof           bool     // the peer closed
	backlog       []*fsock // accept queue (server ends, no descriptor yet)
	dgrams        []fdgram
	closed        bool

	connErr    error // a failed connect: ConnectError reports it; readable and writable
	inProgress bool  // ConnectError says EINPROGRESS, and Poll reports it writable anyway
	readErr    error // Read/ReadFrom fail with it
	writeErr   error // Write/WriteTo fail with it
	acceptErr  error // Accept fails with it
	writeMax   int   // the most one Write takes (0: everything)
	blocked    bool  // not writable; Write says EAGAIN
	pending    bool  // a connect that never completes: never ready
}

type fdgram struct {
	from netip.AddrPort
	data []byte
}

var loopback = netip.MustParseAddr("127.0.0.1")

// newFakeNet starts the clock at 1000 s with a 10 µs cost per Poll.
func newFakeNet() *fakeNet {
	return &fakeNet{
		now: 1000e9, pollCost: 10e3, nextFD: 3, nextPort: 40000,
		blackhole: map[netip.AddrPort]bool{},
		socks:     map[int]*fsock{}, tcpListen: map[netip.AddrPort]*fsock{}, udpBound: map[netip.AddrPort]*fsock{},
	}
}

func (f *fakeNet) Now() int64 {
	t := f.now
	f.now += f.nowTick
	return t
}

func (f *fakeNet) newSock(k fsockKind) *fsock {
	s := &fsock{fd: f.nextFD, kind: k}
	f.nextFD++
	f.socks[s.fd] = s
	return s
}

func (f *fakeNet) ephemeral() netip.AddrPort {
	f.nextPort++
	return netip.AddrPortFrom(loopback, f.nextPort)
}

// bindAddr turns port 0 into an ephemeral port and 0.0.0.0 into loopback.
func (f *fakeNet) bindAddr(a netip.AddrPort) netip.AddrPort {
	if a.Port() == 0 {
		f.nextPort++
		a = netip.AddrPortFrom(a.Addr(), f.nextPort)
	}
	return a
}

// lookup finds what is bound at a, also through a 0.0.0.0 binding.
func lookup(m map[netip.AddrPort]*fsock, a netip.AddrPort) *fsock {
	if s := m[a]; s != nil {
		return s
	}
	return m[netip.AddrPortFrom(netip.IPv4Unspecified(), a.Port())]
}

func (f *fakeNet) ListenTCP(a netip.AddrPort) (int, error) {
	a = f.bindAddr(a)
	if f.tcpListen[a] != nil {
		return -1, syscall.EADDRINUSE
	}
	s := f.newSock(kListen)
	s.local = a
	f.tcpListen[a] = s
	return s.fd, nil
}

func (f *fakeNet) ListenUDP(a netip.AddrPort) (int, error) {
	a = f.bindAddr(a)
	if f.udpBound[a] != nil {
		return -1, syscall.EADDRINUSE
	}
	s := f.newSock(kDgram)
	s.local = a
	f.udpBound[a] = s
	return s.fd, nil
}

func (f *fakeNet) DialTCP(a netip.AddrPort) (int, error) {
	if f.dialErr != nil {
		return -1, f.dialErr
	}
	c := f.newSock(kStream)
	c.local, c.remote = f.ephemeral(), a
	if f.blackhole[a] {
		c.pending = true
		return c.fd, syscall.EINPROGRESS
	}
	l := lookup(f.tcpListen, a)
	if l == nil {
		c.connErr = syscall.ECONNREFUSED
		return c.fd, syscall.EINPROGRESS
	}
	srv := &fsock{fd: -1, kind: kStream, local: a, remote: c.local, peer: c}
	c.peer = srv
	l.backlog = append(l.backlog, srv)
	return c.fd, syscall.EINPROGRESS
}

func (f *fakeNet) OpenUDP() (int, error) {
	if f.udpErr != nil {
		return -1, f.udpErr
	}
	return f.newSock(kDgram).fd, nil
}

func (f *fakeNet) Accept(fd int) (int, netip.AddrPort, error) {
	l := f.socks[fd]
	switch {
	case l == nil:
		return -1, netip.AddrPort{}, syscall.EBADF
	case l.acceptErr != nil:
		return -1, netip.AddrPort{}, l.acceptErr
	case len(l.backlog) == 0:
		return -1, netip.AddrPort{}, syscall.EAGAIN
	}
	s := l.backlog[0]
	l.backlog = l.backlog[1:]
	s.fd = f.nextFD
	f.nextFD++
	f.socks[s.fd] = s
	return s.fd, s.remote, nil
}

func (f *fakeNet) ConnectError(fd int) error {
	s := f.socks[fd]
	switch {
	case s == nil:
		return syscall.EBADF
	case s.inProgress:
		return syscall.EINPROGRESS
	}
	return s.connErr
}

func (f *fakeNet) Read(fd int, p []byte) (int, error) {
	s := f.socks[fd]
	switch {
	case s == nil:
		return 0, syscall.EBADF
	case s.readErr != nil:
		return 0, s.readErr
	case s.connErr != nil:
		return 0, s.connErr
	case len(s.in) > 0:
		n := copy(p, s.in)
		s.in = s.in[:copy(s.in, s.in[n:])]
		return n, nil
	case s.eof:
		return 0, io.EOF
	}
	return 0, syscall.EAGAIN
}

func (f *fakeNet) Write(fd int, p []byte) (int, error) {
	s := f.socks[fd]
	switch {
	case s == nil:
		return 0, syscall.EBADF
	case s.writeErr != nil:
		return 0, s.writeErr
	case s.blocked:
		return 0, syscall.EAGAIN
	}
	n := len(p)
	if s.writeMax > 0 {
		n = min(n, s.writeMax)
	}
	if s.peer != nil && !s.peer.closed {
		s.peer.in = append(s.peer.in, p[:n]...)
	}
	return n, nil
}

func (f *fakeNet) ReadFrom(fd int, p []byte) (int, netip.AddrPort, error) {
	s := f.socks[fd]
	switch {
	case s == nil:
		return 0, netip.AddrPort{}, syscall.EBADF
	case s.readErr != nil:
		return 0, netip.AddrPort{}, s.readErr
	case len(s.dgrams) == 0:
		return 0, netip.AddrPort{}, syscall.EAGAIN
	}
	d := s.dgrams[0]
	s.dgrams = s.dgrams[1:]
	return copy(p, d.data), d.from, nil
}

func (f *fakeNet) WriteTo(fd int, p []byte, to netip.AddrPort) (int, error) {
	s := f.socks[fd]
	switch {
	case s == nil:
		return 0, syscall.EBADF
	case s.writeErr != nil:
		return 0, s.writeErr
	}
	if !s.local.IsValid() {
		s.local = f.ephemeral()
		f.udpBound[s.local] = s
	}
	if dst := lookup(f.udpBound, to); dst != nil {
		dst.dgrams = append(dst.dgrams, fdgram{from: s.local, data: append([]byte(nil), p...)})
	}
	return len(p), nil
}

func (f *fakeNet) LocalAddr(fd int) netip.AddrPort {
	if s := f.socks[fd]; s != nil {
		return s.local
	}
	return netip.AddrPort{}
}

func (f *fakeNet) RemoteAddr(fd int) netip.AddrPort {
	if s := f.socks[fd]; s != nil {
		return s.remote
	}
	return netip.AddrPort{}
}

func (f *fakeNet) Close(fd int) error {
	s := f.socks[fd]
	if s == nil {
		return syscall.EBADF
	}
	delete(f.socks, fd)
	s.closed = true
	f.closedFDs = append(f.closedFDs, fd)
	if s.peer != nil {
		s.peer.eof = true
	}
	for _, b := range s.backlog {
		b.peer.readErr = syscall.ECONNRESET
	}
	if f.tcpListen[s.local] == s {
		delete(f.tcpListen, s.local)
	}
	if f.udpBound[s.local] == s {
		delete(f.udpBound, s.local)
	}
	return nil
}

// Poll reports readiness at once, or advances the clock by the timeout.
func (f *fakeNet) Poll(fds []reference.PollFD, timeout time.Duration) (int, error) {
	f.pollCalls++
	f.lastTimeout = timeout
	f.now += f.pollCost
	if n := f.scan(fds); n > 0 {
		return n, nil
	}
	if timeout < 0 {
		return 0, errors.New("fakeNet: poll would block forever")
	}
	f.now += int64(timeout)
	return 0, nil
}

func (f *fakeNet) scan(fds []reference.PollFD) int {
	n := 0
	for i := range fds {
		fds[i].Revents = f.revents(fds[i])
		if fds[i].Revents != 0 {
			n++
		}
	}
	return n
}

func (f *fakeNet) revents(e reference.PollFD) int16 {
	s := f.socks[e.FD]
	if s == nil {
		return reference.PollErr
	}
	var r int16
	if s.readable() {
		r |= reference.PollIn
	}
	if s.writable() {
		r |= reference.PollOut
	}
	if s.connErr != nil {
		r |= reference.PollErr | reference.PollHup
	}
	return r & (e.Events | reference.PollErr | reference.PollHup)
}

func (s *fsock) readable() bool {
	switch s.kind {
	case kListen:
		return len(s.backlog) > 0
	case kDgram:
		return len(s.dgrams) > 0 || s.readErr != nil
	}
	return len(s.in) > 0 || s.eof || s.readErr != nil || s.connErr != nil
}

func (s *fsock) writable() bool {
	return !s.pending && s.kind != kListen && !s.blocked && (s.connErr != nil || s.inProgress || s.kind == kDgram || s.peer != nil)
}

// rawDial connects a socket that no Manager owns to a; the test drives it.
func (f *fakeNet) rawDial(a netip.AddrPort) *fsock {
	fd, _ := f.DialTCP(a)
	return f.socks[fd]
}

// rawSend makes p readable at s's peer.
func (f *fakeNet) rawSend(s *fsock, p string) {
	s.peer.in = append(s.peer.in, p...)
}

// rawTake returns and removes what s has received.
func (f *fakeNet) rawTake(s *fsock) string {
	got := string(s.in)
	s.in = s.in[:0]
	return got
}

// rawUDP binds a datagram socket that no Manager owns.
func (f *fakeNet) rawUDP() *fsock {
	s := f.newSock(kDgram)
	s.local = f.ephemeral()
	f.udpBound[s.local] = s
	return s
}

// rawSendTo sends one datagram from s to a.
func (f *fakeNet) rawSendTo(s *fsock, a netip.AddrPort, p string) {
	if dst := lookup(f.udpBound, a); dst != nil {
		dst.dgrams = append(dst.dgrams, fdgram{from: s.local, data: []byte(p)})
	}
}

// rawRecvFrom returns and removes the datagrams s has received.
func (f *fakeNet) rawRecvFrom(s *fsock) []string {
	var out []string
	for _, d := range s.dgrams {
		out = append(out, d.from.String()+" "+string(d.data))
	}
	s.dgrams = nil
	return out
}

// isOpen reports whether fd is an open descriptor.
func (f *fakeNet) isOpen(fd int) bool { return f.socks[fd] != nil }

// compile-time check that the fake is a reference.Sockets.
var _ reference.Sockets = (*fakeNet)(nil)
