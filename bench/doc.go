// Package bench holds mgsim's benchmarks that cross packages: the same echo
// workload run on the reference over the simulated network (and, for
// comparison, over real loopback TCP and over net.Pipe inside
// testing/synctest: BenchmarkEcho), its steady state (BenchmarkEchoSteady),
// time acceleration and scale (BenchmarkIdleHour, BenchmarkScale100k), and
// the checker on a real run's trace, replayed and live (BenchmarkCheckRun,
// BenchmarkCheckInRun), and the whole conformance suite on one core
// (BenchmarkSuite). It has no code of its own outside tests; run
//
//	go test ./bench -run '^$' -bench Echo -benchmem
//
// or scripts/bench.sh for the side-by-side table. Results and how to
// reproduce them are in BENCHMARKS.md. bench may import every package of
// the module; nothing imports it.
package bench
