package dcsimtest_test

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/dcsimtest"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// drawLookups draws a program of two or three concurrent lookups of
// names in one directory, each ending its in-lookup dentry with d_add or
// a failed ->lookup's d_lookup_done, under a drawn variant; fails says
// whether some lookup fails.
func drawLookups(rt *rapid.T) (p sim.Program, fails bool) {
	v := rapid.SampledFrom([]variant.Variant{variant.BaseToday, variant.V3Today,
		mutant}).Draw(rt, "variant")
	type lookup struct {
		name string
		fate dcachetest.Fate
	}
	ls := rapid.SliceOfN(rapid.Custom(func(rt *rapid.T) lookup {
		return lookup{rapid.SampledFrom([]string{"a", "b"}).Draw(rt, "name"),
			rapid.SampledFrom([]dcachetest.Fate{dcachetest.FateAdd, dcachetest.FateFail}).Draw(rt, "fate")}
	}), 2, 3).Draw(rt, "lookups")
	for _, l := range ls {
		fails = fails || l.fate == dcachetest.FateFail
	}
	return sim.Program{Name: fmt.Sprintf("lookups%v", ls), Variant: v.String(), Setup: func(w *sim.World) {
		e := dcachetest.New(w, v)
		for i, l := range ls {
			w.Go(fmt.Sprintf("lookup%d", i), dcachetest.LookupTask(e.C, e.RootFn(), l.name, l.fate))
		}
	}}, fails
}

// mutant is the base with dcache's no-lookup-done mutant: a failed
// lookup's owner never ends the in-lookup state.
var mutant = variant.BaseToday.With(dcache.MutNoLookupDone)

// TestPropertyLookups: any such program is clean on the series base and
// on v3, and under the no-lookup-done mutant it is caught (R5 when the
// owner drops the in-lookup dentry, or a waiter left asleep) exactly when
// some lookup fails.
func TestPropertyLookups(t *testing.T) {
	if testing.Short() {
		t.Skip("a property test of a hundred explorations")
	}
	rapid.Check(t, func(rt *rapid.T) {
		p, fails := drawLookups(rt)
		f := dcsimtest.Find(p, dcsimtest.Bound(1), dcsimtest.Budget(500))
		switch {
		case p.Variant != mutant.String():
			if f != nil {
				rt.Fatal(f)
			}
		case fails && f == nil:
			rt.Fatalf("the mutant with a failing lookup explores clean")
		case !fails && f != nil:
			rt.Fatalf("the mutant without a failing lookup: %v", f)
		case f != nil && f.Report.Rule != "R5" && f.Report.Kind != sim.KindDeadlock:
			rt.Fatalf("the mutant gives an unexpected report: %v", f)
		}
	})
}

// TestFindExpect: Find returns nil when the expectation is met.
func TestFindExpect(t *testing.T) {
	sc, err := scenarios.Lookup("demo/lost-wakeup")
	if err != nil {
		t.Fatal(err)
	}
	p := sc.Program(variant.BaseToday)
	if f := dcsimtest.Find(p); f == nil || f.Report.Kind != sim.KindDeadlock {
		t.Fatalf("Find: %v", f)
	}
	if f := dcsimtest.Find(p, dcsimtest.Expect(scenarios.Finds(sim.KindDeadlock))); f != nil {
		t.Fatalf("Find with the expectation met: %v", f)
	}
}
