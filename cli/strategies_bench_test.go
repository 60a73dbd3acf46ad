package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
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

// benchSeeds is how many seeds (0 up) a sampling strategy is measured on.
const benchSeeds = 20

// seedStats is a strategy's executions to the first violation of a cell
// over benchSeeds seeds (one for the DFS, which has no seed).
type seedStats struct {
	median   int // benchCap+1 when more than half the seeds found nothing
	found    int // seeds that found a violation within benchCap runs
	expected int // seeds whose first violation is the one the cell expects
}

func (s seedStats) String() string {
	if s.median > benchCap {
		return fmt.Sprintf(">%d (%d/%d)", benchCap, s.found, benchSeeds)
	}
	return fmt.Sprintf("%d (%d/%d)", s.median, s.found, benchSeeds)
}

// firstViolations explores cell c of sc with the named strategy on one
// worker per seed, the seeds spread over GOMAXPROCS goroutines (each
// seed's runs depend on nothing but the seed, so the figures are exact).
func firstViolations(sc *scenarios.Scenario, c scenarios.Cell, strategy string, depth int) seedStats {
	seeds := benchSeeds
	if !explore.Sampling(strategy) {
		seeds = 1
	}
	cs := c.Settings()
	runs := make([]int, seeds)
	found, met := make([]bool, seeds), make([]bool, seeds)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for seed := range seeds {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			o := explore.Options{Seed: uint64(seed), Budget: benchCap, Depth: depth, MaxPreemptions: cs.Bound,
				Config: sc.Config, Ignore: cs.Ignore, Workers: 1}
			if !explore.Sampling(strategy) {
				o.Budget = 3 * benchCap // past the DFS's 10,082 runs on the two-preemption case
			}
			r := strategies[strategy](sc.Program(c.Variant), o)
			runs[seed] = r.Runs
			if r.First == nil || (explore.Sampling(strategy) && r.Runs > benchCap) {
				runs[seed] = benchCap + 1
			} else {
				found[seed], met[seed] = true, c.Expect.Met(r.First)
			}
		})
	}
	wg.Wait()
	var s seedStats
	for i := range runs {
		if found[i] {
			s.found++
		}
		if met[i] {
			s.expected++
		}
	}
	slices.Sort(runs)
	s.median = runs[len(runs)/2]
	return s
}

// raceColumns are the strategies of the race-case table, in column order.
var raceColumns = []string{"random", "pos", "pct"}

// BenchmarkFirstViolationRaces measures executions to the first violation
// of the random walk, POS and PCT (its default depth) on every race case
// of the catalog (the rows of `dcsim bench --races`, with the DFS's
// preemptions), over benchSeeds seeds capped at benchCap runs, and prints
// the table of docs/performance.md, "PCT on the deep bugs", with the
// geometric mean of the medians over the cases needing one and two or
// more preemptions (">5000" counted as 5001):
//
//	go test ./cli -run '^$' -bench FirstViolationRaces -benchtime 1x -timeout 60m
func BenchmarkFirstViolationRaces(b *testing.B) {
	cells, scs, _, pre, _ := raceCells()
	var rows []raceFVRow
	logs := make([][2][]float64, len(raceColumns)) // per column: logs of the medians, pre 1 and pre >= 2
	var stats []seedStats
	for i, c := range cells {
		name := scs[i].Name + "@" + c.Name()
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				stats = stats[:0]
				for _, s := range raceColumns {
					st := firstViolations(scs[i], c, s, 0)
					b.ReportMetric(float64(st.median), s+"-median-runs")
					stats = append(stats, st)
				}
			}
		})
		line := fmt.Sprintf("| `%s` | %d |", name, pre[i])
		for j, st := range stats {
			line += " " + st.String() + " |"
			deep := min(pre[i], 2) - 1
			logs[j][deep] = append(logs[j][deep], math.Log(float64(st.median)))
		}
		rows = append(rows, raceFVRow{line, pre[i]})
	}
	// Deep cases first, each group in catalog order.
	slices.SortStableFunc(rows, func(x, y raceFVRow) int { return min(y.pre, 2) - min(x.pre, 2) })
	printRaceFirstViolations(os.Stdout, rows, logs)
}

// printRaceFirstViolations prints BenchmarkFirstViolationRaces's table and
// the geometric means of its medians.
func printRaceFirstViolations(out io.Writer, rows []raceFVRow, logs [][2][]float64) {
	fmt.Fprintf(out, "\n| case | pre | %s |\n|---|---:|%s\n", strings.Join(raceColumns, " | "), strings.Repeat("---:|", len(raceColumns)))
	for _, r := range rows {
		fmt.Fprintln(out, r.line)
	}
	for deep, what := range []string{"one preemption", "two or more"} {
		fmt.Fprintf(out, "| geometric mean, %s (%d cases) | |", what, len(logs[0][deep]))
		for j := range raceColumns {
			sum := 0.0
			for _, l := range logs[j][deep] {
				sum += l
			}
			fmt.Fprintf(out, " %.1f |", math.Exp(sum/float64(max(len(logs[j][deep]), 1))))
		}
		fmt.Fprintln(out)
	}
}

// raceFVRow is a row of BenchmarkFirstViolationRaces's table.
type raceFVRow struct {
	line string
	pre  int // the DFS's preemptions
}

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
		for _, st := range strategiesUnderTest {
			b.Run(fmt.Sprintf("%s@%s/%s", bc.scenario, bc.variant, st.name), func(b *testing.B) {
				for b.Loop() {
					s := firstViolations(sc, cell, st.strategy, st.depth)
					b.ReportMetric(float64(s.median), "median-runs")
					b.ReportMetric(float64(s.expected), "expected")
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
