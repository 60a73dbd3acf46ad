package scenarios

import (
	"slices"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/variant"
)

// Cells of one variant differ by their ignored rules; Cell(v) is the one
// that ignores nothing, and Settings carries the rules to the explorer.
func TestCellIgnore(t *testing.T) {
	past := Cell{Variant: variant.BaseToday, Ignore: []string{"WARN_ON_ONCE"}}
	sc := &Scenario{Name: "test/ignore-cells", Cells: []Cell{past, {Variant: variant.BaseToday}}}
	if c, ok := sc.Cell(variant.BaseToday); !ok || c.Ignore != nil {
		t.Errorf("Cell(v) = %+v, %v; want the cell without ignore", c, ok)
	}
	only := &Scenario{Name: "test/only-past", Cells: []Cell{past}}
	if c, ok := only.Cell(variant.BaseToday); !ok || len(c.Ignore) != 1 {
		t.Errorf("Cell(v) of a variant with only a cell past a rule = %+v, %v", c, ok)
	}
	s := past.Settings()
	if !slices.Equal(s.Ignore, past.Ignore) || s.Bound != DefaultBound || s.Budget != DefaultBudget || s.MaxFaults != 1 {
		t.Errorf("Settings() = %+v", s)
	}
	if s.Ignore = append(s.Ignore, "R1"); len(past.Ignore) != 1 || past.Ignore[0] != "WARN_ON_ONCE" {
		t.Errorf("appending to Settings().Ignore changed the cell: %q", past.Ignore)
	}
	if got := past.Name(); got != "mainline/today ignore=WARN_ON_ONCE" {
		t.Errorf("Name() = %q", got)
	}
	dup := &Scenario{Name: "test/dup-cells", Cells: []Cell{past, past}}
	if err := add(dup); err == nil || !strings.Contains(err.Error(), "two cells for mainline/today ignore=WARN_ON_ONCE") {
		t.Errorf("add of two equal cells: %v", err)
	}
}
