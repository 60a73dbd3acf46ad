package dcache_test

// Tests of d_delete and d_invalidate (delete.go): each outcome in a
// single run, and their races with lookups and dput explored by DFS.

import (
	"slices"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// TestDDeleteLastUser: with only the caller's reference, d_delete turns
// the dentry into a hashed negative one (dentry_negative_policy 0),
// clears DCACHE_CANT_MOUNT and drops the inode reference; an unlinked
// inode goes with it, a still-linked one stays.
func TestDDeleteLastUser(t *testing.T) {
	for _, nlink := range []int{0, 1} {
		hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
			inode := e.sb.NewInode(tk, dcache.S_IFREG)
			d := hbAdd(tk, e.root, "a", inode)
			d.DFlags |= dcache.DCACHE_CANT_MOUNT
			inode.INlink = nlink // what ->unlink left
			s0 := d.DSeq.Sequence()
			dcache.DDelete(tk, d)
			hbExpect(t, d.DInode == nil && dcache.Hashed(d) && hbCount(d) == 1, "after d_delete: inode %v hashed %v count %d",
				d.DInode, dcache.Hashed(d), hbCount(d))
			hbExpect(t, d.DFlags&(dcache.DCACHE_CANT_MOUNT|dcache.DCACHE_ENTRY_TYPE) == 0, "flags %s", dcache.FlagString(d.DFlags))
			hbExpect(t, d.DSeq.Sequence() == s0+2, "d_seq %d, want one write section after %d", d.DSeq.Sequence(), s0)
			hbExpect(t, len(inode.Aliases()) == 0, "inode keeps alias %v", inode.Aliases())
			hbExpect(t, inode.Live() == (nlink > 0), "inode live %v with nlink %d", inode.Live(), nlink)
			got := dcache.DLookup(tk, e.root, hbQ(e.root, "a"))
			hbExpect(t, got == d, "d_lookup after d_delete = %v, want the negative %v", got, d)
			dcache.Dput(tk, got)
			dcache.Dput(tk, d)
			hbExpect(t, d.Live() && hbCount(d) == 0, "the negative dentry was not kept")
		})
	}
}

// TestDDeleteBusy: when someone else holds the dentry, d_delete only
// unhashes it; it stays positive until its last dput kills it.
func TestDDeleteBusy(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		inode := e.sb.NewInode(tk, dcache.S_IFREG)
		d := hbAdd(tk, e.root, "a", inode)
		other := dcache.Dget(tk, d) // an open file, say
		inode.INlink = 0
		dcache.DDelete(tk, d)
		hbExpect(t, !dcache.Hashed(d) && d.DInode == inode && inode.Live(), "busy d_delete: hashed %v inode %v", dcache.Hashed(d), d.DInode)
		hbExpect(t, dcache.DLookup(tk, e.root, hbQ(e.root, "a")) == nil, "d_lookup found the deleted name")
		dcache.Dput(tk, d)
		hbExpect(t, d.Live() && inode.Live(), "killed while still held")
		dcache.Dput(tk, other)
		hbExpect(t, !d.Live() && !inode.Live(), "last dput: dentry live %v inode live %v", d.Live(), inode.Live())
	})
}

// TestDDeleteNegative: d_delete reads d_inode and locks its i_lock with
// no check, as the C does: a negative dentry is a NULL dereference.
func TestDDeleteNegative(t *testing.T) {
	prog := hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
		e.w.Go("t", func(tk *sim.Task) {
			dcache.DDelete(tk, hbAdd(tk, e.root, "a", nil))
		})
	})
	hbWant(t, hbRun(t, prog, sim.Config{}, nil), sim.KindOops, "null-deref", "NULL pointer")
}

// TestDDeleteRaces: d_delete against a lookup that may take a reference
// first (d_delete then only unhashes) or find the negative result, and
// against another holder's dput.
func TestDDeleteRaces(t *testing.T) {
	for _, p := range hbVersions {
		t.Run("lookup-"+p.String(), func(t *testing.T) {
			hbExplore(t, hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				e.w.Go("main", func(tk *sim.Task) {
					inode := e.sb.NewInode(tk, dcache.S_IFREG)
					d := hbAdd(tk, e.root, "a", inode)
					tk.Spawn("unlink", func(tk *sim.Task) {
						inode.INlink = 0
						dcache.DDelete(tk, d)
						dcache.Dput(tk, d)
					})
					tk.Spawn("lookup", func(tk *sim.Task) {
						got := dcache.DLookup(tk, e.root, hbQ(e.root, "a"))
						if got != nil {
							hbExpect(t, got == d && hbCount(got) > 0, "d_lookup = %v count %d", got, hbCount(got))
							dcache.Dput(tk, got)
						}
					})
				})
			}), 4000)
		})
		t.Run("dput-"+p.String(), func(t *testing.T) {
			hbExplore(t, hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				e.w.Go("main", func(tk *sim.Task) {
					inode := e.sb.NewInode(tk, dcache.S_IFREG)
					d := hbAdd(tk, e.root, "a", inode)
					dcache.Dget(tk, d)
					tk.Spawn("unlink", func(tk *sim.Task) {
						inode.INlink = 0
						dcache.DDelete(tk, d)
						dcache.Dput(tk, d)
					})
					tk.Spawn("close", func(tk *sim.Task) { dcache.Dput(tk, d) })
				})
			}), 4000)
		})
	}
}

func TestDInvalidateUnhashedAndNegative(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		u := dcache.DAlloc(tk, e.root, hbQ(e.root, "u"))
		s0 := u.DSeq.Sequence()
		dcache.DInvalidate(tk, u)
		hbExpect(t, !dcache.Hashed(u) && u.DSeq.Sequence() == s0 && hbCount(u) == 1, "d_invalidate of an unhashed dentry did something")
		n := hbAdd(tk, e.root, "n", nil)
		dcache.DInvalidate(tk, n)
		hbExpect(t, !dcache.Hashed(n) && hbCount(n) == 1, "negative: hashed %v count %d", dcache.Hashed(n), hbCount(n))
		dcache.Dput(tk, n)
		dcache.Dput(tk, u)
		hbExpect(t, !n.Live() && !u.Live(), "invalidated dentries survived their last dput")
	})
}

// TestDInvalidateDir: d_invalidate of a directory unhashes it and prunes
// every unused dentry below it; a busy child (and so the directory,
// which it pins) stays.
func TestDInvalidateDir(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		d := hbAdd(tk, e.root, "d", e.sb.NewInode(tk, dcache.S_IFDIR))
		x := hbAdd(tk, d, "x", e.sb.NewInode(tk, dcache.S_IFREG))
		y := hbAdd(tk, d, "y", nil)
		sub := hbAdd(tk, d, "sub", e.sb.NewInode(tk, dcache.S_IFDIR))
		z := hbAdd(tk, sub, "z", nil)
		for _, u := range []*dcache.Dentry{x, z, sub} {
			dcache.Dput(tk, u) // unused, kept on the LRU
		}
		dcache.DInvalidate(tk, d)
		hbExpect(t, !dcache.Hashed(d), "d_invalidate left d hashed")
		for _, u := range []*dcache.Dentry{x, z, sub} {
			hbExpect(t, !u.Live(), "unused %v survived d_invalidate of its ancestor", u)
		}
		hbExpect(t, y.Live() && slices.Equal(dcache.Children(d), []*dcache.Dentry{y}), "children of d: %v", dcache.Children(d))
		hbExpect(t, hbCount(d) == 2 && len(dcache.LRU(e.sb)) == 0, "d count %d (want ours and y's), LRU %v", hbCount(d), dcache.LRU(e.sb))
		dcache.Dput(tk, y)
		dcache.Dput(tk, d)
	})
}

// TestDInvalidateSubmount: a mountpoint below the invalidated directory
// survives the first prune (the mount holds it), is found by the
// find_submount walk and detached, which drops the mount's reference, and
// goes in the second shrink_dcache_parent.
func TestDInvalidateSubmount(t *testing.T) {
	prog := hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
		e.w.Go("t", func(tk *sim.Task) {
			d := hbAdd(tk, e.root, "d", e.sb.NewInode(tk, dcache.S_IFDIR))
			m := hbAdd(tk, d, "m", e.sb.NewInode(tk, dcache.S_IFDIR))
			m.DFlags |= dcache.DCACHE_MOUNTED // mounted on: the mount keeps our reference
			q := hbAdd(tk, m, "q", nil)
			dcache.Dput(tk, q)
			dcache.DInvalidate(tk, d)
			hbExpect(t, m.DFlags&dcache.DCACHE_MOUNTED == 0, "mountpoint not detached")
			hbExpect(t, !m.Live() && !q.Live() && len(dcache.Children(d)) == 0, "mountpoint live %v, its child live %v, children of d %v",
				m.Live(), q.Live(), dcache.Children(d))
			hbExpect(t, hbCount(d) == 1, "d count %d", hbCount(d))
			dcache.Dput(tk, d)
		})
	})
	out := hbRun(t, prog, sim.Config{}, nil)
	hbClean(t, out)
	if out.Marks["d_invalidate: detached a submount"] != 1 {
		t.Fatalf("marks %v", out.Marks)
	}
}

// TestDInvalidateRaces: d_invalidate of a directory against a lookup in
// it, which may take a reference to a child before the prune reaches it
// (the child then stays) or after it (a miss).
func TestDInvalidateRaces(t *testing.T) {
	tree := func(tk *sim.Task, e *hbEnv) *dcache.Dentry {
		d := hbAdd(tk, e.root, "d", e.sb.NewInode(tk, dcache.S_IFDIR))
		for _, n := range []string{"x", "y"} {
			dcache.Dput(tk, hbAdd(tk, d, n, e.sb.NewInode(tk, dcache.S_IFREG)))
		}
		return d
	}
	for _, p := range hbVersions {
		t.Run("lookup-"+p.String(), func(t *testing.T) {
			hbExplore(t, hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				e.w.Go("main", func(tk *sim.Task) {
					d := tree(tk, e)
					dcache.Dget(tk, d)
					tk.Spawn("invalidate", func(tk *sim.Task) {
						dcache.DInvalidate(tk, d)
						dcache.Dput(tk, d)
					})
					tk.Spawn("lookup", func(tk *sim.Task) {
						got := dcache.DLookup(tk, d, hbQ(d, "x"))
						if got != nil {
							hbExpect(t, got.Live() && hbCount(got) > 0 && got.DInode != nil, "d_lookup = %v count %d", got, hbCount(got))
							dcache.Dput(tk, got)
						}
						dcache.Dput(tk, d)
					})
				})
			}), 6000)
		})
	}
}
