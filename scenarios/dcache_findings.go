package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The programs behind the dcache findings on posted v3 code
// (docs/findings.md), each explored on the posted patch alone, the whole
// series, the code before it and, where there is one, the fixed variant.

var (
	p04 = variant.BaseToday.WithPatch(variant.P04WaitVarEvent)
	p08 = variant.BaseToday.WithPatch(variant.P08AddCIDropLock)
	p02 = variant.BaseToday.WithPatch(variant.P02SpliceHashed)
)

// addCIVsExact is two lookups in one directory, both holding it shared
// (lookup_slow): "FOO", case-inexact, whose ->lookup calls d_add_ci with
// "foo", and "foo", exact, whose ->lookup splices the inode itself. With
// hold, a ->d_init hook holds the "FOO" lookup inside d_add_ci's
// d_alloc_parallel("foo") (at __d_alloc) until the "foo" lookup has
// finished, so that d_alloc_parallel finds "foo" hashed. With writer, a
// third task takes the directory's i_rwsem for write (a mkdir in it).
func addCIVsExact(hold, writer bool) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		var ciTask *sim.Task
		g := dcachetest.NewGate(w)
		ops := &dcache.DentryOperations{DInit: func(t *sim.Task, d *dcache.Dentry) int {
			if hold && t == ciTask && d.DName.Name == "foo" {
				g.Wait(t)
			}
			return 0
		}}
		e := dcachetest.NewOps(w, v, ops)
		e.CheckUmount()
		w.Go("setup", func(t *sim.Task) {
			inode := e.SB.NewInode(t, dcache.S_IFREG)
			dcache.Iput(t, inode)
			ciTask = t.Spawn("lookup-FOO", func(t *sim.Task) {
				r := dcachetest.CILookup(t, e, e.Root(), "FOO", "foo", inode)
				dcachetest.Assert(t, !sim.IsErrOrNull(r) && r.DName.Name == "foo" && r.DInode == inode, "lookup FOO gave %v", r)
				dcache.Dput(t, r)
			})
			t.Spawn("lookup-foo", func(t *sim.Task) {
				d := dcachetest.Lookup(t, e, e.Root(), "foo", true, dcachetest.SpliceInode(inode))
				dcachetest.Assert(t, d != nil && d.DName.Name == "foo" && d.DInode == inode, "lookup foo gave %v", d)
				dcache.Dput(t, d)
				g.Open(t)
			})
			if writer {
				t.Spawn("mkdir", func(t *sim.Task) {
					e.Root().DInode.IRwsem.DownWrite(t)
					e.Root().DInode.IRwsem.UpWrite(t)
				})
			}
		})
	}
}

// addCIENOMEM is one lookup whose ->lookup calls d_add_ci, with faults
// explored at every allocation: from lookup_slow (i_rwsem shared, an
// in-lookup dentry from d_alloc_parallel) or, with excl, from
// lookup_one_qstr_excl's caller (i_rwsem exclusive, a d_alloc'ed dentry).
// A failed d_add_ci must return ERR_PTR(-ENOMEM) with the lock still held.
func addCIENOMEM(excl bool) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		e := dcachetest.New(w, v)
		e.CheckUmount()
		w.Go("lookup", func(t *sim.Task) {
			root := e.Root()
			dir := root.DInode
			inode := e.SB.NewInode(t, dcache.S_IFREG)
			var d *dcache.Dentry
			var wq *dcache.WaitQueue
			if excl {
				dir.IRwsem.DownWriteNested(t, 1)
				d = dcache.DAlloc(t, root, dcachetest.Q(root, "FOO"))
			} else {
				dir.IRwsem.DownRead(t)
				d, wq = dcachetest.OwnLookup(t, e.C, root, dcachetest.Q(root, "FOO"))
			}
			if sim.IsErrOrNull(d) {
				dcache.Iput(t, inode)
			} else {
				res := dcache.DAddCI(t, d, inode, &dcache.Qstr{Name: "foo"}, !excl)
				dcachetest.Assert(t, !sim.IsErr(res) || sim.PtrErr(res) == -int(sim.ENOMEM), "d_add_ci = %v", res)
				if !sim.IsErrOrNull(res) {
					dcache.Dput(t, res)
				}
				dcache.DLookupDone(t, d)
			}
			if excl {
				dir.IRwsem.UpWrite(t)
			} else {
				dir.IRwsem.UpRead(t)
			}
			if !sim.IsErrOrNull(d) {
				dcache.Dput(t, d)
			}
			dcachetest.Release(t, wq)
		})
	}
}

func init() {
	fixRelock := variant.V3Today.With(dcache.FixAddCIRelock)
	Register(&Scenario{
		Name: "dcache/addci-vs-exact",
		Doc: "d_add_ci (\"FOO\" found as \"foo\") while another task looks up the case-exact \"foo\", " +
			"held so that d_add_ci's d_alloc_parallel finds \"foo\" hashed. Mainline returns it with " +
			"the parent still locked; v3 08/19 returns with the parent lock dropped and lookup_slow's " +
			"inode_unlock_shared is unbalanced (FINDING). The fixed variant retakes the lock.",
		Cells: []Cell{
			{Variant: variant.BaseToday}, {Variant: p04},
			{Variant: p08, Expect: FindsRule(sim.KindLockdep, "unbalanced-up_read")},
			{Variant: variant.V3Today, Expect: FindsRule(sim.KindLockdep, "unbalanced-up_read")},
			{Variant: fixRelock},
		},
		Setup: addCIVsExact(true, false),
	})
	Register(&Scenario{
		Name: "dcache/addci-relock",
		Doc: "v3 08/19's d_add_ci retakes the directory's i_rwsem after d_alloc_parallel while its " +
			"task owns in-lookup dentries; lookup_slow waits on in-lookup dentries with i_rwsem held. " +
			"With a writer queued on the directory it is a three-task deadlock, which lockdep " +
			"reports as the circular dependency between i_rwsem and the in-lookup map (R17, " +
			"FINDING). The relock fix does not change the order. The base keeps the lock across " +
			"d_alloc_parallel and is clean.",
		Cells: []Cell{
			{Variant: variant.BaseToday, Bound: 1},
			{Variant: p08, Expect: FindsRule(sim.KindLockdep, "circular")},
			{Variant: variant.V3Today, Expect: FindsRule(sim.KindLockdep, "circular")},
			{Variant: fixRelock, Expect: FindsRule(sim.KindLockdep, "circular")},
		},
		Setup: addCIVsExact(false, true),
	})
	Register(&Scenario{
		Name: "dcache/addci-enomem",
		Doc: "ENOMEM inside d_add_ci called from lookup_slow (parent shared, in-lookup dentry). " +
			"Mainline returns ERR_PTR(-ENOMEM) with the parent still locked; v3 08/19 returns with " +
			"it dropped and the caller's up_read is unbalanced (FINDING); the fix retakes it.",
		Config: sim.Config{Faults: true},
		Cells: []Cell{
			{Variant: variant.BaseToday},
			{Variant: p08, Expect: FindsRule(sim.KindLockdep, "unbalanced-up_read")},
			{Variant: variant.V3Today, Expect: FindsRule(sim.KindLockdep, "unbalanced-up_read")},
			{Variant: fixRelock},
		},
		Setup: addCIENOMEM(false),
	})
	Register(&Scenario{
		Name: "dcache/addci-enomem-excl",
		Doc: "ENOMEM inside d_add_ci from a d_alloc'ed dentry under the exclusive parent lock " +
			"(lookup_one_qstr_excl's caller): v3 08/19's d_alloc failure returns with the lock " +
			"dropped and the caller's up_write is unbalanced (FINDING); the fix retakes it.",
		Config: sim.Config{Faults: true},
		Cells: []Cell{
			{Variant: variant.BaseToday},
			{Variant: p08, Expect: FindsRule(sim.KindLockdep, "unbalanced-up_write")},
			{Variant: variant.V3Today, Expect: FindsRule(sim.KindLockdep, "unbalanced-up_write")},
			{Variant: fixRelock},
		},
		Setup: addCIENOMEM(true),
	})
	Register(&Scenario{
		Name: "dcache/splice-publication",
		Doc: "d_splice_alias_ops of a file into an in-lookup dentry (procfs passes ops with " +
			"->d_revalidate), racing an RCU walk of the name (__d_lookup_rcu and the d_seq check, " +
			"as lookup_fast). Mainline hashes the dentry last, so a walk that validates it sees it " +
			"positive with its ops. v3 02/19 hashes it first: the walk can validate it negative or " +
			"without DCACHE_OP_REVALIDATE, and lookup_fast would return -ENOENT unrevalidated " +
			"(FINDING, reported by the walk's assertion). The fix hashes it last again.",
		Marks: []string{"test: walk found f"},
		Cells: []Cell{
			{Variant: variant.BaseToday}, {Variant: p04},
			{Variant: p02, Expect: FindsRule(sim.KindInvariant, "test")},
			{Variant: variant.V3Today, Expect: FindsRule(sim.KindInvariant, "test")},
			{Variant: variant.V3Today.With(dcache.FixAddPublishLast)},
		},
		Setup: func(w *sim.World, v variant.Variant) {
			ops := &dcache.DentryOperations{DRevalidate: func(*sim.Task, *dcache.Inode, *dcache.Qstr, *dcache.Dentry, uint) int { return 1 }}
			e := dcachetest.New(w, v)
			e.CheckUmount()
			w.Go("setup", func(t *sim.Task) {
				inode := e.SB.NewInode(t, dcache.S_IFREG)
				t.Spawn("lookup", func(t *sim.Task) {
					d, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "f"))
					if dcache.DInLookup(t, d) {
						dcachetest.Assert(t, dcache.DSpliceAliasOps(t, inode, d, ops) == nil, "d_splice_alias_ops: not NULL")
						dcache.DLookupDone(t, d)
					}
					dcache.Dput(t, d)
					dcachetest.Release(t, wq)
				})
				t.Spawn("walk", func(t *sim.Task) {
					found, negative, flags := dcachetest.RCUWalk(t, e.Root(), "f")
					if found {
						t.Mark("test: walk found f")
					}
					dcachetest.Assert(t, !found || !negative, "the walk validated f negative (half-published)")
					dcachetest.Assert(t, !found || flags&dcache.DCACHE_OP_REVALIDATE != 0, "the walk validated f without its d_op (half-published)")
				})
			})
		},
	})
}
