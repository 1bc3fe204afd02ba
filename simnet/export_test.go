package simnet

// Test-only views of internals, for the external tests.

// ConnCount returns how many TCP endpoints the host still keeps (open or
// finishing a close).
func ConnCount(h *Host) int { return len(h.conns) }

// WaiterCount returns how many Poll registrations fd has (-1: bad fd).
func WaiterCount(h *Host, fd int) int {
	s := h.sock(fd)
	if s == nil {
		return -1
	}
	return len(s.waitList().ws)
}

// FreePackets returns the size of the network's packet free list.
func FreePackets(n *Network) int { return len(n.free) }

// Parks returns how many times a Poll on h parked its process.
func Parks(h *Host) uint64 { return h.parks }
