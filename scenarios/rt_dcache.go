package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The rt/ scenarios run under PREEMPT_RT (sim/preempt_rt.go): spinlock_t
// is a sleeping lock that leaves preemption enabled, and tasks bound to
// one CPU preempt each other (sim/cpu.go). Their programs are the same
// without the rt setting; scenarios/rt_test.go explores them that way
// too, where every cell is clean.

// rtConfig is the run setting of the rt/ scenarios.
var rtConfig = sim.Config{PreemptRT: true}

func init() {
	Register(&Scenario{
		Name: "rt/dir-seq-same-cpu",
		Doc: "Two lookups in one directory, bound to one CPU, each through d_alloc_parallel and " +
			"__d_add (names foo and bar). Under PREEMPT_RT d_lock no longer disables preemption, " +
			"so start_dir_add disables it itself (preempt_disable_nested): otherwise the other " +
			"task may preempt the i_dir_seq write section and spin on the odd count, in " +
			"d_alloc_parallel or start_dir_add, on the CPU the writer needs (a livelock). Clean " +
			"on the faithful model; without rt, clean with the mutant too (d_lock disables " +
			"preemption).",
		Config: rtConfig,
		Cells: []Cell{
			{Variant: variant.BaseToday, Bound: 3}, // all interleavings: 330 runs
			{Variant: variant.V3Today, Bound: 3},
			mutant(variant.BaseToday, dcache.MutNoPreemptDisableNested, sim.KindLivelock, "spin-on-preempted"),
			mutant(variant.V3Today, dcache.MutNoPreemptDisableNested, sim.KindLivelock, "spin-on-preempted"),
		},
		Setup: sameCPULookups("foo", "bar"),
	})
	Register(rtRace("rt/parallel-lookup",
		"The three-task d_alloc_parallel race of dcache/parallel-lookup under PREEMPT_RT, "+
			"the tasks on CPUs of their own: spinlock_t sleeps and is preemptible, the bucket bit "+
			"locks still disable preemption. Every interleaving stays clean: no spinlock_t is "+
			"taken under a bit lock or in the i_dir_seq section, and nothing sleeps under d_lock.",
		false))
	Register(rtRace("rt/parallel-lookup-one-cpu",
		"The three-task d_alloc_parallel race of dcache/parallel-lookup under PREEMPT_RT with "+
			"every task bound to CPU 0: a task holding d_lock or inside rcu_read_lock may be "+
			"preempted by another lookup of the same name, which then waits for it (d_lock, the "+
			"in-lookup wait) or retries. No interleaving livelocks or breaks an invariant: every "+
			"wait there sleeps, and the spins (i_dir_seq) are under preempt_disable_nested.",
		true))
}

// rtRace is dcache/parallel-lookup's program (three lookups of one name)
// under PREEMPT_RT, the tasks all on CPU 0 if oneCPU, clean within bound 1.
func rtRace(name, doc string, oneCPU bool) *Scenario {
	return &Scenario{
		Name: name, Doc: doc, Config: rtConfig, Marks: []string{markWaited},
		Cells: []Cell{{Variant: variant.BaseToday, Bound: 1}, {Variant: variant.V3Today, Bound: 1}},
		Setup: func(w *sim.World, v variant.Variant) {
			e := dcachetest.New(w, v)
			for i := range 3 {
				t := w.Go(lookupNames[i], dcachetest.LookupTask(e.C, e.RootFn(), "foo", dcachetest.FateAdd))
				if oneCPU {
					t.BindCPU(0)
				}
			}
		},
	}
}

// sameCPULookups is a Setup of one lookup task per name in the root, each
// ending its lookup with d_add, all bound to CPU 0.
func sameCPULookups(names ...string) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		e := dcachetest.New(w, v)
		for _, n := range names {
			w.Go("lookup-"+n, dcachetest.LookupTask(e.C, e.RootFn(), n, dcachetest.FateAdd)).BindCPU(0)
		}
	}
}
