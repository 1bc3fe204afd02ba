package bench

import (
	"flag"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

// The comparison points: the same echo workload as a goroutine-per-
// connection program over real loopback TCP, and over net.Pipe inside a
// testing/synctest bubble. "events" there are Read and Write calls, the
// nearest thing such a program has to handler events.

// echoServe echoes one connection until EOF, counting calls.
func echoServe(c net.Conn, calls *atomic.Int64) {
	defer c.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		calls.Add(1)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
			calls.Add(1)
		}
		if err != nil {
			return
		}
	}
}

// echoClient sends wl.size bytes in wl.chunk writes while a second
// goroutine reads them back; it returns when everything came back.
func echoClient(b testing.TB, c net.Conn, wl workload, calls *atomic.Int64) {
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 32<<10)
		got := 0
		for got < wl.size {
			n, err := c.Read(buf)
			calls.Add(1)
			got += n
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	msg := make([]byte, wl.chunk)
	for sent := 0; sent < wl.size; sent += wl.chunk {
		if _, err := c.Write(msg[:min(wl.chunk, wl.size-sent)]); err != nil {
			b.Error(err)
			break
		}
		calls.Add(1)
	}
	if err := <-done; err != nil {
		b.Error(err)
	}
	c.Close()
}

// loopbackEcho runs the workload over real TCP on 127.0.0.1.
func loopbackEcho(b *testing.B, wl workload) int64 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Skipf("no loopback TCP here: %v", err)
	}
	defer ln.Close()
	var calls atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go echoServe(c, &calls)
		}
	}()
	var wg sync.WaitGroup
	for i := 0; i < wl.clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Error(err)
				return
			}
			echoClient(b, c, wl, &calls)
		}()
	}
	wg.Wait()
	return calls.Load()
}

// pipeEcho runs the workload over net.Pipe: every client has its own
// in-memory connection to its own echo goroutine.
func pipeEcho(b testing.TB, wl workload) int64 {
	var calls atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < wl.clients; i++ {
		client, server := net.Pipe()
		go echoServe(server, &calls)
		wg.Add(1)
		go func() {
			defer wg.Done()
			echoClient(b, client, wl, &calls)
		}()
	}
	wg.Wait()
	return calls.Load()
}

// synctestEcho runs pipeEcho inside a synctest bubble. synctest.Test needs
// a *testing.T, so the bubble runs in a test started from the benchmark.
// testing.RunTests obeys -test.count, which would run the test count times
// per iteration; the flag is 1 while it runs. It also runs the test once
// per value of -test.cpu, from a list read at start-up that no flag change
// reaches, so with several values the synctest way is skipped.
func synctestEcho(b *testing.B, wl workload) int64 {
	if cpu := flag.Lookup("test.cpu"); cpu != nil && strings.Contains(cpu.Value.String(), ",") {
		b.Skipf("the synctest echo needs a single -cpu value (testing.RunTests would run it once per value, each iteration), not %s", cpu.Value)
	}
	defer setFlag(b, "test.count", "1")()
	var calls int64
	ok := testing.RunTests(func(string, string) (bool, error) { return true, nil }, []testing.InternalTest{{
		Name: "synctest-echo",
		F: func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { calls = pipeEcho(t, wl) })
		},
	}})
	if !ok {
		b.Fatal("the synctest echo failed")
	}
	return calls
}

// setFlag sets a registered flag and returns the function that restores
// its value.
func setFlag(b *testing.B, name, value string) func() {
	f := flag.Lookup(name)
	if f == nil {
		return func() {}
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		b.Fatal(err)
	}
	return func() { f.Value.Set(old) }
}
