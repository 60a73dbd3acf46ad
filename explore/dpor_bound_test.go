package explore_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Known limitation, pinned: within a preemption bound, DPOR with sleep
// sets explores one linearisation per trace class, and the violating
// class's may need more preemptions than the bound (the DFS finds these
// cells with one). Options.ConservativeBound (Coons et al.'s
// conservative backtrack points, no sleep sets) finds them, still in
// fewer runs than the DFS. docs/performance.md, "DPOR and the preemption
// bound", lists every such cell.
func TestDPORBoundLimitationAndConservative(t *testing.T) {
	for _, c := range []struct {
		scenario, v string
	}{
		{"nfs/create-vs-lookup-remote", "v3/pdirops"},
		{"ovl-disk/readdir-vs-lookup", "v3+fix=ovl-readdir/today"},
	} {
		p, cfg := catalogProgram(t, c.scenario, c.v)
		o := explore.Options{MaxPreemptions: 1, Budget: 20_000, Config: cfg}
		dfs := explore.DFS(p, o)
		plain := explore.DPOR(p, o)
		o.ConservativeBound = true
		cons := explore.DPOR(p, o)
		name := c.scenario + "@" + c.v
		if dfs.First == nil || dfs.FirstPreemptions != 1 {
			t.Fatalf("%s: the DFS should find it with one preemption: %v", name, dfs.First)
		}
		if plain.First != nil || !plain.Exhausted {
			t.Errorf("%s: plain DPOR now finds it (%s, %d runs): the limitation is gone, update this test and docs/performance.md", name, plain.First.Kind, plain.Runs)
		}
		if cons.First == nil || cons.First.Kind != dfs.First.Kind {
			t.Errorf("%s: conservative DPOR: %v in %d runs (%s), DFS %s", name, cons.First, cons.Runs, cons.Coverage(), dfs.First.Kind)
		} else if cons.Runs >= dfs.Runs {
			t.Errorf("%s: conservative DPOR needed %d runs, the DFS %d", name, cons.Runs, dfs.Runs)
		}
		t.Logf("%s: DFS %d runs, DPOR none in %d (%s), conservative DPOR %d runs", name, dfs.Runs, plain.Runs, plain.Coverage(), cons.Runs)
	}
}

// The conservative mode keeps the soundness of the plain one on the
// synthetic programs: the same violations as the exhaustive DFS.
func TestConservativeDPORMatchesDFS(t *testing.T) {
	progs := []sim.Program{counterRace(2, false), counterRace(2, true), twoPreemptionBug, abba, allocRace}
	if testing.Short() {
		progs = progs[:3] // the DFS of the last two takes 0.4 s
	}
	for _, p := range progs {
		o := explore.Options{MaxPreemptions: 20, MaxFaults: 1, Budget: 1 << 20}
		dfs := explore.SurveyOf(explore.DFS, p, o)
		o.ConservativeBound = true
		cons := explore.SurveyOf(explore.DPOR, p, o)
		if !cons.Result.Exhausted || !maps.Equal(keys(dfs.Groups), keys(cons.Groups)) {
			t.Errorf("%s: dfs %v, conservative dpor %v (%s)", p.Name, slices.Sorted(maps.Keys(dfs.Groups)), slices.Sorted(maps.Keys(cons.Groups)), cons.Result.Coverage())
		}
	}
}

// catalogProgram is the program and configuration of a catalog cell.
func catalogProgram(t *testing.T, scenario, v string) (sim.Program, sim.Config) {
	t.Helper()
	sc, err := scenarios.Lookup(scenario)
	if err != nil {
		t.Fatal(err)
	}
	vv, err := variant.Parse(v)
	if err != nil {
		t.Fatal(err)
	}
	return sc.Program(vv), sc.Config
}
