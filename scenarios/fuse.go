package scenarios

// The FUSE programs (fstest.FuseProgram): a fuse mount as the namespace
// root, served by a simulated daemon whose namespace starts as a small
// tree, a setup phase, then named workers: syscalls through vfstest, or
// the daemon acting on its own (a change to its namespace, a
// notification). Nothing checks results: the consistency oracle and the
// fuse checks (stale dentries, stale opens, lookup counts, node ids),
// the dcache invariants and the deadlock and lockdep checkers judge
// every run. docs/findings.md, "FUSE".

import (
	"github.com/dcsim/dcsim/variant"
)

// fuseBound is the preemption bound of the fuse cells: a daemon
// round trip is some twenty steps, and bound 1 exhausts a two-worker
// program in a few hundred runs where bound 2 takes tens of thousands.
const fuseBound = 1

// fuseVersions are the series base and v3, each in both regimes.
var fuseVersions = []variant.Variant{variant.BaseToday, variant.V3Today}

// fuseCells are the cells of a fuse scenario: each version in both
// regimes as it is (expect), and with the toggle on (expectOn), all at
// one bound and budget; a zero toggle gives no toggled cells.
func fuseCells(vs []variant.Variant, bound, budget int, expect func(v variant.Variant) Expect, toggle variant.Toggle, expectOn func(v variant.Variant) Expect) []Cell {
	var cells []Cell
	for _, base := range vs {
		for _, r := range variant.Regimes {
			v := base.In(r)
			e := Clean
			if expect != nil {
				e = expect(v)
			}
			cells = append(cells, Cell{Variant: v, Expect: e, Bound: bound, Budget: budget})
			if toggle != variant.NoToggle {
				e := Clean
				if expectOn != nil {
					e = expectOn(v)
				}
				cells = append(cells, Cell{Variant: v.With(toggle), Expect: e, Bound: bound, Budget: budget})
			}
		}
	}
	return cells
}

// always is an expectation for every variant.
func always(e Expect) func(variant.Variant) Expect { return func(variant.Variant) Expect { return e } }
