package reference

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/mgsim/mgsim/reference/internal/mutation"
)

// Options configures a Manager. The zero value is Mongoose's default build.
type Options struct {
	TCPIOSize int // MG_TCP_IO_SIZE; zero: 1460
	UDPIOSize int // MG_UDP_IO_SIZE; zero: 1460
	// ResolveTimeout bounds a host-name lookup: one not answered by then
	// ends with TIMER, CONNECT(-1) and CLOSE (D-TIMER-7). Zero: 5s, as
	// Mongoose's resolver.
	ResolveTimeout time.Duration
	_              struct{}

	bugs mutation.Bug // deliberate bugs, armed only by reference/mutants
}

// defaultIOSize is MG_TCP_IO_SIZE and MG_UDP_IO_SIZE (D-RECV-2).
const defaultIOSize = 1460

// ConnOpts are the options of BindOpt, ConnectOpt and AddSockOpt. Only
// USER_1..6, PROTO_1 and ENABLE_BROADCAST are kept from Flags (F2).
type ConnOpts struct {
	Flags    Flags
	UserData any
}

// ErrFreed is returned by Bind and Connect on a manager after Free.
var ErrFreed = errors.New("reference: manager is freed")

// Manager is mg_mgr: it owns the connections and polls them (section B).
// A Manager is not safe for concurrent use; everything happens on the
// goroutine that calls Poll.
type Manager struct {
	s              Sockets
	tcpIO, udpIO   int
	head           *Conn
	lastID         uint64
	polls          int
	pollIndex      int
	numCalls       int
	busy           bool // inside Poll or Free: nested calls do nothing
	freed          bool
	pfds           []PollFD    // the poll set, reused
	fdEntry        map[int]int // descriptor -> index in pfds, reused
	printBuf       []byte      // Printf scratch, reused
	res            Resolver    // s, if it resolves host names
	resolveTimeout float64     // seconds

	bugs mutation.Bug // deliberate bugs (none outside reference/mutants)
}

// NewManager is mg_mgr_init: a manager with no connections, doing its IO
// and reading its time through s. IO sizes of zero or less mean 1460.
func NewManager(s Sockets, opts Options) *Manager {
	m := &Manager{s: s, tcpIO: opts.TCPIOSize, udpIO: opts.UDPIOSize, fdEntry: map[int]int{}, bugs: opts.bugs}
	m.res, _ = s.(Resolver)
	m.resolveTimeout = opts.ResolveTimeout.Seconds()
	if opts.ResolveTimeout <= 0 {
		m.resolveTimeout = defaultResolveTimeout.Seconds()
	}
	if m.tcpIO <= 0 {
		m.tcpIO = defaultIOSize
	}
	if m.udpIO <= 0 {
		m.udpIO = defaultIOSize
	}
	return m
}

// Time is mg_time(): the network's clock in seconds.
func (m *Manager) Time() float64 { return float64(m.s.Now()) / 1e9 }

// timeT is (time_t) mg_time().
func (m *Manager) timeT() int64 { return m.s.Now() / 1e9 }

// Next is mg_next (B2): Next(nil) is the newest connection, Next(c) the one
// listed after c, nil at the end. A closed connection is no longer listed,
// and neither is one still resolving its host name. (Mongoose lists the
// resolver's internal DNS connection; its entry here, which holds the
// lookup's place in the walk, is skipped.)
func (m *Manager) Next(c *Conn) *Conn {
	n := m.head
	if c != nil {
		n = c.next
	}
	for n != nil && n.dns != nil {
		n = n.next
	}
	return n
}

// PollIndex is the index (from 1) of the poll running now, and 0 outside
// any poll, including the closes at the end of Free.
func (m *Manager) PollIndex() int { return m.pollIndex }

// Polls is the number of polls started so far (Free's last poll included).
func (m *Manager) Polls() int { return m.polls }

// Bind is mg_bind: see BindOpt.
func (m *Manager) Bind(addr string, h Handler) (*Conn, error) {
	return m.BindOpt(addr, h, ConnOpts{})
}

// BindOpt is mg_bind_opt: it opens a listening socket on addr
// ("tcp://ip:port", "udp://ip:port", "ip:port", ":port" or "port"; the
// port must be below 65535) and lists a connection with LISTENING (and UDP)
// set. Its address becomes the bound one (port 0 picks a port). It returns
// an error, and lists nothing, when the address does not parse or the
// socket cannot be opened. h may be nil (a handler that does nothing).
func (m *Manager) BindOpt(addr string, h Handler, o ConnOpts) (*Conn, error) {
	if m.freed {
		return nil, ErrFreed
	}
	a, err := parseAddress(addr)
	if err == nil && a.host != "" {
		err = fmt.Errorf("reference: cannot parse address %q: host names need a resolver, which is not wired yet", addr)
	}
	if err != nil {
		return nil, err
	}
	c := m.newConn(h, o.UserData, o.Flags&allowedAtCreation, OriginBind)
	return c, m.listen(c, a, addr)
}

// listen opens c's listening socket and lists c.
func (m *Manager) listen(c *Conn, a address, addr string) error {
	c.sa, c.Flags = a.addr, c.Flags|FlagListening
	listen := m.s.ListenTCP
	if a.udp {
		c.Flags |= FlagUDP
		listen = m.s.ListenUDP
	}
	fd, err := listen(a.addr)
	if err != nil {
		return fmt.Errorf("reference: bind %q: failed to open listener: %w", addr, err)
	}
	c.sock = fd
	if la := m.s.LocalAddr(fd); la.IsValid() {
		c.sa = la
	}
	m.addConn(c)
	return nil
}

// Connect is mg_connect: see ConnectOpt.
func (m *Manager) Connect(addr string, h Handler) (*Conn, error) {
	return m.ConnectOpt(addr, h, ConnOpts{})
}

// ConnectOpt is mg_connect_opt (D-CONNECT-1): it starts a non-blocking
// connect to addr ("tcp://ip:port" or "udp://ip:port"; a bare "ip:port" is
// TCP) and lists a connection with CONNECTING set. It never reports the
// result itself: CONNECT comes from a later poll, also when the socket
// could not even be created.
//
// A host name ("tcp://name:port") needs the [Resolver] extension of the
// Sockets: the connection is returned with RESOLVING set and is not listed
// until the lookup succeeds (B2, D-CONNECT-6); then it connects as for a
// numeric address. A failed lookup gives CONNECT(-1) and CLOSE without any
// POLL; one not answered within Options.ResolveTimeout (or by a timer set
// on the connection) gives TIMER, CONNECT(-1) and CLOSE (D-TIMER-7).
//
// It returns an error, and lists nothing, when addr does not parse, or
// names a host without a resolver, or the lookup cannot start.
func (m *Manager) ConnectOpt(addr string, h Handler, o ConnOpts) (*Conn, error) {
	if m.freed {
		return nil, ErrFreed
	}
	a, err := parseAddress(addr)
	if err != nil {
		return nil, err
	}
	if a.host != "" && m.res == nil {
		return nil, fmt.Errorf("reference: connect %q: host name %q needs a resolver, which these sockets do not offer", addr, a.host)
	}
	c := m.newConn(h, o.UserData, o.Flags&allowedAtCreation, OriginConnect)
	c.sa = a.addr
	if a.udp {
		c.Flags |= FlagUDP
	}
	if a.host != "" {
		if err := m.resolve(c, a.host, addr); err != nil {
			return nil, err
		}
		return c, nil
	}
	m.doConnect(c)
	return c, nil
}

// doConnect is mg_do_connect: CONNECTING, the socket (or the stored error,
// D-CONNECT-2), then the list.
func (m *Manager) doConnect(c *Conn) {
	c.Flags |= FlagConnecting
	var fd int
	var err error
	if c.Flags&FlagUDP != 0 {
		fd, err = m.s.OpenUDP()
	} else {
		fd, err = m.s.DialTCP(c.sa)
	}
	if err == nil || wouldBlock(err) {
		c.sock = fd
	} else {
		c.err = linuxErrno(err)
	}
	m.addConn(c)
}

// AddSock is mg_add_sock(mgr, INVALID_SOCKET, h): see AddSockOpt.
func (m *Manager) AddSock(h Handler) *Conn { return m.AddSockOpt(h, ConnOpts{}) }

// AddSockOpt is mg_add_sock_opt with INVALID_SOCKET: a listed connection
// without a socket. It gets only TIMER, POLL and CLOSE (D-FIRST-4).
func (m *Manager) AddSockOpt(h Handler, o ConnOpts) *Conn {
	c := m.newConn(h, o.UserData, o.Flags&allowedAtCreation, OriginAddSock)
	m.addConn(c)
	return c
}

// newConn is mg_create_connection_base (C4): unlimited receive buffer, no
// socket, the given flags.
func (m *Manager) newConn(h Handler, userData any, f Flags, o Origin) *Conn {
	return &Conn{
		Flags: f, RecvMbufLimit: math.MaxInt, UserData: userData, Handler: h,
		mgr: m, sock: invalidSocket, origin: o, lastIO: m.timeT(),
	}
}

// addConn is mg_add_conn (B1): the connection gets its id (unless it got
// one when it started resolving) and goes to the head of the list.
func (m *Manager) addConn(c *Conn) {
	m.number(c)
	m.link(c)
}

// number gives c the next connection id, unless it has one.
func (m *Manager) number(c *Conn) {
	if c.id == 0 {
		m.lastID++
		c.id = m.lastID
	}
}

// link puts c at the head of the list.
func (m *Manager) link(c *Conn) {
	c.listed = true
	c.next = m.head
	if m.head != nil {
		m.head.prev = c
	}
	m.head = c
}

// removeConn is mg_remove_conn: c leaves the list.
func (m *Manager) removeConn(c *Conn) {
	if c.prev == nil {
		m.head = c.next
	} else {
		c.prev.next = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next, c.listed = nil, nil, false
}

// Free is mg_mgr_free (B11): one last Poll(0), then every connection still
// listed, newest first, gets CLOSE (listeners included); during those
// closes PollIndex is 0. Connections that handlers create during the
// closes are not closed, as in C. Free does nothing when called from a
// handler, or again after it finished. If a handler panics during the
// closes, the panic propagates and Free may be called again.
func (m *Manager) Free() {
	if m.busy || m.freed {
		return
	}
	m.Poll(0)
	m.busy = true
	defer func() { m.busy = false }()
	var next *Conn
	for c := m.head; c != nil; c = next {
		next = c.next
		c.Flags |= FlagCloseImmediately
		m.closeConn(c)
	}
	m.freed = true
}
