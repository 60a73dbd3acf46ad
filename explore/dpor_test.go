package explore_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

var testLock = sim.NewLockClass("test lock")

// counterRace: n tasks increment a shared counter, each under the lock
// or (racy) with a lockless read and write; the end check wants every
// increment.
func counterRace(n int, locked bool) sim.Program {
	return sim.Program{Name: fmt.Sprintf("test/counter-%d-%v", n, locked), Setup: func(w *sim.World) {
		o := &sim.Object{}
		w.NewStatic(o, "counter")
		var l sim.SpinLock
		l.Init(o, "lock", testLock)
		other := &sim.Object{}
		w.NewStatic(other, "private")
		v := 0
		for i := range n {
			w.Go(fmt.Sprintf("inc%d", i), func(t *sim.Task) {
				t.Write(other, "scratch") // independent of the others' steps but its own
				if locked {
					l.Lock(t)
				}
				t.Read(o, "v")
				x := v
				t.Write(o, "v")
				v = x + 1
				if locked {
					l.Unlock(t)
				}
			})
		}
		w.AtEnd(func(w *sim.World) {
			if v != n {
				w.Violation(sim.KindInvariant, "test-lost", "lost increment", "")
			}
		})
	}}
}

// allocRace: two tasks allocate objects (so ids follow the interleaving)
// and publish one through a shared slot the third frees.
var allocRace = sim.Program{Name: "test/alloc-race", Setup: func(w *sim.World) {
	slot := &sim.Object{}
	w.NewStatic(slot, "slot")
	var pub *sim.Object
	for i := range 2 {
		w.Go(fmt.Sprintf("alloc%d", i), func(t *sim.Task) {
			a := &sim.Object{}
			t.Alloc(a, "a")
			t.Write(slot, "p")
			if pub == nil {
				pub = a
			}
			t.Free(a)
		})
	}
	w.Go("user", func(t *sim.Task) {
		t.Read(slot, "p")
		if p := pub; p != nil {
			t.Read(p, "f")
		}
	})
}}

// abba: two tasks take two locks in opposite orders.
var abba = sim.Program{Name: "test/abba", Setup: func(w *sim.World) {
	o := &sim.Object{}
	w.NewStatic(o, "locks")
	var a, b sim.SpinLock
	a.Init(o, "a", sim.NewLockClass("test a"))
	b.Init(o, "b", sim.NewLockClass("test b"))
	w.Go("ab", func(t *sim.Task) { a.Lock(t); b.Lock(t); b.Unlock(t); a.Unlock(t) })
	w.Go("ba", func(t *sim.Task) { b.Lock(t); a.Lock(t); a.Unlock(t); b.Unlock(t) })
}}

// checkAgainstDFS explores p with an exhaustive DFS and with DPOR at
// the same bound and wants the same violation groups, and DPOR's trace
// classes to include every class the DFS saw.
//
// Within a preemption bound that cuts the tree (classes false) only the
// violations are compared: bounded DPOR explores one linearisation of a
// class, which may need more preemptions than the one the DFS found.
func checkAgainstDFS(t *testing.T, name string, p sim.Program, cfg sim.Config, bound int) (dfs, dpor *explore.Survey) {
	t.Helper()
	o := explore.Options{MaxPreemptions: bound, MaxFaults: 1, Budget: 1 << 20, Config: cfg}
	dfs = explore.SurveyOf(explore.DFS, p, o)
	dpor = explore.SurveyOf(explore.DPOR, p, o)
	classes := dfs.Result.Complete()
	if !dfs.Result.Exhausted || !dpor.Result.Exhausted {
		t.Fatalf("%s: not exhausted: dfs %s, dpor %s", name, dfs.Result.Coverage(), dpor.Result.Coverage())
	}
	if !maps.Equal(keys(dfs.Groups), keys(dpor.Groups)) {
		t.Errorf("%s: violations differ:\n dfs  %v\n dpor %v", name, slices.Sorted(maps.Keys(dfs.Groups)), slices.Sorted(maps.Keys(dpor.Groups)))
	}
	missing := 0
	for c := range dfs.Classes {
		if !dpor.Classes[c] {
			missing++
		}
	}
	if missing > 0 && classes {
		t.Errorf("%s: DPOR missed %d of %d trace classes", name, missing, len(dfs.Classes))
	}
	t.Logf("%s: dfs %d runs (%s), dpor %d runs, %d classes (dpor missed %d), groups %v", name, dfs.Result.Runs, dfs.Result.Coverage(),
		dpor.Result.Runs, len(dfs.Classes), missing, slices.Sorted(maps.Keys(dpor.Groups)))
	return dfs, dpor
}

func keys(m map[string]int) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func TestDPORMatchesDFSOnSyntheticPrograms(t *testing.T) {
	for _, c := range []struct {
		name string
		p    sim.Program
	}{
		{"counter-2-racy", counterRace(2, false)},

		{"counter-2-locked", counterRace(2, true)},
		{"alloc-race", allocRace},
		{"abba", abba},
		{"two-preemptions", twoPreemptionBug},
	} {
		checkAgainstDFS(t, c.name, c.p, sim.Config{}, 20)
	}
}

// DPOR's runs against the DFS's: fewer than the DFS that skips repeated
// picks (sim.Decision.RepeatsPick, which already removes most of the
// duplicate orders of this small program), and at most half of the DFS
// that explores every order.
func TestDPORFewerRuns(t *testing.T) {
	p := counterRace(2, true)
	dfs, dpor := checkAgainstDFS(t, "counter-2-locked", p, sim.Config{}, 20)
	every := explore.DFS(p, explore.Options{MaxPreemptions: 20, MaxFaults: 1, Budget: 1 << 20, KeepRepeatedPicks: true})
	if dpor.Result.Runs >= dfs.Result.Runs || dpor.Result.Runs*2 > every.Runs {
		t.Errorf("DPOR %d runs, DFS %d (every order: %d): expected a reduction", dpor.Result.Runs, dfs.Result.Runs, every.Runs)
	}
}

func TestDPORMatchesDFSOnCatalog(t *testing.T) {
	cells := []struct {
		scenario string
		v        variant.Variant
		bound    int
	}{
		{"demo/abba", variant.BaseToday, 20},
		{"demo/abba-ordered", variant.BaseToday, 20},
		{"demo/refcount", variant.BaseToday, 20},
		{"demo/refcount-rcu", variant.BaseToday, 20},
		{"demo/lost-wakeup", variant.BaseToday, 20},
		{"demo/lost-wakeup-fixed", variant.BaseToday, 20},
	}
	if sc, err := scenarios.Lookup("dcache/owner-and-waiter"); err == nil && !testing.Short() {
		for _, c := range sc.Cells {
			bound := c.Settings().Bound
			cells = append(cells, struct {
				scenario string
				v        variant.Variant
				bound    int
			}{sc.Name, c.Variant, bound})
		}
	}
	for _, c := range cells {
		if testing.Short() && c.bound < 20 {
			continue
		}
		sc, err := scenarios.Lookup(c.scenario)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstDFS(t, c.scenario+"@"+c.v.String(), sc.Program(c.v), sc.Config, c.bound)
	}
}
