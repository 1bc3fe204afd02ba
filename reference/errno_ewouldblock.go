//go:build !wasip1

package reference

import "syscall"

// eWouldBlock is EWOULDBLOCK (the same value as EAGAIN on most systems).
const eWouldBlock = syscall.EWOULDBLOCK
