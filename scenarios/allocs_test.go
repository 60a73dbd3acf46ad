//go:build !race

// The race detector makes sync.Pool drop values at random, which the
// World's recycling rests on: these figures hold only without it.

package scenarios_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// allocBounds are catalog cells (scenario@variant) and the heap
// allocations a random-walk run of each may make at most: issue 11's
// goal is 20 for the dcache races. The bounds keep a little slack over
// today's figures (docs/performance.md, "Allocations per run: model
// objects recycled") so that a change that allocates per run again is
// caught.
var allocBounds = map[string]float64{
	"dcache/parallel-lookup@mainline/today":               8,
	"dcache/owner-and-waiter@v3+mut=no-lock-waiter/today": 20, // a race cell: its deadlock reports allocate
	"vfs/rename-whiteout@mainline/today":                  8,
}

// Allocations per run with the World recycled after each run, as
// explorers do (Outcome.Release).
func TestAllocsPerRun(t *testing.T) {
	for cell, bound := range allocBounds {
		scenario, v, _ := strings.Cut(cell, "@")
		p, cfg := catalogProgram(t, scenario, v)
		i := 0
		got := testing.AllocsPerRun(100, func() {
			s := sim.NewRandom(explore.RunSeed(1, i)) // one allocation, as in explorers
			i++
			sim.Execute(p, cfg, s).Release()
		})
		if got > bound {
			t.Errorf("%s: %.1f allocations per run, want at most %.0f", cell, got, bound)
		}
	}
}
