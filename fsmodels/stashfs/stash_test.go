package stashfs_test

// The stash race of fstest.StashDyingDentry under both schemes and their
// mutants, explored by DFS (the catalog's stashed/dying-dentry cells
// explore the same program in `dcsim check`).

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/stashfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

func exploreStash(t *testing.T, v variant.Variant, bound int, marks ...string) *explore.Result {
	t.Helper()
	prog := sim.Program{Name: "stashed/dying-dentry", Setup: func(w *sim.World) { fstest.StashDyingDentry(w, v) }}
	res := explore.DFS(prog, explore.Options{MaxPreemptions: bound, Budget: 50_000, RequireMarks: marks})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	return res
}

// TestStashSchemesClean: the -EAGAIN scheme and the cmpxchg loop keep the
// stash on the held dentry in every interleaving within the bound, and
// both reach the branch where another task installed first (two
// preemptions; -short explores one and does not require it).
func TestStashSchemesClean(t *testing.T) {
	bound, marks := 2, []string{stashfs.MarkLostInstall}
	if testing.Short() {
		bound, marks = 1, nil
	}
	base := variant.BaseToday
	for _, v := range []variant.Variant{base, base.With(stashfs.ChangeCmpxchgLoop)} {
		res := exploreStash(t, v, bound, marks...)
		if !res.Clean() || !res.Exhausted {
			t.Errorf("%s: want clean and exhausted, got %d violations (first %v), missing marks %v, exhausted %v",
				v, res.Violations, res.First, res.MissingMarks, res.Exhausted)
		}
		// Sequentially consistent runs never see a dead dentry still
		// stashed once its d_lock is free: __dentry_kill marks it dead
		// and ->d_prune clears the stash under d_lock, and
		// lockref_get_not_dead waits for d_lock. The loop's take-over
		// branch is for a CPU that still sees the old stash value.
		if n := res.Marks[stashfs.MarkTakeOver]; n != 0 {
			t.Errorf("%s: the take-over branch ran %d times; it needs a stale read dcsim does not model", v, n)
		}
	}
}

// TestStashHalfChanges: each half of the change alone lets a losing
// dentry's ->d_prune clear the stash of a held dentry, with two
// preemptions.
func TestStashHalfChanges(t *testing.T) {
	base := variant.BaseToday
	vs := []variant.Variant{
		base.With(stashfs.ChangeCmpxchgLoop).With(stashfs.MutBlindPrune),
		base.With(stashfs.MutNoDDelete),
	}
	if testing.Short() {
		vs = vs[:1] // the catalog's cells explore both in -short too
	}
	for _, v := range vs {
		res := exploreStash(t, v, 2)
		if res.First == nil || res.First.Kind != sim.KindInvariant || res.First.Rule != stashfs.RuleStashHolder {
			t.Fatalf("%s: want invariant [%s], got %v", v, stashfs.RuleStashHolder, res.First)
		}
		if res.FirstPreemptions != 2 {
			t.Errorf("%s: found with %d preemptions, want 2", v, res.FirstPreemptions)
		}
	}
}

// TestStashLoopAsMailed: the loop as Linus's mail wrote it dputs the
// unused dentry inside guard(rcu) (lockdep [sleep-in-atomic], two
// preemptions: two openers must race to install). Past that report its
// d_delete makes even a blind ->d_prune harmless: the losing dentry is
// negative when it dies.
func TestStashLoopAsMailed(t *testing.T) {
	mailed := variant.BaseToday.With(stashfs.ChangeCmpxchgLoop).With(stashfs.ChangeLoopAsMailed)
	res := exploreStash(t, mailed, 2)
	f := res.First
	if f == nil || f.Kind != sim.KindLockdep || f.Rule != "sleep-in-atomic" {
		t.Fatalf("want lockdep [sleep-in-atomic], got %v", f)
	}
	if st := taskStack(f, "open"); !strings.Contains(st, "dcache.Dput") || !strings.Contains(st, "stashfs.stashDentry") {
		t.Errorf("the report is not dput inside stash_dentry:\n%s", st)
	}
	if testing.Short() {
		return
	}
	prog := sim.Program{Name: "stashed/dying-dentry", Setup: func(w *sim.World) { fstest.StashDyingDentry(w, mailed.With(stashfs.MutBlindPrune)) }}
	res = explore.DFS(prog, explore.Options{MaxPreemptions: 2, Budget: 50_000, Ignore: []string{"sleep-in-atomic"}})
	if !res.Clean() || !res.Exhausted {
		t.Errorf("the mailed loop with a blind ->d_prune: want clean past sleep-in-atomic, got %v", res.First)
	}
}

// taskStack is the model call stack of the reporting task, found by a
// part of its name.
func taskStack(r *sim.Report, name string) string {
	for _, st := range r.Stacks {
		if strings.Contains(st.Task, name) && st.State == "reporting" {
			return strings.Join(st.Frames, "\n")
		}
	}
	return ""
}
