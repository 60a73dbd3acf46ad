package explore_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/internal/leakcheck"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// ---------------------------------------------------------------------------
// Brute-force reference model, independent of explore.
//
// A task of the test programs below is a sequence of atomic units: its
// start (the code before its first scheduling point, which records no
// step) and then one unit per scheduling point (the step and the code up
// to the next point). The scheduler picks who runs before every unit while
// at least two tasks are unfinished. A pick is a preemption when the task
// that ran the previous unit still has units left; a pick after a task
// finished is free. The runtime's decision logs are in one-to-one
// correspondence with these unit orders, so DFS within bound b with
// KeepRepeatedPicks runs once per unit order with at most b preemptions.
// The step sequence of a run is its unit order with every task's start
// unit dropped. An order that runs another task's unit right after a
// start unit repeats a pick (the first point's decision is marked
// sim.Decision.RepeatsPick): the plain DFS skips it.

// orders lists every interleaving of two tasks with n units each, as the
// sequence of task ids running unit after unit.
func orders(n int) [][]int {
	var out [][]int
	var rec func(seq []int, left [2]int)
	rec = func(seq []int, left [2]int) {
		if left[0] == 0 && left[1] == 0 {
			out = append(out, slices.Clone(seq))
			return
		}
		for id := range 2 {
			if left[id] > 0 {
				left[id]--
				rec(append(seq, id), left)
				left[id]++
			}
		}
	}
	rec(nil, [2]int{n, n})
	return out
}

// preemptions counts the switches in seq away from a task that had units
// left, where each task has n units.
func preemptions(seq []int, n int) int {
	done := [2]int{}
	p := 0
	for i, id := range seq {
		if i > 0 && id != seq[i-1] && done[seq[i-1]] < n {
			p++
		}
		done[id]++
	}
	return p
}

// repeatsPick reports whether seq runs a task's start unit and then, at
// once, another task's unit.
func repeatsPick(seq []int) bool {
	seen := [2]bool{}
	for i, id := range seq {
		if !seen[id] {
			seen[id] = true
			if i+1 < len(seq) && seq[i+1] != id {
				return true
			}
		}
	}
	return false
}

// steps drops each task's first unit (its start) and renders the rest as
// a string of task letters, "aabab".
func steps(seq []int) string {
	var b strings.Builder
	seen := [2]bool{}
	for _, id := range seq {
		if !seen[id] {
			seen[id] = true
			continue
		}
		b.WriteByte(byte('a' + id))
	}
	return b.String()
}

// model returns, for tasks of k steps each and a preemption bound b, the
// number of decision sequences (unit orders) within the bound, the number
// of those that repeat no pick, and the set of step sequences they
// produce.
func model(k, b int) (runs, plain int, stepSeqs map[string]bool) {
	stepSeqs = map[string]bool{}
	for _, o := range orders(k + 1) {
		if preemptions(o, k+1) <= b {
			runs++
			if !repeatsPick(o) {
				plain++
			}
			stepSeqs[steps(o)] = true
		}
	}
	return runs, plain, stepSeqs
}

// mostPreemptions is the most preemptions a unit order of two tasks of k
// steps takes (among those that repeat no pick when plain).
func mostPreemptions(k int, plain bool) int {
	maxP := 0
	for _, o := range orders(k + 1) {
		if !plain || !repeatsPick(o) {
			maxP = max(maxP, preemptions(o, k+1))
		}
	}
	return maxP
}

// stepInterleavings is the plain step-level view: every interleaving of
// two tasks of k steps with at most b preemptions, as task-letter strings.
func stepInterleavings(k, b int) map[string]bool {
	out := map[string]bool{}
	for _, o := range orders(k) {
		if preemptions(o, k) <= b {
			var s strings.Builder
			for _, id := range o {
				s.WriteByte(byte('a' + id))
			}
			out[s.String()] = true
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Test programs.

// yielders is two tasks, each taking k independent t.Yield() steps. Every
// run that ends appends its step order ("abba...") to *log.
func yielders(k int, log *[]string) sim.Program {
	return sim.Program{Name: "test/yielders", Setup: func(w *sim.World) {
		var order []byte
		for id := range 2 {
			w.Go(string(rune('a'+id)), func(t *sim.Task) {
				for range k {
					t.Yield()
					order = append(order, byte('a'+id))
				}
			})
		}
		if log != nil {
			w.AtEnd(func(*sim.World) { *log = append(*log, string(order)) })
		}
	}}
}

// twoPreemptionBug needs the order writer-step1 < reader-step1 <
// writer-step2 < reader-step2: the reader must see both of the writer's
// stores, one in each of its reads. That takes at least two preemptions.
var twoPreemptionBug = sim.Program{Name: "test/two-preemptions", Setup: func(w *sim.World) {
	o := &sim.Object{}
	w.NewStatic(o, "shared")
	v := 0
	w.Go("writer", func(t *sim.Task) {
		t.Write(o, "v")
		v = 1
		t.Write(o, "v")
		v = 2
	})
	w.Go("reader", func(t *sim.Task) {
		t.Read(o, "v")
		r1 := v
		t.Read(o, "v")
		r2 := v
		if r1 == 1 && r2 == 2 {
			t.Mark("saw both stores")
			t.Violation(sim.KindInvariant, "test-both", "reader saw both stores", "")
		}
	})
}}

// bugNeedsTwo evaluates twoPreemptionBug's condition on a unit order of
// the brute-force model (tasks: 0 writer, 1 reader; 3 units each).
func bugNeedsTwo(seq []int) bool {
	v, r := 0, []int{}
	done := [2]int{}
	for _, id := range seq {
		u := done[id]
		done[id]++
		if u == 0 {
			continue // start unit
		}
		if id == 0 {
			v = u
		} else {
			r = append(r, v)
		}
	}
	return r[0] == 1 && r[1] == 2
}

// checkReplays replays rep's schedule string with full tracing and wants
// the same report back, byte for byte.
func checkReplays(t *testing.T, p sim.Program, cfg sim.Config, rep *sim.Report) {
	t.Helper()
	if rep == nil {
		t.Fatalf("%s: no report to replay", p.Name)
	}
	s, err := sim.ParseSchedule(rep.Schedule)
	if err != nil {
		t.Fatalf("%s: report schedule %q does not parse: %v", p.Name, rep.Schedule, err)
	}
	if s.Program != p.Name {
		t.Fatalf("schedule names program %q, want %q", s.Program, p.Name)
	}
	cfg.Trace = sim.TraceFull
	out := sim.Execute(p, cfg, sim.NewPrefixReplay(s))
	if out.Err != nil {
		t.Fatalf("%s: replay of %q: %v", p.Name, rep.Schedule, out.Err)
	}
	got := out.Report
	if got == nil {
		t.Fatalf("%s: replay of %q is clean, want %s [%s] %s", p.Name, rep.Schedule, rep.Kind, rep.Rule, rep.Title)
	}
	if got.Kind != rep.Kind || got.Rule != rep.Rule || got.Title != rep.Title {
		t.Fatalf("%s: replay of %q gives %s [%s] %q, want %s [%s] %q", p.Name, rep.Schedule,
			got.Kind, got.Rule, got.Title, rep.Kind, rep.Rule, rep.Title)
	}
	if got.Format() != rep.Format() {
		t.Errorf("%s: replayed report differs from the explorer's:\n--- explorer\n%s--- replay\n%s", p.Name, rep.Format(), got.Format())
	}
}

// ---------------------------------------------------------------------------

func TestModelSanity(t *testing.T) {
	// The reference model against hand counts: two tasks of one step.
	// Unit orders (start+step each): 6; non-preemptive: 2 (aabb, bbaa).
	if n := len(orders(2)); n != 6 {
		t.Fatalf("orders(2) = %d, want 6", n)
	}
	if r, p, s := model(1, 0); r != 2 || p != 2 || len(s) != 2 {
		t.Fatalf("model(1,0) = %d runs (%d plain), %v", r, p, s)
	}
	// Every step interleaving is produced by some unit order, and the
	// preemption counts agree; skipping the orders that repeat a pick
	// leaves exactly one order per step interleaving.
	for k := 1; k <= 4; k++ {
		for b := 0; b <= 2*k; b++ {
			_, plain, s := model(k, b)
			if want := stepInterleavings(k, b); !maps.Equal(s, want) {
				t.Fatalf("k=%d b=%d: unit model gives step orders %v, step model %v", k, b, slices.Sorted(maps.Keys(s)), slices.Sorted(maps.Keys(want)))
			}
			if plain != len(s) {
				t.Fatalf("k=%d b=%d: %d orders repeat no pick, for %d step orders", k, b, plain, len(s))
			}
		}
	}
}

func TestDFSBoundZeroRunsNonPreemptiveOrders(t *testing.T) {
	for k := 1; k <= 5; k++ {
		var log []string
		r := explore.DFS(yielders(k, &log), explore.Options{MaxPreemptions: 0})
		a, b := strings.Repeat("a", k), strings.Repeat("b", k)
		want := []string{a + b, b + a}
		slices.Sort(log)
		if r.Runs != 2 || !slices.Equal(log, want) {
			t.Errorf("k=%d: bound 0 ran %d runs with orders %q, want exactly %q", k, r.Runs, log, want)
		}
		if !r.Exhausted || r.Bound != 0 || !r.Clean() || r.Distinct != 2 {
			t.Errorf("k=%d: %+v", k, r)
		}
	}
}

func TestDFSRunCountsMatchBruteForce(t *testing.T) {
	for _, keep := range []bool{true, false} {
		for k := 1; k <= 4; k++ {
			// The most preemptions any unit order the DFS explores
			// takes: past it the bound cuts nothing, and deepening
			// stops there.
			maxP := mostPreemptions(k, !keep)
			cumulative := 0
			for b := 0; b <= maxP+2; b++ {
				eb := min(b, maxP)
				n, plain, stepSeqs := model(k, eb)
				if !keep {
					n = plain
				}
				// Iterative deepening: bound b reruns bounds 0..b-1 first.
				if b <= maxP {
					cumulative += n
				}
				var log []string
				r := explore.DFS(yielders(k, &log), explore.Options{MaxPreemptions: b, Budget: 1 << 20, KeepRepeatedPicks: keep})
				if r.Runs != cumulative {
					t.Errorf("keep %v k=%d b=%d: %d runs, want %d (sum over bounds 0..%d of unit orders within the bound)", keep, k, b, r.Runs, cumulative, eb)
				}
				if r.Distinct != len(stepSeqs) {
					t.Errorf("keep %v k=%d b=%d: %d distinct, want %d step interleavings", keep, k, b, r.Distinct, len(stepSeqs))
				}
				got := map[string]bool{}
				for _, s := range log {
					got[s] = true
				}
				if want := stepInterleavings(k, eb); !maps.Equal(got, want) {
					t.Errorf("keep %v k=%d b=%d: step orders run %v, want %v", keep, k, b, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
				}
				if len(log) != r.Runs {
					t.Errorf("keep %v k=%d b=%d: %d runs finished, Result.Runs %d", keep, k, b, len(log), r.Runs)
				}
				if !r.Exhausted || r.Bound != eb || !r.Clean() || r.First != nil {
					t.Errorf("keep %v k=%d b=%d: Exhausted=%v Bound=%d Clean=%v", keep, k, b, r.Exhausted, r.Bound, r.Clean())
				}
				if r.BoundCut != (b < maxP) || r.Complete() != (b >= maxP) || r.FaultsCut || r.Stopped != explore.StopNone {
					t.Errorf("keep %v k=%d b=%d (most preemptions %d): BoundCut=%v Complete=%v FaultsCut=%v Stopped=%q",
						keep, k, b, maxP, r.BoundCut, r.Complete(), r.FaultsCut, r.Stopped)
				}
			}
		}
	}
}

// A bound far past the tree's depth costs nothing: deepening stops at
// the first bound that cut nothing and says the whole tree was explored.
func TestDFSStopsDeepeningWhenNothingIsCut(t *testing.T) {
	r := explore.DFS(yielders(3, nil), explore.Options{MaxPreemptions: 1_000_000_000})
	if !r.Complete() || r.Bound != mostPreemptions(3, true) || r.Coverage() != "exhausted (all interleavings)" {
		t.Errorf("bound 1e9: complete %v, bound %d, %q", r.Complete(), r.Bound, r.Coverage())
	}
	if r := explore.DFS(yielders(3, nil), explore.Options{MaxPreemptions: 2}); r.Complete() ||
		r.Coverage() != "exhausted within preemption bound 2" {
		t.Errorf("bound 2: complete %v, %q", r.Complete(), r.Coverage())
	}
	// Faults: a bound of one fault cuts the second; two cut nothing.
	for faults, cut := range map[int]bool{0: true, 1: true, 2: false} {
		r := explore.DFS(twoAllocs, explore.Options{MaxPreemptions: 1_000_000_000, MaxFaults: faults, Config: sim.Config{Faults: true}})
		if !r.Exhausted || r.FaultsCut != cut || r.BoundCut || r.Complete() == cut {
			t.Errorf("max faults %d: exhausted %v, faults cut %v (want %v), bound cut %v", faults, r.Exhausted, r.FaultsCut, cut, r.BoundCut)
		}
		want := "exhausted (all interleavings)"
		if cut {
			want = "exhausted within the fault bound (all interleavings)"
		}
		if r.Coverage() != want {
			t.Errorf("max faults %d: %q, want %q", faults, r.Coverage(), want)
		}
	}
}

// twoAllocs is one task that may fail two allocations in turn.
var twoAllocs = sim.Program{Name: "test/two-allocs", Setup: func(w *sim.World) {
	w.Go("a", func(t *sim.Task) {
		t.Fault("first")
		t.Fault("second")
	})
}}

func TestDFSFirstViolationHasFewestPreemptions(t *testing.T) {
	// Independently: the bug needs exactly two preemptions.
	minP, within1 := 1<<30, 0
	for _, o := range orders(3) {
		p := preemptions(o, 3)
		if bugNeedsTwo(o) {
			minP = min(minP, p)
		}
		if p <= 1 && !repeatsPick(o) {
			within1++
		}
	}
	if minP != 2 {
		t.Fatalf("reference model: bug needs %d preemptions, the test program is wrong", minP)
	}
	_, n0, _ := model(2, 0)

	// Bounds 0 and 1 are clean and exhaustive.
	r1 := explore.DFS(twoPreemptionBug, explore.Options{MaxPreemptions: 1, RequireMarks: []string{"saw both stores"}})
	if r1.Violations != 0 || r1.First != nil || !r1.Exhausted || r1.Runs != n0+within1 {
		t.Fatalf("bound 1: violations %d, exhausted %v, runs %d (want clean, exhausted, %d runs)", r1.Violations, r1.Exhausted, r1.Runs, n0+within1)
	}
	if !slices.Equal(r1.MissingMarks, []string{"saw both stores"}) {
		t.Fatalf("bound 1: missing marks %q", r1.MissingMarks)
	}

	r := explore.DFS(twoPreemptionBug, explore.Options{MaxPreemptions: 3, RecheckEvery: 1})
	if r.First == nil {
		t.Fatalf("DFS to bound 3 found nothing: %+v", r)
	}
	if r.FirstPreemptions != 2 || r.Bound != 2 || r.Exhausted {
		t.Errorf("FirstPreemptions %d, Bound %d, Exhausted %v; want 2, 2, false", r.FirstPreemptions, r.Bound, r.Exhausted)
	}
	if r.Runs <= r1.Runs {
		t.Errorf("found after %d runs, but bounds 0 and 1 alone take %d", r.Runs, r1.Runs)
	}
	if r.First.Kind != sim.KindInvariant || r.First.Rule != "test-both" || r.Violations != 1 {
		t.Errorf("first = %s [%s], %d violations", r.First.Kind, r.First.Rule, r.Violations)
	}
	checkReplays(t, twoPreemptionBug, sim.Config{}, r.First)

	// The schedule replays to a run with exactly two preemptions.
	s, _ := sim.ParseSchedule(r.First.Schedule)
	out := sim.Execute(twoPreemptionBug, sim.Config{}, sim.NewPrefixReplay(s))
	if p := explore.Preemptions(out.Decisions); p != 2 {
		t.Errorf("replayed schedule %s has %d preemptions", r.First.Schedule, p)
	}

	// A random walk finds it too, never with fewer than two.
	rr := explore.Random(twoPreemptionBug, explore.Options{Seed: 3, Budget: 5000})
	if rr.First == nil || rr.FirstPreemptions < 2 {
		t.Fatalf("random: %+v", rr)
	}
	checkReplays(t, twoPreemptionBug, sim.Config{}, rr.First)
}

func TestRandomIsReproducible(t *testing.T) {
	for _, name := range []string{"demo/lost-wakeup", "demo/refcount", "demo/refcount-rcu", "demo/abba-ordered"} {
		sc, err := scenarios.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, seed := range []uint64{0, 1, 7, 1 << 40} {
			o := explore.Options{Seed: seed, Budget: 300, Config: sc.Config, RequireMarks: sc.Marks}
			a := explore.Random(sc.Program(sc.Default().Variant), o)
			b := explore.Random(sc.Program(sc.Default().Variant), o)
			if a.Runs != b.Runs || a.Distinct != b.Distinct || a.Steps != b.Steps || a.Violations != b.Violations ||
				a.FirstPreemptions != b.FirstPreemptions || !maps.Equal(a.Marks, b.Marks) || (a.First == nil) != (b.First == nil) {
				t.Fatalf("%s seed %d: results differ:\n%+v\n%+v", name, seed, a, b)
			}
			if a.First != nil {
				if a.First.Schedule != b.First.Schedule || a.First.Format() != b.First.Format() {
					t.Fatalf("%s seed %d: first reports differ: %s vs %s", name, seed, a.First.Schedule, b.First.Schedule)
				}
				checkReplays(t, sc.Program(sc.Default().Variant), sc.Config, a.First)
			}
		}
	}
}

func TestRequireMarks(t *testing.T) {
	p := sim.Program{Name: "test/marks", Setup: func(w *sim.World) {
		w.Go("a", func(t *sim.Task) {
			t.Yield()
			t.Mark("a ran")
		})
		w.Go("b", func(t *sim.Task) { t.Yield() })
	}}
	want := []string{"never one", "never two"}
	for _, r := range []*explore.Result{
		explore.DFS(p, explore.Options{MaxPreemptions: 2, RequireMarks: []string{"never one", "a ran", "never two"}}),
		explore.Random(p, explore.Options{Budget: 50, RequireMarks: []string{"never one", "a ran", "never two"}}),
	} {
		if !slices.Equal(r.MissingMarks, want) || r.Clean() || r.Violations != 0 || r.Marks["a ran"] != r.Runs {
			t.Errorf("missing %q (want %q), clean %v, marks %v after %d runs", r.MissingMarks, want, r.Clean(), r.Marks, r.Runs)
		}
		if r.Status() != explore.StatusIncomplete {
			t.Errorf("missing marks: status %q, want incomplete", r.Status())
		}
	}
	if r := explore.DFS(p, explore.Options{RequireMarks: []string{"a ran"}}); !r.Clean() || len(r.MissingMarks) != 0 || r.Status() != explore.StatusClean {
		t.Errorf("all marks hit, but missing %q (status %q)", r.MissingMarks, r.Status())
	}
	// A violation outranks a missing mark.
	r := explore.DFS(twoPreemptionBug, explore.Options{MaxPreemptions: 2, RequireMarks: []string{"never"}})
	if r.Status() != explore.StatusViolation || len(r.MissingMarks) != 1 {
		t.Errorf("violation and a missing mark: status %q, missing %q", r.Status(), r.MissingMarks)
	}
	// A mark reached only by a preempted interleaving is missing at bound
	// 0 and hit at bound 2.
	for b, missing := range map[int]bool{0: true, 2: false} {
		r := explore.DFS(twoPreemptionBug, explore.Options{MaxPreemptions: b, KeepGoing: true, RequireMarks: []string{"saw both stores"}})
		if got := len(r.MissingMarks) == 1; got != missing {
			t.Errorf("bound %d: missing marks %q", b, r.MissingMarks)
		}
	}
}

func TestBudget(t *testing.T) {
	p := yielders(4, nil)
	for _, budget := range []int{1, 2, 7, 50} {
		r := explore.DFS(p, explore.Options{MaxPreemptions: 4, Budget: budget})
		if r.Runs != budget || r.Exhausted {
			t.Errorf("DFS budget %d: %d runs, exhausted %v", budget, r.Runs, r.Exhausted)
		}
		r = explore.Random(p, explore.Options{Budget: budget})
		if r.Runs != budget {
			t.Errorf("Random budget %d: %d runs", budget, r.Runs)
		}
	}
	// A budget of exactly the tree's size is enough to exhaust it; one run
	// fewer is not.
	total := 0
	for b := 0; b <= min(2, mostPreemptions(2, true)); b++ {
		_, n, _ := model(2, b)
		total += n
	}
	if r := explore.DFS(yielders(2, nil), explore.Options{MaxPreemptions: 2, Budget: total}); r.Runs != total || !r.Exhausted {
		t.Errorf("budget %d = tree size: %d runs, exhausted %v", total, r.Runs, r.Exhausted)
	}
	if r := explore.DFS(yielders(2, nil), explore.Options{MaxPreemptions: 2, Budget: total - 1}); r.Runs != total-1 || r.Exhausted {
		t.Errorf("budget %d: %d runs, exhausted %v", total-1, r.Runs, r.Exhausted)
	}
	// KeepGoing explores past violations, but not past the budget (every
	// demo/abba run is a lockdep report).
	abba, err := scenarios.Lookup("demo/abba")
	if err != nil {
		t.Fatal(err)
	}
	for _, budget := range []int{1, 40} {
		o := explore.Options{Budget: budget, KeepGoing: true, MaxPreemptions: 3, RecheckEvery: 7}
		for _, r := range []*explore.Result{explore.Random(abba.Program(abba.Default().Variant), o), explore.DFS(abba.Program(abba.Default().Variant), o)} {
			if r.Runs != budget || r.Violations != budget || r.First == nil || r.First.Kind != sim.KindLockdep {
				t.Errorf("KeepGoing, budget %d: %d runs, %d violations", budget, r.Runs, r.Violations)
			}
		}
	}
	// The zero budget means DefaultBudget.
	if r := explore.Random(p, explore.Options{}); r.Runs != explore.DefaultBudget {
		t.Errorf("default budget: %d runs", r.Runs)
	}
}

// nondetRuns counts executions of the counter program: a package-level
// counter, which no replay can restore, decides how many steps a task
// takes. This is exactly what model code must not do.
var nondetRuns int

var nondetCounter = sim.Program{Name: "test/nondet-counter", Setup: func(w *sim.World) {
	nondetRuns++
	n := 1 + nondetRuns%3
	w.Go("a", func(t *sim.Task) {
		for range n {
			t.Yield()
		}
	})
	w.Go("b", func(t *sim.Task) { t.Yield() })
}}

var nondetClasses = func() []*sim.LockClass {
	var c []*sim.LockClass
	for i := range 8 {
		c = append(c, sim.NewLockClass(fmt.Sprintf("nondet_lock_%d", i)))
	}
	return c
}()

// nondetMap takes whichever lock map iteration yields first.
var nondetMap = sim.Program{Name: "test/nondet-map", Setup: func(w *sim.World) {
	o := &sim.Object{}
	w.NewStatic(o, "locks")
	locks := map[int]*sim.SpinLock{}
	for i, c := range nondetClasses {
		l := &sim.SpinLock{}
		l.Init(o, fmt.Sprintf("l%d", i), c)
		locks[i] = l
	}
	w.Go("a", func(t *sim.Task) {
		for _, l := range locks {
			l.Lock(t)
			l.Unlock(t)
			break
		}
	})
	w.Go("b", func(t *sim.Task) { t.Yield() })
}}

// The nondeterministic programs keep state between runs on purpose, so
// their runs must not run at once: one worker.
func TestRecheckFiresOnNondeterminism(t *testing.T) {
	for _, p := range []sim.Program{nondetCounter, nondetMap} {
		for _, strat := range []string{"dfs", "random"} {
			o := explore.Options{MaxPreemptions: 2, Budget: 2000, RecheckEvery: 1, Workers: 1}
			var r *explore.Result
			if strat == "dfs" {
				r = explore.DFS(p, o)
			} else {
				r = explore.Random(p, o)
			}
			if r.First == nil || r.First.Kind != sim.KindNondeterm || r.First.Rule != "replay-mismatch" {
				t.Errorf("%s %s: recheck did not fire: %+v", p.Name, strat, r)
				continue
			}
			if !strings.Contains(r.First.Schedule, p.Name) || r.Clean() {
				t.Errorf("%s %s: report %+v", p.Name, strat, r.First)
			}
		}
	}
	// Every third run is rechecked: the first recheck is run 3.
	if r := explore.Random(nondetCounter, explore.Options{Budget: 100, RecheckEvery: 3, Workers: 1}); r.First == nil || r.First.Kind != sim.KindNondeterm || r.Runs != 3 {
		t.Errorf("RecheckEvery 3: %d runs, first %+v", r.Runs, r.First)
	}
	// Without the self-check the counter program explores "clean".
	if r := explore.Random(nondetCounter, explore.Options{Budget: 100, Workers: 1}); !r.Clean() {
		t.Errorf("no recheck, yet a report: %+v", r.First)
	}
}

func TestRecheckQuietOnScenarios(t *testing.T) {
	// Every run is replayed twice (RecheckEvery 1), so the whole catalog
	// would take minutes: every sixth scenario (-short: every thirtieth)
	// here; `dcsim check` samples determinism on every cell.
	budget, every := 3000, 6
	if testing.Short() {
		budget, every = 300, 30
	}
	for i, sc := range scenarios.All() {
		if i%every != 0 {
			continue
		}
		o := explore.Options{MaxPreemptions: 3, Budget: budget, Config: sc.Config, RecheckEvery: 1, RequireMarks: sc.Marks}
		for _, r := range []*explore.Result{explore.DFS(sc.Program(sc.Default().Variant), o), explore.Random(sc.Program(sc.Default().Variant), o)} {
			if r.Err != nil {
				t.Errorf("%s: %v", sc.Name, r.Err)
			}
			if want := sc.Default().Expect; !want.Met(r.First) {
				t.Errorf("%s: found %v, expected %s", sc.Name, r.First, want)
				continue
			}
			if r.First == nil {
				continue
			}
			checkReplays(t, sc.Program(sc.Default().Variant), sc.Config, r.First)
		}
	}
}

func TestPreemptions(t *testing.T) {
	log := []sim.Decision{
		{Kind: sim.DecideSchedule, Cur: -1, Runnable: 3, Value: 1}, // free: nobody running
		{Kind: sim.DecideSchedule, Cur: 1, Runnable: 3, Value: 1},  // goes on
		{Kind: sim.DecideSchedule, Cur: 1, Runnable: 3, Value: 0},  // preempts
		{Kind: sim.DecideFault, Cur: 0, N: 2, Value: 1},            // not a schedule decision
		{Kind: sim.DecideSchedule, Cur: 0, Runnable: 7, Value: 2},  // preempts
	}
	if n := explore.Preemptions(log); n != 2 {
		t.Errorf("Preemptions = %d, want 2", n)
	}
	if explore.RunSeed(1, 0) == explore.RunSeed(1, 1) || explore.RunSeed(1, 0) == explore.RunSeed(2, 0) {
		t.Error("RunSeed collides on neighbouring inputs")
	}
}

// A done context stops the exploration between runs and says why; so
// does the budget. Progress sees every run.
func TestStopReasons(t *testing.T) {
	p := yielders(6, nil)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	late, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	for _, tc := range []struct {
		ctx  context.Context
		want explore.StopReason
		text string
	}{
		{cancelled, explore.StopCancelled, "interrupted (1 runs)"},
		{late, explore.StopTime, "stopped at the time limit (1 runs)"},
	} {
		calls := 0
		r := explore.DFS(p, explore.Options{MaxPreemptions: 3, Context: tc.ctx, Progress: func(n int) { calls = n }})
		if r.Runs != 1 || r.Stopped != tc.want || r.Exhausted || r.Coverage() != tc.text || calls != 1 {
			t.Errorf("%v: %d runs, stopped %q, exhausted %v, %q, progress %d", tc.want, r.Runs, r.Stopped, r.Exhausted, r.Coverage(), calls)
		}
	}
	if r := explore.DFS(p, explore.Options{MaxPreemptions: 3, Budget: 5}); r.Stopped != explore.StopBudget || r.Coverage() != "stopped at the budget (5 runs)" {
		t.Errorf("budget: stopped %q, %q", r.Stopped, r.Coverage())
	}
	if r := explore.DFS(twoPreemptionBug, explore.Options{MaxPreemptions: 3}); r.Stopped != explore.StopViolation {
		t.Errorf("violation: stopped %q", r.Stopped)
	}
}
