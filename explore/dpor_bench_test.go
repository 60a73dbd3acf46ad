package explore_test

import (
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// benchParallelLookup explores the three-task d_alloc_parallel race
// (dcache/parallel-lookup) at a preemption bound, reporting runs per
// exploration: the figures of docs/performance.md's DPOR section.
func benchParallelLookup(b *testing.B, explorer func(p sim.Program, o explore.Options) *explore.Result, v variant.Variant, bound int) {
	sc, err := scenarios.Lookup("dcache/parallel-lookup")
	if err != nil {
		b.Fatal(err)
	}
	p := sc.Program(v)
	runs := 0
	for b.Loop() {
		r := explorer(p, explore.Options{MaxPreemptions: bound, Budget: 10_000_000, Config: sc.Config, KeepGoing: true})
		runs = r.Runs
	}
	b.ReportMetric(float64(runs), "runs")
}

func BenchmarkParallelLookupDFSBound2(b *testing.B) {
	benchParallelLookup(b, explore.DFS, variant.BaseToday, 2)
}

func BenchmarkParallelLookupDPORBound2(b *testing.B) {
	benchParallelLookup(b, explore.DPOR, variant.BaseToday, 2)
}

func BenchmarkParallelLookupDPORBound3(b *testing.B) {
	benchParallelLookup(b, explore.DPOR, variant.BaseToday, 3)
}

func BenchmarkParallelLookupV3DPORBound3(b *testing.B) {
	benchParallelLookup(b, explore.DPOR, variant.V3Today, 3)
}

// BenchmarkParallelLookupBPORBound2 is DPOR with Options.ConservativeBound
// (strategy dpor-conservative).
func BenchmarkParallelLookupBPORBound2(b *testing.B) {
	benchParallelLookup(b, func(p sim.Program, o explore.Options) *explore.Result {
		o.ConservativeBound = true
		return explore.DPOR(p, o)
	}, variant.BaseToday, 2)
}
