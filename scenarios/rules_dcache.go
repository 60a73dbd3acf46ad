package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Programs of the rules catalogue's dcache checks (docs/rules.md): each
// keeps its rule on the faithful variants and breaks it on one mutant.

// killOps make every last dput kill (->d_delete says "don't keep") and
// give the filesystem a ->d_release, the hook whose view R23 checks.
var killOps = &dcache.DentryOperations{
	DDelete:  func(*sim.Task, *dcache.Dentry) int { return 1 },
	DRelease: func(*sim.Task, *dcache.Dentry) {},
}

func init() {
	Register(&Scenario{
		Name: "dcache/kill-with-release",
		Doc: "Two lookups of one name on a filesystem whose ->d_delete refuses to keep unused " +
			"dentries and which has a ->d_release: the last dput kills the positive hashed " +
			"dentry. __dentry_kill calls ->d_release on a dead, unhashed, negative dentry that " +
			"is still among its parent's children, without d_lock (R23); a mutant calling it " +
			"first, before __d_drop and dentry_unlink_inode, breaks that.",
		Cells: []Cell{
			{Variant: variant.BaseToday, Bound: 1},
			{Variant: variant.V3Today, Bound: 1},
			mutant(variant.BaseToday, dcache.MutReleaseFirst, sim.KindInvariant, "R23"),
		},
		Setup: func(w *sim.World, v variant.Variant) {
			e := dcachetest.NewOps(w, v, killOps)
			for _, name := range []string{"owner", "waiter"} {
				w.Go(name, func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), "foo", dcachetest.AddPositive) })
			}
		},
	})
	Register(&Scenario{
		Name: "dcache/dput-vs-find-alias",
		Doc: "The last dput of a DCACHE_DONTCACHE file dentry races d_find_alias of its inode, " +
			"which takes a reference under i_lock and d_lock. lock_for_kill cannot trylock i_lock, " +
			"drops d_lock, takes i_lock then d_lock and rechecks the count: when d_find_alias got " +
			"in between, the dentry lives on (R22). A mutant without the recheck kills the " +
			"dentry d_find_alias returned (R22); one that spins on i_lock under d_lock " +
			"inverts the i_lock -> d_lock order (R16).",
		Marks: []string{"test: d_find_alias got it"},
		Cells: []Cell{
			{Variant: variant.BaseToday, Bound: 2},
			{Variant: variant.V3Today, Bound: 2},
			mutant(variant.BaseToday, dcache.MutNoKillRecheck, sim.KindKASAN, "use-after-free"),
			mutant(variant.BaseToday, dcache.MutKillBlocksOnILock, sim.KindLockdep, "circular"),
		},
		Setup: func(w *sim.World, v variant.Variant) {
			e := dcachetest.New(w, v)
			var d *dcache.Dentry
			var inode *dcache.Inode
			dcachetest.Race(w, func(t *sim.Task) {
				d = dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG)
				d.DFlags |= dcache.DCACHE_DONTCACHE
				// d_find_alias's caller holds its inode; taking it from
				// d->d_inode in the racer would be a read with no step,
				// which DPOR could not order against the put.
				inode = d.DInode
				dcache.Ihold(t, inode)
			}, dcachetest.Racer{Name: "put", Fn: func(t *sim.Task) { dcache.Dput(t, d) }},
				dcachetest.Racer{Name: "find", Fn: func(t *sim.Task) {
					if got := dcache.DFindAlias(t, inode); got != nil {
						t.Mark("test: d_find_alias got it")
						dcachetest.Assert(t, got.DInode == inode, "d_find_alias returned %v, no longer an alias", got)
						dcache.Dput(t, got)
					}
					dcache.Iput(t, inode)
				}})
		},
	})
}
