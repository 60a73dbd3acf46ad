package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Fidelity of the in-lookup lock map (issue 8): who may end an in-lookup
// state, and the map's lockdep keying under d_add_ci.

// v04Today is the base with v3 04/19 alone (waiters on d_flags, no
// caller wait queue).
var v04Today = variant.BaseToday.WithPatch(variant.P04WaitVarEvent)

// qstrIn is a name hashed as parent's ->d_hash (if any) would hash it.
func qstrIn(parent *dcache.Dentry, name string) *dcache.Qstr {
	q := &dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
	if parent.DOp != nil && parent.DOp.DHash != nil {
		parent.DOp.DHash(nil, parent, q)
	}
	return q
}

// ciLookup is __lookup_slow of name in parent (i_rwsem held shared) on a
// case-insensitive filesystem whose ->lookup finds inode under the
// case-exact name exact: d_add_ci when the names differ (ntfs_lookup,
// xfs_vn_ci_lookup), d_splice_alias when they are equal.
func ciLookup(c *dcache.Cache, parent *dcache.Dentry, name, exact string, inode *dcache.Inode) func(t *sim.Task) {
	return func(t *sim.Task) {
		dir := parent.DInode
		dir.IRwsem.DownRead(t)
		wq := dcachetest.WaitQueue(t, c)
		d := dcache.DAllocParallel(t, parent, qstrIn(parent, name), wq)
		if !sim.IsErr(d) && dcache.DInLookup(t, d) {
			dcache.Ihold(t, inode) // the filesystem's iget
			var res *dcache.Dentry
			if name == exact {
				res = dcache.DSpliceAlias(t, inode, d)
			} else {
				res = dcache.DAddCI(t, d, inode, &dcache.Qstr{Name: exact}, true)
			}
			dcache.DLookupDone(t, d)
			if res != nil {
				dcache.Dput(t, d)
				d = res
			}
		}
		if !sim.IsErrOrNull(d) {
			dcache.Dput(t, d)
		}
		dcachetest.Release(t, wq)
		dir.IRwsem.UpRead(t)
	}
}

// ciSetup makes a cache whose root holds one file, "foo" on disk, with
// ->d_hash/->d_compare dop, and returns the file's inode.
func ciSetup(w *sim.World, v variant.Variant, dop *dcache.DentryOperations) (*dcache.Cache, *dcache.SuperBlock, *dcache.Inode) {
	c := dcache.NewCache(w, v)
	sb := c.NewSuperBlock("ci", dop)
	inode := sb.NewInode(nil, dcache.S_IFREG)
	w.Roots(func(mark func(*sim.Object)) { dcache.MarkTree(sb.SRoot, mark); mark(&inode.Object) })
	w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
	return c, sb, inode
}

// asyncEnd is an nfs_async_unlink-like program: "unlink" gets an
// in-lookup dentry for "x" from d_alloc_parallel and leaves ending it to
// "rpciod" (nfs_async_unlink_release calls d_lookup_done); "lookup" looks
// "x" up meanwhile and may wait for it. With handOver, "unlink" hands the
// dentry over and returns; without, it keeps it and waits for rpciod.
func asyncEnd(handOver bool) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		c := dcache.NewCache(w, v)
		sb := c.NewSuperBlock("nfs", nil)
		root := sb.SRoot
		data := &sim.Object{}
		w.NewStatic(data, "nfs_unlinkdata")
		var done, released sim.Completion
		done.Init(data, "rpc done")
		released.Init(data, "released")
		w.Go("unlink", func(t *sim.Task) {
			wq := dcachetest.WaitQueue(t, c) // data->wq
			d := dcache.DAllocParallel(t, root, qstrIn(root, "x"), wq)
			if sim.IsErr(d) || !dcache.DInLookup(t, d) {
				if !sim.IsErr(d) {
					dcache.Dput(t, d)
				}
				dcachetest.Release(t, wq)
				return
			}
			worker := t.Spawn("rpciod", func(t *sim.Task) {
				done.Wait(t)
				dcache.DLookupDone(t, d)
				dcache.Dput(t, d)
				dcachetest.Release(t, wq)
				released.Complete(t)
			})
			if handOver {
				dcache.DInLookupHandOver(t, d, worker)
			}
			done.Complete(t)
			if !handOver {
				released.Wait(t)
			}
		})
		w.Go("lookup", dcachetest.LookupTask(c, func() *dcache.Dentry { return root }, "x", dcachetest.FateAdd))
		w.Roots(func(mark func(*sim.Object)) { dcache.MarkTree(root, mark) })
		w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
	}
}

func init() {
	Register(&Scenario{
		Name: "dcache/add-ci-vs-exact-lookup",
		Doc: "On a case-insensitive filesystem that keeps only case-exact names (ntfs), one task " +
			"looks up \"FOO\" and its ->lookup calls d_add_ci with the exact \"foo\", while another " +
			"looks up \"foo\". d_add_ci's d_alloc_parallel may wait on the other's in-lookup \"foo\" " +
			"while its own \"FOO\" is in-lookup: two in-lookup dentries of one parent, the second " +
			"nested, which is no deadlock (the exact lookup never waits on an inexact one).",
		Cells: []Cell{{Variant: variant.BaseToday}, {Variant: v04Today}},
		Setup: func(w *sim.World, v variant.Variant) {
			c, sb, inode := ciSetup(w, v, nil)
			w.Go("ci-lookup", ciLookup(c, sb.SRoot, "FOO", "foo", inode))
			w.Go("exact-lookup", ciLookup(c, sb.SRoot, "foo", "foo", inode))
		},
	})
	Register(&Scenario{
		Name: "dcache/add-ci-self-wait",
		Doc: "With a case-folding ->d_hash/->d_compare, d_add_ci's d_alloc_parallel(\"foo\") finds " +
			"the caller's own in-lookup \"FOO\" and waits for it, i.e. for itself: a real hang " +
			"(d_add_ci is not meant for a folding ->d_compare). The nested annotation of d_add_ci " +
			"must not hide it.",
		Cells: []Cell{
			{Variant: variant.BaseToday, Expect: FindsRule(sim.KindLockdep, "recursive")},
			{Variant: v04Today, Expect: FindsRule(sim.KindLockdep, "recursive")},
		},
		Setup: func(w *sim.World, v variant.Variant) {
			c, sb, inode := ciSetup(w, v, dcachetest.FoldOps)
			w.Go("ci-lookup", ciLookup(c, sb.SRoot, "FOO", "foo", inode))
		},
	})
	Register(&Scenario{
		Name: "dcache/in-lookup-handed-to-worker",
		Doc: "As nfs_async_unlink: a task gets an in-lookup dentry from d_alloc_parallel, hands it " +
			"to an async worker (rpciod), and the worker ends the in-lookup state " +
			"(nfs_async_unlink_release: d_lookup_done) while a lookup of the name waits for it. " +
			"Ending it from the task it was handed to is legal.",
		Marks: []string{"d_alloc_parallel: waited on in-lookup"},
		Cells: []Cell{{Variant: variant.BaseToday}, {Variant: variant.V3Today}},
		Setup: asyncEnd(true),
	})
	Register(&Scenario{
		Name: "dcache/in-lookup-ended-by-stranger",
		Doc: "The async-unlink program without the hand-over: a worker that was never given the " +
			"in-lookup dentry ends its in-lookup state while its owner is responsible for it.",
		Cells: []Cell{
			{Variant: variant.BaseToday, Expect: FindsRule(sim.KindInvariant, "in-lookup-owner")},
		},
		Setup: asyncEnd(false),
	})
}
