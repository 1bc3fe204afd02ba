package simnet

import (
	"net/netip"
	"syscall"
)

// Read reads received stream data. TCP: n > 0; (0, io.EOF) once the peer's
// FIN arrived and all data was read; (0, syscall.EAGAIN) when nothing is
// there yet (also while connecting); the connect failure, or
// syscall.ECONNRESET (ETIMEDOUT) after a reset (user timeout). On a UDP
// socket it reads one datagram as [Host.ReadFrom] does. A listener gives
// syscall.ENOTCONN, a lookup syscall.EINVAL. The host's [Adversary] may
// make it short, or fail it with EAGAIN or EINTR.
func (h *Host) Read(fd int, p []byte) (int, error) {
	s := h.sock(fd)
	if h.advOn && s != nil {
		if err := h.refuse(s); err != nil {
			return 0, err
		}
		p = h.shortRead(s, p)
	}
	switch s := s.(type) {
	case *tcpConn:
		return s.read(p)
	case *udpSock:
		n, _, err := s.readFrom(p)
		return n, err
	case *tcpListener:
		return 0, syscall.ENOTCONN
	}
	return 0, badSocket(s)
}

// Write copies as much of p as fits into the send buffer (a short count
// when it is nearly full) and returns at once; the stack sends it later.
// Errors: syscall.EAGAIN when the buffer is full or the connect has not
// finished; the connect failure after a failed connect; after a reset by
// the peer (or the user timeout), syscall.ECONNRESET (ETIMEDOUT) once,
// then syscall.EPIPE. On a UDP socket it gives syscall.EDESTADDRREQ (use
// [Host.WriteTo]); on a listener syscall.ENOTCONN. The host's [Adversary]
// may make it short, or fail it with EAGAIN or EINTR having taken nothing.
func (h *Host) Write(fd int, p []byte) (int, error) {
	s := h.sock(fd)
	if h.advOn && s != nil {
		if err := h.refuse(s); err != nil {
			return 0, err
		}
		p = h.shortWrite(s, p)
	}
	switch s := s.(type) {
	case *tcpConn:
		return s.write(p)
	case *udpSock:
		return 0, syscall.EDESTADDRREQ
	case *tcpListener:
		return 0, syscall.ENOTCONN
	}
	return 0, badSocket(s)
}

// ReadFrom reads one datagram, truncated to len(p) without notice as
// recvfrom does, with its sender; syscall.EAGAIN when none is queued. On a
// TCP connection it reads like [Host.Read] and reports the peer.
func (h *Host) ReadFrom(fd int, p []byte) (int, netip.AddrPort, error) {
	s := h.sock(fd)
	if h.advOn && s != nil {
		if err := h.refuse(s); err != nil {
			return 0, netip.AddrPort{}, err
		}
		p = h.shortRead(s, p)
	}
	switch s := s.(type) {
	case *udpSock:
		return s.readFrom(p)
	case *tcpConn:
		n, err := s.read(p)
		return n, s.remote, err
	case *tcpListener:
		return 0, netip.AddrPort{}, syscall.ENOTCONN
	}
	return 0, netip.AddrPort{}, badSocket(s)
}

// WriteTo sends p as one datagram to to; it arrives after the link's
// latency (and jitter) if a socket is bound there, else it is dropped
// silently; the link and the fault rules may lose, delay or duplicate it.
// Errors: EINVAL (invalid address or port 0), EMSGSIZE (over
// [MaxDatagram]), ENETUNREACH (no route from the bound address), and the
// adversary's EAGAIN or EINTR (nothing sent). On a TCP connection it
// writes like [Host.Write] and ignores to, as Linux does.
func (h *Host) WriteTo(fd int, p []byte, to netip.AddrPort) (int, error) {
	s := h.sock(fd)
	if h.advOn && s != nil {
		if err := h.refuse(s); err != nil {
			return 0, err
		}
		p = h.shortWrite(s, p)
	}
	switch s := s.(type) {
	case *udpSock:
		return s.writeTo(p, to)
	case *tcpConn:
		return s.write(p)
	case *tcpListener:
		return 0, syscall.ENOTCONN
	}
	return 0, badSocket(s)
}

// ConnectError reports a socket's connect state, like getsockopt SO_ERROR
// but without clearing it: syscall.EINPROGRESS while connecting, the
// failure (ECONNREFUSED, ETIMEDOUT) once the connect failed, ECONNRESET
// (or ETIMEDOUT) once the connection was reset (or timed out), and nil
// otherwise (connected, listeners, UDP sockets, lookups).
func (h *Host) ConnectError(fd int) error {
	switch s := h.sock(fd).(type) {
	case *tcpConn:
		return s.connectError()
	case nil:
		return syscall.EBADF
	}
	return nil
}
