package scenarios

import (
	"slices"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Races around references and the shrinkers: last dputs against each
// other and against lookups, dget_parent against d_move, d_delete and
// d_invalidate against lookups, and the shrinkers against each other,
// dput, d_move and lookups. Each setup task builds the state and spawns
// the racers, so the search spends no decisions on it.

const (
	markKilledElsewhere = "shrink_dentry_list: freed a dentry killed elsewhere"
	markVictim          = "shrink_dcache_parent: victim on another shrink list"
	markRenameRetry     = "d_walk: rename retry"
	markAscendKilled    = "d_walk: ascended from a killed child"
	markLRUSkip         = "dentry_lru_isolate: d_lock busy, skipped"
)

// refsScenario registers a clean scenario on mainline and v3 (or on
// mainline alone with base) whose one task "main" runs body.
func refsScenario(name, doc string, base bool, bound int, marks []string, body dcachetest.Body) {
	cells := mainV3(bound, 0)
	if base {
		cells = cells[:1]
	}
	Register(&Scenario{Name: name, Doc: doc, Marks: marks, Cells: cells,
		Setup: func(w *sim.World, v variant.Variant) {
			e := dcachetest.New(w, v)
			w.Go("main", func(t *sim.Task) { body(t, e) })
		}})
}

func init() {
	refsScenario("dcache/two-last-dputs",
		"Two tasks drop the last two references of an unhashed positive dentry: exactly one kills it, with no double free.",
		false, 2, nil, func(t *sim.Task, e *dcachetest.Env) {
			d := dcache.DAlloc(t, e.Root(), dcachetest.Q(e.Root(), "a"))
			dcache.DInstantiate(t, d, e.SB.NewInode(t, dcache.S_IFREG))
			dcache.Dget(t, d)
			t.Spawn("a", func(t *sim.Task) { dcache.Dput(t, d) })
			t.Spawn("b", func(t *sim.Task) { dcache.Dput(t, d) })
		})
	refsScenario("dcache/dput-vs-lookup",
		"The last dput of a DCACHE_DONTCACHE dentry against a d_lookup that may take a new reference "+
			"while the killer waits for i_lock (lock_for_kill then gives up): the lookup gets a live "+
			"positive dentry or nothing.",
		false, 2, nil, func(t *sim.Task, e *dcachetest.Env) {
			d := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG)
			d.DFlags |= dcache.DCACHE_DONTCACHE
			t.Spawn("put", func(t *sim.Task) { dcache.Dput(t, d) })
			t.Spawn("lookup", func(t *sim.Task) {
				if got := dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "a")); got != nil {
					dcachetest.Assert(t, got.DInode != nil && got.DLockref.Count() > 0, "d_lookup returned %v with count %d", got, got.DLockref.Count())
					dcache.Dput(t, got)
				}
			})
		})
	refsScenario("dcache/dget-parent-vs-move",
		"dget_parent racing d_move of the child to another directory returns the old or the new "+
			"parent, with a reference, whichever way its d_seq check and its locked retry fall.",
		false, 2, nil, func(t *sim.Task, e *dcachetest.Env) {
			d1 := dcachetest.AddNew(t, e.Root(), "d1", dcache.S_IFDIR)
			d2 := dcachetest.AddNew(t, e.Root(), "d2", dcache.S_IFDIR)
			c := dcachetest.AddNew(t, d1, "c", dcache.S_IFREG)
			tgt := dcachetest.AddNew(t, d2, "t", 0)
			dcache.Dget(t, c)
			// The renamer takes over the references to both directories,
			// as rename(2) holds them through its paths.
			t.Spawn("move", func(t *sim.Task) {
				dcache.DMove(t, c, tgt)
				for _, d := range []*dcache.Dentry{tgt, c, d1, d2} {
					dcache.Dput(t, d)
				}
			})
			t.Spawn("dget_parent", func(t *sim.Task) {
				par := dcache.DgetParent(t, c)
				dcachetest.Assert(t, (par == d1 || par == d2) && par.DLockref.Count() > 0, "dget_parent = %v count %d", par, par.DLockref.Count())
				dcache.Dput(t, par)
				dcache.Dput(t, c)
			})
		})
	refsScenario("dcache/delete-vs-lookup",
		"d_delete of an unlinked file against a lookup that may take a reference first (d_delete "+
			"then only unhashes) or find nothing.",
		false, 2, nil, func(t *sim.Task, e *dcachetest.Env) {
			inode := e.SB.NewInode(t, dcache.S_IFREG)
			d := dcachetest.Add(t, e.Root(), "a", inode)
			t.Spawn("unlink", func(t *sim.Task) {
				inode.INlink = 0
				dcache.DDelete(t, d)
				dcache.Dput(t, d)
			})
			t.Spawn("lookup", func(t *sim.Task) {
				if got := dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "a")); got != nil {
					dcachetest.Assert(t, got == d && got.DLockref.Count() > 0, "d_lookup = %v count %d", got, got.DLockref.Count())
					dcache.Dput(t, got)
				}
			})
		})
	refsScenario("dcache/delete-vs-dput",
		"d_delete of an unlinked file against another holder's dput.",
		false, 2, nil, func(t *sim.Task, e *dcachetest.Env) {
			inode := e.SB.NewInode(t, dcache.S_IFREG)
			d := dcachetest.Add(t, e.Root(), "a", inode)
			dcache.Dget(t, d)
			t.Spawn("unlink", func(t *sim.Task) {
				inode.INlink = 0
				dcache.DDelete(t, d)
				dcache.Dput(t, d)
			})
			t.Spawn("close", func(t *sim.Task) { dcache.Dput(t, d) })
		})
	refsScenario("dcache/invalidate-vs-lookup",
		"d_invalidate of a directory against a lookup in it, which may take a reference to a child "+
			"before the prune reaches it (the child stays) or after it (a miss).",
		false, 1, nil, func(t *sim.Task, e *dcachetest.Env) {
			d := dcachetest.AddNew(t, e.Root(), "d", dcache.S_IFDIR)
			for _, n := range []string{"x", "y"} {
				dcache.Dput(t, dcachetest.AddNew(t, d, n, dcache.S_IFREG))
			}
			dcache.Dget(t, d)
			t.Spawn("invalidate", func(t *sim.Task) {
				dcache.DInvalidate(t, d)
				dcache.Dput(t, d)
			})
			t.Spawn("lookup", func(t *sim.Task) {
				if got := dcache.DLookup(t, d, dcachetest.Q(d, "x")); got != nil {
					dcachetest.Assert(t, got.Live() && got.DLockref.Count() > 0 && got.DInode != nil, "d_lookup = %v count %d", got, got.DLockref.Count())
					dcache.Dput(t, got)
				}
				dcache.Dput(t, d)
			})
		})
	Register(&Scenario{
		Name: "dcache/two-shrinkers",
		Doc: "Two shrink_dcache_parent calls on one directory: victims on the other's dispose list, " +
			"dentries killed by the other, a walk climbing out of a killed child; with no other " +
			"user, nothing unused may be left below the directory.",
		Marks: []string{markKilledElsewhere, markVictim, markAscendKilled},
		Cells: []Cell{{Variant: variant.BaseToday, Bound: 2}},
		Setup: func(w *sim.World, v variant.Variant) {
			e := dcachetest.New(w, v)
			var d *dcache.Dentry
			noneLeftBelow(w, &d, "both shrinkers")
			w.Go("main", func(t *sim.Task) {
				d = dcachetest.AddNew(t, e.Root(), "d", dcache.S_IFDIR)
				s := dcachetest.AddNew(t, d, "s", dcache.S_IFDIR)
				dcache.Dput(t, dcachetest.AddNew(t, s, "x", 0))
				dcache.Dput(t, s)
				dcache.Dget(t, d)
				for _, n := range []string{"shrink1", "shrink2"} {
					t.Spawn(n, func(t *sim.Task) {
						dcache.ShrinkDcacheParent(t, d)
						dcache.Dput(t, d)
					})
				}
			})
		},
	})
	refsScenario("dcache/walk-vs-kill",
		"d_walk climbing out of a child that is killed as it lets go of it: the walk goes on with "+
			"the next live sibling and misses none.",
		true, 2, []string{markAscendKilled}, func(t *sim.Task, e *dcachetest.Env) {
			d := dcachetest.AddNew(t, e.Root(), "d", dcache.S_IFDIR)
			o := dcachetest.AddNew(t, d, "o", 0) // older than s: after it in d_children
			s := dcache.DAlloc(t, d, dcachetest.Q(d, "s"))
			x := dcache.DAlloc(t, s, dcachetest.Q(s, "x"))
			dcache.Dput(t, s) // x pins s
			t.Spawn("walk", func(t *sim.Task) {
				seen := dcache.DWalkVisit(t, d)
				dcachetest.Assert(t, slices.Contains(seen, o), "d_walk missed %v after %v: saw %v", o, s, seen)
				dcache.Dput(t, o)
				dcache.Dput(t, d)
			})
			t.Spawn("kill", func(t *sim.Task) { dcache.Dput(t, x) }) // kills x, then s
		})
	refsScenario("dcache/prune-vs-dput",
		"The LRU pruner (LRU lock, then d_lock by trylock) against dput adding to the LRU (d_lock, "+
			"then the LRU lock) and a lookup of a dentry it may be pruning.",
		true, 2, []string{markLRUSkip}, func(t *sim.Task, e *dcachetest.Env) {
			a := dcachetest.Add(t, e.Root(), "a", nil)
			b := dcachetest.Add(t, e.Root(), "b", nil)
			dcache.Dput(t, a)
			t.Spawn("prune", func(t *sim.Task) { dcache.PruneDcacheSb(t, e.SB, 4) })
			t.Spawn("dput", func(t *sim.Task) {
				dcache.Dput(t, b)
				if got := dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "a")); got != nil {
					dcachetest.Assert(t, got == a && got.DLockref.Count() > 0, "d_lookup(a) = %v", got)
					dcache.Dput(t, got)
				}
			})
		})
	refsScenario("dcache/shrink-vs-move",
		"shrink_dcache_parent of the root against a d_move between two of its directories: d_walk "+
			"restarts with rename_lock held.",
		false, 2, []string{markRenameRetry}, func(t *sim.Task, e *dcachetest.Env) {
			d1 := dcachetest.AddNew(t, e.Root(), "d1", dcache.S_IFDIR)
			d2 := dcachetest.AddNew(t, e.Root(), "d2", dcache.S_IFDIR)
			c := dcachetest.AddNew(t, d1, "c", dcache.S_IFREG)
			tgt := dcachetest.AddNew(t, d2, "t", 0)
			t.Spawn("move", func(t *sim.Task) {
				dcache.DMove(t, c, tgt)
				for _, d := range []*dcache.Dentry{tgt, c, d1, d2} {
					dcache.Dput(t, d)
				}
			})
			t.Spawn("shrink", func(t *sim.Task) { dcache.ShrinkDcacheParent(t, e.Root()) })
		})
	refsScenario("dcache/drop-caches-vs-lookup",
		"drop_caches against a lookup of a name it may be killing: lockref_get_not_dead fails and "+
			"the lookup starts again.",
		false, 2, nil, func(t *sim.Task, e *dcachetest.Env) {
			dcache.Dput(t, dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG))
			t.Spawn("drop_caches", func(t *sim.Task) { dcache.DropCaches(t, e.SB) })
			t.Spawn("lookup", func(t *sim.Task) {
				d, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "a"))
				if dcache.DInLookup(t, d) {
					// drop_caches got there first: look it up again.
					dcache.DAdd(t, d, e.SB.NewInode(t, dcache.S_IFREG))
				}
				dcachetest.Assert(t, dcache.Hashed(d) && d.DInode != nil && d.DLockref.Count() > 0, "d_alloc_parallel(a) = %v count %d", d, d.DLockref.Count())
				dcache.Dput(t, d)
				dcachetest.Release(t, wq)
			})
		})
}
