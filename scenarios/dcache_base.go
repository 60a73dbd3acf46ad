package scenarios

// Races in code the v3 series base (torvalds/linux 254f49634ee1, named by
// the syzbot ci report on the series,
// <69ef2169.a00a0220.316485.000b.GAE@google.com>) changed from v6.18:
// shrink_dcache_tree sleeping on a dying dentry's waiters, and
// d_instantiate's BUG_ON(d_really_is_positive(entry)).

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

func init() {
	Register(&Scenario{
		Name: "dcache/shrink-vs-dying-child",
		Doc: "shrink_dcache_parent of a directory against the last dput of an unhashed child and a " +
			"lookup in the directory: a child that the dput is killing is waited for on its waiters " +
			"(d_add_waiter) until dentry_unlist completes them; nothing unused is left below the " +
			"directory and no shrinker sleeps for ever.",
		Marks: []string{dcache.MarkShrinkWaits, dcache.MarkWaitersWoken},
		Cells: mainV3(2, 0),
		Setup: func(w *sim.World, v variant.Variant) {
			e := dcachetest.New(w, v)
			var d *dcache.Dentry
			noneLeftBelow(w, &d, "the shrinker")
			w.Go("main", func(t *sim.Task) {
				d = dcachetest.AddNew(t, e.Root(), "d", dcache.S_IFDIR)
				x := dcache.DAlloc(t, d, dcachetest.Q(d, "x")) // unhashed: its last dput kills it
				t.Spawn("shrink", func(t *sim.Task) {
					dcache.ShrinkDcacheParent(t, d)
					dcache.Dput(t, d)
				})
				t.Spawn("dput", func(t *sim.Task) { dcache.Dput(t, x) })
				t.Spawn("lookup", func(t *sim.Task) {
					if got := dcache.DLookup(t, d, dcachetest.Q(d, "x")); got != nil {
						dcachetest.Assert(t, false, "d_lookup found the unhashed %v", got)
					}
				})
			})
		},
	})
	Register(&Scenario{
		Name: "dcache/instantiate-twice",
		Doc: "Two d_instantiate calls on one negative dentry (a filesystem bug): the second meets " +
			"the base's BUG_ON(d_really_is_positive(entry)).",
		Cells: []Cell{
			{Variant: variant.BaseToday, Expect: FindsRule(sim.KindBug, "BUG_ON")},
			{Variant: variant.V3Today, Expect: FindsRule(sim.KindBug, "BUG_ON")},
		},
		Setup: func(w *sim.World, v variant.Variant) {
			e := dcachetest.New(w, v)
			w.Go("main", func(t *sim.Task) {
				d := dcache.DAlloc(t, e.Root(), dcachetest.Q(e.Root(), "a"))
				for _, n := range []string{"a", "b"} {
					t.Spawn(n, func(t *sim.Task) { dcache.DInstantiate(t, d, e.SB.NewInode(t, dcache.S_IFREG)) })
				}
			})
		},
	})
}
