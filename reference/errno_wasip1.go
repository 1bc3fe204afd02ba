//go:build wasip1

package reference

import "syscall"

// eWouldBlock: WASI has no separate EWOULDBLOCK.
const eWouldBlock = syscall.EAGAIN
