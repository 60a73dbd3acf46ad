package scenarios_test

import (
	"testing"

	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/variant"
)

// TestEveryMutantCaught: every registered mutant has a catalog cell that
// expects a report with it on (TestExploreEveryScenario then explores the
// cell), and the cell's variant without the mutant is a cell of the same
// scenario expecting clean.
func TestEveryMutantCaught(t *testing.T) {
	for _, m := range variant.Toggles(variant.KindMutant) {
		found := false
		for _, sc := range scenarios.All() {
			for _, c := range sc.Cells {
				if !c.Variant.Toggles.Has(m.Toggle) || c.Expect == scenarios.Clean {
					continue
				}
				faithful := c.Variant
				faithful.Toggles = 0
				if fc, ok := sc.Cell(faithful); !ok || fc.Expect != scenarios.Clean {
					t.Errorf("%s@%s: no clean cell for the faithful variant %s", sc.Name, c.Variant, faithful)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("mutant %q has no catalog cell that catches it", m.Name)
		}
	}
}
