package cli

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/internal/native"
	"github.com/dcsim/dcsim/scenarios"
)

// TestNativeCells: every native case names a catalog cell that expects a
// violation, and its fixed version a clean cell of the same scenario, so
// that the race table's native columns sit on the right rows.
func TestNativeCells(t *testing.T) {
	for _, c := range native.Cases {
		if e, ok := catalogExpect(t, c.Cell); ok && e == scenarios.Clean {
			t.Errorf("%s: a native bug case on a clean cell", c.Cell)
		}
		if c.Fixed == nil {
			continue
		}
		if strings.Split(c.FixedCell, "@")[0] != strings.Split(c.Cell, "@")[0] {
			t.Errorf("%s: fixed cell %s is another scenario", c.Cell, c.FixedCell)
		}
		if e, ok := catalogExpect(t, c.FixedCell); ok && e != scenarios.Clean {
			t.Errorf("%s: the fixed version's cell %s expects %v", c.Cell, c.FixedCell, e)
		}
	}
	if _, ok := native.Of("demo/abba@mainline/today"); !ok {
		t.Error("native.Of misses a case")
	}
	if _, ok := native.Of("demo/abba@v3/today"); ok {
		t.Error("native.Of finds a cell that has no case")
	}
}

// catalogExpect is the expectation of the catalog cell named
// scenario@variant, as the race table names it.
func catalogExpect(t *testing.T, name string) (scenarios.Expect, bool) {
	t.Helper()
	scName, _, _ := strings.Cut(name, "@")
	sc, err := scenarios.Lookup(scName)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return scenarios.Expect{}, false
	}
	for _, c := range sc.Cells {
		if sc.Name+"@"+c.Name() == name {
			return c.Expect, true
		}
	}
	t.Errorf("%s: no such cell", name)
	return scenarios.Expect{}, false
}
