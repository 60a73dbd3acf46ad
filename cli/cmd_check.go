package cli

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
)

const checkUsage = `check [--scenario GLOB] [--variant GLOB] [--budget-scale F] [--max-time D] [--cell-time D] [--workers N] [--shard I/N] [--strategy dfs|dpor|dpor-conservative|random|pct|pos] [--rt] [--json] [--no-times] [-o FILE]

Explores every cell of the catalog (each scenario under each of its
variants) with the DFS, within the cell's preemption bound, fault bound
and run budget, requiring the scenario's coverage marks, and prints one
row per cell: what it expects, what it found, and how much of the tree
it covered. Cells run on --workers goroutines and are printed in catalog
order: the table does not depend on the number of workers. --shard i/n
(or TEST_SHARD_INDEX and TEST_TOTAL_SHARDS) checks only the cells k with
k mod n = i; dcsim merge joins the shards' --json outputs. Exit 0 when
every cell meets its expectation, 1 when one does not or the check was
interrupted (Ctrl-C: the cells done so far are printed), 2 on bad input.`

type checkFlags struct {
	scenario, variant string
	budgetScale       float64
	maxTime, cellTime time.Duration
	json, noTimes     bool
	output            string
	// workers is how many cells run at once (0 or 1: one after another).
	workers int
	// strategy explores each cell ("" or "dfs": the DFS); seed and depth
	// go to the sampling strategies.
	strategy    string
	seed, depth int
	// rt runs every cell as on a PREEMPT_RT kernel (expectations unchanged).
	rt bool
	// shard, when set, is the share of the cells this check takes.
	shard *shard
	// afterCell, when set, is called after each cell (tests interrupt
	// the check with it).
	afterCell func(done int)
}

func cmdCheck(e *env, args []string) error {
	fs := newFlags("check", checkUsage, e.stdout)
	var cf checkFlags
	fs.StringVar(&cf.scenario, "scenario", "*", "scenarios to check: a name or a glob over names (ovl/*), or several, comma-separated")
	fs.StringVar(&cf.variant, "variant", "*", "variants to check: a glob over the variant text (*/pdirops); one without '/' matches either side (pdirops, v3*)")
	fs.Float64Var(&cf.budgetScale, "budget-scale", 1, "multiply every cell's run budget by this factor")
	fs.DurationVar(&cf.maxTime, "max-time", 100*time.Second, "soft cap on the whole check; a cell cut short says \"stopped at the time limit\" (0: none)")
	fs.DurationVar(&cf.cellTime, "cell-time", 0, "soft cap on each cell (0: none)")
	fs.BoolVar(&cf.json, "json", false, "print the results as JSON (docs/json.md); with -o, JSON goes to the file and the table to stdout")
	fs.BoolVar(&cf.noTimes, "no-times", false, "leave out every time, so that the output depends on nothing but the catalog (golden tests)")
	fs.StringVar(&cf.output, "o", "", "also write the results (the table, or JSON with --json) to this file")
	fs.IntVar(&cf.workers, "workers", runtime.GOMAXPROCS(0), "cells explored at once; the results do not depend on it")
	fs.StringVar(&cf.strategy, "strategy", "dfs", "explore each cell with dfs, dpor (the DFS with partial-order reduction), dpor-conservative (BPOR, complete within the bound), random, pct or pos (within the cell's budget)")
	fs.IntVar(&cf.seed, "seed", 1, "seed of random, pct and pos")
	fs.IntVar(&cf.depth, "depth", explore.DefaultDepth, "PCT's bug depth")
	fs.BoolVar(&cf.rt, "rt", false, "explore every cell as on a PREEMPT_RT kernel (the cells' expectations stay those without it)")
	shardFlag := fs.String("shard", "", "check only shard I of N (I/N, 0-based: the cells k with k mod N = I); default from TEST_SHARD_INDEX and TEST_TOTAL_SHARDS")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if cf.workers < 1 || cf.seed < 0 || cf.depth < 1 {
		return usagef("--workers and --depth must be positive, --seed not negative")
	}
	if _, ok := strategies[cf.strategy]; !ok {
		return usagef("--strategy must be %s, not %q", explore.StrategyNames, cf.strategy)
	}
	sh, err := shardFromFlagOrEnv(*shardFlag, os.Getenv)
	if err != nil {
		return err
	}
	cf.shard = sh
	if f := os.Getenv("TEST_SHARD_STATUS_FILE"); f != "" && sh != nil && *shardFlag == "" {
		// Bazel's handshake: the test runner understood sharding.
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return err
		}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (use --scenario to choose scenarios)", fs.Arg(0))
	}
	if !(cf.budgetScale > 0) || math.IsInf(cf.budgetScale, 0) {
		return usagef("--budget-scale must be a positive number, not %v", cf.budgetScale)
	}
	if cf.maxTime < 0 || cf.cellTime < 0 {
		return usagef("--max-time and --cell-time must not be negative")
	}
	cells, err := selectCells(cf.scenario, cf.variant)
	if err != nil {
		return err
	}
	cells = cf.shard.take(cells)
	f, err := createOutput(cf.output)
	if err != nil {
		return err
	}
	rep := runCheck(e.ctx, cells, &cf, e.stderr)
	if cf.json && f == nil {
		err = writeJSON(e.stdout, rep)
	} else {
		printCheck(e.stdout, rep)
		if f != nil && cf.json {
			err = writeJSON(f, rep)
		} else if f != nil {
			printCheck(f, rep)
		}
	}
	if err == nil && rep.Summary.ExitCode != 0 {
		err = errViolation
	}
	return closeOutput(e.stdout, f, err)
}

// checkCell is one scenario under one variant, with its bounds.
type checkCell struct {
	sc   *scenarios.Scenario
	cell scenarios.Cell
}

// selectCells lists the catalog's cells that the filters select, in
// catalog order. Filters that select nothing are bad input.
func selectCells(scenarioPat, variantPat string) ([]checkCell, error) {
	list, err := selectScenarios([]string{scenarioPat})
	if err != nil {
		return nil, err
	}
	var out []checkCell
	for _, sc := range list {
		for _, c := range sc.Cells {
			ok, err := matchVariant(variantPat, c.Variant.String())
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, checkCell{sc, c})
			}
		}
	}
	if len(out) == 0 {
		return nil, usagef("no cell of the scenarios %q has a variant matching %q (dcsim list shows them)", scenarioPat, variantPat)
	}
	return out, nil
}

// matchVariant matches a glob against a variant's text form ('*'
// matches '/' too); a glob without '/' may also match just the patches
// side or just the regime ("pdirops", "v3*").
func matchVariant(pat, text string) (bool, error) {
	ok, err := matchGlob(pat, text)
	if err != nil {
		return false, usagef("--variant: bad pattern %q: %v", pat, err)
	}
	if ok || strings.Contains(pat, "/") {
		return ok, nil
	}
	patches, regime, _ := strings.Cut(text, "/")
	a, _ := matchGlob(pat, patches)
	b, _ := matchGlob(pat, regime)
	return a || b, nil
}

// runCheck explores the cells (cf.workers at a time) and gathers the report.
// An interrupt (ctx cancelled) stops it after the cell it cuts short.
func runCheck(ctx context.Context, cells []checkCell, cf *checkFlags, progressOut io.Writer) *checkReport {
	rep := &checkReport{Schema: checkSchema, Scenario: cf.scenario, Variant: cf.variant, BudgetScale: cf.budgetScale,
		Cells: []cellResult{}}
	if !cf.noTimes {
		rep.MaxTime = seconds(cf.maxTime)
		rep.CellTime = seconds(cf.cellTime)
	}
	cf.describe(rep)
	start := time.Now()
	prog := startProgress(progressOut, len(cells), start)
	rep.Cells = runCells(ctx, cells, cf, start, prog)
	prog.stop()
	rep.summarize(len(cells), ctx.Err() != nil)
	if !cf.noTimes {
		rep.Summary.Seconds = seconds(time.Since(start))
	}
	return rep
}

// cellContext gives cell i of n its deadline: the cell cap, and under
// the overall cap, what is left of it less a reserve for every cell
// still to come, so that one slow cell cannot starve the rest.
func cellContext(ctx context.Context, cf *checkFlags, start time.Time, n, i int) (context.Context, context.CancelFunc) {
	now := time.Now()
	var deadline time.Time
	if cf.maxTime > 0 {
		reserve := cf.maxTime / time.Duration(2*n)
		deadline = start.Add(cf.maxTime - time.Duration(n-i-1)*reserve)
		if least := now.Add(reserve); deadline.Before(least) {
			deadline = least
		}
	}
	if cf.cellTime > 0 {
		if d := now.Add(cf.cellTime); deadline.IsZero() || d.Before(deadline) {
			deadline = d
		}
	}
	if deadline.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline)
}

// budgetOf is the cell's run budget scaled, at least one run.
func budgetOf(c scenarios.Cell, scale float64) int {
	return max(1, int(math.Ceil(float64(c.Settings().Budget)*scale)))
}

// checkOne explores one cell with the DFS (or cf's strategy) and judges
// the result.
func checkOne(ctx context.Context, c checkCell, cf *checkFlags, progress func(int)) cellResult {
	scale := cf.budgetScale
	cs := c.cell.Settings()
	bound, faults := cs.Bound, cs.MaxFaults
	cfg := c.sc.Config
	cfg.PreemptRT = cfg.PreemptRT || cf.rt
	if !cfg.Faults && !cfg.Signals {
		faults = 0
	}
	budget := budgetOf(c.cell, scale)
	start := time.Now()
	strategy := strategies["dfs"]
	if cf.strategy != "" {
		strategy = strategies[cf.strategy]
	}
	p := c.sc.Program(c.cell.Variant)
	r := strategy(p, explore.Options{
		Budget: budget, MaxPreemptions: bound, MaxFaults: faults, Config: cfg, Ignore: cs.Ignore,
		RecheckEvery: 50, RequireMarks: c.sc.Marks, Context: ctx, Progress: progress,
		Seed: uint64(cf.seed), Depth: cf.depth, Workers: 1})
	shrinkResult(p, cfg, r)
	el := seconds(time.Since(start))
	return judge(c, r, bound, budget, faults, el)
}

// judge turns an exploration into a row: what was found, whether that
// meets the expectation, and how much of the tree was covered.
func judge(c checkCell, r *explore.Result, bound, budget, faults int, el *float64) cellResult {
	v := c.cell.Variant
	res := cellResult{
		Scenario: c.sc.Name, Variant: v.String(), Regime: v.Regime().String(), Ignore: c.cell.Ignore,
		Expected: c.cell.Expect.String(), Status: string(r.Status()),
		Runs: r.Runs, Distinct: r.Distinct, Steps: r.Steps,
		Bound: bound, BoundReached: r.Bound, Budget: budget, MaxFaults: faults,
		Coverage: coverageOf(r), CoverageText: r.Coverage(),
		MissingMarks: append([]string{}, r.MissingMarks...), Seconds: el,
	}
	switch r.Status() {
	case explore.StatusError:
		res.Found = "error"
		res.Error = r.Err.Error()
	case explore.StatusViolation:
		found := scenarios.Expect{Kind: r.First.Kind, Rule: r.First.Rule}
		if found.Rule == string(found.Kind) {
			found.Rule = "" // "deadlock", not "deadlock deadlock"
		}
		res.Found = found.String()
		res.Report = &reportResult{Kind: string(r.First.Kind), Rule: r.First.Rule, Title: r.First.Title,
			Schedule: r.First.Schedule, Preemptions: r.FirstPreemptions}
		res.Replay = "dcsim replay '" + r.First.Schedule + "'"
		res.Met = c.cell.Expect.Met(r.First)
	case explore.StatusIncomplete:
		res.Found = "incomplete"
	default:
		res.Found = "clean"
		// An interrupted cell was not checked, whatever it expects.
		res.Met = c.cell.Expect.Met(nil) && r.Stopped != explore.StopCancelled
	}
	return res
}

// coverageOf is the Coverage word of the JSON output.
func coverageOf(r *explore.Result) string {
	switch {
	case r.Complete():
		return "complete"
	case r.Exhausted:
		return "bounded"
	}
	switch r.Stopped {
	case explore.StopBudget:
		return "budget"
	case explore.StopTime:
		return "time"
	case explore.StopCancelled:
		return "interrupted"
	case explore.StopViolation:
		return "violation"
	}
	return "error"
}

func seconds(d time.Duration) *float64 {
	s := math.Round(d.Seconds()*1000) / 1000
	return &s
}

func writeJSON(w io.Writer, rep *checkReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
