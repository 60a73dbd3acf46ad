package dcache_test

// Tests of d_delete and d_invalidate (delete.go): each outcome in a
// single run. Their races are catalog scenarios (scenarios/dcache_refs.go).

import (
	"slices"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// TestDDeleteLastUser: with only the caller's reference, d_delete turns
// the dentry into a hashed negative one (dentry_negative_policy 0),
// clears DCACHE_CANT_MOUNT and drops the inode reference; an unlinked
// inode goes with it, a still-linked one stays.
func TestDDeleteLastUser(t *testing.T) {
	for _, nlink := range []int{0, 1} {
		dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
			inode := e.SB.NewInode(tk, dcache.S_IFREG)
			d := dcachetest.Add(tk, e.Root(), "a", inode)
			d.DFlags |= dcache.DCACHE_CANT_MOUNT
			inode.INlink = nlink // what ->unlink left
			s0 := d.DSeq.Sequence()
			dcache.DDelete(tk, d)
			dcachetest.Assert(tk, d.DInode == nil && dcache.Hashed(d) && d.DLockref.Count() == 1, "after d_delete: inode %v hashed %v count %d",
				d.DInode, dcache.Hashed(d), d.DLockref.Count())
			dcachetest.Assert(tk, d.DFlags&(dcache.DCACHE_CANT_MOUNT|dcache.DCACHE_ENTRY_TYPE) == 0, "flags %s", dcache.FlagString(d.DFlags))
			dcachetest.Assert(tk, d.DSeq.Sequence() == s0+2, "d_seq %d, want one write section after %d", d.DSeq.Sequence(), s0)
			dcachetest.Assert(tk, len(inode.Aliases()) == 0, "inode keeps alias %v", inode.Aliases())
			dcachetest.Assert(tk, inode.Live() == (nlink > 0), "inode live %v with nlink %d", inode.Live(), nlink)
			got := dcache.DLookup(tk, e.Root(), dcachetest.Q(e.Root(), "a"))
			dcachetest.Assert(tk, got == d, "d_lookup after d_delete = %v, want the negative %v", got, d)
			dcache.Dput(tk, got)
			dcache.Dput(tk, d)
			dcachetest.Assert(tk, d.Live() && d.DLockref.Count() == 0, "the negative dentry was not kept")
		})
	}
}

// TestDDeleteBusy: when someone else holds the dentry, d_delete only
// unhashes it; it stays positive until its last dput kills it.
func TestDDeleteBusy(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		inode := e.SB.NewInode(tk, dcache.S_IFREG)
		d := dcachetest.Add(tk, e.Root(), "a", inode)
		other := dcache.Dget(tk, d) // an open file, say
		inode.INlink = 0
		dcache.DDelete(tk, d)
		dcachetest.Assert(tk, !dcache.Hashed(d) && d.DInode == inode && inode.Live(), "busy d_delete: hashed %v inode %v", dcache.Hashed(d), d.DInode)
		dcachetest.Assert(tk, dcache.DLookup(tk, e.Root(), dcachetest.Q(e.Root(), "a")) == nil, "d_lookup found the deleted name")
		dcache.Dput(tk, d)
		dcachetest.Assert(tk, d.Live() && inode.Live(), "killed while still held")
		dcache.Dput(tk, other)
		dcachetest.Assert(tk, !d.Live() && !inode.Live(), "last dput: dentry live %v inode live %v", d.Live(), inode.Live())
	})
}

// TestDDeleteNegative: d_delete reads d_inode and locks its i_lock with
// no check, as the C does: a negative dentry is a NULL dereference.
func TestDDeleteNegative(t *testing.T) {
	prog := dcachetest.Program(t.Name(), variant.BaseToday, nil, func(e *dcachetest.Env) {
		e.W.Go("t", func(tk *sim.Task) {
			dcache.DDelete(tk, dcachetest.Add(tk, e.Root(), "a", nil))
		})
	})
	dcachetest.Want(t, dcachetest.Run(t, prog, sim.Config{}, nil), sim.KindOops, "null-deref", "NULL pointer")
}

func TestDInvalidateUnhashedAndNegative(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		u := dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), "u"))
		s0 := u.DSeq.Sequence()
		dcache.DInvalidate(tk, u)
		dcachetest.Assert(tk, !dcache.Hashed(u) && u.DSeq.Sequence() == s0 && u.DLockref.Count() == 1, "d_invalidate of an unhashed dentry did something")
		n := dcachetest.Add(tk, e.Root(), "n", nil)
		dcache.DInvalidate(tk, n)
		dcachetest.Assert(tk, !dcache.Hashed(n) && n.DLockref.Count() == 1, "negative: hashed %v count %d", dcache.Hashed(n), n.DLockref.Count())
		dcache.Dput(tk, n)
		dcache.Dput(tk, u)
		dcachetest.Assert(tk, !n.Live() && !u.Live(), "invalidated dentries survived their last dput")
	})
}

// TestDInvalidateDir: d_invalidate of a directory unhashes it and prunes
// every unused dentry below it; a busy child (and so the directory,
// which it pins) stays.
func TestDInvalidateDir(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		d := dcachetest.Add(tk, e.Root(), "d", e.SB.NewInode(tk, dcache.S_IFDIR))
		x := dcachetest.Add(tk, d, "x", e.SB.NewInode(tk, dcache.S_IFREG))
		y := dcachetest.Add(tk, d, "y", nil)
		sub := dcachetest.Add(tk, d, "sub", e.SB.NewInode(tk, dcache.S_IFDIR))
		z := dcachetest.Add(tk, sub, "z", nil)
		for _, u := range []*dcache.Dentry{x, z, sub} {
			dcache.Dput(tk, u) // unused, kept on the LRU
		}
		dcache.DInvalidate(tk, d)
		dcachetest.Assert(tk, !dcache.Hashed(d), "d_invalidate left d hashed")
		for _, u := range []*dcache.Dentry{x, z, sub} {
			dcachetest.Assert(tk, !u.Live(), "unused %v survived d_invalidate of its ancestor", u)
		}
		dcachetest.Assert(tk, y.Live() && slices.Equal(dcache.Children(d), []*dcache.Dentry{y}), "children of d: %v", dcache.Children(d))
		dcachetest.Assert(tk, d.DLockref.Count() == 2 && len(dcache.LRU(e.SB)) == 0, "d count %d (want ours and y's), LRU %v", d.DLockref.Count(), dcache.LRU(e.SB))
		dcache.Dput(tk, y)
		dcache.Dput(tk, d)
	})
}

// TestDInvalidateSubmount: a mountpoint below the invalidated directory
// survives the first prune (the mount holds it), is found by the
// find_submount walk and detached, which drops the mount's reference, and
// goes in the second shrink_dcache_parent.
func TestDInvalidateSubmount(t *testing.T) {
	prog := dcachetest.Program(t.Name(), variant.BaseToday, nil, func(e *dcachetest.Env) {
		e.W.Go("t", func(tk *sim.Task) {
			d := dcachetest.Add(tk, e.Root(), "d", e.SB.NewInode(tk, dcache.S_IFDIR))
			m := dcachetest.Add(tk, d, "m", e.SB.NewInode(tk, dcache.S_IFDIR))
			m.DFlags |= dcache.DCACHE_MOUNTED // mounted on: the mount keeps our reference
			q := dcachetest.Add(tk, m, "q", nil)
			dcache.Dput(tk, q)
			dcache.DInvalidate(tk, d)
			dcachetest.Assert(tk, m.DFlags&dcache.DCACHE_MOUNTED == 0, "mountpoint not detached")
			dcachetest.Assert(tk, !m.Live() && !q.Live() && len(dcache.Children(d)) == 0, "mountpoint live %v, its child live %v, children of d %v",
				m.Live(), q.Live(), dcache.Children(d))
			dcachetest.Assert(tk, d.DLockref.Count() == 1, "d count %d", d.DLockref.Count())
			dcache.Dput(tk, d)
		})
	})
	out := dcachetest.Run(t, prog, sim.Config{}, nil)
	dcachetest.Clean(t, out)
	if out.Marks["d_invalidate: detached a submount"] != 1 {
		t.Fatalf("marks %v", out.Marks)
	}
}
