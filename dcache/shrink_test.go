package dcache_test

// Tests of the shrinkers (shrink.go): dispose lists and shrink_dentry_list
// (including a dentry killed by someone else while on the list),
// dput_to_list, shrink_dcache_parent over d_walk, the LRU pruner
// (prune_dcache_sb with dentry_lru_isolate), shrink_dcache_sb and
// drop_caches; then their races with each other, with dput and lookups
// (the LRU lock / d_lock inversion), and with d_move (d_walk's rename
// retry), explored by DFS.

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

const (
	hbMarkKilledElsewhere = "shrink_dentry_list: freed a dentry killed elsewhere"
	hbMarkVictim          = "shrink_dcache_parent: victim on another shrink list"
	hbMarkRenameRetry     = "d_walk: rename retry"
	hbMarkAscendKilled    = "d_walk: ascended from a killed child"
	hbMarkLRUSkip         = "dentry_lru_isolate: d_lock busy, skipped"
)

// TestDputToList: the last reference of a dentry not worth keeping goes to
// the caller's dispose list (off the LRU) instead of being killed;
// a kept one, or one still referenced, does not.
func TestDputToList(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		var list dcache.ShrinkList
		kept := hbAdd(tk, e.root, "kept", nil)
		dcache.DputToList(tk, kept, &list)
		hbExpect(t, list.Empty() && slices.Contains(dcache.LRU(e.sb), kept), "a hashed dentry went to the dispose list")

		busy := dcache.DAlloc(tk, e.root, hbQ(e.root, "busy"))
		dcache.Dget(tk, busy)
		dcache.DputToList(tk, busy, &list)
		hbExpect(t, list.Empty() && hbCount(busy) == 1, "a referenced dentry went to the dispose list")

		// An LRU dentry that is dropped moves from the LRU to the list.
		dcache.Dget(tk, kept)
		dcache.DDrop(tk, kept)
		dcache.DputToList(tk, kept, &list)
		dcache.DputToList(tk, busy, &list)
		hbExpect(t, slices.Equal(dcache.ShrinkListDentries(&list), []*dcache.Dentry{busy, kept}), "dispose list %v",
			dcache.ShrinkListDentries(&list))
		hbExpect(t, len(dcache.LRU(e.sb)) == 0, "LRU %v", dcache.LRU(e.sb))
		for _, d := range []*dcache.Dentry{kept, busy} {
			f := d.DFlags & (dcache.DCACHE_LRU_LIST | dcache.DCACHE_SHRINK_LIST)
			hbExpect(t, f == dcache.DCACHE_LRU_LIST|dcache.DCACHE_SHRINK_LIST && hbCount(d) == 0, "%v: flags %s count %d",
				d, dcache.FlagString(d.DFlags), hbCount(d))
		}
		dcache.ShrinkDentryList(tk, &list)
		hbExpect(t, list.Empty() && !kept.Live() && !busy.Live(), "shrink_dentry_list left %v", dcache.ShrinkListDentries(&list))
		hbExpect(t, hbCount(e.root) == 1, "root count %d", hbCount(e.root))
	})
}

// TestShrinkDentryListBusyAndKilled: a dentry on a dispose list that was
// referenced again is only taken off the list; one that someone else
// killed meanwhile (__dentry_kill leaves it to the list's owner) is freed
// by shrink_dentry_list.
func TestShrinkDentryListBusyAndKilled(t *testing.T) {
	prog := hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
		e.w.Go("t", func(tk *sim.Task) {
			var list dcache.ShrinkList
			busy := dcache.DAlloc(tk, e.root, hbQ(e.root, "busy"))
			killed := dcache.DAlloc(tk, e.root, hbQ(e.root, "killed"))
			dcache.DputToList(tk, busy, &list)
			dcache.DputToList(tk, killed, &list)
			dcache.Dget(tk, busy) // found again (count 0 -> 1)
			dcache.Dget(tk, killed)
			dcache.Dput(tk, killed) // the kill is someone else's
			hbExpect(t, killed.Live() && killed.DFlags&dcache.DCACHE_DENTRY_KILLED != 0 && hbCount(killed) < 0,
				"killed on a shrink list: live %v flags %s count %d", killed.Live(), dcache.FlagString(killed.DFlags), hbCount(killed))
			hbExpect(t, !slices.Contains(dcache.Children(e.root), killed), "killed dentry still on d_children")
			dcache.ShrinkDentryList(tk, &list)
			hbExpect(t, list.Empty(), "list not emptied")
			hbExpect(t, !killed.Live(), "shrink_dentry_list did not free the dentry killed elsewhere")
			hbExpect(t, busy.Live() && hbCount(busy) == 1 && busy.DFlags&(dcache.DCACHE_LRU_LIST|dcache.DCACHE_SHRINK_LIST) == 0,
				"busy: live %v count %d flags %s", busy.Live(), hbCount(busy), dcache.FlagString(busy.DFlags))
			dcache.Dput(tk, busy)
			hbExpect(t, !busy.Live(), "unhashed dentry survived its last dput")
		})
	})
	out := hbRun(t, prog, sim.Config{}, nil)
	hbClean(t, out)
	if out.Marks[hbMarkKilledElsewhere] != 1 {
		t.Fatalf("marks %v", out.Marks)
	}
}

// hbTree builds, under parent, dirs a and a/b, with files a/x, a/b/y and
// a/b/z, all hashed and unused (on the LRU), and returns them.
func hbTree(tk *sim.Task, e *hbEnv, parent *dcache.Dentry) (a, b, x, y, z *dcache.Dentry) {
	a = hbAdd(tk, parent, "a", e.sb.NewInode(tk, dcache.S_IFDIR))
	b = hbAdd(tk, a, "b", e.sb.NewInode(tk, dcache.S_IFDIR))
	x = hbAdd(tk, a, "x", e.sb.NewInode(tk, dcache.S_IFREG))
	y = hbAdd(tk, b, "y", e.sb.NewInode(tk, dcache.S_IFREG))
	z = hbAdd(tk, b, "z", nil)
	for _, d := range []*dcache.Dentry{z, y, x, b, a} {
		dcache.Dput(tk, d)
	}
	return
}

// TestShrinkDcacheParent: every unused descendant goes; a busy dentry
// stays, and so do its ancestors, which it pins.
func TestShrinkDcacheParent(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		a, b, x, y, z := hbTree(tk, e, e.root)
		hbExpect(t, len(dcache.LRU(e.sb)) == 3, "LRU %v", dcache.LRU(e.sb)) // x, y, z; a and b are pinned
		held := dcache.Dget(tk, y)
		dcache.ShrinkDcacheParent(tk, e.root)
		hbExpect(t, !x.Live() && !z.Live(), "unused leaves survived: x %v z %v", x.Live(), z.Live())
		hbExpect(t, a.Live() && b.Live() && y.Live(), "busy y or its ancestors were killed")
		hbExpect(t, slices.Equal(dcache.Children(b), []*dcache.Dentry{y}) && slices.Equal(dcache.Children(a), []*dcache.Dentry{b}),
			"children: a %v b %v", dcache.Children(a), dcache.Children(b))
		// The walk leaves busy dentries where they are, on the LRU.
		hbExpect(t, slices.Equal(dcache.LRU(e.sb), []*dcache.Dentry{y}), "LRU %v", dcache.LRU(e.sb))
		dcache.Dput(tk, held)
		// The caller of shrink_dcache_parent holds the start: without
		// that, killing its last child would kill it too.
		dcache.Dget(tk, a)
		dcache.ShrinkDcacheParent(tk, a)
		hbExpect(t, a.Live() && !b.Live() && !y.Live() && hbCount(a) == 1, "second shrink: a live %v count %d, b live %v",
			a.Live(), hbCount(a), b.Live())
		dcache.Dput(tk, a)
		dcache.ShrinkDcacheParent(tk, e.root)
		hbExpect(t, !a.Live() && len(dcache.Children(e.root)) == 0 && hbCount(e.root) == 1, "root children %v count %d",
			dcache.Children(e.root), hbCount(e.root))
	})
}

// TestPruneDcacheSb: the LRU pruner takes busy dentries off the LRU, gives
// referenced ones a second pass, and kills the rest (with the parents
// whose last child they were); what it returns counts what left the LRU.
func TestPruneDcacheSb(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		d := hbAdd(tk, e.root, "d", e.sb.NewInode(tk, dcache.S_IFDIR))
		old := hbAdd(tk, d, "old", nil)
		ref := hbAdd(tk, d, "ref", nil)
		busy := hbAdd(tk, d, "busy", nil)
		for _, x := range []*dcache.Dentry{old, ref, busy} {
			dcache.Dput(tk, x)
		}
		dcache.Dput(tk, dcache.DLookup(tk, d, hbQ(d, "ref"))) // second last dput: DCACHE_REFERENCED
		held := dcache.DLookup(tk, d, hbQ(d, "busy"))         // in use, still on the LRU
		dcache.Dput(tk, d)                                    // d is pinned by its children only
		hbExpect(t, slices.Equal(dcache.LRU(e.sb), []*dcache.Dentry{old, ref, busy}), "LRU %v", dcache.LRU(e.sb))

		freed := dcache.PruneDcacheSb(tk, e.sb, 3)
		hbExpect(t, freed == 2, "prune_dcache_sb(3) = %d, want 2 (old killed, busy isolated)", freed)
		hbExpect(t, !old.Live() && ref.Live() && busy.Live(), "old live %v ref live %v busy live %v", old.Live(), ref.Live(), busy.Live())
		hbExpect(t, slices.Equal(dcache.LRU(e.sb), []*dcache.Dentry{ref}) && ref.DFlags&dcache.DCACHE_REFERENCED == 0,
			"LRU %v, ref flags %s", dcache.LRU(e.sb), dcache.FlagString(ref.DFlags))
		hbExpect(t, busy.DFlags&dcache.DCACHE_LRU_LIST == 0, "busy dentry still flagged LRU_LIST")

		dcache.Dput(tk, held) // back on the LRU
		hbExpect(t, slices.Equal(dcache.LRU(e.sb), []*dcache.Dentry{ref, busy}), "LRU %v", dcache.LRU(e.sb))
		freed = dcache.PruneDcacheSb(tk, e.sb, 10)
		hbExpect(t, freed == 2 && !ref.Live() && !busy.Live(), "prune_dcache_sb(10) = %d, ref live %v busy live %v", freed, ref.Live(), busy.Live())
		// d lost its last child: shrink_kill killed it too, hashed as it was.
		hbExpect(t, !d.Live() && hbCount(e.root) == 1, "d live %v, root count %d", d.Live(), hbCount(e.root))
	})
}

// TestPruneRotateRevisit: with room in the scan, a referenced dentry
// rotated to the tail is met again and goes in the same pass.
func TestPruneRotateRevisit(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		a := hbAdd(tk, e.root, "a", nil)
		dcache.Dput(tk, a)
		dcache.Dput(tk, dcache.DLookup(tk, e.root, hbQ(e.root, "a")))
		hbExpect(t, a.DFlags&dcache.DCACHE_REFERENCED != 0, "not referenced")
		freed := dcache.PruneDcacheSb(tk, e.sb, 1)
		hbExpect(t, freed == 0 && a.Live(), "one visit: freed %d", freed)
		dcache.Dput(tk, dcache.DLookup(tk, e.root, hbQ(e.root, "a")))
		freed = dcache.PruneDcacheSb(tk, e.sb, 2)
		hbExpect(t, freed == 1 && !a.Live(), "two visits: freed %d live %v", freed, a.Live())
	})
}

// TestShrinkDcacheSbAndDropCaches: both empty the LRU, killing every
// unused dentry (busy ones only leave the LRU), with the parents whose
// last children they were.
func TestShrinkDcacheSbAndDropCaches(t *testing.T) {
	for _, name := range []string{"shrink_dcache_sb", "drop_caches"} {
		t.Run(name, func(t *testing.T) {
			hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
				a, b, x, y, z := hbTree(tk, e, e.root)
				dcache.Dput(tk, dcache.DLookup(tk, b, hbQ(b, "z"))) // referenced
				held := dcache.DLookup(tk, a, hbQ(a, "x"))          // busy
				if name == "drop_caches" {
					dcache.DropCaches(tk, e.sb)
				} else {
					dcache.ShrinkDcacheSb(tk, e.sb)
				}
				hbExpect(t, len(dcache.LRU(e.sb)) == 0, "LRU %v", dcache.LRU(e.sb))
				hbExpect(t, !y.Live() && !z.Live() && !b.Live(), "y %v z %v b %v live", y.Live(), z.Live(), b.Live())
				hbExpect(t, a.Live() && x.Live() && hbCount(x) == 1, "a live %v, x live %v count %d", a.Live(), x.Live(), hbCount(x))
				dcache.Dput(tk, held)
				dcache.ShrinkDcacheSb(tk, e.sb)
				hbExpect(t, !x.Live() && !a.Live() && hbCount(e.root) == 1, "x %v a %v live, root count %d", x.Live(), a.Live(), hbCount(e.root))
			})
		})
	}
}

// TestShrinkerRaces explores the shrinkers against each other and against
// the rest of the dcache:
//   - two shrink_dcache_parent of one directory: each finds the other's
//     dispose list, kills its victims for it or leaves their freeing to
//     it, and climbs out of children the other killed;
//   - d_walk climbing out of a child that is killed as it lets go of it
//     (the walk goes on with the next live sibling);
//   - the LRU pruner (LRU lock, then d_lock by trylock) against dput
//     adding to the LRU (d_lock, then the LRU lock) and lookups;
//   - shrink_dcache_parent of the root against a d_move between two of
//     its directories (d_walk restarts with rename_lock held);
//   - drop_caches against a lookup of a name it may be killing
//     (lockref_get_not_dead fails, and the lookup starts again).
func TestShrinkerRaces(t *testing.T) {
	t.Run("two-shrinkers", func(t *testing.T) {
		hbExplore(t, hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
			var d *dcache.Dentry
			// With no other user, nothing unused may be left below d.
			e.w.AtEnd(func(w *sim.World) {
				if kids := dcache.Children(d); len(kids) != 0 {
					w.Violation(sim.KindInvariant, "shrink", "unused dentries left below d after both shrinkers", fmt.Sprint(kids))
				}
			})
			e.w.Go("main", func(tk *sim.Task) {
				d = hbAdd(tk, e.root, "d", e.sb.NewInode(tk, dcache.S_IFDIR))
				s := hbAdd(tk, d, "s", e.sb.NewInode(tk, dcache.S_IFDIR))
				dcache.Dput(tk, hbAdd(tk, s, "x", nil))
				dcache.Dput(tk, s)
				dcache.Dget(tk, d)
				for _, n := range []string{"shrink1", "shrink2"} {
					tk.Spawn(n, func(tk *sim.Task) {
						dcache.ShrinkDcacheParent(tk, d)
						dcache.Dput(tk, d)
					})
				}
			})
		}), 20000, hbMarkKilledElsewhere, hbMarkVictim, hbMarkAscendKilled)
	})
	t.Run("walk-vs-kill", func(t *testing.T) {
		hbExplore(t, hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
			e.w.Go("main", func(tk *sim.Task) {
				d := hbAdd(tk, e.root, "d", e.sb.NewInode(tk, dcache.S_IFDIR))
				o := hbAdd(tk, d, "o", nil) // older than s: after it in d_children
				s := dcache.DAlloc(tk, d, hbQ(d, "s"))
				x := dcache.DAlloc(tk, s, hbQ(s, "x"))
				dcache.Dput(tk, s) // x pins s
				tk.Spawn("walk", func(tk *sim.Task) {
					seen := dcache.DWalkVisit(tk, d)
					hbExpect(t, slices.Contains(seen, o), "d_walk missed %v after %v: saw %v", o, s, seen)
					dcache.Dput(tk, o)
					dcache.Dput(tk, d)
				})
				tk.Spawn("kill", func(tk *sim.Task) { dcache.Dput(tk, x) }) // kills x, then s
			})
		}), 20000, hbMarkAscendKilled)
	})
	t.Run("prune-vs-dput", func(t *testing.T) {
		hbExplore(t, hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
			e.w.Go("main", func(tk *sim.Task) {
				a := hbAdd(tk, e.root, "a", nil)
				b := hbAdd(tk, e.root, "b", nil)
				dcache.Dput(tk, a)
				tk.Spawn("prune", func(tk *sim.Task) { dcache.PruneDcacheSb(tk, e.sb, 4) })
				tk.Spawn("dput", func(tk *sim.Task) {
					dcache.Dput(tk, b)
					got := dcache.DLookup(tk, e.root, hbQ(e.root, "a"))
					if got != nil {
						hbExpect(t, got == a && hbCount(got) > 0, "d_lookup(a) = %v", got)
						dcache.Dput(tk, got)
					}
				})
			})
		}), 20000, hbMarkLRUSkip)
	})
	for _, p := range hbVersions {
		t.Run("walk-vs-move-"+p.String(), func(t *testing.T) {
			hbExplore(t, hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				e.w.Go("main", func(tk *sim.Task) {
					d1 := hbAdd(tk, e.root, "d1", e.sb.NewInode(tk, dcache.S_IFDIR))
					d2 := hbAdd(tk, e.root, "d2", e.sb.NewInode(tk, dcache.S_IFDIR))
					c := hbAdd(tk, d1, "c", e.sb.NewInode(tk, dcache.S_IFREG))
					tgt := hbAdd(tk, d2, "t", nil)
					tk.Spawn("move", func(tk *sim.Task) {
						dcache.DMove(tk, c, tgt)
						for _, d := range []*dcache.Dentry{tgt, c, d1, d2} {
							dcache.Dput(tk, d)
						}
					})
					tk.Spawn("shrink", func(tk *sim.Task) { dcache.ShrinkDcacheParent(tk, e.root) })
				})
			}), 20000, hbMarkRenameRetry)
		})
		t.Run("drop_caches-vs-lookups-"+p.String(), func(t *testing.T) {
			hbExplore(t, hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				e.w.Go("main", func(tk *sim.Task) {
					dcache.Dput(tk, hbAdd(tk, e.root, "a", e.sb.NewInode(tk, dcache.S_IFREG)))
					tk.Spawn("drop_caches", func(tk *sim.Task) { dcache.DropCaches(tk, e.sb) })
					tk.Spawn("lookup", func(tk *sim.Task) {
						wq := hbWaitQueue(tk, e.c)
						d := dcache.DAllocParallel(tk, e.root, hbQ(e.root, "a"), wq)
						if dcache.DInLookup(tk, d) {
							// drop_caches got there first: look it up again.
							dcache.DAdd(tk, d, e.sb.NewInode(tk, dcache.S_IFREG))
						}
						hbExpect(t, dcache.Hashed(d) && d.DInode != nil && hbCount(d) > 0, "d_alloc_parallel(a) = %v count %d", d, hbCount(d))
						dcache.Dput(tk, d)
						hbReleaseWQ(tk, wq)
					})
				})
			}), 20000)
		})
	}
}
