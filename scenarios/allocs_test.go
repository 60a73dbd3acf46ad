//go:build !race

// The race detector makes sync.Pool drop values at random, which the
// World's recycling rests on: these figures hold only without it.

package scenarios_test

import (
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// Heap allocations per random-walk run of catalog programs, with their
// World recycled as explorers do (Outcome.Release): issue 11's goal is at
// most 20 for the dcache races. The bounds keep a little slack over
// today's figures (docs/performance.md, "Allocations per run") so that a
// change that allocates per run again is caught.
func TestAllocsPerRun(t *testing.T) {
	for _, c := range []struct {
		scenario, variant string
		max               float64
	}{
		{"dcache/parallel-lookup", "mainline/today", 8},
		{"dcache/owner-and-waiter", "v3+mut=no-lock-waiter/today", 20}, // a race cell: its deadlock reports allocate
		{"vfs/rename-whiteout", "mainline/today", 45},
	} {
		p, cfg := catalogProgram(t, c.scenario, c.variant)
		i := 0
		got := testing.AllocsPerRun(100, func() {
			s := sim.NewRandom(explore.RunSeed(1, i)) // one allocation, as in explorers
			i++
			sim.Execute(p, cfg, s).Release()
		})
		if got > c.max {
			t.Errorf("%s@%s: %.1f allocations per run, want at most %.0f", c.scenario, c.variant, got, c.max)
		}
	}
}
