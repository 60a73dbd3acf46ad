package explore_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// sameTree fails unless two DFS results agree on everything but time,
// exhaustion and cut flags included.
func sameTree(t *testing.T, what string, a, b *explore.Result) {
	t.Helper()
	sameResult(t, what, a, b)
	if a.Exhausted != b.Exhausted || a.Bound != b.Bound || a.BoundCut != b.BoundCut || a.FaultsCut != b.FaultsCut ||
		!slices.Equal(a.MissingMarks, b.MissingMarks) || len(a.Groups) != len(b.Groups) {
		t.Fatalf("%s: trees differ:\n%+v\n%+v", what, a, b)
	}
	for i := range a.Groups {
		if a.Groups[i].Count != b.Groups[i].Count || a.Groups[i].First.Schedule != b.Groups[i].First.Schedule {
			t.Fatalf("%s: group %d differs", what, i)
		}
	}
}

// The DFS spread over workers gives the one-worker result: on a clean
// tree it exhausts, on a violation, with --all, and when the budget ends
// the search part-way or exactly at the tree's last run.
func TestParallelDFSMatchesOneWorker(t *testing.T) {
	type tc struct {
		scenario, variant string
		bound, budget     int
		all               bool
	}
	cases := []tc{
		{"dcache/parallel-lookup", "mainline/today", 1, 0, false},
		{"dcache/unhash-same-bucket", "mainline+mut=no-unhash-lock/today", 2, 2500, false},
		{"dcache/owner-and-waiter", "v3+mut=no-lock-waiter/today", 2, 0, true},
		{"dcache/parallel-lookup", "mainline/today", 2, 700, false},
		{"dcache/parallel-lookup", "mainline/today", 1, 917, false},
		{"demo/lost-wakeup", "", 2, 0, true},
		{"dcache/owner-and-waiter", "v3+mut=no-lock-waiter/today", 2, 0, false},
	}
	if testing.Short() {
		cases = cases[2:]
	}
	for _, c := range cases {
		sc, v := scenarioCell(t, c.scenario, c.variant)
		opts := explore.Options{MaxPreemptions: c.bound, Budget: c.budget, Config: sc.Config, RequireMarks: sc.Marks,
			All: c.all, KeepGoing: c.all, RecheckEvery: 50, Workers: 1}
		one := explore.DFS(sc.Program(v), opts)
		for _, w := range []int{2, 3} {
			opts.Workers = w
			sameTree(t, fmt.Sprintf("%s@%s workers=%d", c.scenario, v, w), one, explore.DFS(sc.Program(v), opts))
		}
		if c.budget == 0 && !c.all && one.First == nil {
			// A budget of exactly the tree's runs: its last run spends it
			// and the tree still counts as exhausted.
			opts.Budget, opts.Workers = one.Runs, 1
			exact := explore.DFS(sc.Program(v), opts)
			opts.Workers = 2
			sameTree(t, "exact budget", exact, explore.DFS(sc.Program(v), opts))
		}
	}
}

// On the synthetic two-preemption bug, every bound and worker count
// finds the same first violation.
func TestParallelDFSSyntheticBounds(t *testing.T) {
	for b := range 4 {
		o := explore.Options{MaxPreemptions: b, Workers: 1}
		one := explore.DFS(twoPreemptionBug, o)
		for _, w := range []int{2, 4} {
			o.Workers = w
			sameTree(t, fmt.Sprintf("bound %d workers %d", b, w), one, explore.DFS(twoPreemptionBug, o))
		}
		if one.First != nil {
			checkReplays(t, twoPreemptionBug, sim.Config{}, one.First)
		}
	}
}
