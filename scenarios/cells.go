package scenarios

import "github.com/dcsim/dcsim/variant"

// pastCells lists v in both regimes, ignoring the rules, expecting e:
// the cells of a report found past the first one.
func pastCells(v variant.Variant, ignore []string, e Expect) []Cell {
	var cells []Cell
	for _, r := range variant.Regimes {
		cells = append(cells, Cell{Variant: v.In(r), Expect: e, Ignore: ignore})
	}
	return cells
}

// regimeCells lists each variant in both regimes, with the expectation
// expect gives it (nil: clean) and the bound.
func regimeCells(vs []variant.Variant, bound int, expect func(v variant.Variant) Expect) []Cell {
	var cells []Cell
	for _, v := range vs {
		for _, r := range variant.Regimes {
			e := Clean
			if expect != nil {
				e = expect(v.In(r))
			}
			cells = append(cells, Cell{Variant: v.In(r), Expect: e, Bound: bound})
		}
	}
	return cells
}
