package explore_test

import (
	"fmt"
	"maps"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// samplers are the strategies that sample runs by seed, by name.
var samplers = map[string]func(sim.Program, explore.Options) *explore.Result{
	"random": explore.Random,
	"pct":    explore.PCT,
	"pos":    explore.POS,
}

// sameResult fails unless two explorations agree on everything but time.
func sameResult(t *testing.T, what string, a, b *explore.Result) {
	t.Helper()
	if a.Runs != b.Runs || a.Distinct != b.Distinct || a.Steps != b.Steps || a.Violations != b.Violations ||
		a.FirstPreemptions != b.FirstPreemptions || a.Stopped != b.Stopped || !maps.Equal(a.Marks, b.Marks) ||
		(a.First == nil) != (b.First == nil) {
		t.Fatalf("%s: results differ:\n%+v\n%+v", what, a, b)
	}
	if a.First != nil && (a.First.Schedule != b.First.Schedule || a.First.Format() != b.First.Format()) {
		t.Fatalf("%s: first reports differ: %s vs %s", what, a.First.Schedule, b.First.Schedule)
	}
}

func TestSamplingIndependentOfWorkers(t *testing.T) {
	type target struct{ name, variant string }
	targets := []target{{"demo/refcount", ""}, {"demo/lost-wakeup", ""},
		{"dcache/unhash-same-bucket", "mainline+mut=no-unhash-lock/today"}}
	for _, tg := range targets {
		sc, v := scenarioCell(t, tg.name, tg.variant)
		for name, explorer := range samplers {
			for _, keepGoing := range []bool{false, true} {
				o := explore.Options{Seed: 3, Budget: 120, Config: sc.Config, RequireMarks: sc.Marks, KeepGoing: keepGoing,
					RecheckEvery: 7, Depth: 3, Workers: 1}
				one := explorer(sc.Program(v), o)
				for _, w := range []int{2, 5} {
					o.Workers = w
					what := fmt.Sprintf("%s@%s %s keepGoing=%v workers=%d", tg.name, v, name, keepGoing, w)
					sameResult(t, what, one, explorer(sc.Program(v), o))
				}
				if one.First != nil {
					checkReplays(t, sc.Program(v), sc.Config, one.First)
				}
			}
		}
	}
}

func TestPCTAndPOSFindTwoPreemptionBug(t *testing.T) {
	for _, tc := range []struct {
		name  string
		depth int
	}{{"pct", 0}, {"pct", 3}, {"pos", 0}, {"random", 0}} {
		r := samplers[tc.name](twoPreemptionBug, explore.Options{Seed: 1, Budget: 2000, Depth: tc.depth, RecheckEvery: 10})
		if r.First == nil {
			t.Fatalf("%s: no violation in %d runs", tc.name, r.Runs)
		}
		if r.FirstPreemptions < 2 {
			t.Errorf("%s: found with %d preemptions; the bug needs 2", tc.name, r.FirstPreemptions)
		}
		checkReplays(t, twoPreemptionBug, sim.Config{}, r.First)
	}
}

// POS's priorities are per event: a task whose next step races with the
// step just run draws again, one whose step does not keeps its priority.
// Over many seeds, both orders of two racing first steps occur.
func TestPOSSamplesBothOrdersOfARace(t *testing.T) {
	seen := map[string]bool{}
	for i := range 100 {
		out := sim.Execute(twoPreemptionBug, sim.Config{Trace: sim.TraceCompact}, explore.NewPOS(explore.RunSeed(1, i)))
		first := -1
		for _, s := range out.Trace {
			if s.ID != 0 {
				first = s.Task
				break
			}
		}
		seen[fmt.Sprint(first)] = true
		out.Release()
	}
	if !seen["0"] || !seen["1"] {
		t.Errorf("first step on the shared object taken by tasks %v over 100 seeds, want both", seen)
	}
}
