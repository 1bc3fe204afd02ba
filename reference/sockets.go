package reference

import (
	"net/netip"
	"time"
)

// PollFD is one entry of a Poll set (alias of an unnamed struct so that simnet can declare the same type).
type PollFD = struct {
	FD      int
	Events  int16
	Revents int16
}

// Poll event bits, with the values poll(2) has on Linux.
const (
	PollIn  = 0x1
	PollOut = 0x4
	PollErr = 0x8
	PollHup = 0x10
)

// Sockets is the network a Manager runs on: a non-blocking socket API whose Poll may block in (virtual) time.
//
// Conventions the Manager relies on:
//   - Errors are syscall.Errno values or io.EOF, compared with errors.Is.
//     EAGAIN, EWOULDBLOCK, EINTR and EINPROGRESS mean "would block", as
//     Mongoose's mg_is_error treats them.
//   - A call that fails with any other error returns no descriptor: the int
//     result is ignored. (DialTCP and OpenUDP failures are not returned to
//     the caller of Connect; they become CONNECT's ev_data at the next poll,
//     D-CONNECT-2.)
//   - Descriptors are ints >= 0; the Manager uses -1 for "no socket".
//   - ConnectError is SO_ERROR: nil when connected. EINPROGRESS is this
//     seam's way of saying "still connecting" (the Manager then waits);
//     EAGAIN and EWOULDBLOCK count as connected, as in Mongoose.
//   - Read returns (0, io.EOF) at end of stream. ReadFrom truncates a
//     datagram that does not fit p, like recvfrom(2).
//   - Poll is poll(2): it fills Revents for every entry and returns the
//     number of entries with non-zero Revents. The Manager never passes a
//     negative timeout (Mongoose never waits forever) and reads readiness
//     the way select(2) does on Linux: readable is PollIn, PollHup or
//     PollErr; writable is PollOut or PollErr.
//   - Poll may fail (EINTR, for example): the Manager then serves the poll
//     as if nothing were ready.
//
// Host names need the optional [Resolver] extension, which a Sockets may
// also implement; without it Connect rejects them.
type Sockets interface {
	Now() int64 // nanoseconds since the network's epoch; mg_time() is Now()/1e9
	ListenTCP(addr netip.AddrPort) (int, error)
	ListenUDP(addr netip.AddrPort) (int, error)
	DialTCP(addr netip.AddrPort) (int, error) // non-blocking connect; result via Poll (PollOut) + ConnectError
	OpenUDP() (int, error)                    // unbound datagram socket (Mongoose's udp "connect")
	Accept(fd int) (int, netip.AddrPort, error)
	ConnectError(fd int) error          // SO_ERROR: nil = connected; syscall.EINPROGRESS = still connecting
	Read(fd int, p []byte) (int, error) // (0, io.EOF) at EOF; syscall.EAGAIN/EINTR = would block
	Write(fd int, p []byte) (int, error)
	ReadFrom(fd int, p []byte) (int, netip.AddrPort, error)
	WriteTo(fd int, p []byte, to netip.AddrPort) (int, error)
	LocalAddr(fd int) netip.AddrPort
	RemoteAddr(fd int) netip.AddrPort
	Close(fd int) error
	Poll(fds []PollFD, timeout time.Duration) (int, error) // poll(2); timeout<0 = forever, 0 = no wait
}

// invalidSocket is INVALID_SOCKET.
const invalidSocket = -1
