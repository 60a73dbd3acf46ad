package scenarios

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// The dcache scenarios race the in-lookup machinery directly, in each
// version. Their names end in the version: ".../mainline" or ".../v3".

// versions are the dcache versions the scenarios come in.
var versions = []struct {
	name string
	p    dcache.Patches
}{{"mainline", dcache.Mainline}, {"v3", dcache.V3}}

// dcacheLookup is one lookup of name in dir as __lookup_slow does it,
// with a ->lookup that finds nothing (d_add(dentry, NULL)).
func dcacheLookup(c *dcache.Cache, dir func() *dcache.Dentry, name string) func(t *sim.Task) {
	return func(t *sim.Task) {
		parent := dir()
		q := dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
		var wq *dcache.WaitQueue
		if !c.Has(dcache.P04WaitVarEvent) {
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
	for _, v := range versions {
		p := v.p
		Register(&Scenario{
			Name: "dcache/parallel-lookup/" + v.name,
			Doc: "Three tasks look up the same name at once through d_alloc_parallel: one owns the " +
				"in-lookup dentry and hashes it (negative), the others find it hashed or wait for it " +
				"and recheck. Every interleaving keeps at most one in-lookup and one hashed dentry " +
				"for the name, and every waiter wakes.",
			Marks: []string{"d_alloc_parallel: waited on in-lookup"},
			Bound: 1,
			Setup: func(w *sim.World) {
				c := dcache.NewCache(w, p)
				sb := c.NewSuperBlock("t", nil)
				root := func() *dcache.Dentry { return sb.SRoot }
				for i := range 3 {
					w.Go(fmt.Sprintf("lookup%d", i), dcacheLookup(c, root, "foo"))
				}
				w.Roots(func(mark func(*sim.Object)) { dcache.MarkTree(sb.SRoot, mark) })
				w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
			},
		})
	}
	Register(&Scenario{
		Name: "dcache/lock-waiter-mutant/v3",
		Doc: "v3 04/19 with DCACHE_LOCK_WAITER switched off (a mutant): a waiter sleeps on an " +
			"in-lookup dentry without telling its owner, the owner's __d_add skips the wake-up, " +
			"and the waiter sleeps forever. Shows why the flag must be set before sleeping.",
		Expect: sim.KindDeadlock,
		Setup: func(w *sim.World) {
			c := dcache.NewCache(w, dcache.V3)
			c.Mutants = dcache.MutNoLockWaiter
			sb := c.NewSuperBlock("t", nil)
			root := func() *dcache.Dentry { return sb.SRoot }
			w.Go("owner", dcacheLookup(c, root, "foo"))
			w.Go("waiter", dcacheLookup(c, root, "foo"))
		},
	})
}
