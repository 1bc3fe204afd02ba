package bench

import (
	"testing"

	"github.com/mgsim/mgsim/conformance"
	"github.com/mgsim/mgsim/reference/adapter"
)

// BenchmarkSuite runs the whole conformance suite (every scenario on every
// network profile it allows, one seed) on the reference, one run at a time,
// each checked live under the mongoose-6.18 profile: what `mgsim run` does
// per core. It reports runs and handler events per second; `mgsim run`
// spreads the runs over all cores (BENCHMARKS.md, section 6).
func BenchmarkSuite(b *testing.B) {
	var runs int
	var events int64
	for b.Loop() {
		res := conformance.RunSuite(adapter.New(), conformance.SuiteOptions{
			Seeds: conformance.SeedRange(1, 1), Rules: conformance.ProfileM618, Jobs: 1})
		if !res.OK() {
			b.Fatalf("the reference failed %d of %d runs", res.Failed, res.Runs)
		}
		runs += res.Runs
		for _, s := range res.Scenarios {
			events += s.Events
		}
	}
	b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
