package dcache_test

// Mutation test: each protective step of the model that
// variant.NewMutant registers is switched off alone, and a scenario
// written for it must be reported by a checker within the exploration
// budget, while the same scenario explores clean on the faithful model.
// docs/findings.md lists the results.

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// How a lookup task ends an in-lookup dentry it owns.
type mutFate int

const (
	mutFateAdd  mutFate = iota // ->lookup found nothing: d_add(dentry, NULL)
	mutFateFail                // ->lookup failed: d_lookup_done(dentry)
)

// mutQstr is the hashed name of name under parent.
func mutQstr(parent *dcache.Dentry, name string) dcache.Qstr {
	return dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
}

// mutCheckLookupResult checks d_alloc_parallel's result as its callers rely
// on it (rule R13): either an in-lookup dentry the caller now owns, or a
// hashed dentry with the parent and name asked for. It is checked after
// the return, under d_lock; the scenarios here never unhash or move a
// hashed dentry, so a result that fails the check failed it when it was
// returned.
func mutCheckLookupResult(t *sim.Task, parent *dcache.Dentry, q *dcache.Qstr, d *dcache.Dentry) {
	if dcache.DInLookup(t, d) {
		return
	}
	d.DLock().Lock(t)
	unhashed := dcache.DUnhashed(t, d)
	bad := unhashed || d.DParent != parent || d.DName.Name != q.Name
	d.DLock().Unlock(t)
	if bad {
		t.Violation(sim.KindInvariant, "R13",
			fmt.Sprintf("d_alloc_parallel(%s, %q) returned %s, which is not in-lookup, unhashed=%v, parent %s, name %q",
				parent, q.Name, d, unhashed, d.DParent, d.DName.Name),
			"A dentry found by waiting on an in-lookup dentry must be revalidated (parent, name, hashed) before it is returned.")
	}
}

// mutLookupTask looks name up in parent as __lookup_slow does around
// d_alloc_parallel: if it owns the result it ends the lookup as fate
// says; then it drops its reference.
func mutLookupTask(c *dcache.Cache, parent func() *dcache.Dentry, name string, fate mutFate) func(t *sim.Task) {
	return func(t *sim.Task) {
		p := parent()
		q := mutQstr(p, name)
		var wq *dcache.WaitQueue
		if !c.Has(variant.P04WaitVarEvent) {
			wq = dcache.NewOnStackWaitQueue(t) // DECLARE_WAIT_QUEUE_HEAD_ONSTACK
		}
		d := dcache.DAllocParallel(t, p, &q, wq)
		if !sim.IsErr(d) {
			mutCheckLookupResult(t, p, &q, d)
			if dcache.DInLookup(t, d) {
				switch fate {
				case mutFateAdd:
					dcache.DAdd(t, d, nil)
				case mutFateFail:
					dcache.DLookupDone(t, d)
				}
			}
			dcache.Dput(t, d)
		}
		if wq != nil {
			wq.Release(t)
		}
	}
}

// mutMarkTree is the leak checker's root walker: the dentry tree from the
// superblock roots, their inodes and the superblocks' inodes.
func mutMarkTree(c *dcache.Cache, sbs ...*dcache.SuperBlock) func(mark func(*sim.Object)) {
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

// mutInLookupBucket is in_lookup_hash()'s bucket index as dcache computes it
// (Cache.inLookupHash), to pick two names that share an in-lookup chain.
func mutInLookupBucket(parent *dcache.Dentry, name string) uint32 {
	return ((dcache.FullNameHash(parent, name) + uint32(parent.ID())) * 0x61C88647) >> (32 - 3)
}

// mutSameBucketName returns a name other than name, of the form prefix+N,
// that shares name's in-lookup chain under parent.
func mutSameBucketName(parent *dcache.Dentry, name, prefix string) string {
	want := mutInLookupBucket(parent, name)
	for i := 0; i < 1000; i++ {
		n := fmt.Sprintf("%s%d", prefix, i)
		if n != name && mutInLookupBucket(parent, n) == want {
			return n
		}
	}
	panic("no name shares the in-lookup chain of " + name)
}

// mutCase is one mutant and the scenario that must catch it.
type mutCase struct {
	m       variant.Toggle
	patches variant.Variant
	// setup spawns the scenario's tasks.
	setup func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock)
	// want lists the checkers ("kind [rule]") accepted on the mutant:
	// want[0] is the one the exploration reports today; the others are
	// consequences of the same mutant that a change in the model's steps
	// could make come first.
	want []string
	// marks the clean exploration must hit (the path the step protects).
	marks []string
}

const mutWaitedMark = "d_alloc_parallel: waited on in-lookup"

func mutRoot(sb *dcache.SuperBlock) func() *dcache.Dentry {
	return func() *dcache.Dentry { return sb.SRoot }
}

var mutCases = []mutCase{
	{
		// Two lookups of "foo" that both own an in-lookup dentry, since
		// neither is on the in-lookup hash for the other to find: both
		// d_add, and two hashed dentries have the name.
		m: dcache.MutNoInLookupInsert, patches: variant.BaseToday,
		setup: func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
			w.Go("lookup0", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
			w.Go("lookup1", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
		},
		want: []string{"invariant [R1]", "invariant [R3]"}, marks: []string{mutWaitedMark},
	},
	{
		// The owner's ->lookup fails (d_lookup_done, the dentry stays
		// unhashed); the waiter returns the dead-end dentry.
		m: dcache.MutNoRecheckAfterWait, patches: variant.BaseToday,
		setup: func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
			w.Go("owner", mutLookupTask(c, mutRoot(sb), "foo", mutFateFail))
			w.Go("waiter", mutLookupTask(c, mutRoot(sb), "foo", mutFateFail))
		},
		want: []string{"invariant [R13]"}, marks: []string{mutWaitedMark, "d_alloc_parallel: mismatch after wait"},
	},
	{
		// The second lookup misses in the hash, then the owner's d_add
		// completes (off the in-lookup chain, onto the hash) before the
		// second takes the bucket lock: only the i_dir_seq recheck sees it.
		m: dcache.MutNoDirSeqRecheck, patches: variant.BaseToday,
		setup: func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
			w.Go("lookup0", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
			w.Go("lookup1", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
		},
		want: []string{"invariant [R3]", "invariant [R1]"}, marks: []string{mutWaitedMark},
	},
	{
		// v3: the waiter sleeps on d_flags without DCACHE_LOCK_WAITER, so
		// the owner's __d_add does not wake it.
		m: dcache.MutNoLockWaiter, patches: variant.V3Today,
		setup: func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
			w.Go("owner", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
			w.Go("waiter", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
		},
		want: []string{"deadlock [deadlock]"}, marks: []string{mutWaitedMark},
	},
	{
		// As for the recheck, from the other side: the recheck is there
		// but __d_add does not move i_dir_seq, so it sees nothing.
		m: dcache.MutNoDirSeqBump, patches: variant.BaseToday,
		setup: func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
			w.Go("lookup0", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
			w.Go("lookup1", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
		},
		want: []string{"invariant [R1]", "invariant [R3]"}, marks: []string{mutWaitedMark},
	},
	{
		// The waiter finds the owner's dentry on the in-lookup chain and
		// drops the bucket lock; the owner's lookup fails and its dput
		// kills the dentry; the waiter's plain get revives it and it is
		// freed once the waiter leaves its RCU read-side section.
		m: dcache.MutNoGetNotDead, patches: variant.BaseToday,
		setup: func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
			w.Go("owner", mutLookupTask(c, mutRoot(sb), "foo", mutFateFail))
			w.Go("waiter", mutLookupTask(c, mutRoot(sb), "foo", mutFateFail))
		},
		want: []string{"kasan [use-after-free]", "warn [WARN_ON_ONCE]"}, marks: []string{mutWaitedMark},
	},
	{
		// "a" and "bN" share an in-lookup chain. While the owner of "a"
		// unhashes it without the bucket lock, the owner of "bN" inserts
		// its dentry; the stale store loses it, and a second lookup of
		// "bN" becomes a second owner.
		m: dcache.MutNoUnhashLock, patches: variant.BaseToday,
		setup: func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
			b := mutSameBucketName(sb.SRoot, "a", "b")
			w.Go("lookup-a", mutLookupTask(c, mutRoot(sb), "a", mutFateFail))
			w.Go("lookup-b0", mutLookupTask(c, mutRoot(sb), b, mutFateAdd))
			w.Go("lookup-b1", mutLookupTask(c, mutRoot(sb), b, mutFateAdd))
		},
		want: []string{"invariant [R3]", "kasan [use-after-free]", "invariant [R1]"},
	},
	{
		// __d_add without d_lock enters start_dir_add with preemption
		// enabled; its preempt_disable_nested() asserts otherwise (on v3,
		// wake_up_var_locked's assertion would follow).
		m: dcache.MutNoDLockInAdd, patches: variant.BaseToday,
		setup: func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
			w.Go("owner", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
			w.Go("waiter", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
		},
		want: []string{"lockdep [assert-preemption-disabled]"}, marks: []string{mutWaitedMark},
	},
	{
		// d_alloc's child does not pin the mutRoot: killing the child drops
		// the mutRoot's only reference, the mutRoot is killed and freed, and
		// the next lookup in it touches freed memory.
		m: dcache.MutNoParentDget, patches: variant.BaseToday,
		setup: func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
			w.Go("d_alloc", func(t *sim.Task) {
				q := mutQstr(sb.SRoot, "foo")
				if d := dcache.DAlloc(t, sb.SRoot, &q); d != nil {
					dcache.Dput(t, d)
				}
			})
			w.Go("lookup", mutLookupTask(c, mutRoot(sb), "foo", mutFateAdd))
		},
		want: []string{"kasan [use-after-free]"},
	},
	{
		// The owner's ->lookup fails and d_lookup_done does nothing: its
		// final dput kills a dentry still on the in-lookup hash.
		m: dcache.MutNoLookupDone, patches: variant.BaseToday,
		setup: func(w *sim.World, c *dcache.Cache, sb *dcache.SuperBlock) {
			w.Go("owner", mutLookupTask(c, mutRoot(sb), "foo", mutFateFail))
			w.Go("waiter", mutLookupTask(c, mutRoot(sb), "foo", mutFateFail))
		},
		want: []string{"invariant [R5]"}, marks: []string{mutWaitedMark},
	},
}

func mutName(m variant.Toggle) string { return m.Info().Name }

// mutSlug makes a mutant's name fit a program or subtest name.
func mutSlug(m variant.Toggle) string {
	return strings.NewReplacer(" ", "-", "/", "-").Replace(mutName(m))
}

// mutProgName names a scenario in its schedules: "mutant/<version>/<mutant>".
func mutProgName(tc mutCase) string { return "mutant/" + tc.patches.String() + "/" + mutSlug(tc.m) }

// mutProgram is the scenario of tc with the mutants mut switched on.
func mutProgram(tc mutCase, mut variant.Toggle) sim.Program {
	return sim.Program{Name: mutProgName(tc), Setup: func(w *sim.World) {
		c := dcache.NewCache(w, tc.patches)
		c.V = c.V.With(mut)
		sb := c.NewSuperBlock("t", nil)
		tc.setup(w, c, sb)
		w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
		w.Roots(mutMarkTree(c, sb))
	}}
}

// mutOptions bounds the explorations: DFS within 2 preemptions, at most
// 50,000 runs to catch a mutant, and as many (10,000 with -short) for the
// clean half.
func mutOptions(clean bool) explore.Options {
	budget := 50_000
	if clean && testing.Short() {
		budget = 10_000
	}
	return explore.Options{MaxPreemptions: 2, Budget: budget, RecheckEvery: 97}
}

func mutExplore(tc mutCase, mut variant.Toggle, o explore.Options) *explore.Result {
	return explore.DFS(mutProgram(tc, mut), o)
}

// TestMutantsCaught runs each mutant's scenario clean without the mutant
// (the checkers must not fire, and the protected path must be reached)
// and reported with it.
func TestMutantsCaught(t *testing.T) {
	var covered variant.ToggleSet
	for _, tc := range mutCases {
		covered = covered.With(tc.m)
		t.Run(mutSlug(tc.m), func(t *testing.T) {
			clean := mutOptions(true)
			clean.RequireMarks = tc.marks
			rc := mutExplore(tc, 0, clean)
			if rc.Err != nil {
				t.Fatalf("clean exploration: %v", rc.Err)
			}
			if rc.First != nil {
				t.Fatalf("the faithful model (%s) is reported:\n%s", tc.patches, rc.First.Format())
			}
			if !rc.Clean() {
				t.Fatalf("clean exploration missed marks %v (marks hit: %v)", rc.MissingMarks, rc.Marks)
			}

			rm := mutExplore(tc, tc.m, mutOptions(false))
			if rm.Err != nil {
				t.Fatalf("mutant exploration: %v", rm.Err)
			}
			if rm.First == nil {
				t.Fatalf("mutant %q not caught in %d runs (exhausted=%v)", mutName(tc.m), rm.Runs, rm.Exhausted)
			}
			r := rm.First
			if got := fmt.Sprintf("%s [%s]", r.Kind, r.Rule); !slices.Contains(tc.want, got) {
				t.Fatalf("mutant %q caught by %s, want one of %v:\n%s", mutName(tc.m), got, tc.want, r.Format())
			}
			// The schedule replays to the same report.
			s, err := sim.ParseSchedule(r.Schedule)
			if err != nil {
				t.Fatalf("schedule %q: %v", r.Schedule, err)
			}
			again := sim.Execute(mutProgram(tc, tc.m), sim.Config{}, sim.NewPrefixReplay(s))
			if again.Err != nil || again.Report == nil || again.Report.Kind != r.Kind || again.Report.Rule != r.Rule {
				t.Fatalf("replaying %s did not reproduce the report (err %v, report %v)", r.Schedule, again.Err, again.Report)
			}
			t.Logf("| %s | %s | clean: %d runs, exhausted=%v | caught by %s [%s] after %d runs, %d preemptions | %s | %s",
				mutName(tc.m), tc.patches, rc.Runs, rc.Exhausted, r.Kind, r.Rule, rm.Runs, rm.FirstPreemptions, r.Title, r.Schedule)
		})
	}
	for _, n := range variant.Toggles(variant.KindMutant) {
		if !covered.Has(n.Toggle) {
			t.Errorf("mutant %q has no scenario in mutCases", n.Name)
		}
	}
}
