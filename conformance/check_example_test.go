package conformance_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/mgsim/mgsim/conformance"
)

// A connection accepted by a listener receives 5 bytes and echoes them;
// the trace's SEND says 5 bytes went out but leaves them in send_mbuf.
func ExampleCheckReader() {
	trace := `# mgsim-trace v1 clock=poll
{"seq":1,"t":0.01,"conn":1,"role":"listener","ev":"POLL","data":0,"recv_len":0,"send_len":0,"recv_after":0,"send_after":0,"poll":1}
{"seq":2,"t":0.01,"conn":2,"role":"inbound","listener":1,"ev":"ACCEPT","data":"10.0.0.2:40001","recv_len":0,"send_len":0,"recv_after":0,"send_after":0,"poll":1}
{"seq":3,"t":0.02,"conn":2,"role":"inbound","ev":"POLL","data":0,"recv_len":0,"send_len":0,"recv_after":0,"send_after":0,"poll":2}
{"seq":4,"t":0.02,"conn":2,"role":"inbound","ev":"RECV","data":5,"recv_len":5,"send_len":0,"recv_after":0,"send_after":5,"poll":2}
{"seq":5,"t":0.02,"conn":1,"role":"listener","ev":"POLL","data":0,"recv_len":0,"send_len":0,"recv_after":0,"send_after":0,"poll":2}
{"seq":6,"t":0.03,"conn":2,"role":"inbound","ev":"POLL","data":0,"recv_len":0,"send_len":5,"recv_after":0,"send_after":5,"poll":3}
{"seq":7,"t":0.03,"conn":2,"role":"inbound","ev":"SEND","data":5,"recv_len":0,"send_len":5,"recv_after":0,"send_after":5,"poll":3}
{"seq":8,"t":0.03,"conn":1,"role":"listener","ev":"POLL","data":0,"recv_len":0,"send_len":0,"recv_after":0,"send_after":0,"poll":3}
`
	report, err := conformance.CheckReader(strings.NewReader(trace), conformance.CheckOptions{Context: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	report.WriteText(os.Stdout)
	// Output:
	// profile core: 8 events, 2 connections, 1 violation
	// BUF-3 conn 2 line 8 (seq 7, poll 3): SEND of 5 with send_len 5: the previous handler left 5, so send_len should be 0
	//       {"seq":6,"t":0.030000000,"conn":2,"role":"inbound","ev":"POLL","data":0,"recv_len":0,"send_len":5,"recv_after":0,"send_after":5,"poll":3}
	//     > {"seq":7,"t":0.030000000,"conn":2,"role":"inbound","ev":"SEND","data":5,"recv_len":0,"send_len":5,"recv_after":0,"send_after":5,"poll":3}
	//       {"seq":8,"t":0.030000000,"conn":1,"role":"listener","ev":"POLL","data":0,"recv_len":0,"send_len":0,"recv_after":0,"send_after":0,"poll":3}
	// rules:
	//   TR-1    core     ok: 8 checks
	//   TR-2    core     ok: 7 checks
	//   TR-3    core     ok: 15 checks
	//   EV-1    core     ok: 8 checks
	//   EV-2    core     ok: 5 checks
	//   EV-3    core     not evaluated: no occasion
	//   EV-4    core     ok: 3 checks
	//   EV-5    core     ok: 1 check
	//   EV-6    core     not evaluated: no occasion
	//   EV-7    core     ok: 7 checks
	//   BUF-1   core     ok: 2 checks
	//   BUF-2   core     ok: 7 checks
	//   BUF-2a  core     not evaluated: missing removed (8 times)
	//   BUF-3   core     FAILED: 1 of 1 check
	//   BUF-4   core     ok: 5 checks; not evaluated 8 times (missing queued)
	//   BUF-5   core     not evaluated: missing recv_limit (1 time)
	//   BUF-6   core     not evaluated: no occasion
	//   BUF-7   core     not evaluated: missing rx_bytes (2 times)
	//   CL-1    core     not evaluated: missing flags_after (2 times)
	//   CL-2    core     not evaluated: no occasion
	//   CL-3    core     not evaluated: missing flags (8 times)
	//   CL-3a   core     not evaluated: no occasion
	//   TM-1    core     not evaluated: no occasion
	//   TM-2    core     not evaluated: no occasion
	//   TM-2a   core     not evaluated: missing timer (6 times)
	//   TM-3    core     not evaluated: missing timer (3 times)
	//   TM-4    core     not evaluated: no occasion
	//   UDP-1   core     not evaluated: no occasion
	//   UDP-2   core     not evaluated: no occasion
	// open connections: 1 2
}
