package dcache

import (
	"fmt"
	"slices"

	"github.com/dcsim/dcsim/sim"
)

// d_lock subclasses __d_move uses for the two dentries it moves (the
// literal 2 and 3 of the C, above DENTRY_D_LOCK_NESTED).
const (
	dLockMoveDentry = 2
	dLockMoveTarget = 3
)

// DAncestor is d_ancestor (fs/dcache.c, v6.18): if p1 is an ancestor of
// p2, the child of p1 on the way to p2 (p2 itself when p1 is its parent),
// else nil. The caller keeps the d_parent chains stable (rename_lock), so
// the walk takes no scheduling points.
func DAncestor(p1, p2 *Dentry) *Dentry {
	for p := p2; !IsRoot(p); p = p.DParent {
		if p.DParent == p1 {
			return p
		}
	}
	return nil
}

// sibDel is __hlist_del(&d->d_sib): take d off the d_children list of
// parent, the parent d was a child of when it was linked. The caller holds
// that parent's d_lock.
func sibDel(t *sim.Task, parent, d *Dentry) {
	t.Write(&parent.Object, "d_children")
	if i := slices.Index(parent.children, d); i >= 0 {
		parent.children = slices.Delete(slices.Clip(parent.children), i, i+1)
	}
	d.onParent = false
}

// dRehashMoved is the __d_rehash of __d_move: d was taken off its chain by
// ___d_drop earlier in the same d_lock section (its pprev poisoned, so
// d_unhashed() stayed false) or was never hashed. The hashed flag plays
// the part of pprev here, so the R2 test of dRehashLocked is made on the
// chain itself: a dentry still on a chain must not be added again.
func dRehashMoved(t *sim.Task, d *Dentry) {
	b := d.c.dHash(d.DName.Hash)
	b.lock.Lock(t)
	for i := range d.c.hashtable {
		if slices.Contains(d.c.hashtable[i].chain, d) {
			t.Violation(sim.KindInvariant, "R2", fmt.Sprintf("__d_rehash of %s, which is still on a hash chain", d),
				"hlist_bl_add_head_rcu on a linked node makes a loop in the hash chain.")
		}
	}
	t.Write(&d.Object, "d_hash")
	b.add(d)
	d.hashed = true
	d.c.checkHashedUnique(t, b, d)
	b.lock.Unlock(t)
}

// copyName is copy_name (fs/dcache.c, v6.18): dentry takes target's name
// and hash; the caller is inside both d_seq write sections.
//
// Divergence: names are Go strings, so the refcounted external_name
// (names longer than DNAME_INLINE_LEN-1) and its kfree_rcu are not
// modeled; the copy is the same for short and long names.
func copyName(t *sim.Task, dentry, target *Dentry) {
	t.Write(&dentry.Object, "d_name")
	dentry.DName = target.DName
}

// swapNames is swap_names (fs/dcache.c, v6.18), for d_exchange: the two
// dentries trade names and hashes. Same divergence as copyName.
func swapNames(t *sim.Task, dentry, target *Dentry) {
	t.Write(&dentry.Object, "d_name")
	t.Write(&target.Object, "d_name")
	dentry.DName, target.DName = target.DName, dentry.DName
}

// dMove is __d_move (fs/dcache.c): move dentry to target's place (parent
// and name); with exchange, target takes dentry's old place. The caller
// holds rename_lock for write (and, in the VFS, both directories' i_rwsem
// and s_vfs_rename_mutex if they differ). After a plain move target is
// unhashed, keeps its name and parent, and goes when its holder dputs it.
//
// An in-lookup target stops being in-lookup inside an i_dir_seq write
// section and its waiters are woken after it: mainline v6.18 wakes the
// owner's d_wait queue; v3 04/19 passes do_wake and target to
// end_dir_add, which wakes the waiters on target->d_flags with target's
// d_lock held.
//
// Divergence: fsnotify_update_flags and fscrypt_handle_d_move have no
// model: the model has no fsnotify watches and no encrypted directories.
func dMove(t *sim.Task, dentry, target *Dentry, exchange bool) {
	var dWait *WaitQueue // mainline: wait_queue_head_t *d_wait
	doWake := false      // v3 04/19: bool do_wake
	var dir *Inode
	var n int64

	t.WarnOn(dentry.DInode == nil, "!dentry->d_inode")
	if t.WarnOn(dentry == target, "dentry == target") {
		return
	}
	t.BugOn(DAncestor(target, dentry) != nil, "d_ancestor(target, dentry)")
	dentry.c.endTwin(dentry)
	oldParent := dentry.DParent
	p := DAncestor(oldParent, target)
	if IsRoot(dentry) {
		t.BugOn(p != nil, "p")
		target.DParent.DLock().Lock(t)
	} else if p == nil {
		// target is not a descendant of dentry's parent
		target.DParent.DLock().Lock(t)
		oldParent.DLock().LockNested(t, DENTRY_D_LOCK_NESTED)
	} else {
		t.BugOn(p == dentry, "p == dentry")
		oldParent.DLock().Lock(t)
		if p != target {
			target.DParent.DLock().LockNested(t, DENTRY_D_LOCK_NESTED)
		}
	}
	dentry.DLock().LockNested(t, dLockMoveDentry)
	target.DLock().LockNested(t, dLockMoveTarget)

	if inLookupLocked(target) { // d_in_lookup(target), d_lock held
		t.Mark("__d_move: in-lookup target")
		dir = target.DParent.DInode
		n = startDirAdd(t, dentry.c, dir)
		dWait, doWake = dLookupUnhash(t, target)
	}

	dentry.DSeq.WriteBegin(t)
	target.DSeq.WriteBegin(t) // write_seqcount_begin_nested(..., DENTRY_D_LOCK_NESTED)

	// Unhash both: ___d_drop leaves d_hash.pprev poisoned, so neither
	// becomes d_unhashed() here.
	if dentry.hashed {
		dDropBucket(t, dentry)
	}
	if target.hashed {
		dDropBucket(t, target)
	}

	// Switch them in the tree. Both dentries are on their parents'
	// d_children lists (or, for an IS_ROOT dentry, on none); note which.
	targetOldParent := target.DParent
	t.Write(&dentry.Object, "d_parent")
	dentry.DParent = target.DParent
	if !exchange {
		copyName(t, dentry, target)
		t.Write(&target.Object, "d_hash")
		target.hashed = false // target->d_hash.pprev = NULL
		np := dentry.DParent
		np.DLockref.SetCount(t, np.DLockref.Count()+1)
		if dentry != oldParent { // it was not IS_ROOT
			oldParent.DLockref.SetCount(t, oldParent.DLockref.Count()-1)
			t.WarnOn(oldParent.DLockref.Count() == 0, "!--old_parent->d_lockref.count")
		}
	} else {
		t.Write(&target.Object, "d_parent")
		target.DParent = oldParent
		swapNames(t, dentry, target)
		if target.onParent {
			sibDel(t, targetOldParent, target)
		}
		addChild(t, target.DParent, target)
		dRehashMoved(t, target)
	}
	if dentry.onParent {
		sibDel(t, oldParent, dentry)
	}
	addChild(t, dentry.DParent, dentry)
	dRehashMoved(t, dentry)

	target.DSeq.WriteEnd(t)
	dentry.DSeq.WriteEnd(t)

	if dir != nil {
		endDirAdd(t, dir, n, dWait, doWake, target)
	}

	if dentry.DParent != oldParent {
		dentry.DParent.DLock().Unlock(t)
	}
	if dentry != oldParent {
		oldParent.DLock().Unlock(t)
	}
	target.DLock().Unlock(t)
	dentry.DLock().Unlock(t)
}

// DMove is d_move (fs/dcache.c, v6.18; v3 04/19 through __d_move): move
// dentry to target's name and parent under rename_lock. Negative dentries
// must not be moved. See dMove for the caller's locks.
func DMove(t *sim.Task, dentry, target *Dentry) {
	c := dentry.c
	c.RenameLock.WriteSeqLock(t)
	dMove(t, dentry, target, false)
	c.RenameLock.WriteSeqUnlock(t)
}

// DExchange is d_exchange (fs/dcache.c, v6.18; v3 04/19 through __d_move):
// the two positive, connected dentries trade names and parents.
func DExchange(t *sim.Task, dentry1, dentry2 *Dentry) {
	c := dentry1.c
	c.RenameLock.WriteSeqLock(t)
	t.WarnOn(dentry1.DInode == nil, "!dentry1->d_inode")
	t.WarnOn(dentry2.DInode == nil, "!dentry2->d_inode")
	t.WarnOn(IsRoot(dentry1), "IS_ROOT(dentry1)")
	t.WarnOn(IsRoot(dentry2), "IS_ROOT(dentry2)")
	dMove(t, dentry1, dentry2, true)
	c.RenameLock.WriteSeqUnlock(t)
}
