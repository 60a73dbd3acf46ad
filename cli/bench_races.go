package cli

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/internal/native"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
)

// raceLimits caps `dcsim bench --races`.
type raceLimits struct {
	// cap is the run budget of each sampling strategy (random, PCT,
	// POS); the DFS and DPOR take the cell's own bounds and budget.
	cap int
	// runs is the number of runs timed for throughput.
	runs     int
	native   native.Limits
	noNative bool
	// nativeRepeat is how many times each native measurement is taken
	// (the Go scheduler decides: the table gives min/median/max).
	nativeRepeat int
	// only, when set, is a comma-separated list of globs of the
	// scenarios to bench.
	only string
}

// raceRow is one row of the race table: every strategy, throughput, one
// against two workers, and the native baseline where there is one.
type raceRow struct {
	cell                                string
	preempts                            int // of the DFS's first violation
	strategies                          []searchStat
	runsPerSec, nsPerStep, allocsPerRun float64
	// perSec1, perSec2: random-walk runs per second on one and two
	// workers (explore's portfolio).
	perSec1, perSec2 float64
	native           *nativeRow // nil: no native case
}

// raceStrategies are the table's strategies, in column order.
var raceStrategies = []string{"random", "pct", "pos", "dfs", "dpor"}

type searchStat struct {
	runs     int
	time     time.Duration
	found    bool
	expected bool // the first violation is the one the cell expects
}

// raceCells are the catalog's race cases: the cells that expect a
// violation the DFS finds only with a preemption or more (a cell found
// without one is a deterministic bug, not a race). It returns each with
// the DFS's result, which is the table's DFS column.
func raceCells(only string) (cells []scenarios.Cell, scs []*scenarios.Scenario, dfs []searchStat, pre []int, skipped int) {
	for _, sc := range scenarios.All() {
		if only != "" && !matchAnyGlob(only, sc.Name) {
			continue
		}
		for _, c := range sc.Cells {
			if c.Expect == scenarios.Clean {
				continue
			}
			var r *explore.Result
			st := search(c, func() *explore.Result {
				r = runStrategy("dfs", sc, c, 0)
				return r
			})
			if r.First == nil || r.FirstPreemptions == 0 {
				skipped++
				continue
			}
			cells, scs, dfs, pre = append(cells, c), append(scs, sc), append(dfs, st), append(pre, r.FirstPreemptions)
		}
	}
	return
}

// runStrategy explores cell c of sc with the named strategy, on one
// worker: the samplers with seed 1 and budget cap, the DFS and DPOR
// within the cell's bounds.
func runStrategy(name string, sc *scenarios.Scenario, c scenarios.Cell, cap int) *explore.Result {
	cs := c.Settings()
	if !sc.Config.Faults && !sc.Config.Signals {
		cs.MaxFaults = 0
	}
	o := explore.Options{Seed: 1, Budget: cs.Budget, MaxPreemptions: cs.Bound, MaxFaults: cs.MaxFaults, Config: sc.Config,
		Ignore: cs.Ignore, Workers: 1}
	if name != "dfs" && name != "dpor" {
		o.Budget = cap
	}
	return strategies[name](sc.Program(c.Variant), o)
}

// benchRaces prints the race table: for every race case of the catalog,
// executions and time to the first violation per strategy, throughput,
// one against two workers, and the native baseline (internal/native).
func benchRaces(out, progress io.Writer, lim raceLimits) error {
	cells, scs, dfs, pre, skipped := raceCells(lim.only)
	var rows []raceRow
	for i, c := range cells {
		sc := scs[i]
		name := sc.Name + "@" + c.Name()
		fmt.Fprintf(progress, "bench: %s\n", name)
		row := raceRow{cell: name, preempts: pre[i]}
		for _, s := range raceStrategies {
			if s == "dfs" {
				row.strategies = append(row.strategies, dfs[i])
				continue
			}
			row.strategies = append(row.strategies, search(c, func() *explore.Result { return runStrategy(s, sc, c, lim.cap) }))
		}
		p := sc.Program(c.Variant)
		row.runsPerSec, row.nsPerStep, row.allocsPerRun = throughput(p, sc.Config, lim.runs)
		row.perSec1 = portfolioRate(p, sc.Config, lim.runs, 1)
		row.perSec2 = portfolioRate(p, sc.Config, lim.runs, 2)
		if nc, ok := native.Of(name); ok && !lim.noNative {
			row.native = measureNative(nc, lim)
		}
		rows = append(rows, row)
	}
	printRaceTable(out, rows)
	fmt.Fprintf(out, "\n%d race cases (cells expecting a violation that the DFS finds with a preemption or more; %d found without one left out).\n"+
		"Strategies: executions and time to the first violation on one worker (random, PCT d=%d and POS: seed 1, at most %d runs;\n"+
		"DFS and DPOR: the cell's preemption bound and budget); * marks a first violation other than the one the cell expects.\n"+
		"runs/s, ns/step and allocs/run: %d untraced random-walk runs, checkers on; 1w/2w: runs/s of the random walk on one and two workers.\n"+
		"native (internal/native; only the cases it has): executions and time to the first hang or wrong result, capped at %d executions\n"+
		"or %v, a hang counted after %v (and believed if the execution has not ended %v later; \"slow\": it had): plain goroutines, with Gosched jitter, and with jitter under the race detector (%s);\n"+
		"%s.\n",
		len(rows), skipped, explore.DefaultDepth, lim.cap, lim.runs, lim.native.MaxExecs, lim.native.MaxTime, lim.native.Hang, lim.native.Confirm, raceNote(),
		repeatNote(lim.nativeRepeat))
	return nil
}

func raceNote() string {
	if native.RaceDetector {
		return "this binary is built with -race; a data race would be printed on stderr"
	}
	return "measured only by a binary built with -race"
}

func printRaceTable(out io.Writer, rows []raceRow) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tpre\trandom\tPCT\tPOS\tDFS\tDPOR\truns/s\tns/step\tallocs/run\t1w runs/s\t2w runs/s\tnative plain\tnative jitter\tnative -race\t")
	for _, r := range rows {
		var b strings.Builder
		fmt.Fprintf(&b, "%s\t%d\t", r.cell, r.preempts)
		for _, s := range r.strategies {
			b.WriteString(s.String() + "\t")
		}
		fmt.Fprintf(&b, "%.0f\t%.0f\t%.1f\t%.0f\t%.0f (%.2fx)\t", r.runsPerSec, r.nsPerStep, r.allocsPerRun, r.perSec1, r.perSec2, r.perSec2/r.perSec1)
		for i := range 3 {
			b.WriteString(r.native.cell(i) + "\t")
		}
		fmt.Fprintln(tw, b.String())
	}
	tw.Flush()
	printNativeNotes(out, rows)
}

func search(c scenarios.Cell, f func() *explore.Result) searchStat {
	start := time.Now()
	r := f()
	return searchStat{runs: r.Runs, time: time.Since(start), found: r.Violations > 0, expected: c.Expect.Met(r.First)}
}

func (s searchStat) String() string {
	if !s.found {
		return fmt.Sprintf("none in %d (%s)", s.runs, fmtDur(s.time))
	}
	mark := ""
	if !s.expected {
		mark = "*"
	}
	return fmt.Sprintf("%d%s in %s", s.runs, mark, fmtDur(s.time))
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d.Nanoseconds())/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Nanoseconds())/1e6)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// throughput times runs untraced random-walk executions of p (violations
// included: the walk does not stop) and counts their heap allocations.
func throughput(p sim.Program, cfg sim.Config, runs int) (perSec, nsPerStep, allocsPerRun float64) {
	var before, after runtime.MemStats
	var steps int64
	cfg.Fingerprint = p.Fingerprint(cfg) // violating runs make their schedule
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := range runs {
		out := sim.Execute(p, cfg, sim.NewRandom(explore.RunSeed(1, i)))
		steps += out.Steps
		out.Release()
	}
	el := time.Since(start)
	runtime.ReadMemStats(&after)
	return float64(runs) / el.Seconds(), float64(el.Nanoseconds()) / float64(max(steps, 1)),
		float64(after.Mallocs-before.Mallocs) / float64(runs)
}

// portfolioRate is the random walk's runs per second on workers
// goroutines (explore's portfolio), going past violations.
func portfolioRate(p sim.Program, cfg sim.Config, runs, workers int) float64 {
	start := time.Now()
	r := explore.Random(p, explore.Options{Seed: 1, Budget: runs, Config: cfg, KeepGoing: true, Workers: workers})
	return float64(r.Runs) / time.Since(start).Seconds()
}
