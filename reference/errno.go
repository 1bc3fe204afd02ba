package reference

import (
	"errors"
	"io"
	"runtime"
	"syscall"
)

// linuxErrnos maps the host's errno values to Linux numbers, so that CONNECT
// carries the same ev_data on every platform. It is a list, not a map,
// because some names share a value on some systems (EAGAIN and EWOULDBLOCK).
var linuxErrnos = [...]struct {
	host  syscall.Errno
	linux int
}{
	{syscall.EPERM, 1}, {syscall.ENOENT, 2}, {syscall.EINTR, 4}, {syscall.EIO, 5},
	{syscall.EBADF, 9}, {syscall.EAGAIN, 11}, {eWouldBlock, 11},
	{syscall.ENOMEM, 12}, {syscall.EACCES, 13}, {syscall.EINVAL, 22},
	{syscall.ENFILE, 23}, {syscall.EMFILE, 24}, {syscall.EPIPE, 32},
	{syscall.ENOTSOCK, 88}, {syscall.EDESTADDRREQ, 89}, {syscall.EMSGSIZE, 90},
	{syscall.EPROTOTYPE, 91}, {syscall.ENOPROTOOPT, 92}, {syscall.EPROTONOSUPPORT, 93},
	{syscall.EOPNOTSUPP, 95}, {syscall.EAFNOSUPPORT, 97}, {syscall.EADDRINUSE, 98},
	{syscall.EADDRNOTAVAIL, 99}, {syscall.ENETDOWN, 100}, {syscall.ENETUNREACH, 101},
	{syscall.ENETRESET, 102}, {syscall.ECONNABORTED, 103}, {syscall.ECONNRESET, 104},
	{syscall.ENOBUFS, 105}, {syscall.EISCONN, 106}, {syscall.ENOTCONN, 107},
	{syscall.ETIMEDOUT, 110}, {syscall.ECONNREFUSED, 111},
	{syscall.EHOSTUNREACH, 113}, {syscall.EALREADY, 114}, {syscall.EINPROGRESS, 115},
}

// linuxErrno is the Linux errno number for err: the value CONNECT's ev_data
// carries. Errors that are not errno values (or that have no Linux
// counterpart we know of) give 1, as Mongoose does when it cannot tell.
func linuxErrno(err error) int {
	e, ok := errnoOf(err)
	if !ok {
		return 1
	}
	for _, p := range linuxErrnos {
		if p.host == e {
			return p.linux
		}
	}
	if runtime.GOOS == "linux" && e != 0 {
		return int(e)
	}
	return 1
}

// errnoOf is errors.As for syscall.Errno, with a fast path that does not
// allocate for the common unwrapped case.
func errnoOf(err error) (syscall.Errno, bool) {
	if e, ok := err.(syscall.Errno); ok {
		return e, true
	}
	if err == nil || err == io.EOF {
		return 0, false
	}
	var e syscall.Errno
	ok := errors.As(err, &e)
	return e, ok
}

// wouldBlock reports whether err means "try again later" rather than
// failure (mg_is_error returns false): EAGAIN, EWOULDBLOCK, EINTR or
// EINPROGRESS.
func wouldBlock(err error) bool {
	e, ok := errnoOf(err)
	return ok && (e == syscall.EAGAIN || e == eWouldBlock || e == syscall.EINTR || e == syscall.EINPROGRESS)
}

// inProgress reports whether a ConnectError result means "still
// connecting" (this seam's convention, see Sockets).
func inProgress(err error) bool {
	e, ok := errnoOf(err)
	return ok && e == syscall.EINPROGRESS
}

// connectResult turns SO_ERROR into CONNECT's ev_data: 0 on success (EAGAIN
// and EWOULDBLOCK count as success, D-CONNECT-2), else the Linux errno.
func connectResult(err error) int {
	if e, ok := errnoOf(err); err == nil || (ok && (e == syscall.EAGAIN || e == eWouldBlock)) {
		return 0
	}
	return linuxErrno(err)
}

// isEOF reports whether a read result is end of stream: (0, io.EOF), or
// (0, nil) as recv(2) returns it.
func isEOF(n int, err error) bool {
	return n == 0 && (err == nil || errors.Is(err, io.EOF))
}
