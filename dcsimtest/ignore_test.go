package dcsimtest_test

import (
	"testing"

	"github.com/dcsim/dcsim/dcsimtest"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// CheckScenario explores with the cell's ignored rules: a scenario whose
// only cell is past fast_dput's WARN finds KASAN, and the catalog's own
// scenario, whose default cell ignores nothing, finds the WARN.
func TestCheckHonoursCellIgnore(t *testing.T) {
	sc, err := scenarios.Lookup("eventfs/lookup-vs-prune")
	if err != nil {
		t.Fatal(err)
	}
	past := *sc
	past.Name += "-past-warn"
	past.Cells = []scenarios.Cell{{Variant: variant.BaseToday, Ignore: []string{"WARN_ON_ONCE"}}}
	r := dcsimtest.CheckScenario(t, &past, variant.BaseToday, dcsimtest.Expect(scenarios.FindsRule(sim.KindKASAN, "use-after-free")))
	if r == nil || r.First == nil || r.First.Rule != "use-after-free" {
		t.Errorf("past the WARN: %+v", r)
	}
	r = dcsimtest.CheckScenario(t, sc, variant.BaseToday, dcsimtest.Expect(scenarios.FindsRule(sim.KindWarn, "WARN_ON_ONCE")))
	if r == nil || r.First == nil || r.First.Rule != "WARN_ON_ONCE" {
		t.Errorf("the default cell: %+v", r)
	}
}
