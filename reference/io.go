package reference

import (
	"net/netip"

	"github.com/mgsim/mgsim/reference/internal/mutation"
)

// Results of doRecv besides a byte count (mg_do_recv's -1 and -2).
const (
	recvRefused   = -1 // not readable now: connecting, closing, or a TCP listener
	recvThrottled = -2 // the receive limit allows no byte
)

// checkConnect is B9 step 2 (D-CONNECT-2): while CONNECTING, any readiness
// completes the connect with SO_ERROR (UDP: always success, D-CONNECT-8);
// without readiness, an error stored when the connect started is reported.
func (m *Manager) checkConnect(c *Conn, fd int) {
	switch {
	case fd != 0 && c.Flags&FlagUDP != 0:
		m.connectDone(c, 0)
	case fd != 0:
		err := m.s.ConnectError(c.sock)
		if !inProgress(err) {
			m.connectDone(c, connectResult(err))
		}
	case c.err != 0:
		m.connectDone(c, c.err)
	}
}

// connectDone is mg_if_connect_cb (D-CONNECT-3): CONNECTING is cleared and,
// on failure, CLOSE_IMMEDIATELY set, both before the handler sees CONNECT.
func (m *Manager) connectDone(c *Conn, result int) {
	c.Flags &^= FlagConnecting
	if m.bugs&mutation.ConnectTwice != 0 {
		c.Flags |= FlagConnecting // as if never cleared
	}
	if result != 0 {
		c.Flags |= FlagCloseImmediately
	}
	if m.bugs&mutation.FailedConnectNoClose != 0 {
		c.Flags &^= FlagCloseImmediately
	}
	m.call(c, EvConnect, EventData{Int: result})
}

// canRecv is B9 step 3: a TCP listener accepts one connection, anything
// else reads (one datagram for UDP, a loop for TCP).
func (m *Manager) canRecv(c *Conn) {
	if c.Flags&(FlagListening|FlagUDP) == FlagListening {
		m.acceptOne(c)
		return
	}
	m.doRecv(c)
}

// acceptOne is mg_accept_conn (D-ACCEPT-1, D-ACCEPT-2): one accept; the new
// connection copies the listener's handler, user data and receive limit,
// goes to the head of the list (so this poll does not serve it) and gets
// ACCEPT with its peer address. A failed accept is silent.
func (m *Manager) acceptOne(lc *Conn) {
	fd, peer, err := m.s.Accept(lc.sock)
	if err != nil {
		return
	}
	nc := m.newConn(lc.Handler, lc.UserData, 0, OriginAccept)
	nc.listener, nc.RecvMbufLimit = lc, lc.RecvMbufLimit
	m.addConn(nc)
	nc.sock, nc.sa = fd, peer
	if m.bugs&mutation.RecvBeforeAccept != 0 {
		m.doRecv(nc)
	}
	if m.bugs&mutation.AcceptToListener != 0 {
		m.call(lc, EvAccept, EventData{Addr: nc.sa})
		return
	}
	m.call(nc, EvAccept, EventData{Addr: nc.sa})
	if m.bugs&mutation.AcceptAllPending != 0 {
		m.acceptOne(lc)
	}
}

// doRecv is mg_do_recv (D-RECV-1..3): nothing while connecting or closing
// or on a TCP listener; otherwise read chunks of at most the IO size, each
// capped by the receive limit, into space grown by exactly the chunk
// (A13). TCP loops until a read returns <= 0, the limit is reached or a
// handler sets CLOSE_IMMEDIATELY; UDP reads one datagram. It returns the
// last read's result, recvRefused or recvThrottled.
func (m *Manager) doRecv(c *Conn) int {
	if c.Flags&(FlagCloseImmediately|FlagConnecting) != 0 || c.Flags&(FlagListening|FlagUDP) == FlagListening {
		return recvRefused
	}
	udp := c.Flags&FlagUDP != 0
	chunk := m.tcpIO
	if udp {
		chunk = m.udpIO
	}
	for {
		if chunk = c.recvAvail(chunk); chunk == 0 {
			return recvThrottled
		}
		chunk = m.growForRead(c, chunk)
		if udp {
			return m.recvUDP(c, chunk)
		}
		if res := m.recvTCP(c, chunk); res <= 0 || c.Flags&FlagCloseImmediately != 0 {
			return res
		}
	}
}

// growForRead grows the receive buffer so that chunk more bytes fit, and
// returns the free space a read may fill: exactly chunk, unless the
// application left spare capacity (D-RECV-2) or the growth failed.
func (m *Manager) growForRead(c *Conn, chunk int) int {
	b := &c.RecvMbuf
	if b.size < b.len+chunk {
		b.Resize(b.len + chunk)
	}
	return b.size - b.len
}

// recvTCP is mg_recv_tcp with the socket interface's tcp_recv: a read of up
// to n bytes; RECV with the count (after a trim, A13); EOF sets
// SEND_AND_CLOSE and sends nothing (D-RECV-6); would-block is 0; an error
// sets CLOSE_IMMEDIATELY and sends nothing (D-RECV-7).
func (m *Manager) recvTCP(c *Conn, n int) int {
	got, err := m.readTCP(c, n)
	switch {
	case got > 0:
		c.RecvMbuf.len += got
		c.lastIO = m.timeT()
		c.RecvMbuf.Trim()
		if m.bugs&mutation.RecvCountWholeBuffer != 0 {
			m.call(c, EvRecv, EventData{Int: c.RecvMbuf.len})
			break
		}
		m.call(c, EvRecv, EventData{Int: got})
	case wouldBlock(err):
		got = 0
	case isEOF(got, err):
		c.Flags |= FlagSendAndClose
		if m.bugs&mutation.EOFClosesImmediately != 0 {
			c.Flags |= FlagCloseImmediately
		}
		if m.bugs&mutation.EOFAsRecvZero != 0 {
			m.call(c, EvRecv, EventData{})
		}
		got = 0
	default:
		c.Flags |= FlagCloseImmediately
		got = -1
	}
	c.RecvMbuf.Trim()
	return got
}

// readTCP reads up to n bytes after c's data. A zero-byte read (possible
// only when the buffer could not grow) is recv(2) with length 0, which
// returns 0: it reads as EOF, as it does in C.
func (m *Manager) readTCP(c *Conn, n int) (int, error) {
	if n == 0 {
		return 0, nil
	}
	got, err := m.s.Read(c.sock, c.RecvMbuf.readSpace(n))
	return max(min(got, n), 0), err
}

// recvUDP is mg_recv_udp (section G): one datagram of at most n bytes
// (longer ones are cut, G7). On a listener it goes to the child for the
// sender, made (with ACCEPT) if there is none (G2); otherwise into c's own
// buffer. RECV follows unless the datagram is empty (G8). The reading
// connection's buffer is freed afterwards, so an outbound connection loses
// what its handler left (G5). A read error sets CLOSE_IMMEDIATELY.
func (m *Manager) recvUDP(c *Conn, n int) int {
	defer c.RecvMbuf.release()
	got, from, err := m.s.ReadFrom(c.sock, c.RecvMbuf.readSpace(n))
	switch {
	case err != nil && wouldBlock(err):
		return 0
	case err != nil:
		c.Flags |= FlagCloseImmediately
		return -1
	}
	got = max(min(got, n), 0)
	if m.bugs&mutation.UDPMergedDatagrams != 0 {
		got = m.mergeDatagrams(c, got, n)
	}
	m.deliverDatagram(c, from, got)
	return got
}

// deliverDatagram hands a datagram of n bytes, read into lc's buffer, to
// its connection and sends RECV when it is not empty.
func (m *Manager) deliverDatagram(lc *Conn, from netip.AddrPort, n int) {
	nc := lc
	if lc.Flags&FlagListening != 0 && m.bugs&mutation.UDPNoChild == 0 {
		nc = m.udpChild(lc, from)
	}
	if nc == lc {
		nc.RecvMbuf.len += n
	} else {
		nc.RecvMbuf.Append(lc.RecvMbuf.readSpace(n))
	}
	lc.RecvMbuf.Trim()
	lc.lastIO = m.timeT()
	nc.lastIO = lc.lastIO
	if n != 0 {
		m.call(nc, EvRecv, EventData{Int: n})
	}
}

// udpChild finds lc's live child for the peer from, or makes one (G2): it
// shares lc's socket, copies its handler, user data and receive limit, has
// flags UDP|SEND_AND_CLOSE (nothing inherited), goes to the head of the
// list and gets ACCEPT at once.
func (m *Manager) udpChild(lc *Conn, from netip.AddrPort) *Conn {
	if nc := lc.children[from]; nc != nil {
		return nc
	}
	nc := m.newConn(lc.Handler, lc.UserData, FlagUDP|FlagSendAndClose, OriginUDPChild)
	if m.bugs&mutation.UDPChildKeepsAlive != 0 {
		nc.Flags &^= FlagSendAndClose
	}
	nc.sock, nc.listener, nc.sa, nc.RecvMbufLimit = lc.sock, lc, from, lc.RecvMbufLimit
	if lc.children == nil {
		lc.children = map[netip.AddrPort]*Conn{}
	}
	lc.children[from] = nc
	m.addConn(nc)
	m.call(nc, EvAccept, EventData{Addr: nc.sa})
	return nc
}

// canSend is mg_if_can_send_cb (D-SEND-2..5): nothing while connecting or
// closing or on a TCP listener; otherwise one write of at most the TCP IO
// size, or the whole buffer as one datagram for UDP (G6). Success removes
// the bytes and trims (A13); an error sets CLOSE_IMMEDIATELY; either way a
// non-zero result is reported in SEND.
func (m *Manager) canSend(c *Conn) {
	stop := FlagCloseImmediately | FlagConnecting
	if m.bugs&mutation.CloseImmediatelyWrites != 0 {
		stop = FlagConnecting // only CONNECTING stops a write
	}
	if c.Flags&stop != 0 || c.Flags&(FlagListening|FlagUDP) == FlagListening {
		return
	}
	n := c.SendMbuf.len
	if c.Flags&FlagUDP == 0 && m.bugs&mutation.BigTCPWrite == 0 {
		n = min(n, m.tcpIO)
	}
	res := m.write(c, n)
	if res < 0 {
		c.Flags |= FlagCloseImmediately
	} else if res > 0 {
		c.lastIO = m.timeT()
		c.SendMbuf.Remove(res)
		c.SendMbuf.Trim()
	}
	if m.bugs&mutation.SendCountRequested != 0 && res > 0 {
		res = n
	}
	if res != 0 || m.bugs&mutation.SendZero != 0 {
		m.call(c, EvSend, EventData{Int: res})
	}
	if m.bugs&mutation.TwoWritesPerPoll != 0 && res > 0 && c.SendMbuf.len > 0 {
		m.canSend(c)
	}
}

// write sends the first n bytes of c's send buffer: the byte count, 0 if
// it would block (or n is 0), or -1 on an error, as send(2) reports it.
func (m *Manager) write(c *Conn, n int) int {
	if n == 0 {
		return 0
	}
	p := c.SendMbuf.Bytes()[:n]
	var got int
	var err error
	if c.Flags&FlagUDP != 0 {
		got, err = m.s.WriteTo(c.sock, p, c.sa)
	} else {
		got, err = m.s.Write(c.sock, p)
	}
	switch {
	case got > 0:
		return min(got, n)
	case err == nil || wouldBlock(err):
		return 0
	}
	return -1
}
