package dcache_test

// Unit tests of the dcache core: allocation (__d_alloc, d_alloc,
// d_alloc_anon, d_alloc_name), lookups (__d_lookup_rcu, d_lookup,
// d_hash_and_lookup, try_lookup_noperm), instantiation (d_instantiate,
// d_instantiate_new, d_make_persistent, d_add), d_drop and d_rehash, and
// the leak check every program here carries. Each test runs a program
// once, with the runtime's default schedule (or a replayed one), so
// every test is a single deterministic run. The harness is
// dcache/dcachetest.

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

func foldProgram(name string, p variant.Variant, setup func(e *dcachetest.Env)) sim.Program {
	return dcachetest.Program(name, p, dcachetest.FoldOps, func(e *dcachetest.Env) {
		e.Fold()
		setup(e)
	})
}

func TestAllocChild(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		d := dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), "a"))
		dcachetest.Assert(tk, d != nil, "d_alloc failed")
		dcachetest.Assert(tk, d.DParent == e.Root() && !dcache.IsRoot(d), "d_parent %v, want the root", d.DParent)
		dcachetest.Assert(tk, d.DLockref.Count() == 1, "new dentry count %d, want 1", d.DLockref.Count())
		dcachetest.Assert(tk, e.Root().DLockref.Count() == 2, "root count %d, want 2 (the child pins it)", e.Root().DLockref.Count())
		dcachetest.Assert(tk, !dcache.Hashed(d) && d.DInode == nil && !dcache.OnInLookupHash(d), "new dentry is not unhashed and negative")
		dcachetest.Assert(tk, d.DName.Name == "a" && d.DName.Hash == dcache.FullNameHash(e.Root(), "a"), "name %q/%x", d.DName.Name, d.DName.Hash)
		kids := dcache.Children(e.Root())
		dcachetest.Assert(tk, len(kids) == 1 && kids[0] == d, "root's children %v", kids)
		dcache.Dput(tk, d)
		dcachetest.Assert(tk, !d.Live(), "unhashed dentry survived its last dput")
		dcachetest.Assert(tk, e.Root().DLockref.Count() == 1 && len(dcache.Children(e.Root())) == 0, "root count %d children %v after the kill",
			e.Root().DLockref.Count(), dcache.Children(e.Root()))
	})
}

func TestAllocAnon(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		d := dcache.DAllocAnon(tk, e.SB)
		dcachetest.Assert(tk, d != nil && dcache.IsRoot(d) && d.DName.Name == "/", "d_alloc_anon: %v", d)
		dcachetest.Assert(tk, d.DLockref.Count() == 1 && d.DSb == e.SB, "count %d sb %v", d.DLockref.Count(), d.DSb)
		dcachetest.Assert(tk, len(dcache.Children(e.Root())) == 0, "an anonymous dentry went on the root's children")
		dcache.Dput(tk, d)
		dcachetest.Assert(tk, !d.Live(), "anonymous dentry survived its last dput")
	})
}

// TestAllocFaults: __d_alloc fails on either allocation (the dentry, or
// the external name of a long name) when the run says so, returning NULL
// without leaking the half-made dentry.
func TestAllocFaults(t *testing.T) {
	long := strings.Repeat("x", 40)
	for _, tc := range []struct {
		name, sched string
	}{
		{"a", "f1"},     // kmem_cache_alloc_lru fails
		{long, "f0.f1"}, // the dentry is allocated, the external name is not
	} {
		sched, err := sim.ParseSchedule("v2:x:-:00000000:" + tc.sched)
		if err != nil {
			t.Fatal(err)
		}
		prog := dcachetest.Program(t.Name(), variant.BaseToday, nil, func(e *dcachetest.Env) {
			e.W.Go("t", func(tk *sim.Task) {
				d := dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), tc.name))
				dcachetest.Assert(tk, d == nil, "d_alloc(%d bytes) = %v under an allocation failure, want NULL", len(tc.name), d)
				dcachetest.Assert(tk, e.Root().DLockref.Count() == 1, "root count %d after the failed d_alloc", e.Root().DLockref.Count())
			})
		})
		dcachetest.Clean(t, dcachetest.Run(t, prog, sim.Config{Faults: true}, sim.NewPrefixReplay(sched)))
	}
}

// TestAllocDInit: a ->d_init that refuses makes __d_alloc return NULL.
func TestAllocDInit(t *testing.T) {
	ops := &dcache.DentryOperations{DInit: func(t *sim.Task, d *dcache.Dentry) int { return -int(sim.ENOMEM) }}
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		e.SB.SDOp = ops // set_default_d_op after the root was made
		d := dcache.DAllocInternal(tk, e.SB, dcachetest.Q(e.Root(), "a"))
		dcachetest.Assert(tk, d == nil, "__d_alloc with a failing ->d_init = %v, want NULL", d)
	})
}

// TestAllocName: mainline d_alloc_name hashes with the standard hash only;
// v3 03/19 applies the parent's ->d_hash, and WARNs and returns NULL when
// it fails.
func TestAllocName(t *testing.T) {
	for _, p := range []variant.Variant{variant.BaseToday, variant.BaseToday.WithPatch(variant.P03AllocNameHash)} {
		t.Run(p.String(), func(t *testing.T) {
			prog := foldProgram(t.Name(), p, func(e *dcachetest.Env) {
				e.W.Go("t", func(tk *sim.Task) {
					d := dcache.DAllocName(tk, e.Root(), "Mixed")
					dcachetest.Assert(tk, d != nil, "d_alloc_name failed")
					want := dcache.FullNameHash(e.Root(), "Mixed")
					if p.Has(variant.P03AllocNameHash) {
						want = dcache.FullNameHash(e.Root(), "mixed")
					}
					dcachetest.Assert(tk, d.DName.Hash == want, "hash %x, want %x", d.DName.Hash, want)
					dcachetest.Assert(tk, d.DName.Name == "Mixed", "name %q", d.DName.Name)
					dcache.Dput(tk, d)
					bad := dcache.DAllocName(tk, e.Root(), "bad")
					dcachetest.Assert(tk, bad != nil && !p.Has(variant.P03AllocNameHash), "d_alloc_name(bad) = %v", bad)
					dcache.Dput(tk, bad)
				})
			})
			out := dcachetest.Run(t, prog, sim.Config{}, nil)
			if p.Has(variant.P03AllocNameHash) {
				dcachetest.Want(t, out, sim.KindWarn, "WARN_ON_ONCE", "d_hash")
			} else {
				dcachetest.Clean(t, out)
			}
		})
	}
}

func TestLookupHitMiss(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		d := dcachetest.Add(tk, e.Root(), "a", e.SB.NewInode(tk, dcache.S_IFREG))
		got := dcache.DLookup(tk, e.Root(), dcachetest.Q(e.Root(), "a"))
		dcachetest.Assert(tk, got == d && d.DLockref.Count() == 2, "d_lookup(a) = %v count %d, want the hashed dentry with a new reference", got, d.DLockref.Count())
		dcache.Dput(tk, got)
		dcachetest.Assert(tk, dcache.DLookup(tk, e.Root(), dcachetest.Q(e.Root(), "b")) == nil, "d_lookup(b) hit")
		// The same name in another directory is another dentry.
		dir := dcachetest.Add(tk, e.Root(), "dir", e.SB.NewInode(tk, dcache.S_IFDIR))
		dcachetest.Assert(tk, dcache.DLookup(tk, dir, dcachetest.Q(dir, "a")) == nil, "d_lookup(dir/a) found root's a")

		// __d_lookup_rcu takes no reference and hands back a d_seq
		// that a later d_drop invalidates.
		var seq uint32
		sim.RCUReadLock(tk)
		r := dcache.DLookupRCU(tk, e.Root(), dcachetest.Q(e.Root(), "a"), &seq)
		dcachetest.Assert(tk, r == d && d.DLockref.Count() == 1, "__d_lookup_rcu(a) = %v count %d", r, d.DLockref.Count())
		dcachetest.Assert(tk, !d.DSeq.Retry(tk, seq), "d_seq moved without a writer")
		sim.RCUReadUnlock(tk)
		dcache.DDrop(tk, d)
		dcachetest.Assert(tk, d.DSeq.Retry(tk, seq), "d_drop did not invalidate d_seq")
		dcachetest.Assert(tk, dcache.DLookup(tk, e.Root(), dcachetest.Q(e.Root(), "a")) == nil, "d_lookup found a dropped dentry")
		sim.RCUReadLock(tk)
		dcachetest.Assert(tk, dcache.DLookupRCU(tk, e.Root(), dcachetest.Q(e.Root(), "a"), &seq) == nil, "__d_lookup_rcu found a dropped dentry")
		sim.RCUReadUnlock(tk)
		dcache.Dput(tk, d)
		dcache.Dput(tk, dir)
	})
}

// TestLookupDCompare: with ->d_hash and ->d_compare, lookups match
// names the filesystem considers equal; d_hash_and_lookup returns the
// ->d_hash error as an ERR_PTR.
func TestLookupDCompare(t *testing.T) {
	prog := foldProgram(t.Name(), variant.BaseToday, func(e *dcachetest.Env) {
		e.W.Go("t", func(tk *sim.Task) {
			q := &dcache.Qstr{Name: "Foo"}
			dcachetest.Assert(tk, dcache.DHashAndLookup(tk, e.Root(), q) == nil, "lookup before creation hit")
			d := dcache.DAlloc(tk, e.Root(), q) // q was hashed by d_hash_and_lookup
			dcache.DAdd(tk, d, e.SB.NewInode(tk, dcache.S_IFREG))
			for _, n := range []string{"foo", "FOO", "Foo"} {
				got := dcache.DHashAndLookup(tk, e.Root(), &dcache.Qstr{Name: n})
				dcachetest.Assert(tk, got == d, "d_hash_and_lookup(%q) = %v, want %v", n, got, d)
				dcache.Dput(tk, got)
				got = dcache.TryLookupNoperm(tk, &dcache.Qstr{Name: n}, e.Root())
				dcachetest.Assert(tk, got == d, "try_lookup_noperm(%q) = %v, want %v", n, got, d)
				dcache.Dput(tk, got)
			}
			bad := dcache.DHashAndLookup(tk, e.Root(), &dcache.Qstr{Name: "bad1"})
			dcachetest.Assert(tk, sim.IsErr(bad) && sim.PtrErr(bad) == -int(sim.EINVAL), "d_hash_and_lookup(bad1) = %v, want ERR_PTR(-EINVAL)", bad)
			bad = dcache.TryLookupNoperm(tk, &dcache.Qstr{Name: "bad2"}, e.Root())
			dcachetest.Assert(tk, sim.IsErr(bad) && sim.PtrErr(bad) == -int(sim.EINVAL), "try_lookup_noperm(bad2) = %v, want ERR_PTR(-EINVAL)", bad)
			dcache.Dput(tk, d)
		})
	})
	dcachetest.Clean(t, dcachetest.Run(t, prog, sim.Config{}, nil))
}

// TestTryLookupNopermBadNames: names a path component cannot have are
// refused with ERR_PTR(-EACCES) before any lookup.
func TestTryLookupNopermBadNames(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		for _, n := range []string{"", ".", "..", "a/b", "a\x00b", "/"} {
			d := dcache.TryLookupNoperm(tk, &dcache.Qstr{Name: n}, e.Root())
			dcachetest.Assert(tk, sim.IsErr(d) && sim.PtrErr(d) == -int(sim.EACCES), "try_lookup_noperm(%q) = %v, want ERR_PTR(-EACCES)", n, d)
		}
		d := dcache.TryLookupNoperm(tk, &dcache.Qstr{Name: "..."}, e.Root())
		dcachetest.Assert(tk, d == nil, "try_lookup_noperm(...) = %v, want NULL (a miss)", d)
	})
}

func TestInstantiate(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		d := dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), "a"))
		inode := e.SB.NewInode(tk, dcache.S_IFREG)
		dcache.DInstantiate(tk, d, inode)
		dcachetest.Assert(tk, d.DInode == inode && !dcache.Hashed(d), "d_instantiate: inode %v hashed %v", d.DInode, dcache.Hashed(d))
		dcachetest.Assert(tk, d.DFlags&dcache.DCACHE_ENTRY_TYPE == dcache.DCACHE_REGULAR_TYPE, "type %s", dcache.FlagString(d.DFlags))
		dcachetest.Assert(tk, len(inode.Aliases()) == 1 && inode.Aliases()[0] == d, "aliases %v", inode.Aliases())
		dcache.DRehash(tk, d)
		dcachetest.Assert(tk, dcache.DLookup(tk, e.Root(), dcachetest.Q(e.Root(), "a")) == d, "d_rehash did not make it visible")
		dcache.Dput(tk, d)
		// The last dput of the unlinked, dropped dentry releases the inode.
		inode.INlink = 0
		dcache.DDrop(tk, d)
		dcache.Dput(tk, d)
		dcachetest.Assert(tk, !d.Live() && !inode.Live(), "dentry live %v inode live %v after the last dput", d.Live(), inode.Live())
	})
}

// TestInstantiateInLookup: R7. The v3 series base's d_instantiate asserts
// only that the dentry is not positive, so an in-lookup dentry gets
// through to __d_instantiate's WARN_ON (v6.18's BUG_ON on a linked d_alias
// fired first, the union making an in-lookup dentry's d_alias look
// linked).
func TestInstantiateInLookup(t *testing.T) {
	for _, p := range mainV3 {
		t.Run(p.String(), func(t *testing.T) {
			prog := dcachetest.Program(t.Name(), p, nil, func(e *dcachetest.Env) {
				e.W.Go("t", func(tk *sim.Task) {
					var wq *dcache.WaitQueue
					if !e.C.Has(variant.P04WaitVarEvent) {
						wq = dcache.NewOnStackWaitQueue(tk)
					}
					d := dcache.DAllocParallel(tk, e.Root(), dcachetest.Q(e.Root(), "a"), wq)
					dcache.DInstantiate(tk, d, e.SB.NewInode(tk, dcache.S_IFREG))
				})
			})
			dcachetest.Want(t, dcachetest.Run(t, prog, sim.Config{}, nil), sim.KindWarn, "WARN_ON", "d_in_lookup")
		})
	}
}

// TestInstantiatePositive: d_instantiate of a dentry that already has an
// inode is a BUG: the base's BUG_ON(d_really_is_positive(entry)).
func TestInstantiatePositive(t *testing.T) {
	prog := dcachetest.Program(t.Name(), variant.BaseToday, nil, func(e *dcachetest.Env) {
		e.W.Go("t", func(tk *sim.Task) {
			d := dcachetest.Add(tk, e.Root(), "a", e.SB.NewInode(tk, dcache.S_IFREG))
			dcache.DInstantiate(tk, d, e.SB.NewInode(tk, dcache.S_IFREG))
		})
	})
	dcachetest.Want(t, dcachetest.Run(t, prog, sim.Config{}, nil), sim.KindBug, "BUG_ON", "d_really_is_positive")
}

func TestInstantiateNew(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		d := dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), "a"))
		inode := e.SB.NewInode(tk, dcache.S_IFDIR)
		inode.IState |= dcache.I_NEW
		dcache.DInstantiateNew(tk, d, inode)
		dcachetest.Assert(tk, d.DInode == inode && inode.IState&dcache.I_NEW == 0, "d_instantiate_new: inode %v state %x", d.DInode, inode.IState)
		dcachetest.Assert(tk, d.DFlags&dcache.DCACHE_ENTRY_TYPE == dcache.DCACHE_DIRECTORY_TYPE, "type %s", dcache.FlagString(d.DFlags))
		dcache.Dput(tk, d)
	})
	for _, tc := range []struct {
		name string
		kind sim.Kind
		rule string
		sub  string
		mk   func(tk *sim.Task, e *dcachetest.Env) *dcache.Inode
	}{
		{"not-new", sim.KindWarn, "WARN_ON", "I_NEW", func(tk *sim.Task, e *dcachetest.Env) *dcache.Inode { return e.SB.NewInode(tk, dcache.S_IFREG) }},
		{"nil", sim.KindBug, "BUG_ON", "!inode", func(tk *sim.Task, e *dcachetest.Env) *dcache.Inode { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog := dcachetest.Program(t.Name(), variant.BaseToday, nil, func(e *dcachetest.Env) {
				e.W.Go("t", func(tk *sim.Task) {
					d := dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), "a"))
					dcache.DInstantiateNew(tk, d, tc.mk(tk, e))
				})
			})
			dcachetest.Want(t, dcachetest.Run(t, prog, sim.Config{}, nil), tc.kind, tc.rule, tc.sub)
		})
	}
}

// TestMakePersistent: d_make_persistent instantiates and hashes, and pins
// the dentry with a reference of its own, returning a borrowed pointer.
func TestMakePersistent(t *testing.T) {
	for _, hashedFirst := range []bool{false, true} {
		dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
			d := dcache.DAllocName(tk, e.Root(), "p")
			if hashedFirst {
				dcache.DRehash(tk, d) // a hashed negative is accepted too
			}
			inode := e.SB.NewInode(tk, dcache.S_IFREG)
			got := dcache.DMakePersistent(tk, d, inode)
			e.Pinned[d] = 1 // the persistent reference stays
			dcachetest.Assert(tk, got == d, "d_make_persistent returned %v, want its argument", got)
			dcachetest.Assert(tk, dcache.Hashed(d) && d.DInode == inode && d.DFlags&dcache.DCACHE_PERSISTENT != 0,
				"hashed %v inode %v flags %s", dcache.Hashed(d), d.DInode, dcache.FlagString(d.DFlags))
			dcachetest.Assert(tk, d.DLockref.Count() == 2, "count %d, want 2 (ours and the persistent one)", d.DLockref.Count())
			dcache.Dput(tk, d)
			dcachetest.Assert(tk, d.Live() && d.DLockref.Count() == 1, "persistent dentry: live %v count %d", d.Live(), d.DLockref.Count())
		})
	}
}

// TestAdd: d_add hashes and instantiates; in mainline __d_add rehashes
// unconditionally, so d_add of a hashed dentry breaks R2, while v3 02/19
// only rehashes an unhashed one.
func TestAdd(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		inode := e.SB.NewInode(tk, dcache.S_IFREG)
		d := dcachetest.Add(tk, e.Root(), "a", inode)
		dcachetest.Assert(tk, dcache.Hashed(d) && d.DInode == inode && inode.Aliases()[0] == d, "d_add: hashed %v inode %v", dcache.Hashed(d), d.DInode)
		n := dcachetest.Add(tk, e.Root(), "neg", nil)
		dcachetest.Assert(tk, dcache.Hashed(n) && n.DInode == nil, "d_add(NULL): hashed %v inode %v", dcache.Hashed(n), n.DInode)
		dcache.Dput(tk, d)
		dcache.Dput(tk, n)
	})
	for _, p := range []variant.Variant{variant.BaseToday, variant.BaseToday.WithPatch(variant.P02SpliceHashed)} {
		t.Run("rehash-"+p.String(), func(t *testing.T) {
			prog := dcachetest.Program(t.Name(), p, nil, func(e *dcachetest.Env) {
				e.W.Go("t", func(tk *sim.Task) {
					d := dcachetest.Add(tk, e.Root(), "a", nil)
					dcache.DAdd(tk, d, e.SB.NewInode(tk, dcache.S_IFREG))
					dcachetest.Assert(tk, d.DInode != nil, "second d_add did not instantiate")
					dcache.Dput(tk, d)
				})
			})
			out := dcachetest.Run(t, prog, sim.Config{}, nil)
			if p.Has(variant.P02SpliceHashed) {
				dcachetest.Clean(t, out)
			} else {
				dcachetest.Want(t, out, sim.KindInvariant, "R2", "already hashed")
			}
		})
	}
}

// TestDropRehash: d_drop unhashes and invalidates d_seq, and is idempotent;
// d_rehash puts it back; d_rehash of a hashed dentry breaks R2.
func TestDropRehash(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
		d := dcachetest.Add(tk, e.Root(), "a", nil)
		s0 := d.DSeq.Sequence()
		dcache.DDrop(tk, d)
		dcachetest.Assert(tk, !dcache.Hashed(d) && d.DSeq.Sequence() == s0+2, "d_drop: hashed %v seq %d (was %d)", dcache.Hashed(d), d.DSeq.Sequence(), s0)
		dcache.DDrop(tk, d)
		dcachetest.Assert(tk, d.DSeq.Sequence() == s0+2, "d_drop of an unhashed dentry moved d_seq")
		dcache.DRehash(tk, d)
		dcachetest.Assert(tk, dcache.Hashed(d), "d_rehash did not hash")
		dcache.Dput(tk, d)
	})
	prog := dcachetest.Program(t.Name(), variant.BaseToday, nil, func(e *dcachetest.Env) {
		e.W.Go("t", func(tk *sim.Task) {
			d := dcachetest.Add(tk, e.Root(), "a", nil)
			dcache.DRehash(tk, d)
		})
	})
	dcachetest.Want(t, dcachetest.Run(t, prog, sim.Config{}, nil), sim.KindInvariant, "R2", "already hashed")
}

// TestLeakCheck: the leak walker reports a dentry that lost its last
// holder without a dput once nothing reaches it (here an anonymous
// directory and the child pinning it), and nothing when the dput is
// there.
func TestLeakCheck(t *testing.T) {
	for _, missing := range []bool{false, true} {
		prog := dcachetest.Program(t.Name(), variant.BaseToday, nil, func(e *dcachetest.Env) {
			e.W.Go("t", func(tk *sim.Task) {
				a := dcache.DAllocAnon(tk, e.SB)
				dcache.DInstantiate(tk, a, e.SB.NewInode(tk, dcache.S_IFDIR))
				b := dcache.DAlloc(tk, a, dcachetest.Q(a, "b"))
				dcache.Dput(tk, a) // b still pins a
				if !missing {
					dcache.Dput(tk, b) // kills b, then a
				}
			})
		})
		out := dcachetest.Run(t, prog, sim.Config{}, nil)
		if !missing {
			dcachetest.Clean(t, out)
			continue
		}
		r := dcachetest.Want(t, out, sim.KindLeak, "leak", "2 object(s)")
		if !strings.Contains(r.Message, `dentry`) || !strings.Contains(r.Message, `"b"`) {
			t.Fatalf("leak report does not name the dentries:\n%s", r.Format())
		}
	}
}
