package scenarios

import (
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/stashfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The stashed dentries of pidfs and nsfs (fsmodels/stashfs;
// docs/findings.md, "Stashed dentries").

var (
	stashAgain     = variant.BaseToday
	stashLoop      = variant.BaseToday.With(stashfs.ChangeCmpxchgLoop)
	stashNoDDelete = stashAgain.With(stashfs.MutNoDDelete)
	stashBlind     = stashLoop.With(stashfs.MutBlindPrune)
	stashMailed    = stashLoop.With(stashfs.ChangeLoopAsMailed)
)

func init() {
	Register(&Scenario{
		Name: "stashed/dying-dentry",
		Doc: "A pid's stashed dentry dies (its last path is dropped, ->d_prune clears the stash) while " +
			"two tasks open the pid: each may find the dentry dying, allocate a new one and race to " +
			"install it. The -EAGAIN scheme (fs/libfs.c as the pidfs series first added it, v6.8 nsfs) and the cmpxchg loop " +
			"(v6.9) keep the stash on the one dentry that is held; taking half of the loop's change " +
			"(the blind NULL in ->d_prune) or dropping the -EAGAIN path's d_delete lets a losing " +
			"dentry's ->d_prune clear the stash of a held one. The loop as Linus's mail wrote it " +
			"dputs the unused dentry inside its guard(rcu): a sleeping call in an RCU read-side section.",
		Marks: []string{stashfs.MarkLostInstall},
		Setup: func(w *sim.World, v variant.Variant) { fstest.StashDyingDentry(w, v) },
		Cells: []Cell{
			{Variant: stashAgain, Expect: Clean},
			{Variant: stashNoDDelete, Expect: FindsRule(sim.KindInvariant, stashfs.RuleStashHolder)},
			{Variant: stashLoop, Expect: Clean},
			{Variant: stashBlind, Expect: FindsRule(sim.KindInvariant, stashfs.RuleStashHolder)},
			// The loop as mailed drops the unused dentry inside its RCU
			// guard: dput may sleep.
			{Variant: stashMailed, Expect: FindsRule(sim.KindLockdep, "sleep-in-atomic")},
		},
	})
}
