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
	"github.com/dcsim/dcsim/variant"
)

// raceBench is one row of `dcsim bench --races`: dcsim's random walk and
// DFS against the native baseline on one catalog race.
type raceBench struct {
	cell           string
	rw, dfs        searchStat
	runsPerSec     float64
	nsPerStep      float64
	allocsPerRun   float64
	plain, jittery native.Stats
}

type searchStat struct {
	runs  int
	time  time.Duration
	found bool
}

// benchRaces measures every case of internal/native side by side.
func benchRaces(out io.Writer, runs int, lim native.Limits) error {
	var rows []raceBench
	for _, c := range native.Cases {
		name, vs, _ := strings.Cut(c.Cell, "@")
		sc, err := scenarios.Lookup(name)
		if err != nil {
			return err
		}
		v, err := variant.Parse(vs)
		if err != nil {
			return err
		}
		cell, _ := sc.Cell(v)
		bound, budget, faults := cell.Bounds()
		p := sc.Program(v)
		row := raceBench{cell: c.Cell}
		row.rw = search(func() *explore.Result {
			return explore.Random(p, explore.Options{Seed: 1, Budget: budget, Config: sc.Config})
		})
		row.dfs = search(func() *explore.Result {
			return explore.DFS(p, explore.Options{MaxPreemptions: bound, MaxFaults: faults, Budget: budget, Config: sc.Config})
		})
		row.runsPerSec, row.nsPerStep, row.allocsPerRun = throughput(p, sc.Config, runs)
		row.plain = native.Measure(c, native.Plain, lim)
		row.jittery = native.Measure(c, native.Jitter, lim)
		rows = append(rows, row)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\trandom walk\tDFS\truns/s\tns/step\tallocs/run\tnative plain\tnative jitter\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f\t%.1f\t%s\t%s\t\n", r.cell, r.rw, r.dfs,
			r.runsPerSec, r.nsPerStep, r.allocsPerRun, nativeCell(r.plain), nativeCell(r.jittery))
	}
	tw.Flush()
	fmt.Fprintf(out, "dcsim: executions and time to the first violation (random walk seed 1; DFS within the cell's bounds);\n"+
		"runs/s, ns/step and allocs/run of %d untraced random-walk runs, checkers on.\n"+
		"native: goroutines on sync primitives, executions and time to the first hang or wrong result,\n"+
		"capped at %d executions or %v; a hang counts after %v.\n", runs, lim.MaxExecs, lim.MaxTime, lim.Hang)
	return nil
}

func search(f func() *explore.Result) searchStat {
	start := time.Now()
	r := f()
	return searchStat{runs: r.Runs, time: time.Since(start), found: r.Violations > 0}
}

func (s searchStat) String() string {
	if !s.found {
		return fmt.Sprintf("not found (%d, %s)", s.runs, fmtDur(s.time))
	}
	return fmt.Sprintf("%d in %s", s.runs, fmtDur(s.time))
}

func nativeCell(st native.Stats) string {
	if st.Found == native.OK {
		return fmt.Sprintf("not found (%d, %s)", st.Execs, fmtDur(st.Elapsed))
	}
	return fmt.Sprintf("%d in %s (%s)", st.Execs, fmtDur(st.Elapsed), st.Found)
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
