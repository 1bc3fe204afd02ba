package fuzz_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/commands"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/mgsim/mgsim/sim"
	"github.com/mgsim/mgsim/simnet"
)

var (
	gopterSeed  = flag.Int64("gopter.seed", 1, "seed of the gopter properties (they print it on failure)")
	gopterTests = flag.Int("gopter.tests", 100, "successful runs each gopter property needs")
)

// gopterParams are deterministic: a fixed seed unless -gopter.seed says
// otherwise, so that a failure reproduces.
func gopterParams(t *testing.T) *gopter.TestParameters {
	p := gopter.DefaultTestParametersWithSeed(*gopterSeed)
	p.MinSuccessfulTests = *gopterTests
	if testing.Short() {
		p.MinSuccessfulTests = max(*gopterTests/5, 1)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce with -gopter.seed=%d", *gopterSeed)
		}
	})
	return p
}

// netGen draws a network: latency and jitter up to 20ms, segments from 1
// to 1460 bytes, and the buffers given.
func netGen(buffers gopter.Gen) gopter.Gen {
	return gopter.CombineGens(gen.IntRange(0, 20000), gen.IntRange(0, 20000), gen.IntRange(1, 1460), gen.IntRange(1, 1460), buffers).
		Map(func(v []any) simnet.Config {
			a, b := v[2].(int), v[3].(int)
			return simnet.Config{Latency: time.Duration(v[0].(int)) * time.Microsecond, Jitter: time.Duration(v[1].(int)) * time.Microsecond,
				MinSegment: min(a, b), MaxSegment: max(a, b), SendBuffer: v[4].(int), RecvBuffer: v[4].(int)}
		})
}

// transfer sends the chunks from a writer process to a reader process
// that reads with the given sizes (in turn), both blocking in virtual
// time, and returns what the writer's socket accepted, what the reader
// read, and how many writes were short.
func transfer(seed uint64, cfg simnet.Config, chunks, reads []int) (sent, got []byte, short int, err error) {
	l, err := newLink(sim.Seed(seed), cfg)
	if err != nil {
		return nil, nil, 0, err
	}
	defer l.close()
	l.w.Go("writer", func(p *sim.Proc) {
		for _, n := range chunks {
			for left := n; left > 0; {
				k, err := l.write(0, left)
				if k < left && k > 0 {
					short++
				}
				if err != nil && !errors.Is(err, syscall.EAGAIN) {
					panic(err)
				}
				if left -= k; left > 0 {
					l.hosts[0].Poll([]simnet.PollFD{{FD: l.fd[0], Events: simnet.PollOut}}, -1)
				}
			}
		}
		l.shut(0, false)
	})
	l.w.Go("reader", func(p *sim.Proc) {
		for i := 0; ; i++ {
			_, err := l.read(1, reads[i%len(reads)])
			if err == io.EOF {
				return
			}
			if errors.Is(err, syscall.EAGAIN) {
				l.hosts[1].Poll([]simnet.PollFD{{FD: l.fd[1], Events: simnet.PollIn}}, -1)
			} else if err != nil {
				panic(err)
			}
		}
	})
	if err := l.w.Run(sim.Never); err != nil {
		return nil, nil, 0, err
	}
	return l.sent[0], l.got[1], short, l.err()
}

// Bytes out equal bytes in, in order, under any segmentation and latency:
// what the reader reads is exactly what the writer's socket accepted.
func TestGopterBytesOutEqualBytesIn(t *testing.T) {
	props := gopter.NewProperties(gopterParams(t))
	props.Property("bytes out equal bytes in", prop.ForAll(
		func(seed uint64, cfg simnet.Config, chunks, reads []int) string {
			sent, got, _, err := transfer(seed, cfg, chunks, reads)
			switch {
			case err != nil:
				return err.Error()
			case !bytes.Equal(sent, got):
				return fmt.Sprintf("read %d bytes, sent %d; first difference at %d", len(got), len(sent), firstDifference(got, sent))
			}
			return ""
		},
		gen.UInt64(), netGen(gen.OneConstOf(0, 1024, 4096, 16384)),
		gen.SliceOf(gen.IntRange(1, 6000)), gen.SliceOfN(4, gen.IntRange(1, 3000)),
	))
	props.TestingRun(t)
}

// Short writes never lose or duplicate a byte: with buffers of a few
// bytes nearly every write is short, and the reader still gets exactly the
// bytes the writes accepted, each once.
func TestGopterShortWrites(t *testing.T) {
	props := gopter.NewProperties(gopterParams(t))
	shortSeen := 0
	props.Property("short writes lose and repeat nothing", prop.ForAll(
		func(seed uint64, cfg simnet.Config, chunks []int) string {
			sent, got, short, err := transfer(seed, cfg, chunks, []int{7, 1, 300})
			shortSeen += short
			switch {
			case err != nil:
				return err.Error()
			case !bytes.Equal(sent, got):
				return fmt.Sprintf("read %d bytes, sent %d; first difference at %d", len(got), len(sent), firstDifference(got, sent))
			}
			return ""
		},
		gen.UInt64(), netGen(gen.IntRange(1, 64)), gen.SliceOfN(5, gen.IntRange(100, 3000)),
	))
	props.TestingRun(t)
	if shortSeen == 0 {
		t.Fatal("no write was short: the property did not test what it claims")
	}
}

// linkState is the commands model: which ends are open.
type linkState struct{ clientOpen, serverOpen bool }

// linkCmd is one call on the link; its postcondition is the link's own
// checks (prefix, EOF, EBADF after close) plus the command's.
type linkCmd struct {
	name string
	pre  func(linkState) bool
	run  func(*link)
	next func(linkState) linkState
}

func (c *linkCmd) Run(sut commands.SystemUnderTest) commands.Result {
	l := sut.(*link)
	c.run(l)
	return l.err()
}
func (c *linkCmd) NextState(s commands.State) commands.State {
	if c.next == nil {
		return s
	}
	return c.next(s.(linkState))
}
func (c *linkCmd) PreCondition(s commands.State) bool { return c.pre == nil || c.pre(s.(linkState)) }
func (c *linkCmd) PostCondition(s commands.State, r commands.Result) *gopter.PropResult {
	if r != nil {
		return &gopter.PropResult{Status: gopter.PropFalse, Labels: []string{r.(error).Error()}}
	}
	return &gopter.PropResult{Status: gopter.PropTrue}
}
func (c *linkCmd) String() string { return c.name }

func clientOpen(s linkState) bool { return s.clientOpen }
func serverOpen(s linkState) bool { return s.serverOpen }

// linkCommands generates the calls that make sense in a state.
func linkCommands(s commands.State) gopter.Gen {
	st := s.(linkState)
	gens := []gopter.Gen{
		gen.IntRange(1, 200).Map(func(ms int) commands.Command {
			return &linkCmd{name: fmt.Sprintf("advance %dms", ms), run: func(l *link) { l.advance(ms) }}
		}),
		gen.IntRange(1, 5000).Map(func(n int) commands.Command {
			return &linkCmd{name: fmt.Sprintf("server reads %d", n), run: func(l *link) { l.read(1, n) }}
		}),
	}
	if st.clientOpen {
		gens = append(gens,
			gen.IntRange(1, 5000).Map(func(n int) commands.Command {
				return &linkCmd{name: fmt.Sprintf("client writes %d", n), pre: clientOpen, run: func(l *link) { l.write(0, n) }}
			}),
			gen.Const(&linkCmd{name: "client closes", pre: clientOpen, run: func(l *link) { l.shut(0, false) },
				next: func(s linkState) linkState { s.clientOpen = false; return s }}),
			gen.Const(&linkCmd{name: "client resets", pre: clientOpen, run: func(l *link) { l.shut(0, true) },
				next: func(s linkState) linkState { s.clientOpen = false; return s }}))
	}
	if st.serverOpen {
		gens = append(gens,
			gen.Const(&linkCmd{name: "server drains", pre: serverOpen, run: func(l *link) { l.drain(1) }}),
			gen.Const(&linkCmd{name: "server closes", pre: serverOpen, run: func(l *link) { l.shut(1, false) },
				next: func(s linkState) linkState { s.serverOpen = false; return s }}))
	} else {
		gens = append(gens, gen.Const(&linkCmd{name: "a fresh connection", run: func(l *link) { l.fresh() }}))
	}
	return gen.OneGenOf(gens...)
}

// A stateful model of one connection (gopter's commands): writes, reads,
// time passing, closes and resets in any order. Nothing is delivered to a
// closed connection — its descriptor reads EBADF, and a new connection
// accepted after it (maybe under the same number) reads only its own
// bytes — and what the server reads is always a prefix of what the
// client's writes accepted.
func TestGopterConnectionModel(t *testing.T) {
	cmds := &commands.ProtoCommands{
		NewSystemUnderTestFunc: func(commands.State) commands.SystemUnderTest {
			l, err := newLink(3, simnet.Config{Latency: 2 * time.Millisecond, Jitter: time.Millisecond, MinSegment: 1, MaxSegment: 700, SendBuffer: 4096, RecvBuffer: 4096})
			if err != nil {
				panic(err)
			}
			return l
		},
		DestroySystemUnderTestFunc: func(sut commands.SystemUnderTest) { sut.(*link).close() },
		InitialStateGen:            gen.Const(linkState{clientOpen: true, serverOpen: true}),
		GenCommandFunc:             linkCommands,
	}
	props := gopter.NewProperties(gopterParams(t))
	props.Property("a connection's bytes arrive in order and never after its close", commands.Prop(cmds))
	props.TestingRun(t)
}
