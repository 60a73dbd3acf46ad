package dcache_test

// Tests of d_splice_alias, d_splice_alias_ops and __d_unalias
// (dcache/splice.go), mainline v6.18 and v3 02/19.

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// haHashedOK reports whether the version accepts a hashed dentry in
// d_splice_alias (v3 02/19).
func haHashedOK(p variant.Variant) bool { return p.Has(variant.P02SpliceHashed) }

// An ERR_PTR inode comes back as the same error; the dentry is untouched.
func TestDSpliceAliasErrInode(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				d, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "x"))
				res := dcache.DSpliceAlias(t, sim.ErrPtr[dcache.Inode](sim.EIO), d)
				haAssert(t, sim.IsErr(res) && sim.PtrErr(res) == -int(sim.EIO), "d_splice_alias(ERR_PTR(-EIO)) = %v", res)
				haAssert(t, dcache.DInLookup(t, d) && dcache.DUnhashed(t, d) && d.DInode == nil, "dentry changed")
				dcache.DLookupDone(t, d)
				dcache.Dput(t, d)
				haRelease(t, wq)
			})
		})
	}
}

// A NULL inode makes the dentry a hashed negative (__d_add(dentry,
// NULL)), from an unhashed or an in-lookup dentry; NULL is returned.
func TestDSpliceAliasNullInode(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			var dump string
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				u := dcache.DAlloc(t, e.root, haQ(e.root, "u"))
				haAssert(t, dcache.DSpliceAlias(t, nil, u) == nil, "unhashed: not NULL")
				d, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "l"))
				seq := e.root.DInode.IDirSeq.Value()
				haAssert(t, dcache.DSpliceAlias(t, nil, d) == nil, "in-lookup: not NULL")
				haAssert(t, !dcache.DInLookup(t, d) && e.root.DInode.IDirSeq.Value() == seq+2, "in-lookup state not ended in an i_dir_seq section")
				dump = e.sb.Dump()
				dcache.DLookupDone(t, d)
				dcache.Dput(t, d)
				haRelease(t, wq)
				dcache.Dput(t, u)
			})
			want := "/ [dir#1] count=3\n  l [hashed negative] count=1\n  u [hashed negative] count=1\n"
			if dump != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", dump, want)
			}
		})
	}
}

// A file inode is attached to the dentry itself, which is hashed; the
// inode reference moves into the dentry.
func TestDSpliceAliasFile(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			var dump string
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				inode := e.sb.NewInode(t, dcache.S_IFREG)
				e.inodes = append(e.inodes, inode)
				d, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "f"))
				haAssert(t, dcache.DSpliceAlias(t, inode, d) == nil, "not NULL")
				haAssert(t, d.DInode == inode && !dcache.DInLookup(t, d) && !dcache.DUnhashed(t, d), "not a hashed positive")
				haAssert(t, inode.ICount.Value() == 1 && len(inode.Aliases()) == 1, "i_count %d", inode.ICount.Value())
				// A second link of the same file: no alias handling for non-directories.
				d2, wq2 := haOwnLookup(t, e.c, e.root, haQ(e.root, "g"))
				dcache.Ihold(t, inode)
				haAssert(t, dcache.DSpliceAlias(t, inode, d2) == nil, "second link: not NULL")
				dump = e.sb.Dump()
				for _, x := range []*dcache.Dentry{d, d2} {
					dcache.DLookupDone(t, x)
					dcache.Dput(t, x)
				}
				haRelease(t, wq)
				haRelease(t, wq2)
			})
			want := "/ [dir#1] count=3\n  f [hashed reg#2] count=1\n  g [hashed reg#2] count=1\n"
			if dump != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", dump, want)
			}
		})
	}
}

// d_splice_alias_ops installs the ops as __d_add does (the procfs case).
func TestDSpliceAliasOps(tt *testing.T) {
	ops := &dcache.DentryOperations{DRevalidate: func(*sim.Task, *dcache.Inode, *dcache.Qstr, *dcache.Dentry, uint) int { return 1 }}
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				inode := e.sb.NewInode(t, dcache.S_IFREG)
				e.inodes = append(e.inodes, inode)
				d, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "p"))
				haAssert(t, dcache.DSpliceAliasOps(t, inode, d, ops) == nil, "not NULL")
				haAssert(t, d.DOp == ops && d.DFlags&dcache.DCACHE_OP_REVALIDATE != 0, "ops not installed: %s", dcache.FlagString(d.DFlags))
				dcache.DLookupDone(t, d)
				dcache.Dput(t, d)
				haRelease(t, wq)
			})
		})
	}
}

// A hashed negative dentry: mainline's BUG_ON(!d_unhashed(dentry)) fires;
// v3 02/19 splices into it and leaves it hashed (no second __d_rehash).
func TestDSpliceAliasHashedNegative(tt *testing.T) {
	body := func(t *sim.Task, e *haEnv) {
		d := haAdd(t, e.root, "h", 0)
		inode := e.sb.NewInode(t, dcache.S_IFREG)
		e.inodes = append(e.inodes, inode)
		haAssert(t, dcache.DSpliceAlias(t, inode, d) == nil, "not NULL")
		haAssert(t, d.DInode == inode && !dcache.DUnhashed(t, d), "not a hashed positive")
		got := dcache.DLookup(t, e.root, haQ(e.root, "h"))
		haAssert(t, got == d, "d_lookup = %s", got)
		dcache.Dput(t, got)
		dcache.Dput(t, d)
	}
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			if !haHashedOK(v.p) {
				r := haFires(tt, v.p, nil, sim.KindBug, "BUG_ON", body)
				if !strings.Contains(r.Title, "!d_unhashed(dentry)") {
					tt.Errorf("title %q", r.Title)
				}
				return
			}
			e := haClean(tt, v.p, nil, body)
			if want := "/ [dir#1] count=2\n  h [hashed reg#2] count=0\n"; e.sb.Dump() != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", e.sb.Dump(), want)
			}
		})
	}
}

// haAnonDir is a disconnected directory alias (what d_obtain_alias gives
// for a file handle): an IS_ROOT dentry instantiated with a new directory
// inode. The caller holds its reference.
func haAnonDir(t *sim.Task, e *haEnv) *dcache.Dentry {
	anon := dcache.DAllocAnon(t, e.sb)
	inode := e.sb.NewInode(t, dcache.S_IFDIR)
	dcache.DInstantiate(t, anon, inode)
	e.inodes = append(e.inodes, inode)
	return anon
}

// A directory inode with an IS_ROOT alias: the alias is moved into the
// dentry's place (taking its name and parent) and returned with a
// reference; the dentry, in-lookup or (v3 02/19) hashed negative, ends
// unhashed and is the caller's to drop.
func TestDSpliceAliasRootAlias(tt *testing.T) {
	for _, v := range haVersions {
		for _, hashed := range []bool{false, true} {
			name := v.name + "/in-lookup"
			if hashed {
				name = v.name + "/hashed-negative"
			}
			tt.Run(name, func(tt *testing.T) {
				body := func(t *sim.Task, e *haEnv) {
					anon := haAnonDir(t, e)
					dir := anon.DInode
					var d *dcache.Dentry
					var wq *dcache.WaitQueue
					if hashed {
						d = haAdd(t, e.root, "sub", 0)
					} else {
						d, wq = haOwnLookup(t, e.c, e.root, haQ(e.root, "sub"))
					}
					dcache.Ihold(t, dir) // the filesystem's iget
					res := dcache.DSpliceAlias(t, dir, d)
					haAssert(t, res == anon, "d_splice_alias = %s, want the IS_ROOT alias", res)
					haAssert(t, anon.DParent == e.root && anon.DName.Name == "sub" && !dcache.DUnhashed(t, anon), "alias not spliced")
					haAssert(t, anon.DLockref.Count() == 2, "alias count %d", anon.DLockref.Count())
					haAssert(t, !dcache.DInLookup(t, d) && dcache.DUnhashed(t, d) && d.DInode == nil, "dentry state")
					haAssert(t, dir.ICount.Value() == 1, "i_count %d", dir.ICount.Value())
					got := dcache.DLookup(t, e.root, haQ(e.root, "sub"))
					haAssert(t, got == anon, "d_lookup(sub) = %s", got)
					dcache.Dput(t, got)
					dcache.DLookupDone(t, d)
					dcache.Dput(t, d)
					haRelease(t, wq)
					dcache.Dput(t, res)
					dcache.Dput(t, anon)
				}
				if hashed && !haHashedOK(v.p) {
					haFires(tt, v.p, nil, sim.KindBug, "BUG_ON", body)
					return
				}
				e := haClean(tt, v.p, nil, body)
				if want := "/ [dir#1] count=2\n  sub [hashed dir#2] count=0\n"; e.sb.Dump() != want {
					tt.Errorf("dcache:\n%s\nwant:\n%s", e.sb.Dump(), want)
				}
			})
		}
	}
}

// A connected directory alias in the same parent (a rename on the server
// seen by a lookup): __d_unalias moves it without extra locks.
func TestDSpliceAliasUnaliasSameParent(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			e := haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				x := haAdd(t, e.root, "x", dcache.S_IFDIR)
				dir := x.DInode
				e.inodes = append(e.inodes, dir)
				e.root.DInode.IRwsem.DownRead(t) // the lookup's parent lock
				y, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "y"))
				dcache.Ihold(t, dir)
				res := dcache.DSpliceAlias(t, dir, y)
				haAssert(t, res == x && x.DName.Name == "y" && x.DParent == e.root, "d_splice_alias = %s named %q", res, x.DName.Name)
				haAssert(t, !e.sb.SVfsRenameMutex.IsLocked(), "s_vfs_rename_mutex taken for a same-parent unalias")
				haAssert(t, dcache.DLookup(t, e.root, haQ(e.root, "x")) == nil, "old name still found")
				dcache.DLookupDone(t, y)
				e.root.DInode.IRwsem.UpRead(t)
				dcache.Dput(t, y)
				haRelease(t, wq)
				dcache.Dput(t, res)
				dcache.Dput(t, x)
			})
			if want := "/ [dir#1] count=2\n  y [hashed dir#2] count=0\n"; e.sb.Dump() != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", e.sb.Dump(), want)
			}
		})
	}
}

// A connected alias in another directory: __d_unalias try-locks
// s_vfs_rename_mutex and the alias's parent's i_rwsem (shared), moves the
// alias and releases both. If either trylock fails the result is
// ERR_PTR(-ESTALE), the alias stays where it was, and the dentry is left
// in-lookup for the caller's d_lookup_done.
func TestDSpliceAliasUnaliasOtherParent(tt *testing.T) {
	for _, v := range haVersions {
		for _, busy := range []string{"", "s_vfs_rename_mutex", "i_rwsem"} {
			tt.Run(v.name+"/"+busy, func(tt *testing.T) {
				var dump string
				haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
					d1 := haAdd(t, e.root, "d1", dcache.S_IFDIR)
					d2 := haAdd(t, e.root, "d2", dcache.S_IFDIR)
					x := haAdd(t, d1, "x", dcache.S_IFDIR)
					dir := x.DInode
					e.inodes = append(e.inodes, dir)
					switch busy { // a rename in progress elsewhere (same task: trylocks fail)
					case "s_vfs_rename_mutex":
						e.sb.SVfsRenameMutex.DownWrite(t)
					case "i_rwsem": // as lock_rename's second parent, I_MUTEX_PARENT2
						d1.DInode.IRwsem.DownWriteNested(t, 5)
					}
					d2.DInode.IRwsem.DownRead(t)
					y, wq := haOwnLookup(t, e.c, d2, haQ(d2, "y"))
					dcache.Ihold(t, dir)
					res := dcache.DSpliceAlias(t, dir, y)
					if busy == "" {
						haAssert(t, res == x && x.DParent == d2 && x.DName.Name == "y", "d_splice_alias = %s in %s", res, x.DParent)
						haAssert(t, d1.DLockref.Count() == 1 && d2.DLockref.Count() == 3, "parent counts %d %d", d1.DLockref.Count(), d2.DLockref.Count())
						haAssert(t, !dcache.DInLookup(t, y), "dentry still in-lookup")
					} else {
						haAssert(t, sim.IsErr(res) && sim.PtrErr(res) == -int(sim.ESTALE), "d_splice_alias = %v, want ERR_PTR(-ESTALE)", res)
						haAssert(t, x.DParent == d1 && x.DName.Name == "x" && x.DLockref.Count() == 1, "alias moved or its count changed")
						haAssert(t, dcache.DInLookup(t, y), "dentry no longer in-lookup")
						haAssert(t, d1.DLockref.Count() == 2, "old parent count %d", d1.DLockref.Count())
					}
					haAssert(t, dir.ICount.Value() == 1, "i_count %d", dir.ICount.Value())
					dcache.DLookupDone(t, y)
					d2.DInode.IRwsem.UpRead(t)
					switch busy {
					case "s_vfs_rename_mutex":
						e.sb.SVfsRenameMutex.UpWrite(t)
					case "i_rwsem":
						d1.DInode.IRwsem.UpWrite(t)
					}
					haAssert(t, !e.sb.SVfsRenameMutex.IsLocked() && !d1.DInode.IRwsem.IsLocked(), "a trylocked lock was left held")
					dcache.Dput(t, y)
					haRelease(t, wq)
					if !sim.IsErr(res) {
						dcache.Dput(t, res)
					}
					for _, d := range []*dcache.Dentry{x, d2, d1} {
						dcache.Dput(t, d)
					}
					dump = e.sb.Dump()
				})
				want := "/ [dir#1] count=3\n  d1 [hashed dir#2] count=0\n  d2 [hashed dir#3] count=1\n    y [hashed dir#4] count=0\n"
				if busy != "" {
					want = "/ [dir#1] count=3\n  d1 [hashed dir#2] count=1\n    x [hashed dir#4] count=0\n  d2 [hashed dir#3] count=0\n"
				}
				if dump != want {
					tt.Errorf("dcache:\n%s\nwant:\n%s", dump, want)
				}
			})
		}
	}
}

// Splicing a directory under its own alias would make a loop: -ELOOP, the
// alias's reference and the inode reference are dropped, the dentry stays
// in-lookup.
func TestDSpliceAliasLoop(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				d := haAdd(t, e.root, "d", dcache.S_IFDIR)
				e.inodes = append(e.inodes, d.DInode)
				sub, wq := haOwnLookup(t, e.c, d, haQ(d, "sub"))
				dcache.Ihold(t, d.DInode)
				res := dcache.DSpliceAlias(t, d.DInode, sub)
				haAssert(t, sim.IsErr(res) && sim.PtrErr(res) == -int(sim.ELOOP), "d_splice_alias = %v, want ERR_PTR(-ELOOP)", res)
				haAssert(t, d.DLockref.Count() == 2 && d.DInode.ICount.Value() == 1, "counts %d %d", d.DLockref.Count(), d.DInode.ICount.Value())
				haAssert(t, dcache.DInLookup(t, sub), "dentry no longer in-lookup")
				dcache.DLookupDone(t, sub)
				dcache.Dput(t, sub)
				haRelease(t, wq)
				dcache.Dput(t, d)
			})
		})
	}
}

// haSpliceLookup is __lookup_slow with a ->lookup that finds the directory
// inode dir: i_rwsem shared, d_alloc_parallel, d_splice_alias of dir,
// d_lookup_done. It returns the dentry the lookup gives back (with a
// reference) or the ERR_PTR.
func haSpliceLookup(t *sim.Task, e *haEnv, parent *dcache.Dentry, name string, dir *dcache.Inode) *dcache.Dentry {
	parent.DInode.IRwsem.DownRead(t)
	defer parent.DInode.IRwsem.UpRead(t)
	d, wq := haOwnLookup(t, e.c, parent, haQ(parent, name))
	defer haRelease(t, wq)
	if sim.IsErr(d) || !dcache.DInLookup(t, d) {
		return d
	}
	dcache.Ihold(t, dir) // iget
	res := dcache.DSpliceAlias(t, dir, d)
	dcache.DLookupDone(t, d)
	if res != nil {
		dcache.Dput(t, d)
		return res
	}
	return d
}

// Two lookups of one name racing to splice a directory whose IS_ROOT
// alias is pinned (by an open file handle, say): whichever owns the
// in-lookup dentry moves the alias into place; the other waits on it (or
// finds the alias hashed), sees the in-lookup dentry unhashed by __d_move,
// retries and finds the alias. Both end with the alias; the directory
// keeps a single alias.
func TestDSpliceAliasVsLookup(tt *testing.T) {
	marks := []string{"d_splice_alias: splice IS_ROOT alias", "d_alloc_parallel: waited on in-lookup", "d_alloc_parallel: mismatch after wait"}
	haExplore(tt, "ha/splice-vs-lookup", haMainV3, marks, func(w *sim.World, p variant.Variant) {
		e := haNewEnv(w, p, nil)
		w.Go("setup", func(t *sim.Task) {
			anon := haAnonDir(t, e)
			e.pinned[anon] = 1
			dir := anon.DInode
			for i := range 2 {
				t.Spawn("lookup", func(t *sim.Task) {
					r := haSpliceLookup(t, e, e.root, "sub", dir)
					haAssert(t, r == anon, "lookup %d gave %v, want the alias", i, r)
					dcache.Dput(t, r)
				})
			}
		})
	})
}

// A lookup splicing a directory while the holder of its IS_ROOT alias lets
// the alias go. Either the splice takes its reference first (the alias is
// moved into the tree and survives the holder's dput, or, if the holder's
// dput had already dropped the count to zero and was waiting for i_lock
// in lock_for_kill, is evicted once the lookup drops its reference: an
// unused dentry may always be killed), or the alias is killed first and
// the lookup instantiates its own dentry. The lookup always gets a
// positive dentry for the directory.
func TestDSpliceAliasVsAliasPut(tt *testing.T) {
	marks := []string{"d_splice_alias: splice IS_ROOT alias", "test: alias killed first", "test: spliced alias evicted"}
	haExplore(tt, "ha/splice-vs-put", haMainV3, marks, func(w *sim.World, p variant.Variant) {
		e := haNewEnv(w, p, nil)
		w.Go("setup", func(t *sim.Task) {
			anon := haAnonDir(t, e)
			dir := anon.DInode
			t.Spawn("lookup", func(t *sim.Task) {
				res := haSpliceLookup(t, e, e.root, "sub", dir)
				haAssert(t, !sim.IsErrOrNull(res) && res.DInode == dir, "lookup gave %v", res)
				if res != anon {
					t.Mark("test: alias killed first")
				}
				dcache.Dput(t, res)
			})
			t.Spawn("holder", func(t *sim.Task) {
				dcache.Dput(t, anon)
				// Test-only look at the dentry after the fact: moved into
				// the tree, then killed by this dput.
				if anon.DName.Name == "sub" && anon.DLockref.IsDead() {
					t.Mark("test: spliced alias evicted")
				}
			})
		})
	})
}

// Remote renames seen by lookups in other directories, each finding the
// connected alias of one directory: __d_unalias moves it, serialised by
// rename_lock, or fails with -ESTALE when a local cross-directory rename
// holds s_vfs_rename_mutex. The alias ends in one place; the directory
// keeps a single alias. Two programs: two such lookups racing, and one
// racing a rename's lock_rename.
func TestDSpliceAliasUnaliasRace(tt *testing.T) {
	for _, k := range []struct {
		name   string
		rename bool
		marks  []string
	}{
		{"two-lookups", false, []string{"d_splice_alias: unalias connected directory", "test: moved twice"}},
		{"vs-rename", true, []string{"d_splice_alias: unalias connected directory", "__d_unalias: s_vfs_rename_mutex busy"}},
	} {
		haExplore(tt, "ha/unalias-race-"+k.name, haMainV3, k.marks, func(w *sim.World, p variant.Variant) {
			e := haNewEnv(w, p, nil)
			w.Go("setup", func(t *sim.Task) {
				d1 := haAdd(t, e.root, "d1", dcache.S_IFDIR)
				d2 := haAdd(t, e.root, "d2", dcache.S_IFDIR)
				d3 := haAdd(t, e.root, "d3", dcache.S_IFDIR)
				x := haAdd(t, d1, "x", dcache.S_IFDIR)
				dir := x.DInode
				e.inodes = append(e.inodes, dir)
				dcache.Dput(t, x)
				e.pinned[d1], e.pinned[d2], e.pinned[d3] = 1, 1, 1 // kept by setup: the directories stay
				lookup := func(parent *dcache.Dentry, name string) func(t *sim.Task) {
					return func(t *sim.Task) {
						r := haSpliceLookup(t, e, parent, name, dir)
						haAssert(t, sim.PtrErr(r) == -int(sim.ESTALE) || r == x, "lookup of %s gave %v", name, r)
						if !sim.IsErr(r) {
							if x.DParent != d1 && x.DParent != parent {
								t.Mark("test: moved twice")
							}
							dcache.Dput(t, r)
						}
					}
				}
				t.Spawn("lookup-d2", lookup(d2, "y"))
				if k.rename {
					t.Spawn("rename", func(t *sim.Task) {
						e.sb.SVfsRenameMutex.DownWrite(t) // lock_rename of an unrelated cross-directory rename
						e.sb.SVfsRenameMutex.UpWrite(t)
					})
				} else {
					t.Spawn("lookup-d3", lookup(d3, "z"))
				}
			})
		})
	}
}

// haRCUWalk is the dcache part of lookup_fast in RCU mode: __d_lookup_rcu,
// then the dentry's inode and flags, validated with d_seq. It reports
// what it saw of a match that validated.
func haRCUWalk(t *sim.Task, parent *dcache.Dentry, name string) (found, negative bool, flags uint32) {
	sim.RCUReadLock(t)
	defer sim.RCUReadUnlock(t)
	var seq uint32
	d := dcache.DLookupRCU(t, parent, haQ(parent, name), &seq)
	if d == nil {
		return false, false, 0
	}
	t.Read(&d.Object, "d_inode,d_flags")
	inode, flags := d.DInode, d.DFlags
	if d.DSeq.Retry(t, seq) {
		return false, false, 0 // lookup_fast would drop out of RCU mode
	}
	return true, inode == nil, flags
}

// d_splice_alias_ops of a file into an in-lookup dentry (procfs passes
// ops with ->d_revalidate), racing an RCU walk of the same name. Mainline
// hashes the dentry last, after d_set_d_op and the d_seq write section
// that makes it positive, so a walk that finds it sees it positive with
// its ops. v3 02/19 hashes it first, right after the in-lookup unhash: a
// walk can validate the dentry while it is still negative, and even before
// its ops (no DCACHE_OP_REVALIDATE), so lookup_fast would return -ENOENT,
// unrevalidated, for a name whose ->lookup is finding a file (FINDING,
// the "order of publication" of the v3 notes). The walk marks what it
// saw; the exploration (exhaustive, two preemptions) must see neither in
// mainline and 04/19, and both in 02/19 and v3.
func TestDSpliceAliasPublicationOrder(tt *testing.T) {
	ops := &dcache.DentryOperations{DRevalidate: func(*sim.Task, *dcache.Inode, *dcache.Qstr, *dcache.Dentry, uint) int { return 1 }}
	const (
		markNeg  = "test: walk validated f negative"
		markNoOp = "test: walk validated f without its d_op"
	)
	setup := func(w *sim.World, p variant.Variant) {
		e := haNewEnv(w, p, nil)
		w.Go("setup", func(t *sim.Task) {
			inode := e.sb.NewInode(t, dcache.S_IFREG)
			e.inodes = append(e.inodes, inode)
			t.Spawn("lookup", func(t *sim.Task) {
				d, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "f"))
				if dcache.DInLookup(t, d) {
					haAssert(t, dcache.DSpliceAliasOps(t, inode, d, ops) == nil, "not NULL")
					dcache.DLookupDone(t, d)
				}
				dcache.Dput(t, d)
				haRelease(t, wq)
			})
			t.Spawn("walk", func(t *sim.Task) {
				found, negative, flags := haRCUWalk(t, e.root, "f")
				if found {
					t.Mark("test: walk found f")
				}
				if found && negative {
					t.Mark(markNeg)
				}
				if found && flags&dcache.DCACHE_OP_REVALIDATE == 0 {
					t.Mark(markNoOp)
				}
			})
		})
	}
	bound := 2
	if testing.Short() {
		bound = 1
	}
	for _, v := range []haVersion{{"mainline", variant.BaseToday}, {"04", variant.BaseToday.WithPatch(variant.P04WaitVarEvent)},
		{"02", variant.BaseToday.WithPatch(variant.P02SpliceHashed)}, {"v3", variant.V3Today}} {
		prog := sim.Program{Name: "ha/splice-publication", Setup: func(w *sim.World) { setup(w, v.p) }}
		r := explore.DFS(prog, explore.Options{MaxPreemptions: bound, Budget: 100_000, RequireMarks: []string{"test: walk found f"}})
		if !r.Clean() || !r.Exhausted {
			tt.Fatalf("%s: clean=%v exhausted=%v missing=%v first=%v", v.name, r.Clean(), r.Exhausted, r.MissingMarks, r.First)
		}
		seen := r.Marks[markNeg] > 0 && r.Marks[markNoOp] > 0
		if v.p.Has(variant.P02SpliceHashed) != seen {
			tt.Errorf("%s: negative seen in %d runs, without d_op in %d runs", v.name, r.Marks[markNeg], r.Marks[markNoOp])
		}
		if seen {
			tt.Logf("FINDING (v3 02/19) %s: an RCU walk validated the dentry negative in %d of %d runs, without its d_op in %d",
				v.name, r.Marks[markNeg], r.Runs, r.Marks[markNoOp])
		}
	}
}
