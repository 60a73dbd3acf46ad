package explore_test

import (
	"maps"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// localAndShared has two tasks that each touch an object of their own
// three times and one object they share once.
var localAndShared = sim.Program{Name: "test/local-and-shared", Setup: func(w *sim.World) {
	shared, la, lb := &sim.Object{}, &sim.Object{}, &sim.Object{}
	w.NewStatic(shared, "shared")
	w.NewStatic(la, "local-a")
	w.NewStatic(lb, "local-b")
	for _, local := range []*sim.Object{la, lb} {
		w.Go("task", func(t *sim.Task) {
			t.Write(local, "x")
			t.Write(local, "x")
			t.Write(shared, "v")
			t.Write(local, "x")
		})
	}
}}

// PlanPCT counts an object as shared when two tasks touch it, and K as
// the steps on shared objects: the shared object's two writes here.
func TestPlanPCTCountsSharedSteps(t *testing.T) {
	plan := explore.PlanPCT(localAndShared, sim.Config{})
	if len(plan.Shared) != 1 || plan.K != 2 {
		t.Fatalf("plan: %d shared objects, K %d; want 1 and 2", len(plan.Shared), plan.K)
	}
	if again := explore.PlanPCT(localAndShared, sim.Config{}); again.K != plan.K || !maps.Equal(again.Shared, plan.Shared) {
		t.Errorf("two plans of one program differ: %+v, %+v", plan, again)
	}
	if p := explore.PlanPCT(twoPreemptionBug, sim.Config{}); len(p.Shared) != 1 || p.K != 4 {
		t.Errorf("two-preemption program: %d shared objects, K %d; want 1 and 4 (W1 W2 R1 R2)", len(p.Shared), p.K)
	}
}

// preemptionSpy runs a strategy and records, for every decision that
// switches away from a task that could go on, whether the step that task
// was about to take touches a shared object.
type preemptionSpy struct {
	inner             sim.Strategy
	shared            map[sim.ObjID]bool
	atShared, atLocal int
}

func (s *preemptionSpy) Decide(w *sim.World, d *sim.Decision) int {
	v := s.inner.Decide(w, d)
	if d.Kind == sim.DecideSchedule && d.Cur >= 0 && d.Runnable&(1<<uint(d.Cur)) != 0 && v != int(d.Cur) {
		if s.shared[w.Pending(int(d.Cur)).ID] {
			s.atShared++
		} else {
			s.atLocal++
		}
	}
	return v
}

// A change point stops a task only before a step on a shared object;
// with every step counted (a nil Shared), some land before local steps.
func TestPCTChangePointsOnlyAtSharedSteps(t *testing.T) {
	plan := explore.PlanPCT(localAndShared, sim.Config{})
	all := explore.PCTPlan{K: 8} // every step of both tasks counts
	for _, tc := range []struct {
		name      string
		plan      explore.PCTPlan
		wantLocal bool
	}{{"shared steps", plan, false}, {"every step", all, true}} {
		spy := &preemptionSpy{shared: plan.Shared}
		for i := range 300 {
			spy.inner = explore.NewPCT(explore.RunSeed(4, i), 3, tc.plan)
			sim.Execute(localAndShared, sim.Config{}, spy).Release()
		}
		if spy.atShared == 0 || (spy.atLocal > 0) != tc.wantLocal {
			t.Errorf("%s: %d preemptions before a shared step, %d before a local one", tc.name, spy.atShared, spy.atLocal)
		}
	}
}

// PCT at depth d changes priorities d-1 times: on a program that never
// blocks or spins, no run preempts more often, and depth 1 runs each task
// to its end.
func TestPCTPreemptsAtMostDepthMinusOne(t *testing.T) {
	plan := explore.PlanPCT(twoPreemptionBug, sim.Config{})
	for d := 1; d <= 3; d++ {
		most := 0
		for i := range 200 {
			out := sim.Execute(twoPreemptionBug, sim.Config{}, explore.NewPCT(explore.RunSeed(9, i), d, plan))
			most = max(most, explore.Preemptions(out.Decisions))
			out.Release()
		}
		if most > d-1 || (d > 1 && most == 0) {
			t.Errorf("depth %d: at most %d preemptions per run, want between 1 and %d", d, most, d-1)
		}
	}
}

// PCT finds the catalog's two-preemption bugs on every seed of a fixed
// range within a budget (seeds 0-9 took at most 579 and 230 runs when
// measured), and nothing on the fixed variant of the same scenario.
func TestPCTFindsDeepBugs(t *testing.T) {
	seeds := 10
	if testing.Short() {
		seeds = 2
	}
	for _, tc := range []struct {
		scenario, variant string
		ignore            []string
		budget            int
		want              sim.Kind
	}{
		{"stashed/dying-dentry", "mainline+mut=stash-no-d-delete/today", nil, 1000, sim.KindInvariant},
		{"eventfs/lookup-vs-prune", "mainline/today", []string{"WARN_ON_ONCE"}, 500, sim.KindKASAN},
		{"stashed/dying-dentry", "mainline/today", nil, 500, ""},
	} {
		p, cfg := catalogProgram(t, tc.scenario, tc.variant)
		for seed := range seeds {
			r := explore.PCT(p, explore.Options{Seed: uint64(seed), Budget: tc.budget, Config: cfg, Ignore: tc.ignore, Workers: 1})
			switch {
			case tc.want == "" && r.First != nil:
				t.Errorf("%s@%s seed %d: %s on a clean variant", tc.scenario, tc.variant, seed, r.First.Kind)
			case tc.want != "" && (r.First == nil || r.First.Kind != tc.want):
				t.Errorf("%s@%s seed %d: no %s within %d runs (%+v)", tc.scenario, tc.variant, seed, tc.want, tc.budget, r.First)
			}
		}
	}
}

// The same seed gives the same runs; another seed, other runs.
func TestPCTDeterministic(t *testing.T) {
	p, cfg := catalogProgram(t, "stashed/dying-dentry", "mainline+mut=stash-no-d-delete/today")
	o := explore.Options{Seed: 3, Budget: 150, Config: cfg, KeepGoing: true, Workers: 1}
	a, b := explore.PCT(p, o), explore.PCT(p, o)
	sameResult(t, "pct seed 3 twice", a, b)
	o.Seed = 4
	if c := explore.PCT(p, o); c.Steps == a.Steps && c.Violations == a.Violations {
		t.Errorf("seeds 3 and 4 gave the same %d steps and %d violations", c.Steps, c.Violations)
	}
}
