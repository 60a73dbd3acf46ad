package dcache_test

// Tests of the shrinkers (shrink.go): dispose lists and shrink_dentry_list
// (including a dentry killed by someone else while on the list),
// dput_to_list, shrink_dcache_parent over d_walk, the LRU pruner
// (prune_dcache_sb with dentry_lru_isolate), shrink_dcache_sb and
// drop_caches. Their races are catalog scenarios (scenarios/dcache_refs.go).

import (
	"slices"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

const (
	markKilledElsewhere = "shrink_dentry_list: freed a dentry killed elsewhere"
)

// TestDputToList: the last reference of a dentry not worth keeping goes to
// the caller's dispose list (off the LRU) instead of being killed;
// a kept one, or one still referenced, does not.
func TestDputToList(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		var list dcache.ShrinkList
		kept := dcachetest.Add(tk, e.Root(), "kept", nil)
		dcache.DputToList(tk, kept, &list)
		dcachetest.Assert(tk, list.Empty() && slices.Contains(dcache.LRU(e.SB), kept), "a hashed dentry went to the dispose list")

		busy := dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), "busy"))
		dcache.Dget(tk, busy)
		dcache.DputToList(tk, busy, &list)
		dcachetest.Assert(tk, list.Empty() && busy.DLockref.Count() == 1, "a referenced dentry went to the dispose list")

		// An LRU dentry that is dropped moves from the LRU to the list.
		dcache.Dget(tk, kept)
		dcache.DDrop(tk, kept)
		dcache.DputToList(tk, kept, &list)
		dcache.DputToList(tk, busy, &list)
		dcachetest.Assert(tk, slices.Equal(dcache.ShrinkListDentries(&list), []*dcache.Dentry{busy, kept}), "dispose list %v",
			dcache.ShrinkListDentries(&list))
		dcachetest.Assert(tk, len(dcache.LRU(e.SB)) == 0, "LRU %v", dcache.LRU(e.SB))
		for _, d := range []*dcache.Dentry{kept, busy} {
			f := d.DFlags & (dcache.DCACHE_LRU_LIST | dcache.DCACHE_SHRINK_LIST)
			dcachetest.Assert(tk, f == dcache.DCACHE_LRU_LIST|dcache.DCACHE_SHRINK_LIST && d.DLockref.Count() == 0, "%v: flags %s count %d",
				d, dcache.FlagString(d.DFlags), d.DLockref.Count())
		}
		dcache.ShrinkDentryList(tk, &list)
		dcachetest.Assert(tk, list.Empty() && !kept.Live() && !busy.Live(), "shrink_dentry_list left %v", dcache.ShrinkListDentries(&list))
		dcachetest.Assert(tk, e.Root().DLockref.Count() == 1, "root count %d", e.Root().DLockref.Count())
	})
}

// TestShrinkDentryListBusyAndKilled: a dentry on a dispose list that was
// referenced again is only taken off the list; one that someone else
// killed meanwhile (__dentry_kill leaves it to the list's owner) is freed
// by shrink_dentry_list.
func TestShrinkDentryListBusyAndKilled(t *testing.T) {
	prog := dcachetest.Program(t.Name(), variant.BaseToday, nil, func(e *dcachetest.Env) {
		e.W.Go("t", func(tk *sim.Task) {
			var list dcache.ShrinkList
			busy := dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), "busy"))
			killed := dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), "killed"))
			dcache.DputToList(tk, busy, &list)
			dcache.DputToList(tk, killed, &list)
			dcache.Dget(tk, busy) // found again (count 0 -> 1)
			dcache.Dget(tk, killed)
			dcache.Dput(tk, killed) // the kill is someone else's
			dcachetest.Assert(tk, killed.Live() && killed.DFlags&dcache.DCACHE_DENTRY_KILLED != 0 && killed.DLockref.Count() < 0,
				"killed on a shrink list: live %v flags %s count %d", killed.Live(), dcache.FlagString(killed.DFlags), killed.DLockref.Count())
			dcachetest.Assert(tk, !slices.Contains(dcache.Children(e.Root()), killed), "killed dentry still on d_children")
			dcache.ShrinkDentryList(tk, &list)
			dcachetest.Assert(tk, list.Empty(), "list not emptied")
			dcachetest.Assert(tk, !killed.Live(), "shrink_dentry_list did not free the dentry killed elsewhere")
			dcachetest.Assert(tk, busy.Live() && busy.DLockref.Count() == 1 && busy.DFlags&(dcache.DCACHE_LRU_LIST|dcache.DCACHE_SHRINK_LIST) == 0,
				"busy: live %v count %d flags %s", busy.Live(), busy.DLockref.Count(), dcache.FlagString(busy.DFlags))
			dcache.Dput(tk, busy)
			dcachetest.Assert(tk, !busy.Live(), "unhashed dentry survived its last dput")
		})
	})
	out := dcachetest.Run(t, prog, sim.Config{}, nil)
	dcachetest.Clean(t, out)
	if out.Marks[markKilledElsewhere] != 1 {
		t.Fatalf("marks %v", out.Marks)
	}
}

// tree builds, under parent, dirs a and a/b, with files a/x, a/b/y and
// a/b/z, all hashed and unused (on the LRU), and returns them.
func tree(tk *sim.Task, e *dcachetest.Env, parent *dcache.Dentry) (a, b, x, y, z *dcache.Dentry) {
	a = dcachetest.Add(tk, parent, "a", e.SB.NewInode(tk, dcache.S_IFDIR))
	b = dcachetest.Add(tk, a, "b", e.SB.NewInode(tk, dcache.S_IFDIR))
	x = dcachetest.Add(tk, a, "x", e.SB.NewInode(tk, dcache.S_IFREG))
	y = dcachetest.Add(tk, b, "y", e.SB.NewInode(tk, dcache.S_IFREG))
	z = dcachetest.Add(tk, b, "z", nil)
	for _, d := range []*dcache.Dentry{z, y, x, b, a} {
		dcache.Dput(tk, d)
	}
	return
}

// TestShrinkDcacheParent: every unused descendant goes; a busy dentry
// stays, and so do its ancestors, which it pins.
func TestShrinkDcacheParent(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		a, b, x, y, z := tree(tk, e, e.Root())
		dcachetest.Assert(tk, len(dcache.LRU(e.SB)) == 3, "LRU %v", dcache.LRU(e.SB)) // x, y, z; a and b are pinned
		held := dcache.Dget(tk, y)
		dcache.ShrinkDcacheParent(tk, e.Root())
		dcachetest.Assert(tk, !x.Live() && !z.Live(), "unused leaves survived: x %v z %v", x.Live(), z.Live())
		dcachetest.Assert(tk, a.Live() && b.Live() && y.Live(), "busy y or its ancestors were killed")
		dcachetest.Assert(tk, slices.Equal(dcache.Children(b), []*dcache.Dentry{y}) && slices.Equal(dcache.Children(a), []*dcache.Dentry{b}),
			"children: a %v b %v", dcache.Children(a), dcache.Children(b))
		// The walk leaves busy dentries where they are, on the LRU.
		dcachetest.Assert(tk, slices.Equal(dcache.LRU(e.SB), []*dcache.Dentry{y}), "LRU %v", dcache.LRU(e.SB))
		dcache.Dput(tk, held)
		// The caller of shrink_dcache_parent holds the start: without
		// that, killing its last child would kill it too.
		dcache.Dget(tk, a)
		dcache.ShrinkDcacheParent(tk, a)
		dcachetest.Assert(tk, a.Live() && !b.Live() && !y.Live() && a.DLockref.Count() == 1, "second shrink: a live %v count %d, b live %v",
			a.Live(), a.DLockref.Count(), b.Live())
		dcache.Dput(tk, a)
		dcache.ShrinkDcacheParent(tk, e.Root())
		dcachetest.Assert(tk, !a.Live() && len(dcache.Children(e.Root())) == 0 && e.Root().DLockref.Count() == 1, "root children %v count %d",
			dcache.Children(e.Root()), e.Root().DLockref.Count())
	})
}

// TestPruneDcacheSb: the LRU pruner takes busy dentries off the LRU, gives
// referenced ones a second pass, and kills the rest (with the parents
// whose last child they were); what it returns counts what left the LRU.
func TestPruneDcacheSb(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		d := dcachetest.Add(tk, e.Root(), "d", e.SB.NewInode(tk, dcache.S_IFDIR))
		old := dcachetest.Add(tk, d, "old", nil)
		ref := dcachetest.Add(tk, d, "ref", nil)
		busy := dcachetest.Add(tk, d, "busy", nil)
		for _, x := range []*dcache.Dentry{old, ref, busy} {
			dcache.Dput(tk, x)
		}
		dcache.Dput(tk, dcache.DLookup(tk, d, dcachetest.Q(d, "ref"))) // second last dput: DCACHE_REFERENCED
		held := dcache.DLookup(tk, d, dcachetest.Q(d, "busy"))         // in use, still on the LRU
		dcache.Dput(tk, d)                                             // d is pinned by its children only
		dcachetest.Assert(tk, slices.Equal(dcache.LRU(e.SB), []*dcache.Dentry{old, ref, busy}), "LRU %v", dcache.LRU(e.SB))

		freed := dcache.PruneDcacheSb(tk, e.SB, 3)
		dcachetest.Assert(tk, freed == 2, "prune_dcache_sb(3) = %d, want 2 (old killed, busy isolated)", freed)
		dcachetest.Assert(tk, !old.Live() && ref.Live() && busy.Live(), "old live %v ref live %v busy live %v", old.Live(), ref.Live(), busy.Live())
		dcachetest.Assert(tk, slices.Equal(dcache.LRU(e.SB), []*dcache.Dentry{ref}) && ref.DFlags&dcache.DCACHE_REFERENCED == 0,
			"LRU %v, ref flags %s", dcache.LRU(e.SB), dcache.FlagString(ref.DFlags))
		dcachetest.Assert(tk, busy.DFlags&dcache.DCACHE_LRU_LIST == 0, "busy dentry still flagged LRU_LIST")

		dcache.Dput(tk, held) // back on the LRU
		dcachetest.Assert(tk, slices.Equal(dcache.LRU(e.SB), []*dcache.Dentry{ref, busy}), "LRU %v", dcache.LRU(e.SB))
		freed = dcache.PruneDcacheSb(tk, e.SB, 10)
		dcachetest.Assert(tk, freed == 2 && !ref.Live() && !busy.Live(), "prune_dcache_sb(10) = %d, ref live %v busy live %v", freed, ref.Live(), busy.Live())
		// d lost its last child: shrink_kill killed it too, hashed as it was.
		dcachetest.Assert(tk, !d.Live() && e.Root().DLockref.Count() == 1, "d live %v, root count %d", d.Live(), e.Root().DLockref.Count())
	})
}

// TestPruneRotateRevisit: with room in the scan, a referenced dentry
// rotated to the tail is met again and goes in the same pass.
func TestPruneRotateRevisit(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		a := dcachetest.Add(tk, e.Root(), "a", nil)
		dcache.Dput(tk, a)
		dcache.Dput(tk, dcache.DLookup(tk, e.Root(), dcachetest.Q(e.Root(), "a")))
		dcachetest.Assert(tk, a.DFlags&dcache.DCACHE_REFERENCED != 0, "not referenced")
		freed := dcache.PruneDcacheSb(tk, e.SB, 1)
		dcachetest.Assert(tk, freed == 0 && a.Live(), "one visit: freed %d", freed)
		dcache.Dput(tk, dcache.DLookup(tk, e.Root(), dcachetest.Q(e.Root(), "a")))
		freed = dcache.PruneDcacheSb(tk, e.SB, 2)
		dcachetest.Assert(tk, freed == 1 && !a.Live(), "two visits: freed %d live %v", freed, a.Live())
	})
}

// TestShrinkDcacheSbAndDropCaches: both empty the LRU, killing every
// unused dentry (busy ones only leave the LRU), with the parents whose
// last children they were.
func TestShrinkDcacheSbAndDropCaches(t *testing.T) {
	for _, name := range []string{"shrink_dcache_sb", "drop_caches"} {
		t.Run(name, func(t *testing.T) {
			dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
				a, b, x, y, z := tree(tk, e, e.Root())
				dcache.Dput(tk, dcache.DLookup(tk, b, dcachetest.Q(b, "z"))) // referenced
				held := dcache.DLookup(tk, a, dcachetest.Q(a, "x"))          // busy
				if name == "drop_caches" {
					dcache.DropCaches(tk, e.SB)
				} else {
					dcache.ShrinkDcacheSb(tk, e.SB)
				}
				dcachetest.Assert(tk, len(dcache.LRU(e.SB)) == 0, "LRU %v", dcache.LRU(e.SB))
				dcachetest.Assert(tk, !y.Live() && !z.Live() && !b.Live(), "y %v z %v b %v live", y.Live(), z.Live(), b.Live())
				dcachetest.Assert(tk, a.Live() && x.Live() && x.DLockref.Count() == 1, "a live %v, x live %v count %d", a.Live(), x.Live(), x.DLockref.Count())
				dcache.Dput(tk, held)
				dcache.ShrinkDcacheSb(tk, e.SB)
				dcachetest.Assert(tk, !x.Live() && !a.Live() && e.Root().DLockref.Count() == 1, "x %v a %v live, root count %d", x.Live(), a.Live(), e.Root().DLockref.Count())
			})
		})
	}
}
