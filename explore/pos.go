package explore

import (
	"math/bits"
	"math/rand/v2"

	"github.com/dcsim/dcsim/sim"
)

// POSStrategy is partial order sampling (Yuan, Yang, Gu, "Partial Order
// Aware Concurrency Sampling", CAV 2018). Priorities belong to events — a
// task's next step — not to tasks: every new event gets a fresh random
// priority, the runnable task whose event has the highest priority runs,
// and after an event runs, every other task's pending event that races
// with it (the same object, not both reads: sim.Pending.Races, from the
// object ids and accesses the steps record) gets a fresh priority too.
// Resetting the racing events is what makes POS sample partial orders
// close to uniformly where a random walk favours some by their length.
//
// The strategy sees events at its decisions: the event executed is the
// one the task it chose was stopped at. Steps a task takes while it is
// the only runnable one involve no decision and are not seen.
// Fault, signal and choice decisions are made as sim.Random makes them.
// Everything it decides is in the decision log, so a run replays from
// its schedule string like any other.
type POSStrategy struct {
	rng   *rand.Rand
	prio  [64]uint64
	known uint64
	last  int // the task chosen at the last schedule decision, -1 at first
	ev    sim.Pending
}

// NewPOS returns POS's strategy for one run, seeded with seed.
func NewPOS(seed uint64) *POSStrategy {
	return &POSStrategy{rng: rand.New(rand.NewPCG(seed, seed^0xda942042e4dd58b5)), last: -1}
}

func (s *POSStrategy) Decide(w *sim.World, d *sim.Decision) int {
	if d.Kind != sim.DecideSchedule && d.Kind != sim.DecideYield {
		return decideOther(s.rng, d)
	}
	if s.last >= 0 {
		// The last chosen task ran its event: its next one is new, and
		// the events that race with the one it ran start over.
		s.prio[s.last] = s.rng.Uint64()
		for m := s.known &^ (1 << uint(s.last)); m != 0; m &= m - 1 {
			t := bits.TrailingZeros64(m)
			if w.Pending(t).Races(s.ev) {
				s.prio[t] = s.rng.Uint64()
			}
		}
	}
	for m := d.Runnable &^ s.known; m != 0; m &= m - 1 {
		s.prio[bits.TrailingZeros64(m)] = s.rng.Uint64()
	}
	s.known |= d.Runnable
	best := -1
	for m := d.Runnable; m != 0; m &= m - 1 {
		t := bits.TrailingZeros64(m)
		if best < 0 || s.prio[t] > s.prio[best] {
			best = t
		}
	}
	s.last, s.ev = best, w.Pending(best)
	return best
}

// POS explores with POSStrategy: run i uses the seed RunSeed(o.Seed, i).
// Runs spread over o.Workers goroutines with the same result.
func POS(p sim.Program, o Options) *Result {
	return newExplorer(p, o).sample(func(i int) sim.Strategy { return NewPOS(RunSeed(o.Seed, i)) })
}
