package explore

import (
	"math/bits"
	"math/rand/v2"

	"github.com/dcsim/dcsim/sim"
)

// DefaultDepth is PCT's bug depth when Options.Depth is 0: two priority
// change points. On the catalog's 22 race cases (ten seeds each, at most
// 5000 runs), depth 2 (one change point) never found two of them, depth 3
// found all but half the seeds of the two-preemption lost insertion, and
// needed fewer runs than depth 2 on 14 of the other 20
// (docs/performance.md, "PCT's depth and change points").
const DefaultDepth = 3

// PCTStrategy is probabilistic concurrency testing (Burckhardt, Kothari,
// Musuvathi, Nagarakatte, "A Randomized Scheduler with Probabilistic
// Guarantees of Finding Bugs", ASPLOS 2010). Every task gets a random
// priority above Depth; Depth-1 change points are drawn uniformly over the
// run's length K, change point i carrying priority i (below every initial
// one); at each scheduling decision the highest-priority runnable task
// runs, and when the run reaches change point i the task about to run
// drops to priority i. A bug of depth d is then found with probability at
// least 1/(n·K^(d-1)) per run, n tasks.
//
// The run's length is counted in schedule decisions (points where two or
// more tasks could run): only they can change anything; K is an estimate
// of it (see PCT). Fault, signal and
// choice decisions are made as sim.Random makes them. Everything it
// decides is in the decision log, so a run replays from its schedule
// string like any other.
//
// Divergence: a task spinning (Task.CPURelax) drops below every other
// task, as the PCT implementations lower a thread that yields; strict
// priorities would otherwise spin it forever against the task it waits
// for.
type PCTStrategy struct {
	rng    *rand.Rand
	prio   [64]int64
	known  uint64
	change []int // change[i-1]: the decision at which priority i is given
	n      int   // schedule decisions so far
	low    int64 // the lowest priority given to a spinning task so far
}

// NewPCT returns PCT's strategy for one run: depth d, run length k
// (schedule decisions), seeded with seed.
func NewPCT(seed uint64, d, k int) *PCTStrategy {
	s := &PCTStrategy{rng: rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))}
	k = max(k, 1)
	for range max(d, 1) - 1 {
		s.change = append(s.change, 1+s.rng.IntN(k))
	}
	return s
}

func (s *PCTStrategy) Decide(_ *sim.World, d *sim.Decision) int {
	if d.Kind != sim.DecideSchedule && d.Kind != sim.DecideYield {
		return decideOther(s.rng, d)
	}
	// Tasks get their initial priority when first runnable (tasks may be
	// spawned during the run): random, above every change point's.
	for m := d.Runnable &^ s.known; m != 0; m &= m - 1 {
		t := bits.TrailingZeros64(m)
		s.prio[t] = int64(len(s.change)) + 1 + s.rng.Int64N(1<<40)
	}
	s.known |= d.Runnable
	if d.Kind == sim.DecideYield && d.Cur >= 0 {
		s.low--
		s.prio[d.Cur] = s.low
	}
	s.n++
	v := s.highest(d.Runnable)
	for i, at := range s.change {
		if at == s.n {
			s.prio[v] = int64(i + 1)
			v = s.highest(d.Runnable)
		}
	}
	return v
}

// highest is the runnable task of highest priority (lowest id on a tie).
func (s *PCTStrategy) highest(runnable uint64) int {
	best := -1
	for m := runnable; m != 0; m &= m - 1 {
		t := bits.TrailingZeros64(m)
		if best < 0 || s.prio[t] > s.prio[best] {
			best = t
		}
	}
	return best
}

// decideOther makes a fault, signal or choice decision as the random
// walk does: a fault or signal 1 time in 8, a uniform choice.
func decideOther(rng *rand.Rand, d *sim.Decision) int {
	switch d.Kind {
	case sim.DecideFault, sim.DecideSignal:
		if rng.IntN(8) == 0 {
			return 1
		}
		return 0
	}
	return rng.IntN(int(d.N))
}

// PCT explores with PCTStrategy at depth o.Depth: run i uses the seed
// RunSeed(o.Seed, i). The run length K is the step count (plus the task
// count) of the program's default run (each task runs until it blocks), measured once,
// so that every run's change points depend on nothing but its seed. Steps,
// not decisions: the default run makes the fewest decisions of all runs
// (none once a single task is left), so counting them would leave the
// later change points out of reach. Runs spread over o.Workers goroutines
// with the same result.
func PCT(p sim.Program, o Options) *Result {
	e := newExplorer(p, o)
	d := o.Depth
	if d <= 0 {
		d = DefaultDepth
	}
	k := runLength(p, e.opts.Config)
	return e.sample(func(i int) sim.Strategy { return NewPCT(RunSeed(o.Seed, i), d, k) })
}

// runLength is the length of p's default run in decisions a run can
// make: one at each step, and one as each task starts.
func runLength(p sim.Program, cfg sim.Config) int {
	out := sim.Execute(p, cfg, sim.DefaultStrategy{})
	defer out.Release()
	var tasks uint64
	for i := range out.Decisions {
		tasks |= out.Decisions[i].Runnable
	}
	return max(int(out.Steps)+bits.OnesCount64(tasks), len(out.Decisions))
}
