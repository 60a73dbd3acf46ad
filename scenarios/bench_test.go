package scenarios_test

import (
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// benchCases are catalog programs of different sizes: a tiny demo, the
// d_alloc_parallel races, a tmpfs program through the VFS and an overlay
// one.
var benchCases = []struct{ scenario, variant string }{
	{"demo/refcount-rcu", "mainline/today"},
	{"dcache/parallel-lookup", "mainline/today"},
	{"dcache/parallel-lookup", "v3/today"},
	{"dcache/owner-and-waiter", "v3/today"},
	{"dcache/unhash-same-bucket", "mainline+mut=no-unhash-lock/today"},
	{"vfs/rename-whiteout", "mainline/today"},
	{"ovl/readdir-vs-lookup", "mainline/pdirops"},
	{"dcache/addci-relock", "v3/today"},
}

// BenchmarkRun times whole random-walk runs of catalog programs (world
// and dcache set-up, coroutines, checkers, switching), reporting
// allocations and ns per step.
func BenchmarkRun(b *testing.B) {
	for _, c := range benchCases {
		p, cfg := catalogProgram(b, c.scenario, c.variant)
		b.Run(c.scenario+"@"+c.variant, func(b *testing.B) {
			b.ReportAllocs()
			var steps int64
			for i := range b.N {
				out := sim.Execute(p, cfg, sim.NewRandom(explore.RunSeed(1, i)))
				steps += out.Steps
				out.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(steps, 1)), "ns/step")
			b.ReportMetric(float64(steps)/float64(b.N), "steps/run")
		})
	}
}

// catalogProgram is the catalog's program of scenario@variant and its
// configuration.
func catalogProgram(tb testing.TB, scenario, vtext string) (sim.Program, sim.Config) {
	tb.Helper()
	sc, err := scenarios.Lookup(scenario)
	if err != nil {
		tb.Fatal(err)
	}
	return sc.Program(variant.MustParse(vtext)), sc.Config
}
