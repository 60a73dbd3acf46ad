package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Races of d_splice_alias, __d_unalias, d_move, d_exchange and the alias
// finders with lookups and dput, clean in mainline and v3. Each asserts
// what its tasks must see and marks the outcomes it must reach.

// unaliasRace: the connected alias d1/x of a directory, found by a lookup
// of d2/y (a remote rename), racing another such lookup in d3 or, with
// rename, a local cross-directory rename's lock_rename.
func unaliasRace(rename bool) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		e := dcachetest.New(w, v)
		e.CheckUmount()
		w.Go("setup", func(t *sim.Task) {
			d1 := dcachetest.AddNew(t, e.Root(), "d1", dcache.S_IFDIR)
			d2 := dcachetest.AddNew(t, e.Root(), "d2", dcache.S_IFDIR)
			d3 := dcachetest.AddNew(t, e.Root(), "d3", dcache.S_IFDIR)
			x := dcachetest.AddNew(t, d1, "x", dcache.S_IFDIR)
			dir := x.DInode
			dcache.Dput(t, x)
			e.Pinned[d1], e.Pinned[d2], e.Pinned[d3] = 1, 1, 1 // kept by setup: the directories stay
			lookup := func(parent *dcache.Dentry, name string) func(t *sim.Task) {
				return func(t *sim.Task) {
					r := dcachetest.SpliceLookup(t, e, parent, name, dir)
					dcachetest.Assert(t, sim.PtrErr(r) == -int(sim.ESTALE) || r == x, "lookup of %s gave %v", name, r)
					if !sim.IsErr(r) {
						if x.DParent != d1 && x.DParent != parent {
							t.Mark("test: moved twice")
						}
						dcache.Dput(t, r)
					}
				}
			}
			t.Spawn("lookup-d2", lookup(d2, "y"))
			if rename {
				t.Spawn("rename", func(t *sim.Task) {
					e.SB.SVfsRenameMutex.DownWrite(t) // lock_rename of an unrelated cross-directory rename
					e.SB.SVfsRenameMutex.UpWrite(t)
				})
			} else {
				t.Spawn("lookup-d3", lookup(d3, "z"))
			}
		})
	}
}

// findAliasVsPut: the final dput of the only alias of an inode of mode
// racing find (d_find_any_alias or d_find_alias).
func findAliasVsPut(mode dcache.Mode, find func(t *sim.Task, i *dcache.Inode) *dcache.Dentry) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		e := dcachetest.New(w, v)
		e.CheckUmount()
		w.Go("setup", func(t *sim.Task) {
			d := dcachetest.AddNew(t, e.Root(), "d", mode)
			inode := d.DInode
			if mode.IsDir() {
				dcache.DDrop(t, d) // so that the final dput kills it
			}
			t.Spawn("put", func(t *sim.Task) {
				if !mode.IsDir() {
					dcache.DDrop(t, d)
				}
				dcache.Dput(t, d)
			})
			t.Spawn("find", func(t *sim.Task) {
				got := find(t, inode)
				if got == nil {
					t.Mark("test: alias gone")
					return
				}
				t.Mark("test: alias found")
				dcachetest.Assert(t, got == d && got.Live() && got.DLockref.Count() >= 1 && got.DInode == inode,
					"found %s (count %d)", got, got.DLockref.Count())
				dcache.Dput(t, got)
			})
		})
	}
}

func init() {
	Register(&Scenario{
		Name: "dcache/splice-vs-lookup",
		Doc: "Two lookups of one name race to splice a directory whose IS_ROOT alias is pinned (an " +
			"open file handle): whichever owns the in-lookup dentry moves the alias into place; the " +
			"other waits on it (or finds the alias hashed), sees the in-lookup dentry unhashed by " +
			"__d_move, retries and finds the alias. Both end with it; the directory keeps one alias.",
		Marks: []string{"d_splice_alias: splice IS_ROOT alias", markWaited, markMismatch},
		Cells: mainV3(2, 0),
		Setup: withUmount(func(t *sim.Task, e *dcachetest.Env) {
			anon := dcachetest.AnonDir(t, e.SB)
			e.Pinned[anon] = 1
			dir := anon.DInode
			for range 2 {
				t.Spawn("lookup", func(t *sim.Task) {
					r := dcachetest.SpliceLookup(t, e, e.Root(), "sub", dir)
					dcachetest.Assert(t, r == anon, "lookup gave %v, want the alias", r)
					dcache.Dput(t, r)
				})
			}
		}),
	})
	Register(&Scenario{
		Name: "dcache/splice-vs-alias-put",
		Doc: "A lookup splicing a directory while the holder of its IS_ROOT alias lets it go. Either " +
			"the splice takes its reference first (the alias moves into the tree, and survives or, if " +
			"the holder's dput was already in lock_for_kill, is evicted when the lookup lets go), or " +
			"the alias is killed first and the lookup instantiates its own dentry. The lookup " +
			"always gets a positive dentry for the directory.",
		Marks: []string{"d_splice_alias: splice IS_ROOT alias", "test: alias killed first", "test: spliced alias evicted"},
		Cells: mainV3(2, 0),
		Setup: withUmount(func(t *sim.Task, e *dcachetest.Env) {
			anon := dcachetest.AnonDir(t, e.SB)
			dir := anon.DInode
			t.Spawn("lookup", func(t *sim.Task) {
				res := dcachetest.SpliceLookup(t, e, e.Root(), "sub", dir)
				dcachetest.Assert(t, !sim.IsErrOrNull(res) && res.DInode == dir, "lookup gave %v", res)
				if res != anon {
					t.Mark("test: alias killed first")
				}
				dcache.Dput(t, res)
			})
			t.Spawn("holder", func(t *sim.Task) {
				dcache.Dput(t, anon)
				// A look at the dentry after the fact (no step): moved
				// into the tree, then killed by this dput.
				if anon.DName.Name == "sub" && anon.DLockref.IsDead() {
					t.Mark("test: spliced alias evicted")
				}
			})
		}),
	})
	Register(&Scenario{
		Name: "dcache/unalias-two-lookups",
		Doc: "Two remote renames seen by lookups in two directories, each finding the connected " +
			"alias of one directory: __d_unalias moves it, serialised by rename_lock. The alias ends " +
			"in one place; the directory keeps one alias.",
		Marks: []string{"d_splice_alias: unalias connected directory", "test: moved twice"},
		Cells: mainV3(2, 0),
		Setup: unaliasRace(false),
	})
	Register(&Scenario{
		Name: "dcache/unalias-vs-rename",
		Doc: "A lookup finding the connected alias of a directory in another directory races a local " +
			"cross-directory rename holding s_vfs_rename_mutex: __d_unalias moves the alias or fails " +
			"with -ESTALE, never both.",
		Marks: []string{"d_splice_alias: unalias connected directory", "__d_unalias: s_vfs_rename_mutex busy"},
		// The mutant cell is the rules catalogue's (R19, docs/rules/R19.md).
		Cells: append(mainV3(2, 0), mutant(variant.BaseToday, dcache.MutUnaliasBlocks, sim.KindLockdep, "sleep-in-atomic")),
		Setup: unaliasRace(true),
	})
	Register(&Scenario{
		Name: "dcache/move-vs-alloc-parallel",
		Doc: "d_move of a file onto a hashed negative name, racing a d_alloc_parallel of that name " +
			"without the directory lock (as lookups will run once the series lifts them out of " +
			"i_rwsem). The lookup finds the old negative or the moved file, never makes a second one.",
		Marks: []string{"test: lookup got the old negative", "test: lookup got the moved file"},
		Cells: mainV3(2, 0),
		Setup: withUmount(func(t *sim.Task, e *dcachetest.Env) {
			a := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG)
			b := dcachetest.AddNew(t, e.Root(), "b", 0)
			t.Spawn("rename", func(t *sim.Task) {
				e.Root().DInode.IRwsem.DownWrite(t)
				dcache.DMove(t, a, b)
				e.Root().DInode.IRwsem.UpWrite(t)
				dcache.Dput(t, b)
				dcache.Dput(t, a)
			})
			t.Spawn("lookup", func(t *sim.Task) {
				d, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "b"))
				dcachetest.Assert(t, !sim.IsErr(d), "d_alloc_parallel failed")
				dcachetest.Assert(t, !dcache.DInLookup(t, d), "a second dentry for b was created in-lookup")
				dcachetest.Assert(t, d == a || d == b, "d_alloc_parallel returned %s", d)
				if d == a {
					t.Mark("test: lookup got the moved file")
				} else {
					t.Mark("test: lookup got the old negative")
				}
				dcache.Dput(t, d)
				dcachetest.Release(t, wq)
			})
		}),
	})
	Register(&Scenario{
		Name: "dcache/move-wakes-waiters",
		Doc: "The rename target is the renamer's own in-lookup dentry and another lookup of the name " +
			"waits on it: __d_move must wake the waiter (mainline: the owner's d_wait queue; v3 " +
			"04/19: end_dir_add), which finds the target unhashed, retries and finds the moved dentry.",
		Marks: []string{markWaited, markMismatch, "__d_move: in-lookup target"},
		Cells: mainV3(2, 0),
		Setup: withUmount(func(t *sim.Task, e *dcachetest.Env) {
			a := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG)
			t.Spawn("rename", func(t *sim.Task) {
				b, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "b"))
				dcache.DMove(t, a, b)
				dcache.DLookupDone(t, b)
				dcache.Dput(t, b)
				dcachetest.Release(t, wq)
				dcache.Dput(t, a)
			})
			t.Spawn("lookup", func(t *sim.Task) {
				d, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "b"))
				if dcache.DInLookup(t, d) { // it got there first: ->lookup finds nothing
					dcache.DAdd(t, d, nil)
				} else {
					dcachetest.Assert(t, d == a || d.DInode == nil, "lookup found %s", d)
				}
				dcache.Dput(t, d)
				dcachetest.Release(t, wq)
			})
		}),
	})
	Register(&Scenario{
		Name: "dcache/exchange-vs-lookup",
		Doc: "d_exchange of two files in one directory racing d_lookup of one of the names: both " +
			"names exist before and after, so d_lookup (retrying while rename_lock moved) finds one " +
			"of the two dentries, never misses.",
		Marks: []string{"test: found the original a", "test: found the exchanged b"},
		Cells: mainV3(2, 0),
		Setup: withUmount(func(t *sim.Task, e *dcachetest.Env) {
			a := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG)
			b := dcachetest.AddNew(t, e.Root(), "b", dcache.S_IFREG)
			t.Spawn("exchange", func(t *sim.Task) {
				e.Root().DInode.IRwsem.DownWrite(t)
				dcache.DExchange(t, a, b)
				e.Root().DInode.IRwsem.UpWrite(t)
				dcache.Dput(t, a)
				dcache.Dput(t, b)
			})
			t.Spawn("lookup", func(t *sim.Task) {
				d := dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "a"))
				dcachetest.Assert(t, d == a || d == b, "d_lookup(a) = %v", d)
				if d == a {
					t.Mark("test: found the original a")
				} else if d == b {
					t.Mark("test: found the exchanged b")
				}
				dcache.Dput(t, d)
			})
		}),
	})
	Register(&Scenario{
		Name: "dcache/find-any-alias-vs-dput",
		Doc: "d_find_any_alias of a directory racing the final dput of its only (unhashed) alias: " +
			"the finder misses it (killed first) or gets it live with a counted reference, which " +
			"makes lock_for_kill back off.",
		Marks: []string{"test: alias found", "test: alias gone"},
		Cells: mainV3(2, 0),
		Setup: findAliasVsPut(dcache.S_IFDIR, dcache.DFindAnyAlias),
	})
	Register(&Scenario{
		Name: "dcache/find-alias-vs-dput",
		Doc: "d_find_alias of a file racing the d_drop and final dput of its only alias: the finder " +
			"misses it or gets it live with a counted reference.",
		Marks: []string{"test: alias found", "test: alias gone"},
		Cells: mainV3(2, 0),
		Setup: findAliasVsPut(dcache.S_IFREG, dcache.DFindAlias),
	})
}
