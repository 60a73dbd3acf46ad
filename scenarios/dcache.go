package scenarios

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The dcache scenarios race the in-lookup machinery directly. Their
// mutant cells switch one protective step off (dcache/mutants.go) and
// expect the checker the mutation was caught by; TestEveryMutantCaught
// requires one such cell per registered mutant.

// markWaited is the coverage mark of a d_alloc_parallel that slept on
// another task's in-lookup dentry.
const markWaited = "d_alloc_parallel: waited on in-lookup"

// markMismatch is the mark of a waiter that found the dentry it waited on
// no longer hashed under its name, and retried.
const markMismatch = "d_alloc_parallel: mismatch after wait"

// mainV3 is the pair of faithful cells most dcache scenarios explore:
// mainline and the whole v3 series (both today), clean within bound.
func mainV3(bound, budget int) []Cell {
	return []Cell{{Variant: variant.BaseToday, Bound: bound, Budget: budget}, {Variant: variant.V3Today, Bound: bound, Budget: budget}}
}

// withUmount is a Setup that makes an Env with the umount check and runs
// body in a task named "setup" (which spawns the racers).
func withUmount(body dcachetest.Body) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		e := dcachetest.New(w, v)
		e.CheckUmount()
		w.Go("setup", func(t *sim.Task) { body(t, e) })
	}
}

// mutant is the cell of base with mutant m on, expecting kind and rule.
func mutant(base variant.Variant, m variant.Toggle, kind sim.Kind, rule string) Cell {
	return Cell{Variant: base.With(m), Expect: FindsRule(kind, rule), Budget: 50_000}
}

// lookupPair is a Setup of two tasks, "owner" and "waiter", that look
// "foo" up in the root and end their lookups as fate says.
func lookupPair(fate dcachetest.Fate) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		e := dcachetest.New(w, v)
		w.Go("owner", dcachetest.LookupTask(e.C, e.RootFn(), "foo", fate))
		w.Go("waiter", dcachetest.LookupTask(e.C, e.RootFn(), "foo", fate))
	}
}

// noneLeftBelow reports, at the end of the run, any dentry left below *d
// (set by a task) once the shrinking named by after is done.
func noneLeftBelow(w *sim.World, d **dcache.Dentry, after string) {
	w.AtEnd(func(w *sim.World) {
		if kids := dcache.Children(*d); len(kids) != 0 {
			w.Violation(sim.KindInvariant, "test", "unused dentries left below d after "+after, fmt.Sprint(kids))
		}
	})
}

// lookupNames are the lookup tasks' names, made once rather than in every
// run's setup.
var lookupNames = [...]string{"lookup0", "lookup1", "lookup2", "lookup3"}

func init() {
	Register(&Scenario{
		Name: "dcache/parallel-lookup",
		Doc: "Three tasks look up the same name at once through d_alloc_parallel: one owns the " +
			"in-lookup dentry and hashes it (negative), the others find it hashed or wait for it " +
			"and recheck. Every interleaving keeps at most one in-lookup and one hashed dentry " +
			"for the name, and every waiter wakes.",
		Marks: []string{markWaited},
		Cells: []Cell{{Variant: variant.BaseToday, Bound: 1}, {Variant: variant.V3Today, Bound: 1}},
		Setup: func(w *sim.World, v variant.Variant) {
			e := dcachetest.New(w, v)
			for i := range 3 {
				w.Go(lookupNames[i], dcachetest.LookupTask(e.C, e.RootFn(), "foo", dcachetest.FateAdd))
			}
		},
	})
	Register(&Scenario{
		Name: "dcache/owner-and-waiter",
		Doc: "Two tasks look up one name through d_alloc_parallel; ->lookup finds nothing (d_add " +
			"NULL). One owns the in-lookup dentry, the other waits on it or finds it hashed, and " +
			"checks what d_alloc_parallel returned (R13). Clean on the faithful model; each " +
			"mutant cell switches off one step that keeps the name unique or the waiter awake: " +
			"without the in-lookup insertion, the i_dir_seq recheck or bump two dentries get " +
			"the name (R1, R3); without v3 04/19's DCACHE_LOCK_WAITER the waiter sleeps forever; " +
			"without d_lock in __d_add, start_dir_add runs preemptible.",
		Marks: []string{markWaited},
		Cells: []Cell{
			{Variant: variant.BaseToday},
			{Variant: variant.V3Today},
			mutant(variant.BaseToday, dcache.MutNoInLookupInsert, sim.KindInvariant, "R1"),
			mutant(variant.BaseToday, dcache.MutNoDirSeqRecheck, sim.KindInvariant, "R3"),
			mutant(variant.V3Today, dcache.MutNoLockWaiter, sim.KindDeadlock, "deadlock"),
			mutant(variant.BaseToday, dcache.MutNoDirSeqBump, sim.KindInvariant, "R1"),
			mutant(variant.BaseToday, dcache.MutNoDLockInAdd, sim.KindLockdep, "assert-preemption-disabled"),
		},
		Setup: lookupPair(dcachetest.FateAdd),
	})
}
