package scenarios

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The dcache scenarios race the in-lookup machinery directly.

// dcacheLookup is one lookup of name in dir as __lookup_slow does it,
// with a ->lookup that finds nothing (d_add(dentry, NULL)).
func dcacheLookup(c *dcache.Cache, dir func() *dcache.Dentry, name string) func(t *sim.Task) {
	return func(t *sim.Task) {
		parent := dir()
		q := dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
		var wq *dcache.WaitQueue
		if !c.Has(variant.P04WaitVarEvent) {
			wq = dcache.NewOnStackWaitQueue(t)
		}
		d := dcache.DAllocParallel(t, parent, &q, wq)
		if !sim.IsErr(d) {
			if dcache.DInLookup(t, d) {
				dcache.DAdd(t, d, nil)
			}
			dcache.Dput(t, d)
		}
		if wq != nil {
			wq.Release(t)
		}
	}
}

func init() {
	Register(&Scenario{
		Name: "dcache/parallel-lookup",
		Doc: "Three tasks look up the same name at once through d_alloc_parallel: one owns the " +
			"in-lookup dentry and hashes it (negative), the others find it hashed or wait for it " +
			"and recheck. Every interleaving keeps at most one in-lookup and one hashed dentry " +
			"for the name, and every waiter wakes.",
		Marks: []string{"d_alloc_parallel: waited on in-lookup"},
		Cells: []Cell{{Variant: variant.BaseToday, Bound: 1}, {Variant: variant.V3Today, Bound: 1}},
		Setup: func(w *sim.World, v variant.Variant) {
			c := dcache.NewCache(w, v)
			sb := c.NewSuperBlock("t", nil)
			root := func() *dcache.Dentry { return sb.SRoot }
			for i := range 3 {
				w.Go(fmt.Sprintf("lookup%d", i), dcacheLookup(c, root, "foo"))
			}
			w.Roots(func(mark func(*sim.Object)) { dcache.MarkTree(sb.SRoot, mark) })
			w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
		},
	})
	Register(&Scenario{
		Name: "dcache/owner-and-waiter",
		Doc: "Two tasks look up one name: one owns the in-lookup dentry, the other waits on it. " +
			"With v3 04/19's DCACHE_LOCK_WAITER switched off (a mutant) the waiter sleeps without " +
			"telling the owner, the owner's __d_add skips the wake-up, and the waiter sleeps " +
			"forever: why the flag must be set before sleeping.",
		Cells: []Cell{
			{Variant: variant.V3Today},
			{Variant: variant.V3Today.With(dcache.MutNoLockWaiter), Expect: Finds(sim.KindDeadlock)},
		},
		Setup: func(w *sim.World, v variant.Variant) {
			c := dcache.NewCache(w, v)
			sb := c.NewSuperBlock("t", nil)
			root := func() *dcache.Dentry { return sb.SRoot }
			w.Go("owner", dcacheLookup(c, root, "foo"))
			w.Go("waiter", dcacheLookup(c, root, "foo"))
		},
	})
}
