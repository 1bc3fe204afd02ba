package reference_test

import (
	"strings"
	"testing"

	"github.com/mgsim/mgsim/reference"
)

// echo queues what it received and removes it.
func echo(c *reference.Conn, ev reference.Event, _ reference.EventData) {
	if ev == reference.EvRecv {
		c.Send(c.RecvMbuf.Bytes())
		c.RecvMbuf.Remove(c.RecvMbuf.Len())
	}
}

// echoSetup is a manager with an accepted echo connection and its raw peer.
func echoSetup(tb testing.TB, conns int) (*fakeNet, *reference.Manager, []*fsock) {
	net := newFakeNet()
	m := reference.NewManager(net, reference.Options{})
	if _, err := m.Bind("127.0.0.1:8000", echo); err != nil {
		tb.Fatal(err)
	}
	peers := make([]*fsock, conns)
	for i := range peers {
		peers[i] = net.rawDial(srvAddr)
		m.Poll(0)
	}
	return net, m, peers
}

// echoRound sends msg from every peer, runs the two polls that receive and
// echo it, and drops what the peers got back.
func echoRound(net *fakeNet, m *reference.Manager, peers []*fsock, msg string) {
	for _, p := range peers {
		net.rawSend(p, msg)
	}
	m.Poll(0)
	m.Poll(0)
	for _, p := range peers {
		p.in = p.in[:0]
	}
}

// The steady state of an echo exchange does not allocate: the poll set,
// the buffers and the event path are reused.
func TestSteadyStateDoesNotAllocate(t *testing.T) {
	net, m, peers := echoSetup(t, 3)
	msg := strings.Repeat("m", 2000)
	for range 10 {
		echoRound(net, m, peers, msg)
	}
	if a := testing.AllocsPerRun(100, func() { echoRound(net, m, peers, msg) }); a != 0 {
		t.Fatalf("%v allocations per echo round, want 0", a)
	}
}

// BenchmarkEchoRound measures handler events per second on the echo path
// (each round: per connection 2 POLL, 2 RECV, 2 SEND; the listener 2 POLL).
func BenchmarkEchoRound(b *testing.B) {
	net, m, peers := echoSetup(b, 100)
	msg := strings.Repeat("m", 2000)
	b.ReportAllocs()
	for b.Loop() {
		echoRound(net, m, peers, msg)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(6*len(peers)+2)), "ns/event")
}
