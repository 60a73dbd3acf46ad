package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
)

// benchCases are catalog cells a strategy must find: the first needs two
// preemptions (DFS: 10,082 runs), the others one.
var benchCases = []struct{ scenario, variant string }{
	{"dcache/unhash-same-bucket", "mainline+mut=no-unhash-lock/today"},
	{"dcache/owner-and-waiter", "mainline+mut=no-dir-seq-recheck/today"},
	{"ovl/readdir-vs-stat", "mainline/pdirops"},
	{"dcache/addci-relock", "v3/today"},
}

// benchCap is the most runs a seed gets; a seed that finds nothing within
// it counts as "more than benchCap".
const benchCap = 5000

// BenchmarkFirstViolation measures executions to the first violation of
// each strategy on benchCases, over 20 seeds: the median (benchCap+1 when
// more than half found none within benchCap runs), and how many seeds'
// first violation was the one the cell expects (a sampling strategy may
// meet another bug of the variant first) (docs/performance.md):
//
//	go test ./cli -run '^$' -bench FirstViolation -benchtime 1x
func BenchmarkFirstViolation(b *testing.B) {
	strategiesUnderTest := []struct {
		name, strategy string
		depth          int
	}{{"random", "random", 0}, {"pct-d2", "pct", 2}, {"pct-d3", "pct", 3}, {"pos", "pos", 0}, {"dfs", "dfs", 0}}
	for _, bc := range benchCases {
		sc, err := scenarios.Lookup(bc.scenario)
		if err != nil {
			b.Fatal(err)
		}
		i := slices.IndexFunc(sc.Cells, func(c scenarios.Cell) bool { return c.Variant.String() == bc.variant })
		if i < 0 {
			b.Fatalf("%s has no cell %s", bc.scenario, bc.variant)
		}
		cell := sc.Cells[i]
		bound := cell.Settings().Bound
		for _, st := range strategiesUnderTest {
			b.Run(fmt.Sprintf("%s@%s/%s", bc.scenario, bc.variant, st.name), func(b *testing.B) {
				seeds := 20
				if st.strategy == "dfs" {
					seeds = 1 // the DFS does not depend on the seed
				}
				for b.Loop() {
					var runs []int
					expected := 0
					for seed := range seeds {
						r := strategies[st.strategy](sc.Program(cell.Variant), explore.Options{Seed: uint64(seed), Budget: benchCap * 3,
							Depth: st.depth, MaxPreemptions: bound, Config: sc.Config, Ignore: cell.Settings().Ignore, Workers: 1})
						n := r.Runs
						if r.First == nil || (st.strategy != "dfs" && n > benchCap) {
							n = benchCap + 1
						} else if cell.Expect.Met(r.First) {
							expected++
						}
						runs = append(runs, n)
					}
					slices.Sort(runs)
					b.ReportMetric(float64(runs[len(runs)/2]), "median-runs")
					b.ReportMetric(float64(expected), "expected")
				}
			})
		}
	}
}

// BenchmarkCheckWorkers is the wall time of the whole check on 1 and on 2
// workers (the table is the same: TestCheckWorkersSameTable):
//
//	go test ./cli -run '^$' -bench CheckWorkers -benchtime 1x
func BenchmarkCheckWorkers(b *testing.B) {
	cells, err := selectCells("*", "*")
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			for b.Loop() {
				cf := checkFlags{scenario: "*", variant: "*", budgetScale: 1, noTimes: true, workers: w}
				if rep := runCheck(context.Background(), cells, &cf, io.Discard); rep.Summary.ExitCode != 0 {
					b.Fatalf("check: %+v", rep.Summary)
				}
			}
		})
	}
}
