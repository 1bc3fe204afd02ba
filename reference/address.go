package reference

import (
	"fmt"
	"net/netip"
	"strings"
)

// address is a parsed "[udp://|tcp://]HOST:PORT" (mg_parse_address).
type address struct {
	addr netip.AddrPort // the IPv4 address and port (0.0.0.0 when only a port is given)
	udp  bool
	host string // a host name that needs DNS; addr then holds only the port
}

// maxHostLen is MG_MAX_HOST_LEN: longer strings are not taken as host names.
const maxHostLen = 200

// parseAddress is mg_parse_address for the default build (IPv4 only, the
// resolver's host names recognised but not resolved): "tcp://" or "udp://"
// (optional, TCP by default), then "a.b.c.d:port", "name:port", ":port" or
// "port". The port must be below 65535 (the C check is < 0xffff) and be
// followed by the end of the string, a comma or white space. Unlike
// sscanf, it takes digits only (no signs or leading blanks).
func parseAddress(s string) (address, error) {
	var a address
	rest := s
	if r, ok := strings.CutPrefix(rest, "udp://"); ok {
		rest, a.udp = r, true
	} else if r, ok := strings.CutPrefix(rest, "tcp://"); ok {
		rest = r
	}
	ip, port, n, ok := scanIPv4Port(rest)
	if !ok {
		a.host, port, n, ok = scanHostPort(rest)
	}
	if !ok {
		ip = netip.IPv4Unspecified()
		port, n, ok = scanPortOnly(rest)
	}
	if !ok || port >= 0xffff || !endsAddress(rest[n:]) {
		return address{}, fmt.Errorf("reference: cannot parse address %q", s)
	}
	a.addr = netip.AddrPortFrom(ip, uint16(port))
	return a, nil
}

// scanIPv4Port matches "%u.%u.%u.%u:%u" with octets of at most 255.
func scanIPv4Port(s string) (ip netip.Addr, port uint64, n int, ok bool) {
	var b [4]byte
	for i := range b {
		v, k := scanUint(s[n:])
		if k == 0 || v > 255 {
			return ip, 0, 0, false
		}
		b[i], n = byte(v), n+k
		sep := byte('.')
		if i == 3 {
			sep = ':'
		}
		if n >= len(s) || s[n] != sep {
			return ip, 0, 0, false
		}
		n++
	}
	port, k := scanUint(s[n:])
	return netip.AddrFrom4(b), port, n + k, k > 0
}

// scanHostPort matches "%[^ :]:%u" (a host name needing DNS).
func scanHostPort(s string) (host string, port uint64, n int, ok bool) {
	if len(s) >= maxHostLen {
		return "", 0, 0, false
	}
	h := strings.IndexAny(s, " :")
	if h <= 0 || s[h] != ':' {
		return "", 0, 0, false
	}
	port, k := scanUint(s[h+1:])
	return s[:h], port, h + 1 + k, k > 0
}

// scanPortOnly matches ":%u" or "%u".
func scanPortOnly(s string) (port uint64, n int, ok bool) {
	if strings.HasPrefix(s, ":") {
		port, n = scanUint(s[1:])
		return port, n + 1, n > 0
	}
	port, n = scanUint(s)
	return port, n, n > 0
}

// scanUint reads leading decimal digits: their value (saturated well above
// any port) and how many there were.
func scanUint(s string) (v uint64, n int) {
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		v = min(v*10+uint64(s[n]-'0'), 1<<32)
		n++
	}
	return v, n
}

// endsAddress reports whether what follows the port is allowed: nothing, a
// comma or white space (isspace).
func endsAddress(s string) bool {
	return s == "" || strings.IndexByte(",\t\n\v\f\r ", s[0]) >= 0
}
