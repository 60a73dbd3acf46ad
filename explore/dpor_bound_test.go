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

// Cells that plain DPOR (sleep sets, backtrack points only where the
// race is) exhausted at bound 1 without the violation the bounded DFS
// finds there: its linearisation of the violating class needed two
// preemptions (explore/dpor_bound.go). Both DPOR modes must find them,
// the default in fewer runs than the DFS.
func TestDPORFindsWithinTheBound(t *testing.T) {
	cells := []struct{ scenario, v string }{
		{"procfs/fd-readdir-vs-lookup", "v3/today"},
		{"nfs/create-vs-lookup-remote", "v3/pdirops"},
		{"ovl-disk/readdir-vs-lookup", "v3+fix=ovl-readdir/today"},
	}
	if testing.Short() {
		cells = cells[:1]
	}
	for _, c := range cells {
		p, cfg := catalogProgram(t, c.scenario, c.v)
		o := explore.Options{MaxPreemptions: 1, Budget: 20_000, Config: cfg}
		dfs := explore.DFS(p, o)
		name := c.scenario + "@" + c.v
		if dfs.First == nil || dfs.FirstPreemptions != 1 {
			t.Fatalf("%s: the DFS should find it with one preemption: %v", name, dfs.First)
		}
		for _, full := range []bool{false, true} {
			o.ConservativeBound = full
			r := explore.DPOR(p, o)
			if r.First == nil || r.First.Kind != dfs.First.Kind {
				t.Errorf("%s (full %v): DPOR %v in %d runs (%s), DFS %s", name, full, r.First, r.Runs, r.Coverage(), dfs.First.Kind)
				continue
			}
			if !full && r.Runs >= dfs.Runs {
				t.Errorf("%s: DPOR needed %d runs, the DFS %d", name, r.Runs, dfs.Runs)
			}
			t.Logf("%s: DFS %d runs, DPOR (full %v) %d runs", name, dfs.Runs, full, r.Runs)
		}
	}
}

// Both modes keep the violations of the exhaustive DFS on the synthetic
// programs at every bound 0..3 (TestDPORMatchesDFSOnSyntheticPrograms
// compares unbounded).
func TestDPORMatchesDFSAtEachBound(t *testing.T) {
	progs := []sim.Program{counterRace(2, false), counterRace(2, true), twoPreemptionBug, abba, allocRace}
	if testing.Short() {
		progs = progs[:3] // the DFS of the last two takes 0.4 s
	}
	for _, p := range progs {
		for bound := range 4 {
			o := explore.Options{MaxPreemptions: bound, MaxFaults: 1, Budget: 1 << 20}
			dfs := explore.SurveyOf(explore.DFS, p, o)
			for _, full := range []bool{false, true} {
				o.ConservativeBound = full
				dpor := explore.SurveyOf(explore.DPOR, p, o)
				if !dpor.Result.Exhausted || !maps.Equal(keys(dfs.Groups), keys(dpor.Groups)) {
					t.Errorf("%s bound %d (full %v): dfs %v, dpor %v (%s)", p.Name, bound, full,
						slices.Sorted(maps.Keys(dfs.Groups)), slices.Sorted(maps.Keys(dpor.Groups)), dpor.Result.Coverage())
				}
			}
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
