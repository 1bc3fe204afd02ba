package reference

import (
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
)

// CONNECT's ev_data is the Linux errno whatever the host (brief; C2).
func TestLinuxErrno(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{syscall.ECONNREFUSED, 111},
		{syscall.ETIMEDOUT, 110},
		{syscall.ECONNRESET, 104},
		{syscall.EHOSTUNREACH, 113},
		{syscall.ENETUNREACH, 101},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), 111},
		{errors.New("not an errno"), 1},
		{io.EOF, 1},
	}
	for _, tc := range cases {
		if got := linuxErrno(tc.err); got != tc.want {
			t.Errorf("linuxErrno(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// mg_is_error: EAGAIN, EWOULDBLOCK, EINTR and EINPROGRESS are not errors.
func TestWouldBlock(t *testing.T) {
	for _, err := range []error{syscall.EAGAIN, eWouldBlock, syscall.EINTR, syscall.EINPROGRESS, fmt.Errorf("x: %w", syscall.EAGAIN)} {
		if !wouldBlock(err) {
			t.Errorf("wouldBlock(%v) = false", err)
		}
	}
	for _, err := range []error{nil, io.EOF, syscall.ECONNRESET, errors.New("other")} {
		if wouldBlock(err) {
			t.Errorf("wouldBlock(%v) = true", err)
		}
	}
}

// D-CONNECT-2: SO_ERROR of EAGAIN/EWOULDBLOCK counts as connected.
func TestConnectResult(t *testing.T) {
	if connectResult(nil) != 0 || connectResult(syscall.EAGAIN) != 0 || connectResult(syscall.ECONNREFUSED) != 111 {
		t.Fatal("connectResult")
	}
	if !inProgress(syscall.EINPROGRESS) || inProgress(nil) || inProgress(syscall.EAGAIN) {
		t.Fatal("inProgress")
	}
}

func TestParseAddressHost(t *testing.T) {
	a, err := parseAddress("udp://db.example:5353")
	if err != nil || a.host != "db.example" || a.addr.Port() != 5353 || !a.udp {
		t.Fatalf("parseAddress = %+v, %v", a, err)
	}
}
