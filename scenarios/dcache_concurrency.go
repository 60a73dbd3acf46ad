package scenarios

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The concurrency matrix of the in-lookup protocol: two and three tasks
// racing d_alloc_parallel, d_lookup_done, d_add, d_splice_alias, d_drop,
// d_move and dput on one name and on a parent/child pair, in mainline and
// with the v3 series. Every run must end with the invariants intact, no
// object leaked, every reference given back (the umount check, R39), and
// every task finished: a lost wake-up leaves a waiter asleep, which the
// runtime reports as a deadlock.

// ccEnv is an Env with the umount check, as every program here wants.
func ccEnv(w *sim.World, v variant.Variant) *dcachetest.Env {
	e := dcachetest.New(w, v)
	e.CheckUmount()
	return e
}

// lookupDoneWaiters: an owner ends its lookup with d_lookup_done alone
// while two waiters (spawned once its dentry is in the in-lookup hash)
// wait on it; each waiter retries and becomes an owner that fails too.
func lookupDoneWaiters(w *sim.World, v variant.Variant) {
	e := ccEnv(w, v)
	w.Go("owner", func(t *sim.Task) {
		d, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "foo"))
		t.BugOn(!dcache.DInLookup(t, d), "owner: not in-lookup")
		for i := range 2 {
			t.Spawn(fmt.Sprintf("waiter%d", i), func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), "foo", dcachetest.Fail) })
		}
		dcache.DLookupDone(t, d)
		dcache.Dput(t, d)
		dcachetest.Release(t, wq)
	})
}

// spliceRace looks up "old" as a directory in setup, then races a lookup
// of "new" that splices old's inode (a rename seen from the server) with
// other, a lookup of name ending with end.
func spliceRace(w *sim.World, v variant.Variant, other string, end dcachetest.End) {
	e := ccEnv(w, v)
	var dir *dcache.Inode
	dcachetest.Race(w, func(t *sim.Task) {
		old := dcachetest.Lookup(t, e, e.Root(), "old", false, dcachetest.AddDir)
		dir = old.DInode
		dcache.Dput(t, old)
	}, dcachetest.Racer{Name: "splice", Fn: func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), "new", dcachetest.SpliceInode(dir)) }},
		dcachetest.Racer{Name: "lookup-" + other, Fn: func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), other, end) }})
}

func init() {
	Register(&Scenario{
		Name: "dcache/lookup-splice-vs-negative",
		Doc: "Two lookups of one name: one ->lookup finds a file (d_splice_alias), the other " +
			"finds nothing (d_add NULL); whoever owns the in-lookup dentry decides, the other waits.",
		Marks: []string{markWaited},
		Cells: mainV3(2, 0),
		Setup: func(w *sim.World, v variant.Variant) {
			e := ccEnv(w, v)
			w.Go("lookup-splice", func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), "foo", dcachetest.SplicePositive) })
			w.Go("lookup-neg", func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), "foo", dcachetest.AddNegative) })
		},
	})
	Register(&Scenario{
		Name: "dcache/three-lookups-one-name",
		Doc: "Three lookups of one name, each ->lookup ending differently: d_splice_alias of a new " +
			"inode, d_add of NULL, and a failure ended by d_lookup_done alone. Explored within one " +
			"preemption (two take about 80,000 runs).",
		Marks: []string{markWaited, markMismatch},
		Cells: mainV3(1, 0),
		Setup: func(w *sim.World, v variant.Variant) {
			e := ccEnv(w, v)
			w.Go("lookup-splice", func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), "foo", dcachetest.SplicePositive) })
			w.Go("lookup-neg", func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), "foo", dcachetest.AddNegative) })
			w.Go("lookup-fail", func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), "foo", dcachetest.Fail) })
		},
	})
	Register(&Scenario{
		Name: "dcache/lookup-done-wakes-waiters",
		Doc: "The lost-wake-up stress for the in-lookup wait (mainline: the owner's d_wait queue; " +
			"v3 04/19: DCACHE_LOCK_WAITER). An owner ends its lookup with d_lookup_done alone " +
			"while two waiters wait on its dentry; each then retries and fails too, so every " +
			"wake-up path of d_lookup_done is taken with waiters in every window. v3 without the " +
			"waiter's DCACHE_LOCK_WAITER (a mutant) loses a wake-up: deadlock.",
		Marks: []string{markWaited, markMismatch},
		Cells: append(mainV3(1, 0),
			Cell{Variant: variant.V3Today.With(dcache.MutNoLockWaiter), Expect: FindsRule(sim.KindDeadlock, "deadlock"), Bound: 1}),
		Setup: lookupDoneWaiters,
	})
	Register(&Scenario{
		Name: "dcache/drop-vs-lookup",
		Doc: "d_drop racing lookups: one task looks a file up, one finds it in the hash and drops " +
			"it (an invalidation), one looks it up again.",
		Marks: []string{markWaited},
		Cells: mainV3(1, 0),
		Setup: func(w *sim.World, v variant.Variant) {
			e := ccEnv(w, v)
			w.Go("lookup", func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), "foo", dcachetest.AddPositive) })
			w.Go("drop", func(t *sim.Task) {
				if d := dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "foo")); d != nil {
					dcache.DDrop(t, d)
					dcache.Dput(t, d)
				}
			})
			w.Go("relookup", func(t *sim.Task) { dcachetest.LookupPut(t, e, e.Root(), "foo", dcachetest.AddNegative) })
		},
	})
	Register(&Scenario{
		Name: "dcache/parent-child-drop",
		Doc: "A parent/child pair: one task looks up a directory and a child in it; the other " +
			"looks the directory up, drops it and lets it go, so the child's lookup races the " +
			"parent's unhashing and final dput.",
		Marks: []string{markWaited},
		Cells: mainV3(2, 0),
		Setup: func(w *sim.World, v variant.Variant) {
			e := ccEnv(w, v)
			w.Go("child", func(t *sim.Task) {
				dir := dcachetest.Lookup(t, e, e.Root(), "d", false, dcachetest.AddDir)
				if dir != nil && dir.DInode != nil {
					dcachetest.LookupPut(t, e, dir, "x", dcachetest.AddPositive)
				}
				dcache.Dput(t, dir)
			})
			w.Go("drop-parent", func(t *sim.Task) {
				dir := dcachetest.Lookup(t, e, e.Root(), "d", false, dcachetest.AddDir)
				if dir != nil {
					dcache.DDrop(t, dir)
				}
				dcache.Dput(t, dir)
			})
		},
	})
	Register(&Scenario{
		Name: "dcache/splice-moves-alias",
		Doc: "d_splice_alias moving a directory alias onto an in-lookup dentry (a rename seen " +
			"from the server: \"old\" is now \"new\"). The splicer's in-lookup \"new\" is __d_move's " +
			"target, so a waiter on it must be woken by __d_move (R10) and then find the moved alias.",
		Marks: []string{markWaited, markMismatch, "__d_move: in-lookup target", "d_splice_alias: unalias connected directory"},
		Cells: mainV3(2, 0),
		Setup: func(w *sim.World, v variant.Variant) { spliceRace(w, v, "new", dcachetest.Fail) },
	})
	Register(&Scenario{
		Name:  "dcache/splice-vs-old-name",
		Doc:   "The splice of dcache/splice-moves-alias racing a lookup of the alias's old name, which the move unhashes under it.",
		Marks: []string{"d_splice_alias: unalias connected directory"},
		Cells: mainV3(2, 0),
		Setup: func(w *sim.World, v variant.Variant) { spliceRace(w, v, "old", dcachetest.AddNegative) },
	})
	Register(&Scenario{
		Name:  "dcache/rename-vs-walk",
		Doc:   "A rename (d_move under the directory's exclusive lock) racing a walk of the target name, whose dcache fast path runs without the lock.",
		Cells: mainV3(2, 0),
		Setup: func(w *sim.World, v variant.Variant) {
			e := ccEnv(w, v)
			dcachetest.Race(w, func(t *sim.Task) {
				dcache.Dput(t, dcachetest.Lookup(t, e, e.Root(), "a", false, dcachetest.AddPositive))
			}, dcachetest.Racer{Name: "rename", Fn: func(t *sim.Task) { dcachetest.Rename(t, e.Root(), "a", "b") }},
				dcachetest.Racer{Name: "walk-b", Fn: func(t *sim.Task) { dcache.Dput(t, dcachetest.Walk(t, e, e.Root(), "b", dcachetest.AddNegative)) }})
		},
	})
	Register(&Scenario{
		Name: "dcache/rename-parent-vs-child-lookup",
		Doc: "A directory is renamed while another task looks a name up inside it, under the " +
			"directory's own lock, which the rename of its parent does not take.",
		Cells: mainV3(2, 0),
		Setup: func(w *sim.World, v variant.Variant) {
			e := ccEnv(w, v)
			var dir *dcache.Dentry // the lookup task's reference (its working directory)
			dcachetest.Race(w, func(t *sim.Task) {
				dir = dcachetest.Lookup(t, e, e.Root(), "d", false, dcachetest.AddDir)
			}, dcachetest.Racer{Name: "rename", Fn: func(t *sim.Task) { dcachetest.Rename(t, e.Root(), "d", "e") }},
				dcachetest.Racer{Name: "lookup-x", Fn: func(t *sim.Task) {
					dcache.Dput(t, dcachetest.Lookup(t, e, dir, "x", true, dcachetest.AddPositive))
					dcache.Dput(t, dir)
				}})
		},
	})
	Register(&Scenario{
		Name: "dcache/unlink-vs-walk",
		Doc: "unlink (d_delete under the directory's exclusive lock) racing a walk of the name: the " +
			"walk's fast path may take a reference first, which turns d_delete's \"make it negative\" " +
			"into \"unhash it\".",
		Cells: mainV3(2, 0),
		Setup: func(w *sim.World, v variant.Variant) {
			e := ccEnv(w, v)
			dcachetest.Race(w, func(t *sim.Task) {
				dcache.Dput(t, dcachetest.Lookup(t, e, e.Root(), "a", false, dcachetest.AddPositive))
			}, dcachetest.Racer{Name: "unlink", Fn: func(t *sim.Task) {
				dir := e.Root().DInode
				dir.IRwsem.DownWrite(t)
				if d := dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "a")); d != nil {
					dcache.DDelete(t, d)
					dcache.Dput(t, d)
				}
				dir.IRwsem.UpWrite(t)
			}}, dcachetest.Racer{Name: "walk", Fn: func(t *sim.Task) { dcache.Dput(t, dcachetest.Walk(t, e, e.Root(), "a", dcachetest.AddNegative)) }})
		},
	})
	Register(&Scenario{
		Name: "dcache/splice-hashed-negative",
		Doc: "v3 02/19: d_splice_alias on a hashed negative dentry (a create that instantiates the " +
			"dentry a negative lookup left hashed), racing a walk that may find it negative or " +
			"positive. Mainline forbids the call: BUG_ON(!d_unhashed(dentry)).",
		Cells: []Cell{{Variant: variant.V3Today}, {Variant: variant.BaseToday, Expect: FindsRule(sim.KindBug, "BUG_ON")}},
		Setup: func(w *sim.World, v variant.Variant) {
			e := ccEnv(w, v)
			var neg *dcache.Dentry // the creator's reference
			dcachetest.Race(w, func(t *sim.Task) {
				neg = dcachetest.Lookup(t, e, e.Root(), "a", false, dcachetest.AddNegative)
			}, dcachetest.Racer{Name: "create", Fn: func(t *sim.Task) {
				dir := e.Root().DInode
				dir.IRwsem.DownWrite(t)
				old := dcache.DSpliceAlias(t, e.SB.NewInode(t, dcache.S_IFREG), neg)
				dcachetest.Assert(t, old == nil, "d_splice_alias of a new file returned an alias")
				dir.IRwsem.UpWrite(t)
				dcache.Dput(t, neg)
			}}, dcachetest.Racer{Name: "walk", Fn: func(t *sim.Task) { dcache.Dput(t, dcachetest.Walk(t, e, e.Root(), "a", dcachetest.AddNegative)) }})
		},
	})
}
