package dcache

import (
	"fmt"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Rule R23: __dentry_kill's order, as the filesystem's hooks see it
// (fs/dcache.c __dentry_kill, v6.18; Documentation/filesystems/porting.rst,
// the entry on ->d_iput and ->d_release being called with the victim still
// among its parent's children). lockref_mark_dead comes first, then
// ->d_prune with d_lock held, the LRU removal, __d_drop,
// dentry_unlink_inode, and ->d_release with no lock held on a dentry that
// is dead, unhashed and negative but not yet unlisted; dentry_unlist
// (DCACHE_DENTRY_KILLED) comes after it and before dentry_free. The kernel
// asserts none of this (dentry_free's WARN_ON covers only d_alias): these
// are dcsim's checks of the order the filesystem is promised.

// MutReleaseFirst calls ->d_release where ->d_prune is called: on a
// dentry that is still hashed and positive, with d_lock held.
var MutReleaseFirst = variant.NewMutant("dcache", "release-first",
	"__dentry_kill calls ->d_release right after lockref_mark_dead, before __d_drop and dentry_unlink_inode")

// checkKillRelease checks what ->d_release may rely on (R23): d is dead,
// unhashed, negative, still on its parent's list of children and not
// marked killed, and t holds no d_lock of it (d_release may block).
func checkKillRelease(t *sim.Task, d *Dentry) {
	var bad []string
	if !d.DLockref.IsDead() {
		bad = append(bad, "not dead")
	}
	if d.hashed {
		bad = append(bad, "hashed")
	}
	if d.DInode != nil {
		bad = append(bad, "positive")
	}
	if !IsRoot(d) && !d.onParent {
		bad = append(bad, "already unlisted from its parent")
	}
	if d.DFlags&DCACHE_DENTRY_KILLED != 0 {
		bad = append(bad, "DCACHE_DENTRY_KILLED already set")
	}
	if d.DLock().HeldBy(t) {
		bad = append(bad, "d_lock held")
	}
	if len(bad) > 0 {
		t.Violation(sim.KindInvariant, "R23",
			fmt.Sprintf("->d_release of %s called out of __dentry_kill's order: %v", d, bad),
			"->d_release runs after __d_drop and dentry_unlink_inode, without d_lock, on a dentry still among its parent's children (porting.rst).")
	}
}

// checkKillFree checks that a dentry __dentry_kill frees went through
// dentry_unlist first (R23).
func checkKillFree(t *sim.Task, d *Dentry) {
	if d.DFlags&DCACHE_DENTRY_KILLED == 0 || d.onParent {
		t.Violation(sim.KindInvariant, "R23",
			fmt.Sprintf("dentry_free of %s before dentry_unlist (killed=%v, on parent=%v)", d, d.DFlags&DCACHE_DENTRY_KILLED != 0, d.onParent),
			"d_walk and shrink_dentry_list find a freed dentry among its parent's children.")
	}
}

// dReleaseHook calls ->d_release for __dentry_kill, at its place or, for
// MutReleaseFirst, first; early tells which call site asks. It checks
// R23 before the call.
func dReleaseHook(t *sim.Task, d *Dentry, early bool) {
	if early != d.c.On(MutReleaseFirst) {
		return
	}
	if d.DOp != nil && d.DOp.DRelease != nil {
		checkKillRelease(t, d)
		d.DOp.DRelease(t, d)
	}
}
