// Package explore searches the interleavings of a sim.Program for a run
// that a checker reports.
//
// Strategies: a seeded random walk; PCT (probabilistic concurrency
// testing, pct.go) and POS (partial order sampling, pos.go), which sample
// runs like the walk but with priorities; and a depth-first search that
// is exhaustive within a preemption bound, deepening the bound one at a
// time so that the first violation found has the fewest preemptions. The
// sampling strategies run on all cores with results independent of the
// number of workers (portfolio.go). All replay every violating run with full tracing to build
// its report, so the report printed is exactly what `dcsim replay` shows.
package explore

import (
	"context"
	"fmt"
	"math/bits"
	"slices"

	"github.com/dcsim/dcsim/sim"
)

// Options configures an exploration. The zero value explores with the
// runtime's defaults and a budget of DefaultBudget runs.
type Options struct {
	// Seed seeds the random walk (run i uses a seed derived from Seed and i).
	Seed uint64
	// Budget is the maximum number of runs. 0 means DefaultBudget.
	Budget int
	// MaxPreemptions bounds the DFS (iterative deepening from 0 to it).
	MaxPreemptions int
	// MaxFaults bounds how many injected faults a DFS run may take.
	MaxFaults int
	// KeepRepeatedPicks makes the DFS explore the alternatives of
	// decisions marked sim.Decision.RepeatsPick too, which repeat runs
	// of the decision before them (tests and measurements compare with
	// it).
	KeepRepeatedPicks bool
	// ConservativeBound makes DPOR Coons et al.'s bounded partial-order
	// reduction in full: every backtrack point that preempts is also
	// placed where the running task's block started, and sleep sets are
	// off (explore/dpor_bound.go). It covers every trace class the
	// bounded DFS covers, for about three times the default's runs.
	ConservativeBound bool
	// Config is the runtime configuration of each run (Trace is ignored:
	// runs are untraced and violations are replayed traced).
	Config sim.Config
	// RecheckEvery re-executes every k-th run from its decision log and
	// compares it step by step (0: never). A mismatch is reported as
	// uncontrolled nondeterminism.
	RecheckEvery int
	// RequireMarks lists marks that some run must hit; those missed are
	// listed in Result.MissingMarks.
	RequireMarks []string
	// KeepGoing explores past the first violation (counting them).
	KeepGoing bool
	// All keeps going and groups the violations by kind, rule and
	// location (Result.Groups), replaying the run of each with full
	// tracing to find its location.
	All bool
	// Ignore lists rules whose reports are passed over: such a run counts
	// as clean and the search goes on (a known finding that would hide
	// the next one).
	Ignore []string
	// Context, when set, stops the exploration between runs once it is
	// done (cancelled or past its deadline); Result.Stopped says why.
	Context context.Context
	// Progress, when set, is called after every run with the runs so far.
	Progress func(runs int)
	// OnRun, when set, is called with every run's outcome (tests count
	// what an exploration covered with it).
	OnRun func(out *sim.Outcome)
	// Workers is how many goroutines the sampling strategies (Random,
	// PCT, POS) run on; 0 means GOMAXPROCS. The result does not depend
	// on it (explore/portfolio.go). Runs then execute at once: a
	// program whose setup shares mutable state between runs (a test's
	// deliberately nondeterministic program) needs Workers 1.
	Workers int
	// Depth is PCT's bug depth d: d-1 priority change points per run.
	// 0 means DefaultDepth.
	Depth int
}

// DefaultBudget is the run budget when Options.Budget is 0.
const DefaultBudget = 10_000

// Result is what an exploration found.
type Result struct {
	Runs       int
	Violations int
	// First is the first violating run, replayed with full tracing.
	First *sim.Report
	// FirstPreemptions is the preemption count of First's schedule.
	FirstPreemptions int
	// Exhausted is true when the DFS covered every run within its
	// bounds.
	Exhausted bool
	// Bound is the preemption bound the DFS reached. Deepening stops
	// early, with Exhausted set, at the first bound that cut nothing.
	Bound int
	// BoundCut and FaultsCut say whether the preemption bound and the
	// fault bound left out some alternative in the last bound's tree. An
	// exhausted DFS that cut nothing explored every interleaving (and
	// every fault and signal choice): see Complete.
	BoundCut, FaultsCut bool
	// Stopped says why the exploration ended before covering its tree
	// (StopNone when a DFS covered it).
	Stopped StopReason
	// Distinct counts runs with distinct step sequences.
	Distinct     int
	Steps        int64
	Marks        map[string]int
	MissingMarks []string
	// Groups are the distinct violations of a KeepGoing exploration,
	// by kind, rule and location, in the order found (groups.go).
	Groups []Group
	// Err is an input error from the program (a run that did not fit).
	Err error
}

// Clean reports whether nothing was found and every required mark was hit.
func (r *Result) Clean() bool { return r.Violations == 0 && len(r.MissingMarks) == 0 && r.Err == nil }

// Status is the outcome of an exploration, in one word.
type Status string

const (
	// StatusClean: no violation, and every required mark was reached.
	StatusClean Status = "clean"
	// StatusViolation: a checker fired (First is its report).
	StatusViolation Status = "violation"
	// StatusIncomplete: no violation, but a required mark was never
	// reached, so the exploration did not show what it was meant to
	// cover: not a clean result.
	StatusIncomplete Status = "incomplete"
	// StatusError: the program's input did not fit (Err).
	StatusError Status = "error"
)

// Status says which of the outcomes the exploration had. A violation
// outranks missing marks: a run that stops at a report may never reach
// the branch a mark proves.
func (r *Result) Status() Status {
	switch {
	case r.Err != nil:
		return StatusError
	case r.Violations > 0:
		return StatusViolation
	case len(r.MissingMarks) > 0:
		return StatusIncomplete
	}
	return StatusClean
}

// Complete reports whether a DFS explored the whole tree: every
// interleaving and every fault choice, not just those within its bounds.
func (r *Result) Complete() bool { return r.Exhausted && !r.BoundCut && !r.FaultsCut }

func (o *Options) budget() int {
	if o.Budget <= 0 {
		return DefaultBudget
	}
	return o.Budget
}

type explorer struct {
	prog   sim.Program
	opts   Options
	res    Result
	hashes map[uint64]struct{}
	// pre, flt and order are nextPrefix's scratch space.
	pre, flt, order []int
	// cutBound and cutFaults record, for the current bound, whether
	// nextPrefix skipped an alternative because of either bound.
	cutBound, cutFaults bool
}

func newExplorer(p sim.Program, o Options) *explorer {
	o.Config.Trace = sim.TraceOff
	if o.Config.Fingerprint == 0 && p.Variant != "" {
		o.Config.Fingerprint = p.Fingerprint(o.Config)
	}
	return &explorer{prog: p, opts: o, res: Result{Marks: map[string]int{}}, hashes: map[uint64]struct{}{}}
}

// run executes one run and folds it into the result. It returns false when
// exploration should stop.
func (e *explorer) run(s sim.Strategy) (*sim.Outcome, bool) {
	out := sim.Execute(e.prog, e.opts.Config, s)
	var rc *sim.Report
	if e.recheckDue(e.res.Runs) && out.Err == nil {
		rc = e.recheck(out)
	}
	return out, e.fold(out, rc)
}

// recheckDue says whether run i (0-based) is re-executed from its log.
func (e *explorer) recheckDue(i int) bool {
	k := e.opts.RecheckEvery
	return k > 0 && (i+1)%k == 0
}

// fold adds a run to the result; rc is the report of its recheck (nil:
// not rechecked, or it reproduced). It returns false when exploration
// should stop.
func (e *explorer) fold(out *sim.Outcome, rc *sim.Report) bool {
	e.res.Runs++
	e.res.Steps += out.Steps
	if out.Err != nil {
		e.res.Err = out.Err
		return false
	}
	for k, v := range out.Marks {
		e.res.Marks[k] += v
	}
	e.noteHash(out.Hash)
	if e.opts.Progress != nil {
		e.opts.Progress(e.res.Runs)
	}
	if e.opts.OnRun != nil {
		e.opts.OnRun(out)
	}
	more := e.budgetLeft()
	if rc != nil {
		e.violation(rc, out)
		return e.goOn(more)
	}
	if out.Report != nil && !slices.Contains(e.opts.Ignore, out.Report.Rule) {
		e.violation(nil, out)
		return e.goOn(more)
	}
	return more
}

// goOn says whether to go on after a violation.
// noteHash counts a run's step sequence towards the distinct runs.
func (e *explorer) noteHash(h uint64) {
	if _, ok := e.hashes[h]; !ok {
		e.hashes[h] = struct{}{}
		e.res.Distinct++
	}
}

// budgetLeft reports whether another run may follow the ones folded, and
// records why not when none may.
func (e *explorer) budgetLeft() bool {
	if e.res.Runs >= e.opts.budget() {
		e.res.Stopped = StopBudget
		return false
	}
	if ctx := e.opts.Context; ctx != nil && ctx.Err() != nil {
		e.res.Stopped = StopCancelled
		if ctx.Err() == context.DeadlineExceeded {
			e.res.Stopped = StopTime
		}
		return false
	}
	return true
}

func (e *explorer) goOn(more bool) bool {
	if !e.opts.KeepGoing && !e.opts.All {
		e.res.Stopped = StopViolation
		return false
	}
	return more
}

func (e *explorer) violation(rep *sim.Report, out *sim.Outcome) {
	e.res.Violations++
	if e.res.First != nil && !e.opts.All {
		return
	}
	if rep == nil {
		rep = e.replayTraced(out)
	}
	if e.opts.All {
		e.group(rep)
	}
	if e.res.First != nil {
		return
	}
	e.res.First = rep
	e.res.FirstPreemptions = Preemptions(out.Decisions)
}

// replayTraced re-executes a violating run with full tracing to build its
// report. A replay that does not reproduce the report is itself reported.
func (e *explorer) replayTraced(out *sim.Outcome) *sim.Report {
	cfg := e.opts.Config
	cfg.Trace = sim.TraceFull
	again := sim.Execute(e.prog, cfg, sim.NewReplay(out.Schedule()))
	if again.Report == nil || again.Report.Kind != out.Report.Kind || again.Hash != out.Hash {
		return e.nondeterminism(out, again)
	}
	return again.Report
}

// recheck re-executes a run from its decision log and compares.
func (e *explorer) recheck(out *sim.Outcome) *sim.Report {
	again := sim.Execute(e.prog, e.opts.Config, sim.NewReplay(out.Schedule()))
	if again.Hash == out.Hash && again.Steps == out.Steps && len(again.Decisions) == len(out.Decisions) && again.Err == nil {
		return nil
	}
	return e.nondeterminism(out, again)
}

// nondeterminism builds the report for a run that did not reproduce. To
// say where, it replays the log twice more with full tracing and names
// the first step at which the two replays part.
func (e *explorer) nondeterminism(out, again *sim.Outcome) *sim.Report {
	msg := fmt.Sprintf("first run: %d steps, %d decisions, hash %016x\nreplay:    %d steps, %d decisions, hash %016x, err %v\n",
		out.Steps, len(out.Decisions), out.Hash, again.Steps, len(again.Decisions), again.Hash, again.Err)
	cfg := e.opts.Config
	cfg.Trace = sim.TraceFull
	a := sim.Execute(e.prog, cfg, &sim.Replay{Log: out.Decisions})
	b := sim.Execute(e.prog, cfg, &sim.Replay{Log: out.Decisions})
	ta, tb := a.FormatTrace(), b.FormatTrace()
	for i := 0; i < max(len(ta), len(tb)); i++ {
		la, lb := "(trace ended)", "(trace ended)"
		if i < len(ta) {
			la = ta[i]
		}
		if i < len(tb) {
			lb = tb[i]
		}
		if la != lb {
			msg += fmt.Sprintf("two more replays part at step %d:\n  %s\n  %s\n", i+1, la, lb)
			break
		}
	}
	msg += "model code consulted a source of nondeterminism outside the scheduler (map order, time, math/rand, state kept between runs)"
	return &sim.Report{Kind: sim.KindNondeterm, Rule: "replay-mismatch", Task: -1,
		Title:    "a run did not reproduce from its own decision log",
		Message:  msg,
		Schedule: out.Schedule().String()}
}

func (e *explorer) finish() *Result {
	for _, m := range e.opts.RequireMarks {
		if e.res.Marks[m] == 0 {
			e.res.MissingMarks = append(e.res.MissingMarks, m)
		}
	}
	return &e.res
}

// Random explores with a seeded random walk: run i uses the seed
// RunSeed(o.Seed, i), so any run can be reproduced from the pair. Runs
// spread over o.Workers goroutines with the same result.
func Random(p sim.Program, o Options) *Result {
	return newExplorer(p, o).sample(func(i int) sim.Strategy { return sim.NewRandom(RunSeed(o.Seed, i)) })
}

// RunSeed derives the seed of run i of a random exploration (SplitMix64).
func RunSeed(seed uint64, i int) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Preemptions counts the schedule decisions in log that switched away from
// a task that could have gone on.
func Preemptions(log []sim.Decision) int {
	n := 0
	for i := range log {
		if log[i].Preempts() {
			n++
		}
	}
	return n
}

// DFS explores every run with at most b preemptions for b = 0, 1, ...,
// o.MaxPreemptions, stopping at the first violation (which therefore has
// the fewest preemptions) or when the budget runs out. A bound whose tree
// the preemption bound did not cut is the whole tree: deepening stops
// there, exhausted, whatever o.MaxPreemptions is.
//
// With o.Workers > 1 (and no OnRun) each bound's tree is spread over that
// many goroutines with the same result (dfs_parallel.go).
func DFS(p sim.Program, o Options) *Result {
	e := newExplorer(p, o)
	if o.Workers > 1 && o.OnRun == nil {
		return e.deepen(e.dfsBoundParallel)
	}
	return e.deepen(e.dfsBound)
}

// deepen explores the tree of each bound b = 0, 1, ... with tree(b)
// (which says whether it exhausted the tree and whether to go on), up to
// o.MaxPreemptions or the first bound that cut nothing.
func (e *explorer) deepen(tree func(bound int) (exhausted, more bool)) *Result {
	for b := 0; ; b++ {
		e.res.Bound = b
		e.cutBound, e.cutFaults = false, false
		done, more := tree(b)
		if done && (!e.cutBound || b >= e.opts.MaxPreemptions) {
			e.res.Exhausted = true
			e.res.BoundCut, e.res.FaultsCut = e.cutBound, e.cutFaults
			if e.res.Stopped == StopBudget || e.res.Stopped == StopTime || e.res.Stopped == StopCancelled {
				// The last run of the tree also spent the budget: it
				// was covered all the same.
				e.res.Stopped = StopNone
			}
			return e.finish()
		}
		if !more {
			return e.finish()
		}
	}
}

// dfsBound enumerates the decision tree in depth-first order, replaying a
// prefix and letting defaults finish each run. It returns whether the tree
// was exhausted and whether to go on.
func (e *explorer) dfsBound(bound int) (exhausted, more bool) {
	var prefix []sim.Decision
	for {
		r := &sim.Replay{Log: prefix}
		out, ok := e.run(r)
		next, found := e.nextPrefix(out.Decisions, bound)
		out.Release()
		if !found {
			// That was the tree's last run, even if it also ended the
			// exploration (budget spent, violation found).
			return true, ok
		}
		if !ok {
			return false, false
		}
		prefix = next
	}
}

// nextPrefix finds the deepest decision with an untried alternative that
// keeps the run within the bounds, in the order default-first. Prefix
// sums of preemptions and faults make it linear in the log's length.
//
// A decision marked RepeatsPick (a task's first scheduling point right
// after the decision that picked it) offers no alternative: each of its
// runs is, step for step, a run of the same alternative at the decision
// before it, with no more preemptions (proof in sim/startunit.go), and
// that decision's alternatives are explored. Skipping them is no cut of
// the bound either: a twin the bound cuts is cut, and counted, there.
func (e *explorer) nextPrefix(log []sim.Decision, bound int) ([]sim.Decision, bool) {
	// The scratch buffers are the explorer's: this runs once a run, and
	// garbage made here slowed every worker of a parallel DFS through GC.
	e.pre = slices.Grow(e.pre[:0], len(log)+1)[:len(log)+1]
	e.flt = slices.Grow(e.flt[:0], len(log)+1)[:len(log)+1]
	pre, flt := e.pre, e.flt
	pre[0], flt[0] = 0, 0
	for i := range log {
		pre[i+1], flt[i+1] = pre[i], flt[i]
		if log[i].Preempts() {
			pre[i+1]++
		}
		if isFault(&log[i]) {
			flt[i+1]++
		}
	}
	for i := len(log) - 1; i >= 0; i-- {
		d := log[i]
		if d.RepeatsPick && !e.opts.KeepRepeatedPicks {
			continue
		}
		e.order = appendOptionOrder(e.order[:0], &d)
		order := e.order
		at := slices.Index(order, int(d.Value))
		for _, alt := range order[at+1:] {
			d.Value = int32(alt)
			p, f := pre[i], flt[i]
			if d.Preempts() {
				p++
			}
			if isFault(&d) {
				f++
			}
			if p <= bound && f <= e.opts.MaxFaults {
				cand := make([]sim.Decision, i+1)
				copy(cand, log[:i])
				cand[i] = d
				return cand, true
			}
			e.cutBound = e.cutBound || p > bound
			e.cutFaults = e.cutFaults || f > e.opts.MaxFaults
		}
	}
	return nil, false
}

func isFault(d *sim.Decision) bool {
	return (d.Kind == sim.DecideFault || d.Kind == sim.DecideSignal) && d.Value == 1
}

// optionOrder lists a decision's options with its default first.
func optionOrder(d *sim.Decision) []int { return appendOptionOrder(nil, d) }

// appendOptionOrder appends d's options to buf, its default first.
func appendOptionOrder(buf []int, d *sim.Decision) []int {
	def := d.Default()
	buf = append(buf, def)
	if d.Kind == sim.DecideSchedule || d.Kind == sim.DecideYield {
		for m := d.Runnable; m != 0; m &= m - 1 {
			if v := bits.TrailingZeros64(m); v != def {
				buf = append(buf, v)
			}
		}
		return buf
	}
	for v := range int(d.N) {
		if v != def {
			buf = append(buf, v)
		}
	}
	return buf
}
