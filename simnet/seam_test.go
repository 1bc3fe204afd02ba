package simnet_test

import (
	"net/netip"
	"time"

	"github.com/mgsim/mgsim/simnet"
)

// sockets is a copy of the socket seam the reference poll core declares
// (reference.Sockets). *Host must satisfy it with identical types; a glue
// package asserts the real thing, this catches drift early.
type sockets interface {
	Now() int64
	ListenTCP(addr netip.AddrPort) (int, error)
	ListenUDP(addr netip.AddrPort) (int, error)
	DialTCP(addr netip.AddrPort) (int, error)
	OpenUDP() (int, error)
	Accept(fd int) (int, netip.AddrPort, error)
	ConnectError(fd int) error
	Read(fd int, p []byte) (int, error)
	Write(fd int, p []byte) (int, error)
	ReadFrom(fd int, p []byte) (int, netip.AddrPort, error)
	WriteTo(fd int, p []byte, to netip.AddrPort) (int, error)
	LocalAddr(fd int) netip.AddrPort
	RemoteAddr(fd int) netip.AddrPort
	Close(fd int) error
	Poll(fds []pollFD, timeout time.Duration) (int, error)
}

// pollFD is declared as the seam declares it: an alias of the same
// unnamed struct, hence the very type of simnet.PollFD.
type pollFD = struct {
	FD      int
	Events  int16
	Revents int16
}

var _ sockets = (*simnet.Host)(nil)

// The readiness bits have the seam's (Linux) values.
var _ = [1]struct{}{}[simnet.PollIn^0x1|simnet.PollOut^0x4|simnet.PollErr^0x8|simnet.PollHup^0x10]
