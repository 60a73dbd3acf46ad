package explore

import (
	"math/bits"
	"math/rand/v2"

	"github.com/dcsim/dcsim/sim"
)

// DefaultDepth is PCT's bug depth when Options.Depth is 0: three priority
// change points. The catalog's two-preemption lost insertion
// (dcache/unhash-same-bucket without the bucket lock) is a bug of depth 4
// for strict priorities: its third task must be held back until the
// stale store, which takes a change point of its own (docs/performance.md,
// "PCT on the deep bugs", with the measurements that chose the depth).
const DefaultDepth = 4

// PCTStrategy is probabilistic concurrency testing (Burckhardt, Kothari,
// Musuvathi, Nagarakatte, "A Randomized Scheduler with Probabilistic
// Guarantees of Finding Bugs", ASPLOS 2010), with change points counted
// over the steps that touch shared objects only.
//
// As in the paper, every task gets a random initial priority of d or
// more when it first becomes runnable (tasks spawned during the run
// included), d-1 change points k_1..k_{d-1} are drawn independently and
// uniformly from 1..k, and the highest-priority runnable task always runs:
// a lower one never runs while a higher one can. When the run reaches
// change point i, the task about to run drops to priority d-i, below
// every initial priority.
//
// The run is counted in shared steps (PCTPlan): a schedule decision
// counts when the step the chosen task is about to take touches an object
// that two tasks touch, and the change point is placed before that step.
// Steps on objects only one task touches commute with every other task's
// steps, so delaying a task there or at its next shared step gives the
// same partial orders: the change points are not spent on them, and k
// shrinks. Reads count (a task delayed between two reads of a location
// another task writes is an ordering constraint like any other). This is
// as good as the steps' access records: where the model leaves an access
// unrecorded (nfs/mkdir-vs-lookup's d_alloc_parallel hash lookup) a
// local-looking step can matter, and its window narrows
// (docs/performance.md, "PCT on the deep bugs").
//
// The bound it keeps: for a bug of depth d (d-1 ordering constraints
// each met by delaying a task before a step on a shared object, as PCT
// defines depth) in a program of n tasks whose runs take at most k shared
// steps, each run finds it with probability at least 1/(n·k^(d-1)), d =
// Options.Depth. The proof is the paper's, with steps replaced by shared
// steps. k and the shared objects are measured on calibration runs
// (PCTPlan): a run with more shared steps than k leaves its last ones out
// of reach, and an object that no calibration run shares does not count.
//
// Fault, signal and choice decisions are made as sim.Random makes them.
// Everything it decides is in the decision log, so a run replays from
// its schedule string like any other.
//
// Divergence: a task spinning (Task.CPURelax) drops below every other
// task, as the PCT implementations lower a thread that yields; strict
// priorities would otherwise spin it forever against the task it waits
// for.
type PCTStrategy struct {
	rng    *rand.Rand
	prio   [64]int64
	known  uint64
	d      int
	change []int // change[i-1]: the shared step at which priority d-i is given
	n      int   // shared steps reached at a schedule decision so far
	low    int64 // the lowest priority given to a spinning task so far
	shared map[sim.ObjID]bool
}

// PCTPlan is what PCT measures of a program once, before its runs: the
// objects two tasks touch, and K, the most steps on them a run takes.
// A nil Shared counts every step as shared.
type PCTPlan struct {
	K      int
	Shared map[sim.ObjID]bool
}

// NewPCT returns PCT's strategy for one run at depth d, seeded with seed.
func NewPCT(seed uint64, d int, plan PCTPlan) *PCTStrategy {
	s := &PCTStrategy{rng: rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d)), d: max(d, 1), shared: plan.Shared}
	for range s.d - 1 {
		s.change = append(s.change, 1+s.rng.IntN(max(plan.K, 1)))
	}
	return s
}

func (s *PCTStrategy) Decide(w *sim.World, d *sim.Decision) int {
	if d.Kind != sim.DecideSchedule && d.Kind != sim.DecideYield {
		return decideOther(s.rng, d)
	}
	for m := d.Runnable &^ s.known; m != 0; m &= m - 1 {
		s.prio[bits.TrailingZeros64(m)] = int64(s.d) + s.rng.Int64N(1<<40)
	}
	s.known |= d.Runnable
	if d.Kind == sim.DecideYield && d.Cur >= 0 {
		s.low--
		s.prio[d.Cur] = s.low
	}
	v := s.highest(d.Runnable)
	if s.shared != nil && !s.shared[w.Pending(v).ID] {
		return v
	}
	s.n++
	for i, at := range s.change {
		if at == s.n {
			s.prio[v] = int64(s.d - 1 - i)
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
// RunSeed(o.Seed, i), and every run the same plan (PlanPCT), measured
// once, so that a run depends on nothing but its seed. Runs spread over
// o.Workers goroutines with the same result.
func PCT(p sim.Program, o Options) *Result {
	e := newExplorer(p, o)
	d := o.Depth
	if d <= 0 {
		d = DefaultDepth
	}
	plan := PlanPCT(p, e.opts.Config)
	return e.sample(func(i int) sim.Strategy { return NewPCT(RunSeed(o.Seed, i), d, plan) })
}

// calibrationRuns is how many random walks PlanPCT traces besides the
// default run. Their seeds are fixed: the plan is the program's, not the
// exploration's.
const calibrationRuns = 8

// PlanPCT measures p's PCT plan on calibration runs, traced: the default
// run (each task runs until it blocks) and calibrationRuns random walks.
// An object is shared when two tasks touch it in some calibration run
// (setup steps left out); K is the most steps on shared objects a
// calibration run took. Objects are known by id, which follows
// allocation order, so an object allocated in a different order may be
// shared under another id; the random walks vary that order.
func PlanPCT(p sim.Program, cfg sim.Config) PCTPlan {
	cfg.Trace = sim.TraceFull // for Step.Setup
	touched := map[sim.ObjID]uint64{}
	var runs [][]sim.ObjID
	for i := range calibrationRuns + 1 {
		var st sim.Strategy = sim.DefaultStrategy{}
		if i > 0 {
			st = sim.NewRandom(RunSeed(0x9c7, i))
		}
		out := sim.Execute(p, cfg, st)
		var ids []sim.ObjID
		for _, s := range out.Trace {
			if s.Event || s.Setup || s.ID == 0 {
				continue
			}
			ids = append(ids, s.ID)
			touched[s.ID] |= 1 << uint(s.Task)
		}
		out.Release()
		runs = append(runs, ids)
	}
	plan := PCTPlan{K: 1, Shared: map[sim.ObjID]bool{}}
	for id, tasks := range touched {
		if tasks&(tasks-1) != 0 {
			plan.Shared[id] = true
		}
	}
	for _, ids := range runs {
		n := 0
		for _, id := range ids {
			if plan.Shared[id] {
				n++
			}
		}
		plan.K = max(plan.K, n)
	}
	return plan
}
