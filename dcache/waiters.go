package dcache

import (
	"fmt"

	"github.com/dcsim/dcsim/sim"
)

// The v3 series base (torvalds/linux 254f49634ee1, named by the syzbot ci
// report on the series, <69ef2169.a00a0220.316485.000b.GAE@google.com>)
// no longer busy-waits in shrink_dcache_tree for a dentry that another
// task is killing: the dentry's waiters field (in the union with d_alias,
// d_in_lookup_hash and d_rcu) lists the waiting shrinkers, and
// dentry_unlist completes them. The mechanism was posted by Al Viro as
// "[PATCH][RFC] get rid of busy-wait in shrink_dcache_tree()"
// <20260122202025.GG3183987@ZenIV>; the base has it with a waiters field
// and struct completion_list (v3 04/19's context: __d_lookup_unhash
// ends with dentry->waiters = NULL).

// completionList is struct completion_list: a waiter's node, on the
// stack of the waiting shrink_dcache_tree.
type completionList struct {
	sim.Object
	completion sim.Completion
}

// newCompletionList declares a completion_list on t's stack.
func newCompletionList(t *sim.Task) *completionList {
	p := &completionList{}
	t.Alloc(&p.Object, "completion_list (on stack)")
	return p
}

// dAddWaiter is d_add_waiter (fs/dcache.c, the v3 series base); d_lock
// held. A dentry already unlisted (DCACHE_DENTRY_KILLED) has nothing to
// wait for: false.
func dAddWaiter(t *sim.Task, d *Dentry, p *completionList) bool {
	d.DLock().LockdepAssertHeld(t)
	if d.DFlags&DCACHE_DENTRY_KILLED != 0 {
		return false
	}
	if d.u == uInLookup {
		// Killed without d_lookup_done: waiters would overwrite the
		// in-lookup chain link (__dentry_kill reported R5 already).
		t.Violation(sim.KindInvariant, "R5",
			fmt.Sprintf("d_add_waiter on %s, which is still on the in-lookup hash", d),
			"waiters shares its union with d_in_lookup_hash.")
	}
	p.completion.Init(&p.Object, "completion") // init_completion
	t.Write(&d.Object, "waiters")
	d.waiters = append([]*completionList{p}, d.waiters...)
	d.u = uWaiters
	return true
}

// dCompleteWaiters is d_complete_waiters (fs/dcache.c, the v3 series
// base), from dentry_unlist with d_lock held: wake every
// shrink_dcache_tree waiting for this dentry to leave the tree.
func dCompleteWaiters(t *sim.Task, d *Dentry) {
	if d.u != uWaiters {
		return
	}
	v := d.waiters
	d.waiters = nil
	d.u = uEmpty
	t.Mark(MarkWaitersWoken)
	for _, p := range v {
		p.completion.Complete(t)
	}
}

// HasWaiters says whether some shrink_dcache_tree waits for d to be
// unlisted (dentry->waiters is not NULL); for tests and checks.
func HasWaiters(d *Dentry) bool { return d.u == uWaiters }

// Coverage marks of the base's shrink_dcache_tree waiters, for programs
// that must prove they reached the path.
const (
	MarkShrinkWaits  = "shrink_dcache_tree: waiting for a dying dentry"
	MarkWaitersWoken = "d_complete_waiters: woke a shrink_dcache_tree waiter"
)
