package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Programs written to catch one mutant each (besides dcache/owner-and-waiter),
// clean on the faithful model.

func init() {
	Register(&Scenario{
		Name: "dcache/failed-lookup-and-waiter",
		Doc: "Two tasks look up one name; each ->lookup fails, so the owner ends its in-lookup " +
			"dentry with d_lookup_done alone and it is never hashed. The waiter must notice the " +
			"mismatch and retry. Without the recheck after the wait it returns the dead-end dentry " +
			"(R13); with a plain reference instead of lockref_get_not_dead it revives a dentry the " +
			"owner's dput is killing (use-after-free); without d_lookup_done ending the state the " +
			"owner's dput kills a dentry still on the in-lookup hash (R5).",
		Marks: []string{markWaited, markMismatch},
		Cells: []Cell{
			{Variant: variant.BaseToday},
			{Variant: variant.V3Today},
			mutant(variant.BaseToday, dcache.MutNoRecheckAfterWait, sim.KindInvariant, "R13"),
			mutant(variant.BaseToday, dcache.MutNoGetNotDead, sim.KindKASAN, "use-after-free"),
			mutant(variant.BaseToday, dcache.MutNoLookupDone, sim.KindInvariant, "R5"),
		},
		Setup: lookupPair(dcachetest.FateFail),
	})
	Register(&Scenario{
		Name: "dcache/unhash-same-bucket",
		Doc: "\"a\" and \"bN\" share an in-lookup hash chain. The owner of \"a\" fails and unhashes " +
			"it from the chain while the owner of \"bN\" inserts its dentry and a second lookup of " +
			"\"bN\" scans the chain. With the bucket lock around __d_lookup_unhash's removal every " +
			"interleaving is clean; without it (a mutant) the removal's stale store loses the " +
			"insertion and the second lookup of \"bN\" becomes a second owner (R3).",
		Cells: []Cell{
			{Variant: variant.BaseToday, Bound: 1},
			mutant(variant.BaseToday, dcache.MutNoUnhashLock, sim.KindInvariant, "R3"),
		},
		Setup: func(w *sim.World, v variant.Variant) {
			e := dcachetest.New(w, v)
			b := dcachetest.SameBucketName(e.Root(), "a", "b")
			w.Go("lookup-a", dcachetest.LookupTask(e.C, e.RootFn(), "a", dcachetest.FateFail))
			w.Go("lookup-b0", dcachetest.LookupTask(e.C, e.RootFn(), b, dcachetest.FateAdd))
			w.Go("lookup-b1", dcachetest.LookupTask(e.C, e.RootFn(), b, dcachetest.FateAdd))
		},
	})
	Register(&Scenario{
		Name: "dcache/alloc-pins-parent",
		Doc: "One task allocates a child of the root with d_alloc and drops it; another looks a " +
			"name up in the root. The child's reference on its parent keeps the root alive; " +
			"without d_alloc's dget of the parent (a mutant) killing the child drops the root's " +
			"only reference and the next lookup in it touches freed memory.",
		Cells: []Cell{
			{Variant: variant.BaseToday},
			mutant(variant.BaseToday, dcache.MutNoParentDget, sim.KindKASAN, "use-after-free"),
		},
		Setup: func(w *sim.World, v variant.Variant) {
			e := dcachetest.New(w, v)
			w.Go("d_alloc", func(t *sim.Task) {
				if d := dcache.DAlloc(t, e.Root(), dcachetest.Q(e.Root(), "foo")); d != nil {
					dcache.Dput(t, d)
				}
			})
			w.Go("lookup", dcachetest.LookupTask(e.C, e.RootFn(), "foo", dcachetest.FateAdd))
		},
	})
}
