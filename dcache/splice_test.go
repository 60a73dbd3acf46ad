package dcache_test

// Tests of d_splice_alias, d_splice_alias_ops and __d_unalias
// (dcache/splice.go), mainline v6.18 and v3 02/19.

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// hashedOK reports whether the version accepts a hashed dentry in
// d_splice_alias (v3 02/19).
func hashedOK(p variant.Variant) bool { return p.Has(variant.P02SpliceHashed) }

// An ERR_PTR inode comes back as the same error; the dentry is untouched.
func TestDSpliceAliasErrInode(tt *testing.T) {
	for _, v := range versions {
		tt.Run(v.String(), func(tt *testing.T) {
			dcachetest.Once(tt, v, nil, func(t *sim.Task, e *dcachetest.Env) {
				d, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "x"))
				res := dcache.DSpliceAlias(t, sim.ErrPtr[dcache.Inode](sim.EIO), d)
				dcachetest.Assert(t, sim.IsErr(res) && sim.PtrErr(res) == -int(sim.EIO), "d_splice_alias(ERR_PTR(-EIO)) = %v", res)
				dcachetest.Assert(t, dcache.DInLookup(t, d) && dcache.DUnhashed(t, d) && d.DInode == nil, "dentry changed")
				dcache.DLookupDone(t, d)
				dcache.Dput(t, d)
				dcachetest.Release(t, wq)
			})
		})
	}
}

// A NULL inode makes the dentry a hashed negative (__d_add(dentry,
// NULL)), from an unhashed or an in-lookup dentry; NULL is returned.
func TestDSpliceAliasNullInode(tt *testing.T) {
	dcachetest.EachDump(tt, versions, nil, "/ [dir#1] count=3\n  l [hashed negative] count=1\n  u [hashed negative] count=1\n", func(t *sim.Task, e *dcachetest.Env) {
		u := dcache.DAlloc(t, e.Root(), dcachetest.Q(e.Root(), "u"))
		dcachetest.Assert(t, dcache.DSpliceAlias(t, nil, u) == nil, "unhashed: not NULL")
		d, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "l"))
		seq := e.Root().DInode.IDirSeq.Value()
		dcachetest.Assert(t, dcache.DSpliceAlias(t, nil, d) == nil, "in-lookup: not NULL")
		dcachetest.Assert(t, !dcache.DInLookup(t, d) && e.Root().DInode.IDirSeq.Value() == seq+2, "in-lookup state not ended in an i_dir_seq section")
		e.Snapshot()
		dcache.DLookupDone(t, d)
		dcache.Dput(t, d)
		dcachetest.Release(t, wq)
		dcache.Dput(t, u)
	})
}

// A file inode is attached to the dentry itself, which is hashed; the
// inode reference moves into the dentry.
func TestDSpliceAliasFile(tt *testing.T) {
	dcachetest.EachDump(tt, versions, nil, "/ [dir#1] count=3\n  f [hashed reg#2] count=1\n  g [hashed reg#2] count=1\n", func(t *sim.Task, e *dcachetest.Env) {
		inode := e.SB.NewInode(t, dcache.S_IFREG)
		d, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "f"))
		dcachetest.Assert(t, dcache.DSpliceAlias(t, inode, d) == nil, "not NULL")
		dcachetest.Assert(t, d.DInode == inode && !dcache.DInLookup(t, d) && !dcache.DUnhashed(t, d), "not a hashed positive")
		dcachetest.Assert(t, inode.ICount.Value() == 1 && len(inode.Aliases()) == 1, "i_count %d", inode.ICount.Value())
		// A second link of the same file: no alias handling for non-directories.
		d2, wq2 := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "g"))
		dcache.Ihold(t, inode)
		dcachetest.Assert(t, dcache.DSpliceAlias(t, inode, d2) == nil, "second link: not NULL")
		e.Snapshot()
		for _, x := range []*dcache.Dentry{d, d2} {
			dcache.DLookupDone(t, x)
			dcache.Dput(t, x)
		}
		dcachetest.Release(t, wq)
		dcachetest.Release(t, wq2)
	})
}

// d_splice_alias_ops installs the ops as __d_add does (the procfs case).
func TestDSpliceAliasOps(tt *testing.T) {
	ops := &dcache.DentryOperations{DRevalidate: func(*sim.Task, *dcache.Inode, *dcache.Qstr, *dcache.Dentry, uint) int { return 1 }}
	for _, v := range versions {
		tt.Run(v.String(), func(tt *testing.T) {
			dcachetest.Once(tt, v, nil, func(t *sim.Task, e *dcachetest.Env) {
				inode := e.SB.NewInode(t, dcache.S_IFREG)
				d, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "p"))
				dcachetest.Assert(t, dcache.DSpliceAliasOps(t, inode, d, ops) == nil, "not NULL")
				dcachetest.Assert(t, d.DOp == ops && d.DFlags&dcache.DCACHE_OP_REVALIDATE != 0, "ops not installed: %s", dcache.FlagString(d.DFlags))
				dcache.DLookupDone(t, d)
				dcache.Dput(t, d)
				dcachetest.Release(t, wq)
			})
		})
	}
}

// A hashed negative dentry: mainline's BUG_ON(!d_unhashed(dentry)) fires;
// v3 02/19 splices into it and leaves it hashed (no second __d_rehash).
func TestDSpliceAliasHashedNegative(tt *testing.T) {
	body := func(t *sim.Task, e *dcachetest.Env) {
		d := dcachetest.AddNew(t, e.Root(), "h", 0)
		inode := e.SB.NewInode(t, dcache.S_IFREG)
		dcachetest.Assert(t, dcache.DSpliceAlias(t, inode, d) == nil, "not NULL")
		dcachetest.Assert(t, d.DInode == inode && !dcache.DUnhashed(t, d), "not a hashed positive")
		got := dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "h"))
		dcachetest.Assert(t, got == d, "d_lookup = %s", got)
		dcache.Dput(t, got)
		dcache.Dput(t, d)
	}
	for _, v := range versions {
		tt.Run(v.String(), func(tt *testing.T) {
			if !hashedOK(v) {
				r := dcachetest.Fires(tt, v, nil, sim.KindBug, "BUG_ON", body)
				if !strings.Contains(r.Title, "!d_unhashed(dentry)") {
					tt.Errorf("title %q", r.Title)
				}
				return
			}
			e := dcachetest.Once(tt, v, nil, body)
			dcachetest.WantDump(tt, e.SB.Dump(), "/ [dir#1] count=2\n  h [hashed reg#2] count=0\n")
		})
	}
}

// A directory inode with an IS_ROOT alias: the alias is moved into the
// dentry's place (taking its name and parent) and returned with a
// reference; the dentry, in-lookup or (v3 02/19) hashed negative, ends
// unhashed and is the caller's to drop.
func TestDSpliceAliasRootAlias(tt *testing.T) {
	for _, v := range versions {
		for _, hashed := range []bool{false, true} {
			name := v.String() + "/in-lookup"
			if hashed {
				name = v.String() + "/hashed-negative"
			}
			tt.Run(name, func(tt *testing.T) {
				body := func(t *sim.Task, e *dcachetest.Env) {
					anon := dcachetest.AnonDir(t, e.SB)
					dir := anon.DInode
					var d *dcache.Dentry
					var wq *dcache.WaitQueue
					if hashed {
						d = dcachetest.AddNew(t, e.Root(), "sub", 0)
					} else {
						d, wq = dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "sub"))
					}
					dcache.Ihold(t, dir) // the filesystem's iget
					res := dcache.DSpliceAlias(t, dir, d)
					dcachetest.Assert(t, res == anon, "d_splice_alias = %s, want the IS_ROOT alias", res)
					dcachetest.Assert(t, anon.DParent == e.Root() && anon.DName.Name == "sub" && !dcache.DUnhashed(t, anon), "alias not spliced")
					dcachetest.Assert(t, anon.DLockref.Count() == 2, "alias count %d", anon.DLockref.Count())
					dcachetest.Assert(t, !dcache.DInLookup(t, d) && dcache.DUnhashed(t, d) && d.DInode == nil, "dentry state")
					dcachetest.Assert(t, dir.ICount.Value() == 1, "i_count %d", dir.ICount.Value())
					got := dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "sub"))
					dcachetest.Assert(t, got == anon, "d_lookup(sub) = %s", got)
					dcache.Dput(t, got)
					dcache.DLookupDone(t, d)
					dcache.Dput(t, d)
					dcachetest.Release(t, wq)
					dcache.Dput(t, res)
					dcache.Dput(t, anon)
				}
				if hashed && !hashedOK(v) {
					dcachetest.Fires(tt, v, nil, sim.KindBug, "BUG_ON", body)
					return
				}
				e := dcachetest.Once(tt, v, nil, body)
				dcachetest.WantDump(tt, e.SB.Dump(), "/ [dir#1] count=2\n  sub [hashed dir#2] count=0\n")
			})
		}
	}
}

// A connected directory alias in the same parent (a rename on the server
// seen by a lookup): __d_unalias moves it without extra locks.
func TestDSpliceAliasUnaliasSameParent(tt *testing.T) {
	dcachetest.EachDump(tt, versions, nil, "/ [dir#1] count=2\n  y [hashed dir#2] count=0\n", func(t *sim.Task, e *dcachetest.Env) {
		x := dcachetest.AddNew(t, e.Root(), "x", dcache.S_IFDIR)
		dir := x.DInode
		e.Root().DInode.IRwsem.DownRead(t) // the lookup's parent lock
		y, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "y"))
		dcache.Ihold(t, dir)
		res := dcache.DSpliceAlias(t, dir, y)
		dcachetest.Assert(t, res == x && x.DName.Name == "y" && x.DParent == e.Root(), "d_splice_alias = %s named %q", res, x.DName.Name)
		dcachetest.Assert(t, !e.SB.SVfsRenameMutex.IsLocked(), "s_vfs_rename_mutex taken for a same-parent unalias")
		dcachetest.Assert(t, dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "x")) == nil, "old name still found")
		dcache.DLookupDone(t, y)
		e.Root().DInode.IRwsem.UpRead(t)
		dcache.Dput(t, y)
		dcachetest.Release(t, wq)
		dcache.Dput(t, res)
		dcache.Dput(t, x)
	})
}

// A connected alias in another directory: __d_unalias try-locks
// s_vfs_rename_mutex and the alias's parent's i_rwsem (shared), moves the
// alias and releases both. If either trylock fails the result is
// ERR_PTR(-ESTALE), the alias stays where it was, and the dentry is left
// in-lookup for the caller's d_lookup_done.
func TestDSpliceAliasUnaliasOtherParent(tt *testing.T) {
	for _, v := range versions {
		for _, busy := range []string{"", "s_vfs_rename_mutex", "i_rwsem"} {
			tt.Run(v.String()+"/"+busy, func(tt *testing.T) {
				var dump string
				dcachetest.Once(tt, v, nil, func(t *sim.Task, e *dcachetest.Env) {
					d1 := dcachetest.AddNew(t, e.Root(), "d1", dcache.S_IFDIR)
					d2 := dcachetest.AddNew(t, e.Root(), "d2", dcache.S_IFDIR)
					x := dcachetest.AddNew(t, d1, "x", dcache.S_IFDIR)
					dir := x.DInode
					switch busy { // a rename in progress elsewhere (same task: trylocks fail)
					case "s_vfs_rename_mutex":
						e.SB.SVfsRenameMutex.DownWrite(t)
					case "i_rwsem": // as lock_rename's second parent, I_MUTEX_PARENT2
						d1.DInode.IRwsem.DownWriteNested(t, 5)
					}
					d2.DInode.IRwsem.DownRead(t)
					y, wq := dcachetest.OwnLookup(t, e.C, d2, dcachetest.Q(d2, "y"))
					dcache.Ihold(t, dir)
					res := dcache.DSpliceAlias(t, dir, y)
					if busy == "" {
						dcachetest.Assert(t, res == x && x.DParent == d2 && x.DName.Name == "y", "d_splice_alias = %s in %s", res, x.DParent)
						dcachetest.Assert(t, d1.DLockref.Count() == 1 && d2.DLockref.Count() == 3, "parent counts %d %d", d1.DLockref.Count(), d2.DLockref.Count())
						dcachetest.Assert(t, !dcache.DInLookup(t, y), "dentry still in-lookup")
					} else {
						dcachetest.Assert(t, sim.IsErr(res) && sim.PtrErr(res) == -int(sim.ESTALE), "d_splice_alias = %v, want ERR_PTR(-ESTALE)", res)
						dcachetest.Assert(t, x.DParent == d1 && x.DName.Name == "x" && x.DLockref.Count() == 1, "alias moved or its count changed")
						dcachetest.Assert(t, dcache.DInLookup(t, y), "dentry no longer in-lookup")
						dcachetest.Assert(t, d1.DLockref.Count() == 2, "old parent count %d", d1.DLockref.Count())
					}
					dcachetest.Assert(t, dir.ICount.Value() == 1, "i_count %d", dir.ICount.Value())
					dcache.DLookupDone(t, y)
					d2.DInode.IRwsem.UpRead(t)
					switch busy {
					case "s_vfs_rename_mutex":
						e.SB.SVfsRenameMutex.UpWrite(t)
					case "i_rwsem":
						d1.DInode.IRwsem.UpWrite(t)
					}
					dcachetest.Assert(t, !e.SB.SVfsRenameMutex.IsLocked() && !d1.DInode.IRwsem.IsLocked(), "a trylocked lock was left held")
					dcache.Dput(t, y)
					dcachetest.Release(t, wq)
					if !sim.IsErr(res) {
						dcache.Dput(t, res)
					}
					for _, d := range []*dcache.Dentry{x, d2, d1} {
						dcache.Dput(t, d)
					}
					dump = e.SB.Dump()
				})
				want := "/ [dir#1] count=3\n  d1 [hashed dir#2] count=0\n  d2 [hashed dir#3] count=1\n    y [hashed dir#4] count=0\n"
				if busy != "" {
					want = "/ [dir#1] count=3\n  d1 [hashed dir#2] count=1\n    x [hashed dir#4] count=0\n  d2 [hashed dir#3] count=0\n"
				}
				dcachetest.WantDump(tt, dump, want)
			})
		}
	}
}

// Splicing a directory under its own alias would make a loop: -ELOOP, the
// alias's reference and the inode reference are dropped, the dentry stays
// in-lookup.
func TestDSpliceAliasLoop(tt *testing.T) {
	for _, v := range versions {
		tt.Run(v.String(), func(tt *testing.T) {
			dcachetest.Once(tt, v, nil, func(t *sim.Task, e *dcachetest.Env) {
				d := dcachetest.AddNew(t, e.Root(), "d", dcache.S_IFDIR)
				sub, wq := dcachetest.OwnLookup(t, e.C, d, dcachetest.Q(d, "sub"))
				dcache.Ihold(t, d.DInode)
				res := dcache.DSpliceAlias(t, d.DInode, sub)
				dcachetest.Assert(t, sim.IsErr(res) && sim.PtrErr(res) == -int(sim.ELOOP), "d_splice_alias = %v, want ERR_PTR(-ELOOP)", res)
				dcachetest.Assert(t, d.DLockref.Count() == 2 && d.DInode.ICount.Value() == 1, "counts %d %d", d.DLockref.Count(), d.DInode.ICount.Value())
				dcachetest.Assert(t, dcache.DInLookup(t, sub), "dentry no longer in-lookup")
				dcache.DLookupDone(t, sub)
				dcache.Dput(t, sub)
				dcachetest.Release(t, wq)
				dcache.Dput(t, d)
			})
		})
	}
}
