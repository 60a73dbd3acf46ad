package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

type exploreFlags struct {
	runFlags
	strategy    string
	budget      int
	seed        string
	preemptions int
	maxFaults   int
	recheck     int
	ignore      string
	output      string
	verbose     bool
	all         bool
	depth       int
	workers     int
}

func cmdExplore(e *env, args []string) error {
	out := e.stdout
	fs := newFlags("explore", "explore [--scenario NAME|FILE] [--variant V] [--ignore RULES] [--strategy dfs|dpor|dpor-conservative|random|pct|pos] [--all] [--budget N] [--seed N] [--preemptions K] [--depth D] [--workers N] [-o FILE] [-v]", out)
	var ef exploreFlags
	ef.register(fs)
	fs.StringVar(&ef.strategy, "strategy", "dfs", "dfs (exhaustive within a preemption bound), dpor (the same with partial-order reduction and bounded sleep sets), dpor-conservative (Coons et al.'s BPOR: complete within the bound, about 3x dpor's runs), random (seeded walk), pct (priorities with --depth-1 change points at steps on shared objects) or pos (partial order sampling)")
	fs.BoolVar(&ef.all, "all", false, "go on after the first violation and print each distinct one (kind, rule, location) with its count and first schedule")
	fs.IntVar(&ef.depth, "depth", explore.DefaultDepth, "PCT's bug depth: depth-1 priority change points per run, placed among the steps on shared objects")
	fs.IntVar(&ef.workers, "workers", 0, "goroutines for dfs, random, pct and pos (0: GOMAXPROCS); the result does not depend on it")
	fs.IntVar(&ef.budget, "budget", explore.DefaultBudget, "maximum number of runs")
	fs.StringVar(&ef.seed, "seed", "1", "seed of the random walk")
	fs.IntVar(&ef.preemptions, "preemptions", 2, "preemption bound of the DFS (deepened from 0)")
	fs.IntVar(&ef.maxFaults, "max-faults", 1, "injected faults per DFS run (with --faults)")
	fs.IntVar(&ef.recheck, "recheck", 50, "replay every k-th run from its log and compare (0: never)")
	fs.StringVar(&ef.ignore, "ignore", "", "pass over reports of these rules (comma list), to find what a known finding hides")
	fs.StringVar(&ef.output, "o", "", "write the first report to this file (the summary when there is none)")
	fs.BoolVar(&ef.verbose, "v", false, "show every recent step of the report (setup steps are folded otherwise)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if _, ok := strategies[ef.strategy]; !ok {
		return usagef("--strategy must be %s, not %q", explore.StrategyNames, ef.strategy)
	}
	if ef.budget < 1 || ef.depth < 1 || ef.preemptions < 0 || ef.maxFaults < 0 || ef.recheck < 0 || ef.workers < 0 {
		return usagef("--budget must be positive, and --depth; --preemptions, --max-faults, --recheck and --workers must not be negative")
	}
	seed, err := strconv.ParseUint(ef.seed, 0, 64)
	if err != nil {
		return usagef("--seed %q is not a non-negative integer", ef.seed)
	}
	f, err := createOutput(ef.output)
	if err != nil {
		return err
	}
	if ef.scenario == "all" {
		return closeOutput(out, f, usagef("explore takes one scenario; dcsim check explores the whole catalog"))
	}
	res, err := ef.explore(e.ctx, seed)
	if err != nil {
		return closeOutput(out, f, err)
	}
	var summary strings.Builder
	printResult(&summary, ef.scenario, &ef, res)
	printGroups(&summary, res)
	fmt.Fprint(out, summary.String())
	text := summary.String()
	if res.First != nil {
		text = res.First.FormatWith(sim.FormatOptions{Verbose: ef.verbose})
		fmt.Fprintln(out)
		fmt.Fprint(out, text)
	}
	if f != nil {
		if _, err := f.WriteString(text); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(out, "report written to %s\n", ef.output)
	}
	if res.Err != nil {
		return usagef("%v", res.Err)
	}
	if !res.Clean() || res.Stopped == explore.StopCancelled {
		return errViolation
	}
	return nil
}

func (ef *exploreFlags) explore(ctx context.Context, seed uint64) (*explore.Result, error) {
	tg, err := ef.resolve()
	if err != nil {
		return nil, err
	}
	o := explore.Options{Seed: seed, Budget: ef.budget, MaxPreemptions: ef.preemptions,
		MaxFaults: ef.maxFaults, Config: tg.cfg, RecheckEvery: ef.recheck, RequireMarks: tg.sc.Marks, Context: ctx,
		Ignore: splitList(ef.ignore), All: ef.all, Depth: ef.depth, Workers: ef.workers}
	if o.Workers == 0 {
		// The DFS spreads over workers only when asked to (explore.DFS).
		o.Workers = runtime.GOMAXPROCS(0)
	}
	res := strategies[ef.strategy](tg.program(), o)
	shrinkResult(tg.program(), tg.cfg, res)
	return res, nil
}

func printResult(out io.Writer, name string, ef *exploreFlags, r *explore.Result) {
	fmt.Fprintf(out, "scenario %s, %s: %d runs, %d distinct, %d steps", name, ef.strategy, r.Runs, r.Distinct, r.Steps)
	if ef.strategy != "random" {
		fmt.Fprintf(out, ", preemption bound %d: %s", r.Bound, r.Coverage())
	}
	fmt.Fprintln(out)
	switch r.Status() {
	case explore.StatusViolation:
		if r.First != nil {
			fmt.Fprintf(out, "violation: %s [%s] after %d runs, %d preemption(s)\n", r.First.Kind, r.First.Rule, r.Runs, r.FirstPreemptions)
		}
		for _, m := range r.MissingMarks {
			fmt.Fprintf(out, "required mark never reached: %q\n", m)
		}
	case explore.StatusIncomplete:
		// Not clean: what the scenario exists to cover never happened.
		for _, m := range r.MissingMarks {
			fmt.Fprintf(out, "incomplete: required mark %q never reached in %d runs\n", m, r.Runs)
		}
	case explore.StatusClean:
		fmt.Fprintln(out, "no violation found")
	}
	if r.Stopped == explore.StopCancelled {
		fmt.Fprintln(out, "interrupted: the exploration was stopped before its budget")
	}
}

// splitList splits a comma list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
