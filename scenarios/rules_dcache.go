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
}
