package dcache_test

// Exhaustive concurrency tests of the in-lookup protocol: two and three
// tasks racing d_alloc_parallel, d_lookup_done, d_add, d_splice_alias,
// d_drop, d_move and dput on one name and on a parent/child pair, in
// mainline and with the v3 series. Each program is explored by DFS up to
// two preemptions (one under -short) until the tree is exhausted. Every
// run must end with the dcache invariants intact, no object leaked, every
// reference given back (the umount check), and every task finished: a
// lost wake-up leaves a waiter asleep, which the runtime reports as a
// deadlock.

import (
	"fmt"
	"testing"
	"time"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// Marks the tests require.
const (
	markWaited   = "d_alloc_parallel: waited on in-lookup"
	markMismatch = "d_alloc_parallel: mismatch after wait"
)

// ccEnv is one run's dcache: a superblock with its root directory, with
// the end-of-run checks registered.
type ccEnv struct {
	c    *dcache.Cache
	sb   *dcache.SuperBlock
	root *dcache.Dentry
}

func ccNewEnv(w *sim.World, p variant.Variant) *ccEnv {
	c := dcache.NewCache(w, p)
	sb := c.NewSuperBlock("t", nil)
	e := &ccEnv{c: c, sb: sb, root: sb.SRoot}
	w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
	w.AtEnd(func(w *sim.World) { ccUmountCheck(w, c, sb) })
	w.Roots(ccRoots(sb))
	return e
}

// ccRoots marks what a superblock keeps reachable: the dentry tree through
// d_children, the dentries' inodes, and the superblock's inodes.
func ccRoots(sb *dcache.SuperBlock) func(mark func(*sim.Object)) {
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
		rec(sb.SRoot)
		for _, i := range sb.Inodes() {
			mark(&i.Object)
		}
	}
}

// ccUmountCheck is what umount would find once every task has finished
// and given back its references (umount_check, R39): each dentry is
// pinned only by its children (and the root by the superblock), none is
// in-lookup, the hash chains hold only live hashed dentries of the tree,
// the in-lookup chains are empty, and each inode's i_count is its number
// of aliases.
func ccUmountCheck(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
	report := func(title string) { w.Violation(sim.KindInvariant, "R39", title, "") }
	inTree := map[*dcache.Dentry]bool{}
	var rec func(d *dcache.Dentry) bool
	rec = func(d *dcache.Dentry) bool {
		inTree[d] = true
		want := len(dcache.Children(d))
		if d == sb.SRoot {
			want++
		}
		if n := d.DLockref.Count(); n != want {
			report(fmt.Sprintf("dentry %s still in use: count %d, %d expected from its children", d, n, want))
			return false
		}
		if d.DFlags&dcache.DCACHE_PAR_LOOKUP != 0 || dcache.OnInLookupHash(d) {
			report(fmt.Sprintf("dentry %s still in-lookup at the end (flags %s)", d, dcache.FlagString(d.DFlags)))
			return false
		}
		for _, ch := range dcache.Children(d) {
			if !rec(ch) {
				return false
			}
		}
		return true
	}
	if !rec(sb.SRoot) {
		return
	}
	for _, chain := range c.HashChains() {
		for _, d := range chain {
			if !d.Live() || !dcache.Hashed(d) || !inTree[d] {
				report(fmt.Sprintf("hash chain holds %s (live=%v hashed=%v in tree=%v)", d, d.Live(), dcache.Hashed(d), inTree[d]))
				return
			}
		}
	}
	for _, chain := range c.InLookupChains() {
		if len(chain) > 0 {
			report(fmt.Sprintf("in-lookup chain still holds %v", chain))
			return
		}
	}
	for _, i := range sb.Inodes() {
		if n := i.ICount.Value(); n != int64(len(i.Aliases())) {
			report(fmt.Sprintf("inode %s: i_count %d but %d aliases", i, n, len(i.Aliases())))
			return
		}
	}
}

func ccQstr(parent *dcache.Dentry, name string) *dcache.Qstr {
	return &dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
}

// ccEnd is what a ->lookup does with the in-lookup dentry it was given:
// it may return another dentry to use instead (d_splice_alias's alias),
// as ->lookup does.
type ccEnd func(t *sim.Task, e *ccEnv, d *dcache.Dentry) *dcache.Dentry

// ccAddPositive is a ->lookup that finds a regular file: d_add with a new
// inode.
func ccAddPositive(t *sim.Task, e *ccEnv, d *dcache.Dentry) *dcache.Dentry {
	dcache.DAdd(t, d, e.sb.NewInode(t, dcache.S_IFREG))
	return nil
}

// ccAddDir is a ->lookup that finds a directory.
func ccAddDir(t *sim.Task, e *ccEnv, d *dcache.Dentry) *dcache.Dentry {
	dcache.DAdd(t, d, e.sb.NewInode(t, dcache.S_IFDIR))
	return nil
}

// ccAddNegative is a ->lookup that finds nothing: d_add(dentry, NULL).
func ccAddNegative(t *sim.Task, e *ccEnv, d *dcache.Dentry) *dcache.Dentry {
	dcache.DAdd(t, d, nil)
	return nil
}

// ccSplicePositive is a ->lookup that finds a file and hands it to
// d_splice_alias.
func ccSplicePositive(t *sim.Task, e *ccEnv, d *dcache.Dentry) *dcache.Dentry {
	return dcache.DSpliceAlias(t, e.sb.NewInode(t, dcache.S_IFREG), d)
}

// ccSpliceInode is a ->lookup that finds an inode already in memory
// (iget: a new reference) and hands it to d_splice_alias.
func ccSpliceInode(inode *dcache.Inode) ccEnd {
	return func(t *sim.Task, e *ccEnv, d *dcache.Dentry) *dcache.Dentry {
		dcache.Ihold(t, inode)
		return dcache.DSpliceAlias(t, inode, d)
	}
}

// ccFail is a ->lookup that fails (an I/O error): the dentry is left
// in-lookup for d_lookup_done.
func ccFail(t *sim.Task, e *ccEnv, d *dcache.Dentry) *dcache.Dentry { return nil }

// ccLookup is __lookup_slow (fs/namei.c): d_alloc_parallel, and if the
// dentry is in-lookup, ->lookup (end) then d_lookup_done; mainline callers
// declare the wait queue on their stack. It returns a counted reference,
// or nil when the lookup failed. With locked, the directory's i_rwsem is
// held shared around it, as the VFS does.
func ccLookup(t *sim.Task, e *ccEnv, parent *dcache.Dentry, name string, locked bool, end ccEnd) *dcache.Dentry {
	dir := parent.DInode
	if locked {
		dir.IRwsem.DownRead(t)
		defer dir.IRwsem.UpRead(t)
	}
	var wq *dcache.WaitQueue
	if !e.c.Has(variant.P04WaitVarEvent) {
		wq = dcache.NewOnStackWaitQueue(t)
		defer wq.Release(t)
	}
	d := dcache.DAllocParallel(t, parent, ccQstr(parent, name), wq)
	if sim.IsErr(d) {
		return nil
	}
	if dcache.DInLookup(t, d) {
		old := end(t, e, d)
		dcache.DLookupDone(t, d)
		if old != nil {
			if sim.IsErr(old) {
				dcache.Dput(t, d)
				return nil
			}
			dcache.Dput(t, d)
			d = old
		}
	}
	return d
}

// ccLookupPut looks name up and drops the result.
func ccLookupPut(t *sim.Task, e *ccEnv, parent *dcache.Dentry, name string, end ccEnd) {
	dcache.Dput(t, ccLookup(t, e, parent, name, false, end))
}

// ccWalk is walk_component (fs/namei.c) in ref-walk mode: the dcache fast
// path (d_lookup, no directory lock), then __lookup_slow under the
// directory's i_rwsem held shared.
func ccWalk(t *sim.Task, e *ccEnv, parent *dcache.Dentry, name string, end ccEnd) *dcache.Dentry {
	if d := dcache.DLookup(t, parent, ccQstr(parent, name)); d != nil {
		return d
	}
	return ccLookup(t, e, parent, name, true, end)
}

// ccRename is vfs_rename from the dcache's point of view, within one
// directory: with the directory's i_rwsem held exclusive, the source and
// target are looked up (lookup_one_qstr_excl: d_lookup, else d_alloc and
// ->lookup, which hashes a negative dentry) and the source is d_moved
// onto the target.
func ccRename(t *sim.Task, e *ccEnv, dir *dcache.Dentry, from, to string) {
	inode := dir.DInode
	inode.IRwsem.DownWrite(t)
	excl := func(name string) *dcache.Dentry {
		q := ccQstr(dir, name)
		if d := dcache.DLookup(t, dir, q); d != nil {
			return d
		}
		d := dcache.DAlloc(t, dir, q)
		if old := dcache.DSpliceAlias(t, nil, d); old != nil {
			dcache.Dput(t, d)
			return old
		}
		return d
	}
	src := excl(from)
	tgt := excl(to)
	if src.DInode != nil {
		dcache.DMove(t, src, tgt)
	}
	inode.IRwsem.UpWrite(t)
	dcache.Dput(t, tgt)
	dcache.Dput(t, src)
}

// ccRacer is a task of a race.
type ccRacer struct {
	name string
	fn   func(t *sim.Task)
}

// ccRace runs setup in a task that then spawns the racers: the state it
// builds is in place before the race starts, and its steps are not
// interleaved with theirs.
func ccRace(w *sim.World, setup func(t *sim.Task), racers ...ccRacer) {
	w.Go("setup", func(t *sim.Task) {
		setup(t)
		for _, r := range racers {
			t.Spawn(r.name, r.fn)
		}
	})
}

var ccVersions = []variant.Variant{variant.BaseToday, variant.V3Today}

// ccExplore explores setup exhaustively within the preemption bound (2,
// or 1 under -short) in both versions, and fails on any report, on a
// tree left unexhausted (the largest tree here has about 80,000 runs),
// or on a required mark never hit.
func ccExplore(t *testing.T, name string, marks []string, setup func(w *sim.World, e *ccEnv)) {
	t.Helper()
	ccExploreVersions(t, ccVersions, name, marks, setup)
}

func ccExploreVersions(t *testing.T, versions []variant.Variant, name string, marks []string, setup func(w *sim.World, e *ccEnv)) {
	t.Helper()
	t.Parallel()
	bound := 2
	if testing.Short() {
		bound = 1
	}
	for _, p := range versions {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			ccExploreOne(t, name, p, bound, marks, setup)
		})
	}
}

func ccExploreOne(t *testing.T, name string, p variant.Variant, bound int, marks []string, setup func(w *sim.World, e *ccEnv)) {
	prog := sim.Program{Name: name, Setup: func(w *sim.World) { setup(w, ccNewEnv(w, p)) }}
	start := time.Now()
	r := explore.DFS(prog, explore.Options{MaxPreemptions: bound, Budget: 400_000, RequireMarks: marks})
	t.Logf("%s %s: bound %d, %d runs (%d distinct), %d steps/run, exhausted=%v, %v",
		name, p, bound, r.Runs, r.Distinct, r.Steps/int64(max(r.Runs, 1)), r.Exhausted, time.Since(start).Round(time.Millisecond))
	if r.Err != nil {
		t.Fatalf("%s %s: %v", name, p, r.Err)
	}
	if r.First != nil {
		t.Fatalf("%s %s: %s", name, p, r.First.Format())
	}
	if !r.Exhausted {
		t.Errorf("%s %s: not exhausted after %d runs", name, p, r.Runs)
	}
	if len(r.MissingMarks) > 0 {
		t.Errorf("%s %s: marks never hit: %v (hit: %v)", name, p, r.MissingMarks, r.Marks)
	}
}

// Two lookups of one name: one ->lookup finds a file, the other finds
// nothing; whoever owns the in-lookup dentry decides, the other waits.
func TestConcurrencyOneNameTwoLookups(t *testing.T) {
	ccExplore(t, "cc/one-name-2", []string{markWaited}, func(w *sim.World, e *ccEnv) {
		w.Go("lookup-splice", func(t *sim.Task) { ccLookupPut(t, e, e.root, "foo", ccSplicePositive) })
		w.Go("lookup-neg", func(t *sim.Task) { ccLookupPut(t, e, e.root, "foo", ccAddNegative) })
	})
}

// Three lookups of one name, each ->lookup ending differently
// (d_splice_alias of a new inode, d_add of NULL, failure ending in
// d_lookup_done alone).
func TestConcurrencyOneNameThreeLookups(t *testing.T) {
	ccExplore(t, "cc/one-name-3", []string{markWaited, markMismatch}, func(w *sim.World, e *ccEnv) {
		w.Go("lookup-splice", func(t *sim.Task) { ccLookupPut(t, e, e.root, "foo", ccSplicePositive) })
		w.Go("lookup-neg", func(t *sim.Task) { ccLookupPut(t, e, e.root, "foo", ccAddNegative) })
		w.Go("lookup-fail", func(t *sim.Task) { ccLookupPut(t, e, e.root, "foo", ccFail) })
	})
}

// The lost-wake-up stress for DCACHE_LOCK_WAITER (v3 04/19; in mainline
// the owner's d_wait queue): an owner ends its lookup with d_lookup_done
// alone while two waiters wait on its in-lookup dentry. The owner spawns
// the waiters once its dentry is in the in-lookup hash; each waiter then
// sees the dentry go unhashed, retries, and becomes an owner that fails
// too, so every wake-up path of d_lookup_done is taken with waiters in
// every window. A lost wake-up leaves a waiter asleep: a deadlock report.
// As a check of the test itself, v3 without the waiter's
// DCACHE_LOCK_WAITER (MutNoLockWaiter) must be caught.
func TestConcurrencyLookupDoneWakesWaiters(t *testing.T) {
	setup := func(w *sim.World, e *ccEnv) {
		w.Go("owner", func(t *sim.Task) {
			var wq *dcache.WaitQueue
			if !e.c.Has(variant.P04WaitVarEvent) {
				wq = dcache.NewOnStackWaitQueue(t)
			}
			d := dcache.DAllocParallel(t, e.root, ccQstr(e.root, "foo"), wq)
			t.BugOn(!dcache.DInLookup(t, d), "owner: not in-lookup")
			for i := range 2 {
				t.Spawn(fmt.Sprintf("waiter%d", i), func(t *sim.Task) { ccLookupPut(t, e, e.root, "foo", ccFail) })
			}
			dcache.DLookupDone(t, d)
			dcache.Dput(t, d)
			if wq != nil {
				wq.Release(t)
			}
		})
	}
	ccExplore(t, "cc/lookup-done-waiters", []string{markWaited, markMismatch}, setup)

	t.Run("mutant", func(t *testing.T) {
		t.Parallel()
		prog := sim.Program{Name: "cc/lookup-done-waiters", Setup: func(w *sim.World) {
			e := ccNewEnv(w, variant.V3Today)
			e.c.V = e.c.V.With(dcache.MutNoLockWaiter)
			setup(w, e)
		}}
		r := explore.DFS(prog, explore.Options{MaxPreemptions: 1, Budget: 100_000})
		if r.First == nil || r.First.Kind != sim.KindDeadlock {
			t.Fatalf("v3 with %v: want a deadlock (lost wake-up), got %v", "MutNoLockWaiter", r.First)
		}
		t.Logf("MutNoLockWaiter caught after %d runs: %s", r.Runs, r.First.Schedule)
	})
}

// d_drop racing lookups: one task looks a file up, one looks it up in the
// hash and drops it (an invalidation), one looks it up again.
func TestConcurrencyDropVsLookup(t *testing.T) {
	ccExplore(t, "cc/drop-vs-lookup", []string{markWaited}, func(w *sim.World, e *ccEnv) {
		w.Go("lookup", func(t *sim.Task) { ccLookupPut(t, e, e.root, "foo", ccAddPositive) })
		w.Go("drop", func(t *sim.Task) {
			if d := dcache.DLookup(t, e.root, ccQstr(e.root, "foo")); d != nil {
				dcache.DDrop(t, d)
				dcache.Dput(t, d)
			}
		})
		w.Go("relookup", func(t *sim.Task) { ccLookupPut(t, e, e.root, "foo", ccAddNegative) })
	})
}

// A parent/child pair: one task looks up a directory and a child in it;
// the other looks the directory up, drops it and lets it go, so the
// child's lookup races the parent's unhashing and final dput.
func TestConcurrencyParentChild(t *testing.T) {
	ccExplore(t, "cc/parent-child", []string{markWaited}, func(w *sim.World, e *ccEnv) {
		w.Go("child", func(t *sim.Task) {
			dir := ccLookup(t, e, e.root, "d", false, ccAddDir)
			if dir != nil && dir.DInode != nil {
				ccLookupPut(t, e, dir, "x", ccAddPositive)
			}
			dcache.Dput(t, dir)
		})
		w.Go("drop-parent", func(t *sim.Task) {
			dir := ccLookup(t, e, e.root, "d", false, ccAddDir)
			if dir != nil {
				dcache.DDrop(t, dir)
			}
			dcache.Dput(t, dir)
		})
	})
}

// d_splice_alias moving a directory alias onto an in-lookup dentry (a
// rename seen from the server: "old" is now called "new"). The splicer's
// in-lookup "new" is __d_move's target, so a waiter on it must be woken by
// __d_move (R10) and then find the moved alias.
func TestConcurrencySpliceMovesAlias(t *testing.T) {
	marks := []string{markWaited, markMismatch, "__d_move: in-lookup target", "d_splice_alias: unalias connected directory"}
	ccExplore(t, "cc/splice-alias", marks, func(w *sim.World, e *ccEnv) {
		var dir *dcache.Inode
		ccRace(w, func(t *sim.Task) {
			old := ccLookup(t, e, e.root, "old", false, ccAddDir)
			dir = old.DInode
			dcache.Dput(t, old)
		}, ccRacer{"splice", func(t *sim.Task) { ccLookupPut(t, e, e.root, "new", ccSpliceInode(dir)) }},
			ccRacer{"lookup-new", func(t *sim.Task) { ccLookupPut(t, e, e.root, "new", ccFail) }})
	})
}

// The same splice racing a lookup of the alias's old name, which the move
// unhashes under it.
func TestConcurrencySpliceVsOldName(t *testing.T) {
	marks := []string{"d_splice_alias: unalias connected directory"}
	ccExplore(t, "cc/splice-old-name", marks, func(w *sim.World, e *ccEnv) {
		var dir *dcache.Inode
		ccRace(w, func(t *sim.Task) {
			old := ccLookup(t, e, e.root, "old", false, ccAddDir)
			dir = old.DInode
			dcache.Dput(t, old)
		}, ccRacer{"splice", func(t *sim.Task) { ccLookupPut(t, e, e.root, "new", ccSpliceInode(dir)) }},
			ccRacer{"lookup-old", func(t *sim.Task) { ccLookupPut(t, e, e.root, "old", ccAddNegative) }})
	})
}

// A rename (d_move under the directory's exclusive lock) racing a walk of
// the target name, whose dcache fast path runs without the lock.
func TestConcurrencyRenameVsWalk(t *testing.T) {
	ccExplore(t, "cc/rename-vs-walk", nil, func(w *sim.World, e *ccEnv) {
		ccRace(w, func(t *sim.Task) {
			dcache.Dput(t, ccLookup(t, e, e.root, "a", false, ccAddPositive))
		}, ccRacer{"rename", func(t *sim.Task) { ccRename(t, e, e.root, "a", "b") }},
			ccRacer{"walk-b", func(t *sim.Task) { dcache.Dput(t, ccWalk(t, e, e.root, "b", ccAddNegative)) }})
	})
}

// A parent/child pair under rename: a directory is renamed while another
// task looks a name up inside it (under the directory's own lock, which
// the rename of its parent does not take).
func TestConcurrencyRenameParentVsChildLookup(t *testing.T) {
	ccExplore(t, "cc/rename-parent", nil, func(w *sim.World, e *ccEnv) {
		var dir *dcache.Dentry // the lookup task's reference (its working directory)
		ccRace(w, func(t *sim.Task) {
			dir = ccLookup(t, e, e.root, "d", false, ccAddDir)
		}, ccRacer{"rename", func(t *sim.Task) { ccRename(t, e, e.root, "d", "e") }},
			ccRacer{"lookup-x", func(t *sim.Task) {
				dcache.Dput(t, ccLookup(t, e, dir, "x", true, ccAddPositive))
				dcache.Dput(t, dir)
			}})
	})
}

// unlink (d_delete under the directory's exclusive lock) racing a walk of
// the name: the walk's fast path may take a reference first, which turns
// d_delete's "make it negative" into "unhash it".
func TestConcurrencyUnlinkVsWalk(t *testing.T) {
	ccExplore(t, "cc/unlink-vs-walk", nil, func(w *sim.World, e *ccEnv) {
		ccRace(w, func(t *sim.Task) {
			dcache.Dput(t, ccLookup(t, e, e.root, "a", false, ccAddPositive))
		}, ccRacer{"unlink", func(t *sim.Task) {
			dir := e.root.DInode
			dir.IRwsem.DownWrite(t)
			if d := dcache.DLookup(t, e.root, ccQstr(e.root, "a")); d != nil {
				dcache.DDelete(t, d)
				dcache.Dput(t, d)
			}
			dir.IRwsem.UpWrite(t)
		}}, ccRacer{"walk", func(t *sim.Task) { dcache.Dput(t, ccWalk(t, e, e.root, "a", ccAddNegative)) }})
	})
}

// v3 02/19: d_splice_alias on a hashed negative dentry (a create that
// instantiates the dentry a negative lookup left hashed), racing a walk
// that may find it negative or positive. Mainline forbids the call
// (BUG_ON(!d_unhashed)).
func TestConcurrencySpliceHashedNegative(t *testing.T) {
	ccExploreVersions(t, []variant.Variant{variant.V3Today}, "cc/splice-hashed-negative", nil, func(w *sim.World, e *ccEnv) {
		var neg *dcache.Dentry // the creator's reference
		ccRace(w, func(t *sim.Task) {
			neg = ccLookup(t, e, e.root, "a", false, ccAddNegative)
		}, ccRacer{"create", func(t *sim.Task) {
			dir := e.root.DInode
			dir.IRwsem.DownWrite(t)
			if old := dcache.DSpliceAlias(t, e.sb.NewInode(t, dcache.S_IFREG), neg); old != nil {
				t.Violation(sim.KindInvariant, "test", "d_splice_alias of a new file returned an alias", "")
			}
			dir.IRwsem.UpWrite(t)
			dcache.Dput(t, neg)
		}}, ccRacer{"walk", func(t *sim.Task) { dcache.Dput(t, ccWalk(t, e, e.root, "a", ccAddNegative)) }})
	})
}
