package dcache_test

// Unit tests of the dcache core: allocation (__d_alloc, d_alloc,
// d_alloc_anon, d_alloc_name), lookups (__d_lookup_rcu, d_lookup,
// d_hash_and_lookup, try_lookup_noperm), instantiation (d_instantiate,
// d_instantiate_new, d_make_persistent, d_add), d_drop and d_rehash, and
// the leak check every program here carries. Each test runs a program
// once, with the runtime's default schedule (or a replayed one), so
// every test is a single deterministic run.
//
// The helpers shared by the tests of this helper (core, parallel, dput,
// delete, shrink) carry the prefix hb.

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// hbEnv is one run's dcache: a cache, one superblock and its root.
type hbEnv struct {
	w    *sim.World
	c    *dcache.Cache
	sb   *dcache.SuperBlock
	root *dcache.Dentry
}

// hbProgram makes a program with a cache of patches p and one superblock
// with default dentry operations dop, the leak walker and the end-of-run
// invariant check registered; setup then adds the tasks.
func hbProgram(name string, p variant.Variant, dop *dcache.DentryOperations, setup func(e *hbEnv)) sim.Program {
	return sim.Program{Name: name, Setup: func(w *sim.World) {
		c := dcache.NewCache(w, p)
		sb := c.NewSuperBlock("t", dop)
		e := &hbEnv{w: w, c: c, sb: sb, root: sb.SRoot}
		w.Roots(hbRoots(sb))
		w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
		setup(e)
	}}
}

// hbRoots is the leak walker: it marks what the superblocks keep
// reachable, every dentry reachable from each s_root through d_children
// with its inode, and the superblocks' inodes. A dentry nobody can reach
// any more (an IS_ROOT dentry, or a whole subtree hanging from one, that
// lost its last holder without a dput) is left unmarked and reported.
func hbRoots(sbs ...*dcache.SuperBlock) func(mark func(*sim.Object)) {
	return func(mark func(*sim.Object)) {
		var rec func(d *dcache.Dentry)
		rec = func(d *dcache.Dentry) {
			mark(&d.Object)
			if d.DInode != nil {
				mark(&d.DInode.Object)
			}
			for _, ch := range dcache.Children(d) {
				rec(ch)
			}
		}
		for _, sb := range sbs {
			rec(sb.SRoot)
			for _, i := range sb.Inodes() {
				mark(&i.Object)
			}
		}
	}
}

// hbRun runs prog once; an input error (a schedule that does not fit)
// fails the test at once.
func hbRun(t *testing.T, prog sim.Program, cfg sim.Config, s sim.Strategy) *sim.Outcome {
	t.Helper()
	out := sim.Execute(prog, cfg, s)
	if out.Err != nil {
		t.Fatalf("%s: %v", prog.Name, out.Err)
	}
	return out
}

// hbClean fails unless the run ended without a report.
func hbClean(t *testing.T, out *sim.Outcome) {
	t.Helper()
	if out.Report != nil {
		t.Fatalf("unexpected report:\n%s", out.Report.Format())
	}
}

// hbWant fails unless the run ended on a report of kind and rule whose
// title contains sub.
func hbWant(t *testing.T, out *sim.Outcome, kind sim.Kind, rule, sub string) *sim.Report {
	t.Helper()
	r := out.Report
	if r == nil {
		t.Fatalf("want a %s/%s report (%q), the run was clean", kind, rule, sub)
	}
	if r.Kind != kind || r.Rule != rule || !strings.Contains(r.Title, sub) {
		t.Fatalf("want a %s/%s report (%q), got:\n%s", kind, rule, sub, r.Format())
	}
	return r
}

// hbOnce runs body as the only task of a program and expects a clean run.
func hbOnce(t *testing.T, p variant.Variant, dop *dcache.DentryOperations, body func(t *sim.Task, e *hbEnv)) {
	t.Helper()
	hbClean(t, hbRun(t, hbProgram(t.Name(), p, dop, func(e *hbEnv) {
		e.w.Go("t", func(tk *sim.Task) { body(tk, e) })
	}), sim.Config{}, nil))
}

// hbExpect records a failed expectation from inside a task (tasks must
// not call FailNow).
func hbExpect(t *testing.T, cond bool, format string, args ...any) {
	t.Helper()
	if !cond {
		t.Errorf(format, args...)
	}
}

// hbQ is a name hashed for parent with the standard hash.
func hbQ(parent *dcache.Dentry, name string) *dcache.Qstr {
	return &dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
}

// hbAdd makes parent/name hashed with inode (nil: negative), as a
// ->lookup or ->create would with d_alloc and d_add, and returns it with
// the caller's reference.
func hbAdd(t *sim.Task, parent *dcache.Dentry, name string, inode *dcache.Inode) *dcache.Dentry {
	d := dcache.DAlloc(t, parent, hbQ(parent, name))
	dcache.DAdd(t, d, inode)
	return d
}

// hbCount is d_count.
func hbCount(d *dcache.Dentry) int { return d.DLockref.Count() }

// hbFoldOps are case-insensitive dentry operations: ->d_hash hashes the
// lower-cased name and fails on names starting with "bad"; ->d_compare
// compares lower-cased names. hbFold is the superblock's Fold.
var hbFoldOps = &dcache.DentryOperations{
	DHash: func(t *sim.Task, d *dcache.Dentry, name *dcache.Qstr) int {
		if strings.HasPrefix(name.Name, "bad") {
			return -int(sim.EINVAL)
		}
		name.Hash = dcache.FullNameHash(d, strings.ToLower(name.Name))
		return 0
	},
	DCompare: func(t *sim.Task, d *dcache.Dentry, length int, str string, name *dcache.Qstr) int {
		if strings.EqualFold(str, name.Name) {
			return 0
		}
		return 1
	},
}

func hbFoldProgram(name string, p variant.Variant, setup func(e *hbEnv)) sim.Program {
	return hbProgram(name, p, hbFoldOps, func(e *hbEnv) {
		e.sb.Fold = strings.ToLower
		setup(e)
	})
}

var hbVersions = []variant.Variant{variant.BaseToday, variant.V3Today}

func TestAllocChild(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		d := dcache.DAlloc(tk, e.root, hbQ(e.root, "a"))
		hbExpect(t, d != nil, "d_alloc failed")
		hbExpect(t, d.DParent == e.root && !dcache.IsRoot(d), "d_parent %v, want the root", d.DParent)
		hbExpect(t, hbCount(d) == 1, "new dentry count %d, want 1", hbCount(d))
		hbExpect(t, hbCount(e.root) == 2, "root count %d, want 2 (the child pins it)", hbCount(e.root))
		hbExpect(t, !dcache.Hashed(d) && d.DInode == nil && !dcache.OnInLookupHash(d), "new dentry is not unhashed and negative")
		hbExpect(t, d.DName.Name == "a" && d.DName.Hash == dcache.FullNameHash(e.root, "a"), "name %q/%x", d.DName.Name, d.DName.Hash)
		kids := dcache.Children(e.root)
		hbExpect(t, len(kids) == 1 && kids[0] == d, "root's children %v", kids)
		dcache.Dput(tk, d)
		hbExpect(t, !d.Live(), "unhashed dentry survived its last dput")
		hbExpect(t, hbCount(e.root) == 1 && len(dcache.Children(e.root)) == 0, "root count %d children %v after the kill",
			hbCount(e.root), dcache.Children(e.root))
	})
}

func TestAllocAnon(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		d := dcache.DAllocAnon(tk, e.sb)
		hbExpect(t, d != nil && dcache.IsRoot(d) && d.DName.Name == "/", "d_alloc_anon: %v", d)
		hbExpect(t, hbCount(d) == 1 && d.DSb == e.sb, "count %d sb %v", hbCount(d), d.DSb)
		hbExpect(t, len(dcache.Children(e.root)) == 0, "an anonymous dentry went on the root's children")
		dcache.Dput(tk, d)
		hbExpect(t, !d.Live(), "anonymous dentry survived its last dput")
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
		prog := hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
			e.w.Go("t", func(tk *sim.Task) {
				d := dcache.DAlloc(tk, e.root, hbQ(e.root, tc.name))
				hbExpect(t, d == nil, "d_alloc(%d bytes) = %v under an allocation failure, want NULL", len(tc.name), d)
				hbExpect(t, hbCount(e.root) == 1, "root count %d after the failed d_alloc", hbCount(e.root))
			})
		})
		hbClean(t, hbRun(t, prog, sim.Config{Faults: true}, sim.NewPrefixReplay(sched)))
	}
}

// TestAllocDInit: a ->d_init that refuses makes __d_alloc return NULL.
func TestAllocDInit(t *testing.T) {
	ops := &dcache.DentryOperations{DInit: func(t *sim.Task, d *dcache.Dentry) int { return -int(sim.ENOMEM) }}
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		e.sb.SDOp = ops // set_default_d_op after the root was made
		d := dcache.DAllocInternal(tk, e.sb, hbQ(e.root, "a"))
		hbExpect(t, d == nil, "__d_alloc with a failing ->d_init = %v, want NULL", d)
	})
}

// TestAllocName: mainline d_alloc_name hashes with the standard hash only;
// v3 03/19 applies the parent's ->d_hash, and WARNs and returns NULL when
// it fails.
func TestAllocName(t *testing.T) {
	for _, p := range []variant.Variant{variant.BaseToday, variant.BaseToday.WithPatch(variant.P03AllocNameHash)} {
		t.Run(p.String(), func(t *testing.T) {
			prog := hbFoldProgram(t.Name(), p, func(e *hbEnv) {
				e.w.Go("t", func(tk *sim.Task) {
					d := dcache.DAllocName(tk, e.root, "Mixed")
					hbExpect(t, d != nil, "d_alloc_name failed")
					want := dcache.FullNameHash(e.root, "Mixed")
					if p.Has(variant.P03AllocNameHash) {
						want = dcache.FullNameHash(e.root, "mixed")
					}
					hbExpect(t, d.DName.Hash == want, "hash %x, want %x", d.DName.Hash, want)
					hbExpect(t, d.DName.Name == "Mixed", "name %q", d.DName.Name)
					dcache.Dput(tk, d)
					bad := dcache.DAllocName(tk, e.root, "bad")
					hbExpect(t, bad != nil && !p.Has(variant.P03AllocNameHash), "d_alloc_name(bad) = %v", bad)
					dcache.Dput(tk, bad)
				})
			})
			out := hbRun(t, prog, sim.Config{}, nil)
			if p.Has(variant.P03AllocNameHash) {
				hbWant(t, out, sim.KindWarn, "WARN_ON_ONCE", "d_hash")
			} else {
				hbClean(t, out)
			}
		})
	}
}

func TestLookupHitMiss(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		d := hbAdd(tk, e.root, "a", e.sb.NewInode(tk, dcache.S_IFREG))
		got := dcache.DLookup(tk, e.root, hbQ(e.root, "a"))
		hbExpect(t, got == d && hbCount(d) == 2, "d_lookup(a) = %v count %d, want the hashed dentry with a new reference", got, hbCount(d))
		dcache.Dput(tk, got)
		hbExpect(t, dcache.DLookup(tk, e.root, hbQ(e.root, "b")) == nil, "d_lookup(b) hit")
		// The same name in another directory is another dentry.
		dir := hbAdd(tk, e.root, "dir", e.sb.NewInode(tk, dcache.S_IFDIR))
		hbExpect(t, dcache.DLookup(tk, dir, hbQ(dir, "a")) == nil, "d_lookup(dir/a) found root's a")

		// __d_lookup_rcu takes no reference and hands back a d_seq
		// that a later d_drop invalidates.
		var seq uint32
		sim.RCUReadLock(tk)
		r := dcache.DLookupRCU(tk, e.root, hbQ(e.root, "a"), &seq)
		hbExpect(t, r == d && hbCount(d) == 1, "__d_lookup_rcu(a) = %v count %d", r, hbCount(d))
		hbExpect(t, !d.DSeq.Retry(tk, seq), "d_seq moved without a writer")
		sim.RCUReadUnlock(tk)
		dcache.DDrop(tk, d)
		hbExpect(t, d.DSeq.Retry(tk, seq), "d_drop did not invalidate d_seq")
		hbExpect(t, dcache.DLookup(tk, e.root, hbQ(e.root, "a")) == nil, "d_lookup found a dropped dentry")
		sim.RCUReadLock(tk)
		hbExpect(t, dcache.DLookupRCU(tk, e.root, hbQ(e.root, "a"), &seq) == nil, "__d_lookup_rcu found a dropped dentry")
		sim.RCUReadUnlock(tk)
		dcache.Dput(tk, d)
		dcache.Dput(tk, dir)
	})
}

// TestLookupDCompare: with ->d_hash and ->d_compare, lookups match
// names the filesystem considers equal; d_hash_and_lookup returns the
// ->d_hash error as an ERR_PTR.
func TestLookupDCompare(t *testing.T) {
	prog := hbFoldProgram(t.Name(), variant.BaseToday, func(e *hbEnv) {
		e.w.Go("t", func(tk *sim.Task) {
			q := &dcache.Qstr{Name: "Foo"}
			hbExpect(t, dcache.DHashAndLookup(tk, e.root, q) == nil, "lookup before creation hit")
			d := dcache.DAlloc(tk, e.root, q) // q was hashed by d_hash_and_lookup
			dcache.DAdd(tk, d, e.sb.NewInode(tk, dcache.S_IFREG))
			for _, n := range []string{"foo", "FOO", "Foo"} {
				got := dcache.DHashAndLookup(tk, e.root, &dcache.Qstr{Name: n})
				hbExpect(t, got == d, "d_hash_and_lookup(%q) = %v, want %v", n, got, d)
				dcache.Dput(tk, got)
				got = dcache.TryLookupNoperm(tk, &dcache.Qstr{Name: n}, e.root)
				hbExpect(t, got == d, "try_lookup_noperm(%q) = %v, want %v", n, got, d)
				dcache.Dput(tk, got)
			}
			bad := dcache.DHashAndLookup(tk, e.root, &dcache.Qstr{Name: "bad1"})
			hbExpect(t, sim.IsErr(bad) && sim.PtrErr(bad) == -int(sim.EINVAL), "d_hash_and_lookup(bad1) = %v, want ERR_PTR(-EINVAL)", bad)
			bad = dcache.TryLookupNoperm(tk, &dcache.Qstr{Name: "bad2"}, e.root)
			hbExpect(t, sim.IsErr(bad) && sim.PtrErr(bad) == -int(sim.EINVAL), "try_lookup_noperm(bad2) = %v, want ERR_PTR(-EINVAL)", bad)
			dcache.Dput(tk, d)
		})
	})
	hbClean(t, hbRun(t, prog, sim.Config{}, nil))
}

// TestTryLookupNopermBadNames: names a path component cannot have are
// refused with ERR_PTR(-EACCES) before any lookup.
func TestTryLookupNopermBadNames(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		for _, n := range []string{"", ".", "..", "a/b", "a\x00b", "/"} {
			d := dcache.TryLookupNoperm(tk, &dcache.Qstr{Name: n}, e.root)
			hbExpect(t, sim.IsErr(d) && sim.PtrErr(d) == -int(sim.EACCES), "try_lookup_noperm(%q) = %v, want ERR_PTR(-EACCES)", n, d)
		}
		d := dcache.TryLookupNoperm(tk, &dcache.Qstr{Name: "..."}, e.root)
		hbExpect(t, d == nil, "try_lookup_noperm(...) = %v, want NULL (a miss)", d)
	})
}

func TestInstantiate(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		d := dcache.DAlloc(tk, e.root, hbQ(e.root, "a"))
		inode := e.sb.NewInode(tk, dcache.S_IFREG)
		dcache.DInstantiate(tk, d, inode)
		hbExpect(t, d.DInode == inode && !dcache.Hashed(d), "d_instantiate: inode %v hashed %v", d.DInode, dcache.Hashed(d))
		hbExpect(t, d.DFlags&dcache.DCACHE_ENTRY_TYPE == dcache.DCACHE_REGULAR_TYPE, "type %s", dcache.FlagString(d.DFlags))
		hbExpect(t, len(inode.Aliases()) == 1 && inode.Aliases()[0] == d, "aliases %v", inode.Aliases())
		dcache.DRehash(tk, d)
		hbExpect(t, dcache.DLookup(tk, e.root, hbQ(e.root, "a")) == d, "d_rehash did not make it visible")
		dcache.Dput(tk, d)
		// The last dput of the unlinked, dropped dentry releases the inode.
		inode.INlink = 0
		dcache.DDrop(tk, d)
		dcache.Dput(tk, d)
		hbExpect(t, !d.Live() && !inode.Live(), "dentry live %v inode live %v after the last dput", d.Live(), inode.Live())
	})
}

// TestInstantiateInLookup: R7. In mainline, d_alias shares the d_u union
// with d_in_lookup_hash, so d_instantiate's BUG_ON on a linked d_alias
// fires for an in-lookup dentry; the v3 series' base has taken
// d_in_lookup_hash out of the union, and __d_instantiate's WARN_ON catches
// it instead.
func TestInstantiateInLookup(t *testing.T) {
	for _, p := range hbVersions {
		t.Run(p.String(), func(t *testing.T) {
			prog := hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				e.w.Go("t", func(tk *sim.Task) {
					var wq *dcache.WaitQueue
					if !e.c.Has(variant.P04WaitVarEvent) {
						wq = dcache.NewOnStackWaitQueue(tk)
					}
					d := dcache.DAllocParallel(tk, e.root, hbQ(e.root, "a"), wq)
					dcache.DInstantiate(tk, d, e.sb.NewInode(tk, dcache.S_IFREG))
				})
			})
			out := hbRun(t, prog, sim.Config{}, nil)
			if p == variant.BaseToday {
				hbWant(t, out, sim.KindBug, "BUG_ON", "d_alias")
			} else {
				hbWant(t, out, sim.KindWarn, "WARN_ON", "d_in_lookup")
			}
		})
	}
}

// TestInstantiatePositive: d_instantiate of a dentry that already has an
// inode is a BUG (its d_alias is linked).
func TestInstantiatePositive(t *testing.T) {
	prog := hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
		e.w.Go("t", func(tk *sim.Task) {
			d := hbAdd(tk, e.root, "a", e.sb.NewInode(tk, dcache.S_IFREG))
			dcache.DInstantiate(tk, d, e.sb.NewInode(tk, dcache.S_IFREG))
		})
	})
	hbWant(t, hbRun(t, prog, sim.Config{}, nil), sim.KindBug, "BUG_ON", "d_alias")
}

func TestInstantiateNew(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		d := dcache.DAlloc(tk, e.root, hbQ(e.root, "a"))
		inode := e.sb.NewInode(tk, dcache.S_IFDIR)
		inode.IState |= dcache.I_NEW
		dcache.DInstantiateNew(tk, d, inode)
		hbExpect(t, d.DInode == inode && inode.IState&dcache.I_NEW == 0, "d_instantiate_new: inode %v state %x", d.DInode, inode.IState)
		hbExpect(t, d.DFlags&dcache.DCACHE_ENTRY_TYPE == dcache.DCACHE_DIRECTORY_TYPE, "type %s", dcache.FlagString(d.DFlags))
		dcache.Dput(tk, d)
	})
	for _, tc := range []struct {
		name string
		kind sim.Kind
		rule string
		sub  string
		mk   func(tk *sim.Task, e *hbEnv) *dcache.Inode
	}{
		{"not-new", sim.KindWarn, "WARN_ON", "I_NEW", func(tk *sim.Task, e *hbEnv) *dcache.Inode { return e.sb.NewInode(tk, dcache.S_IFREG) }},
		{"nil", sim.KindBug, "BUG_ON", "!inode", func(tk *sim.Task, e *hbEnv) *dcache.Inode { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog := hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
				e.w.Go("t", func(tk *sim.Task) {
					d := dcache.DAlloc(tk, e.root, hbQ(e.root, "a"))
					dcache.DInstantiateNew(tk, d, tc.mk(tk, e))
				})
			})
			hbWant(t, hbRun(t, prog, sim.Config{}, nil), tc.kind, tc.rule, tc.sub)
		})
	}
}

// TestMakePersistent: d_make_persistent instantiates and hashes, and pins
// the dentry with a reference of its own, returning a borrowed pointer.
func TestMakePersistent(t *testing.T) {
	for _, hashedFirst := range []bool{false, true} {
		hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
			d := dcache.DAllocName(tk, e.root, "p")
			if hashedFirst {
				dcache.DRehash(tk, d) // a hashed negative is accepted too
			}
			inode := e.sb.NewInode(tk, dcache.S_IFREG)
			got := dcache.DMakePersistent(tk, d, inode)
			hbExpect(t, got == d, "d_make_persistent returned %v, want its argument", got)
			hbExpect(t, dcache.Hashed(d) && d.DInode == inode && d.DFlags&dcache.DCACHE_PERSISTENT != 0,
				"hashed %v inode %v flags %s", dcache.Hashed(d), d.DInode, dcache.FlagString(d.DFlags))
			hbExpect(t, hbCount(d) == 2, "count %d, want 2 (ours and the persistent one)", hbCount(d))
			dcache.Dput(tk, d)
			hbExpect(t, d.Live() && hbCount(d) == 1, "persistent dentry: live %v count %d", d.Live(), hbCount(d))
		})
	}
}

// TestAdd: d_add hashes and instantiates; in mainline __d_add rehashes
// unconditionally, so d_add of a hashed dentry breaks R2, while v3 02/19
// only rehashes an unhashed one.
func TestAdd(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		inode := e.sb.NewInode(tk, dcache.S_IFREG)
		d := hbAdd(tk, e.root, "a", inode)
		hbExpect(t, dcache.Hashed(d) && d.DInode == inode && inode.Aliases()[0] == d, "d_add: hashed %v inode %v", dcache.Hashed(d), d.DInode)
		n := hbAdd(tk, e.root, "neg", nil)
		hbExpect(t, dcache.Hashed(n) && n.DInode == nil, "d_add(NULL): hashed %v inode %v", dcache.Hashed(n), n.DInode)
		dcache.Dput(tk, d)
		dcache.Dput(tk, n)
	})
	for _, p := range []variant.Variant{variant.BaseToday, variant.BaseToday.WithPatch(variant.P02SpliceHashed)} {
		t.Run("rehash-"+p.String(), func(t *testing.T) {
			prog := hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				e.w.Go("t", func(tk *sim.Task) {
					d := hbAdd(tk, e.root, "a", nil)
					dcache.DAdd(tk, d, e.sb.NewInode(tk, dcache.S_IFREG))
					hbExpect(t, d.DInode != nil, "second d_add did not instantiate")
					dcache.Dput(tk, d)
				})
			})
			out := hbRun(t, prog, sim.Config{}, nil)
			if p.Has(variant.P02SpliceHashed) {
				hbClean(t, out)
			} else {
				hbWant(t, out, sim.KindInvariant, "R2", "already hashed")
			}
		})
	}
}

// TestDropRehash: d_drop unhashes and invalidates d_seq, and is idempotent;
// d_rehash puts it back; d_rehash of a hashed dentry breaks R2.
func TestDropRehash(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		d := hbAdd(tk, e.root, "a", nil)
		s0 := d.DSeq.Sequence()
		dcache.DDrop(tk, d)
		hbExpect(t, !dcache.Hashed(d) && d.DSeq.Sequence() == s0+2, "d_drop: hashed %v seq %d (was %d)", dcache.Hashed(d), d.DSeq.Sequence(), s0)
		dcache.DDrop(tk, d)
		hbExpect(t, d.DSeq.Sequence() == s0+2, "d_drop of an unhashed dentry moved d_seq")
		dcache.DRehash(tk, d)
		hbExpect(t, dcache.Hashed(d), "d_rehash did not hash")
		dcache.Dput(tk, d)
	})
	prog := hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
		e.w.Go("t", func(tk *sim.Task) {
			d := hbAdd(tk, e.root, "a", nil)
			dcache.DRehash(tk, d)
		})
	})
	hbWant(t, hbRun(t, prog, sim.Config{}, nil), sim.KindInvariant, "R2", "already hashed")
}

// TestLeakCheck: the leak walker reports a dentry that lost its last
// holder without a dput once nothing reaches it (here an anonymous
// directory and the child pinning it), and nothing when the dput is
// there.
func TestLeakCheck(t *testing.T) {
	for _, missing := range []bool{false, true} {
		prog := hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
			e.w.Go("t", func(tk *sim.Task) {
				a := dcache.DAllocAnon(tk, e.sb)
				dcache.DInstantiate(tk, a, e.sb.NewInode(tk, dcache.S_IFDIR))
				b := dcache.DAlloc(tk, a, hbQ(a, "b"))
				dcache.Dput(tk, a) // b still pins a
				if !missing {
					dcache.Dput(tk, b) // kills b, then a
				}
			})
		})
		out := hbRun(t, prog, sim.Config{}, nil)
		if !missing {
			hbClean(t, out)
			continue
		}
		r := hbWant(t, out, sim.KindLeak, "leak", "2 object(s)")
		if !strings.Contains(r.Message, `dentry`) || !strings.Contains(r.Message, `"b"`) {
			t.Fatalf("leak report does not name the dentries:\n%s", r.Format())
		}
	}
}
