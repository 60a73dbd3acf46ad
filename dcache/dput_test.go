package dcache_test

// Unit tests of reference dropping and taking: dput (fast_dput,
// retain_dentry, lock_for_kill, __dentry_kill and the climb to the
// parent) and dget_parent, single runs for each outcome. The races are
// catalog scenarios (scenarios/dcache_refs.go).

import (
	"slices"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// TestDputRetain: the last dput of a hashed dentry keeps it, unused, on
// the superblock's LRU; the next last dput marks it referenced.
func TestDputRetain(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		d := dcachetest.Add(tk, e.Root(), "a", nil)
		dcache.Dget(tk, d)
		dcache.Dput(tk, d) // not the last: count only
		dcachetest.Assert(tk, d.DLockref.Count() == 1 && d.DFlags&dcache.DCACHE_LRU_LIST == 0, "count %d flags %s", d.DLockref.Count(), dcache.FlagString(d.DFlags))
		dcache.Dput(tk, d)
		dcachetest.Assert(tk, d.Live() && d.DLockref.Count() == 0 && dcache.Hashed(d), "retained dentry: live %v count %d hashed %v",
			d.Live(), d.DLockref.Count(), dcache.Hashed(d))
		dcachetest.Assert(tk, d.DFlags&dcache.DCACHE_LRU_LIST != 0 && d.DFlags&dcache.DCACHE_REFERENCED == 0, "flags %s", dcache.FlagString(d.DFlags))
		dcachetest.Assert(tk, slices.Equal(dcache.LRU(e.SB), []*dcache.Dentry{d}), "LRU %v", dcache.LRU(e.SB))
		got := dcache.DLookup(tk, e.Root(), dcachetest.Q(e.Root(), "a"))
		dcachetest.Assert(tk, got == d && d.DLockref.Count() == 1 && d.DFlags&dcache.DCACHE_LRU_LIST != 0, "lookup of an LRU dentry: %v count %d", got, d.DLockref.Count())
		dcache.Dput(tk, got)
		dcachetest.Assert(tk, d.DFlags&dcache.DCACHE_REFERENCED != 0 && len(dcache.LRU(e.SB)) == 1, "second last dput: flags %s LRU %v",
			dcache.FlagString(d.DFlags), dcache.LRU(e.SB))
		// The lockless path keeps a referenced LRU dentry without d_lock.
		dcache.Dget(tk, d)
		dcache.Dput(tk, d)
		dcachetest.Assert(tk, d.DLockref.Count() == 0 && d.Live(), "count %d", d.DLockref.Count())
	})
}

// TestDputKill: the last dput kills a dentry retain_dentry refuses
// (unhashed, DCACHE_DONTCACHE, DCACHE_DISCONNECTED, ->d_delete saying so),
// releasing its inode and its reference on the parent.
func TestDputKill(t *testing.T) {
	deleteOps := &dcache.DentryOperations{DDelete: func(t *sim.Task, d *dcache.Dentry) int {
		if d.DName.Name == "keep" {
			return 0
		}
		return 1
	}}
	for _, tc := range []struct {
		name string
		ops  *dcache.DentryOperations
		prep func(tk *sim.Task, d *dcache.Dentry)
		keep bool
	}{
		{"unhashed", nil, func(tk *sim.Task, d *dcache.Dentry) { dcache.DDrop(tk, d) }, false},
		{"dontcache", nil, func(tk *sim.Task, d *dcache.Dentry) { d.DFlags |= dcache.DCACHE_DONTCACHE }, false},
		{"disconnected", nil, func(tk *sim.Task, d *dcache.Dentry) { d.DFlags |= dcache.DCACHE_DISCONNECTED }, false},
		{"d_delete", deleteOps, func(tk *sim.Task, d *dcache.Dentry) {}, false},
		{"keep", deleteOps, func(tk *sim.Task, d *dcache.Dentry) {}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dcachetest.Once(t, variant.BaseToday, tc.ops, func(tk *sim.Task, e *dcachetest.Env) {
				inode := e.SB.NewInode(tk, dcache.S_IFREG)
				inode.INlink = 0 // unlinked: evicted with its last reference
				d := dcachetest.Add(tk, e.Root(), tc.name, inode)
				tc.prep(tk, d)
				dcache.Dput(tk, d)
				dcachetest.Assert(tk, d.Live() == tc.keep, "dentry live %v, want %v", d.Live(), tc.keep)
				dcachetest.Assert(tk, inode.Live() == tc.keep, "inode live %v, want %v", inode.Live(), tc.keep)
				if !tc.keep {
					dcachetest.Assert(tk, e.Root().DLockref.Count() == 1 && len(dcache.Children(e.Root())) == 0, "root count %d children %v",
						e.Root().DLockref.Count(), dcache.Children(e.Root()))
					dcachetest.Assert(tk, d.DFlags&dcache.DCACHE_DENTRY_KILLED != 0 && d.DInode == nil, "killed dentry flags %s inode %v",
						dcache.FlagString(d.DFlags), d.DInode)
				} else {
					inode.INlink = 1
				}
			})
		})
	}
}

// TestDputParentChain: killing the last child of an unused parent kills
// the parent too, up the tree, as long as each parent is not worth
// keeping; a hashed parent is kept on the LRU instead.
func TestDputParentChain(t *testing.T) {
	for _, hashed := range []bool{false, true} {
		dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
			var a *dcache.Dentry
			if hashed {
				a = dcachetest.Add(tk, e.Root(), "a", e.SB.NewInode(tk, dcache.S_IFDIR))
			} else {
				a = dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), "a"))
				dcache.DInstantiate(tk, a, e.SB.NewInode(tk, dcache.S_IFDIR))
			}
			b := dcache.DAlloc(tk, a, dcachetest.Q(a, "b"))
			c := dcache.DAlloc(tk, b, dcachetest.Q(b, "c"))
			dcache.Dput(tk, a)
			dcache.Dput(tk, b)
			dcachetest.Assert(tk, a.DLockref.Count() == 1 && b.DLockref.Count() == 1 && a.Live() && b.Live(), "pinned by children: a %d b %d", a.DLockref.Count(), b.DLockref.Count())
			dcache.Dput(tk, c)
			dcachetest.Assert(tk, !c.Live() && !b.Live(), "c live %v b live %v after the last dput", c.Live(), b.Live())
			if hashed {
				dcachetest.Assert(tk, a.Live() && a.DLockref.Count() == 0 && slices.Contains(dcache.LRU(e.SB), a), "hashed parent not kept on the LRU")
			} else {
				dcachetest.Assert(tk, !a.Live() && e.Root().DLockref.Count() == 1, "a live %v root count %d", a.Live(), e.Root().DLockref.Count())
			}
		})
	}
}

// TestDputUnderflow: a dput with no reference left trips fast_dput's
// WARN_ON_ONCE(d_lockref.count <= 0).
func TestDputUnderflow(t *testing.T) {
	prog := dcachetest.Program(t.Name(), variant.BaseToday, nil, func(e *dcachetest.Env) {
		e.W.Go("t", func(tk *sim.Task) {
			d := dcachetest.Add(tk, e.Root(), "a", nil)
			dcache.Dput(tk, d)
			dcache.Dput(tk, d)
		})
	})
	dcachetest.Want(t, dcachetest.Run(t, prog, sim.Config{}, nil), sim.KindWarn, "WARN_ON_ONCE", "count <= 0")
}

func TestDgetParent(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		a := dcachetest.Add(tk, e.Root(), "a", e.SB.NewInode(tk, dcache.S_IFDIR))
		b := dcachetest.Add(tk, a, "b", nil)
		p := dcache.DgetParent(tk, b)
		dcachetest.Assert(tk, p == a && a.DLockref.Count() == 3, "dget_parent(b) = %v count %d", p, a.DLockref.Count())
		dcache.Dput(tk, p)
		p = dcache.DgetParent(tk, e.Root())
		dcachetest.Assert(tk, p == e.Root() && e.Root().DLockref.Count() == 3, "dget_parent(root) = %v count %d", p, e.Root().DLockref.Count())
		dcache.Dput(tk, p)
		dcache.Dput(tk, b)
		dcache.Dput(tk, a)
	})
}
