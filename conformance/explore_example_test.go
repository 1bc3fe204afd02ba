package conformance_test

import (
	"bytes"
	"fmt"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
)

// A line server with a buffer bug: it answers each RECV as if it held one
// whole line. On a loopback socket that is almost always true; on a real
// network a line can arrive in pieces.
func upperCaseLines() conformance.Handler {
	return func(c conformance.Conn, ev conformance.Ev, d conformance.Data) {
		if ev != conformance.EvRecv {
			return
		}
		buf := c.RecvBuf()
		line := bytes.TrimSuffix(buf, []byte("\n")) // BUG: buf may hold part of a line, or several
		c.Send(append(bytes.ToUpper(line), '\n'))
		c.Remove(len(buf))
	}
}

// Search runs workloads against the handler (clients that send whole lines,
// "\n"-terminated, over networks from LAN-like to choppy) until one breaks
// a rule or the property, then reduces it. The property is the protocol:
// every line comes back in upper case, and nothing else does. Under
// segmentation the bug shows, and the reduction leaves one client, one
// line of a few bytes, and the network that cuts it.
//
// In a test, conformance.Explore does the same with rapid's engine, fails
// the test with this report, and keeps the reduced workload for the
// replay command it prints.
func ExampleSearch() {
	target := conformance.Target{
		Impl:   adapter.New(), // your implementation's adapter
		Server: upperCaseLines,
		Property: func(o *conformance.Outcome) error {
			for i, c := range o.Clients {
				sent := c.Sent[:bytes.LastIndexByte(c.Sent, '\n')+1] // whole lines
				if want := bytes.ToUpper(sent); !bytes.HasPrefix(want, c.Received) || c.End.Clean() && len(c.Received) != len(want) {
					return fmt.Errorf("client %d received %q, want %q", i+1, c.Received, want)
				}
			}
			return nil
		},
	}
	finding := conformance.Search(target, conformance.SearchOptions{
		Limits: conformance.WorkloadLimits{Suffix: "\n"}, // clients send whole lines
	})
	fmt.Print(finding)
	// Output:
	// mgsim: a workload fails (property); found after 44 runs
	// first failing workload: 5 clients, 11 steps, 87 bytes, 8 faults
	// reduced in 500 runs to 1 client, 1 step, 3 bytes, 0 faults:
	//   seed 2
	//   net latency=0s jitter=1µs segments=1-1 sndbuf=0 rcvbuf=0
	//   client 1 at 0s
	//     send "\na\n"
	// its failure:
	//   property: client 1 received "\nA\n\n", want "\nA\n"
}
