package dcache

import (
	"fmt"
	"slices"

	"github.com/dcsim/dcsim/sim"
)

// IsRoot is IS_ROOT.
func IsRoot(d *Dentry) bool { return d.DParent == d }

// retainDentry is retain_dentry (fs/dcache.c, v6.18). With locked false it
// runs after the lockless drop to zero, and false means "take the locked
// path"; with locked true (d_lock held) it puts the dentry on the LRU.
func retainDentry(t *sim.Task, d *Dentry, locked bool) bool {
	if !locked {
		t.Read(&d.Object, "d_flags,d_hash")
	}
	f := d.DFlags
	if !d.hashed {
		return false
	}
	if f&DCACHE_DISCONNECTED != 0 {
		return false
	}
	if f&DCACHE_OP_DELETE != 0 {
		if !locked || d.DOp.DDelete(t, d) != 0 {
			return false
		}
	}
	if f&DCACHE_DONTCACHE != 0 {
		return false
	}
	if f&DCACHE_LRU_LIST == 0 {
		if !locked {
			return false
		}
		dLruAdd(t, d)
	} else if f&DCACHE_REFERENCED == 0 {
		if !locked {
			return false
		}
		d.DFlags |= DCACHE_REFERENCED
	}
	return true
}

// dLruAdd is d_lru_add; d_lock held.
func dLruAdd(t *sim.Task, d *Dentry) {
	t.WarnOnOnce(d.DFlags&(DCACHE_LRU_LIST|DCACHE_SHRINK_LIST) != 0, "D_FLAG_VERIFY(dentry, 0)")
	d.DFlags |= DCACHE_LRU_LIST
	sb := d.DSb
	sb.lruLock.Lock(t)
	sb.lru = dentrySlices.Append(sb.c.W, sb.lru, d)
	sb.lruLock.Unlock(t)
}

// dLruDel is d_lru_del; d_lock held.
func dLruDel(t *sim.Task, d *Dentry) {
	t.WarnOnOnce(d.DFlags&(DCACHE_LRU_LIST|DCACHE_SHRINK_LIST) != DCACHE_LRU_LIST, "D_FLAG_VERIFY(dentry, DCACHE_LRU_LIST)")
	d.DFlags &^= DCACHE_LRU_LIST
	sb := d.DSb
	sb.lruLock.Lock(t)
	sb.lruRemove(d)
	sb.lruLock.Unlock(t)
}

func (sb *SuperBlock) lruRemove(d *Dentry) {
	for i, x := range sb.lru {
		if x == d {
			sb.lru = append(sb.lru[:i], sb.lru[i+1:]...)
			return
		}
	}
}

// fastDput is fast_dput (fs/dcache.c, v6.18), under rcu_read_lock. true:
// done, d_lock not held. false: d_lock held, count zero, and the dentry is
// not to be retained.
func fastDput(t *sim.Task, d *Dentry) bool {
	ret := d.DLockref.PutReturn(t)
	if ret < 0 {
		d.DLock().Lock(t)
		if t.WarnOnOnce(d.DLockref.Count() <= 0, "dentry->d_lockref.count <= 0") {
			d.DLock().Unlock(t)
			return true
		}
		d.DLockref.SetCount(t, d.DLockref.Count()-1)
	} else {
		if ret != 0 {
			return true
		}
		if retainDentry(t, d, false) {
			return true
		}
		d.DLock().Lock(t)
	}
	// Someone may have taken a reference, or killed it, meanwhile.
	if d.DLockref.Count() != 0 || retainDentry(t, d, true) {
		d.DLock().Unlock(t)
		return true
	}
	return false
}

// lockForKill is lock_for_kill (fs/dcache.c, v6.18): with d_lock held and
// count zero, also take the inode's i_lock, respecting i_lock -> d_lock.
// false: someone took a reference meanwhile (d_lock still held).
func lockForKill(t *sim.Task, d *Dentry) bool {
	inode := d.DInode
	if d.DLockref.Count() != 0 {
		return false
	}
	if inode == nil || spinTrylockILock(t, d, inode) {
		return true
	}
	for {
		d.DLock().Unlock(t)
		inode.ILock.Lock(t)
		d.DLock().Lock(t)
		if inode == d.DInode {
			break
		}
		inode.ILock.Unlock(t)
		inode = d.DInode
		if inode == nil {
			break
		}
	}
	if d.DLockref.Count() == 0 || d.c.On(MutNoKillRecheck) {
		return true
	}
	if inode != nil {
		inode.ILock.Unlock(t)
	}
	return false
}

// dentryUnlinkInode is dentry_unlink_inode (fs/dcache.c, v6.18): make d
// negative. Entered with d_lock and the inode's i_lock held; releases both
// and drops the dentry's inode reference (->d_iput or iput).
func dentryUnlinkInode(t *sim.Task, d *Dentry) {
	inode := d.DInode
	d.DSeq.WriteBegin(t)
	t.Write(&d.Object, "d_inode,d_flags")
	d.DFlags &^= DCACHE_ENTRY_TYPE // __d_clear_type_and_inode
	d.DInode = nil
	inode.removeAlias(d) // hlist_del_init(&dentry->d_u.d_alias)
	d.u = uEmpty
	d.DSeq.WriteEnd(t)
	d.DLock().Unlock(t)
	inode.ILock.Unlock(t)
	if d.DOp != nil && d.DOp.DIput != nil {
		d.DOp.DIput(t, d, inode)
	} else {
		Iput(t, inode)
	}
}

func (i *Inode) removeAlias(d *Dentry) {
	for k, x := range i.iDentry {
		if x == d {
			i.iDentry = append(i.iDentry[:k], i.iDentry[k+1:]...)
			return
		}
	}
}

// dentryUnlist is dentry_unlist (fs/dcache.c, the v3 series base);
// parent's and d's d_lock held. Marking the dentry killed is what
// shrink_dcache_tree waits for: its waiters are completed here.
func dentryUnlist(t *sim.Task, d *Dentry) {
	d.DFlags |= DCACHE_DENTRY_KILLED
	dCompleteWaiters(t, d)
	if !d.onParent {
		return
	}
	p := d.DParent
	t.Write(&p.Object, "d_children")
	if i := slices.Index(p.children, d); i >= 0 {
		p.children = withoutAt(p.c.W, p.children, i)
	}
	d.onParent = false
}

// dentryFree is dentry_free (fs/dcache.c, v6.18): free d after an RCU
// grace period (at once for DCACHE_NORCU).
func dentryFree(t *sim.Task, d *Dentry) {
	t.WarnOn(d.u == uAlias, "!hlist_unhashed(&dentry->d_u.d_alias)")
	if d.hashed || d.u == uInLookup || d.DLockref.Count() >= 0 {
		t.Violation(sim.KindInvariant, "freed-while-linked",
			fmt.Sprintf("dentry %s freed while hashed=%v in-lookup-chain=%v count=%d", d, d.hashed, d.u == uInLookup, d.DLockref.Count()), "")
	}
	if d.DFlags&DCACHE_NORCU != 0 {
		t.Free(&d.Object)
		return
	}
	d.u = uRCU
	sim.CallRCU(t, &d.Object, nil)
}

// dentryKill is __dentry_kill (fs/dcache.c, v6.18). Entered with d_lock
// (and the inode's i_lock if positive) held and count zero. It returns the
// parent with its d_lock held if this dropped the parent's last
// reference, else nil.
func dentryKill(t *sim.Task, d *Dentry) *Dentry {
	var parent *Dentry
	canFree := true
	// R5: an in-lookup dentry must leave the in-lookup hash before its
	// final dput.
	if d.DFlags&DCACHE_PAR_LOOKUP != 0 && d.u == uInLookup {
		t.Violation(sim.KindInvariant, "R5",
			fmt.Sprintf("final dput of %s while it is still on the in-lookup hash (no d_lookup_done)", d),
			"An in-lookup dentry must pass through d_lookup_done, __d_add or __d_move before its last reference goes.")
	}
	d.DLockref.MarkDead(t)
	t.Write(&d.Object, "d_lockref")
	dReleaseHook(t, d, true)
	if d.DFlags&DCACHE_OP_PRUNE != 0 {
		d.DOp.DPrune(t, d)
	}
	if d.DFlags&DCACHE_LRU_LIST != 0 && d.DFlags&DCACHE_SHRINK_LIST == 0 {
		dLruDel(t, d)
	}
	DDropLocked(t, d)
	if d.DInode != nil {
		dentryUnlinkInode(t, d)
	} else {
		d.DLock().Unlock(t)
	}
	dReleaseHook(t, d, false)
	// Negative now, so d_parent is stable.
	if !IsRoot(d) {
		parent = d.DParent
		parent.DLock().Lock(t)
	}
	d.DLock().LockNested(t, DENTRY_D_LOCK_NESTED)
	dentryUnlist(t, d)
	if d.DFlags&DCACHE_SHRINK_LIST != 0 {
		canFree = false
	}
	d.DLock().Unlock(t)
	if canFree {
		checkKillFree(t, d)
		dentryFree(t, d)
	}
	if parent != nil {
		parent.DLockref.SetCount(t, parent.DLockref.Count()-1)
		if parent.DLockref.Count() != 0 {
			parent.DLock().Unlock(t)
			return nil
		}
	}
	return parent
}

// Dput is dput (fs/dcache.c, v6.18): drop a reference; the last one keeps
// the dentry on the LRU if it is worth caching, or kills it (and then its
// parent, if that was the parent's last reference). NULL is allowed.
func Dput(t *sim.Task, d *Dentry) {
	if d == nil {
		return
	}
	t.MightSleep("dput")
	sim.RCUReadLock(t)
	if fastDput(t, d) {
		sim.RCUReadUnlock(t)
		return
	}
	finishDput(t, d)
}

// finishDput is finish_dput (fs/dcache.c, 6.19; the tail of dput): with
// d_lock and rcu_read_lock held, kill d if it is unused, then its parents
// as long as this drops their last reference.
func finishDput(t *sim.Task, d *Dentry) {
	for lockForKill(t, d) {
		sim.RCUReadUnlock(t)
		d = dentryKill(t, d)
		if d == nil {
			return
		}
		if retainDentry(t, d, true) {
			d.DLock().Unlock(t)
			return
		}
		sim.RCUReadLock(t)
	}
	sim.RCUReadUnlock(t)
	d.DLock().Unlock(t)
}

// DgetParent is dget_parent (fs/dcache.c, v6.18): a counted reference to
// the parent, safe against a concurrent rename.
func DgetParent(t *sim.Task, d *Dentry) *Dentry {
	sim.RCUReadLock(t)
	seq := d.DSeq.RawBegin(t)
	t.Read(&d.Object, "d_parent")
	ret := d.DParent
	gotref := ret.DLockref.GetNotZero(t)
	sim.RCUReadUnlock(t)
	if gotref {
		if !d.DSeq.Retry(t, seq) {
			return ret
		}
		Dput(t, ret)
	}
	for {
		sim.RCUReadLock(t)
		t.Read(&d.Object, "d_parent")
		ret = d.DParent
		ret.DLock().Lock(t)
		if ret != d.DParent {
			ret.DLock().Unlock(t)
			sim.RCUReadUnlock(t)
			t.CPURelax()
			continue
		}
		sim.RCUReadUnlock(t)
		t.BugOn(ret.DLockref.Count() == 0, "!ret->d_lockref.count")
		DgetDlock(t, ret)
		ret.DLock().Unlock(t)
		return ret
	}
}

// dDropBucket is ___d_drop (fs/dcache.c, v6.18): unhash d from its chain; d_lock held.
func dDropBucket(t *sim.Task, d *Dentry) {
	b := d.c.dHash(d.DName.Hash)
	b.lock.Lock(t)
	t.Write(&d.Object, "d_hash")
	b.del(d)
	b.lock.Unlock(t)
}

// DDropLocked is __d_drop (fs/dcache.c, v6.18): unhash d and invalidate
// d_seq so RCU walkers through it retry; d_lock held.
//
// Divergence: hashed IS_ROOT dentries (d_obtain_root, on sb->s_roots) are
// not modeled (no modeled filesystem calls d_obtain_root); roots are
// never hashed here.
func DDropLocked(t *sim.Task, d *Dentry) {
	d.DLock().LockdepAssertHeld(t)
	if d.hashed {
		dDropBucket(t, d)
		d.hashed = false
		d.DSeq.Invalidate(t)
	}
}

// DDrop is d_drop (fs/dcache.c, v6.18).
func DDrop(t *sim.Task, d *Dentry) {
	d.DLock().Lock(t)
	DDropLocked(t, d)
	d.DLock().Unlock(t)
}

// dRehashLocked is __d_rehash (fs/dcache.c, v6.18); d_lock held. Adding a
// dentry that is already hashed corrupts the chain (R2).
func dRehashLocked(t *sim.Task, d *Dentry) {
	b := d.c.dHash(d.DName.Hash)
	b.lock.Lock(t)
	if d.hashed {
		t.Violation(sim.KindInvariant, "R2", fmt.Sprintf("__d_rehash of %s, which is already hashed", d),
			"hlist_bl_add_head_rcu on a linked node makes a loop in the hash chain.")
	}
	t.Write(&d.Object, "d_hash")
	b.add(d)
	d.hashed = true
	d.c.checkHashedUnique(t, b, d)
	b.lock.Unlock(t)
}

// DRehash is d_rehash (fs/dcache.c, v6.18).
func DRehash(t *sim.Task, d *Dentry) {
	d.DLock().Lock(t)
	dRehashLocked(t, d)
	d.DLock().Unlock(t)
}

// DMakeDiscardable is d_make_discardable (fs/dcache.c, 6.19 as posted):
// drop the reference d_make_persistent took, and with it
// DCACHE_PERSISTENT.
func DMakeDiscardable(t *sim.Task, d *Dentry) {
	d.DLock().Lock(t)
	t.WarnOn(d.DFlags&DCACHE_PERSISTENT == 0, "!(dentry->d_flags & DCACHE_PERSISTENT)")
	d.DFlags &^= DCACHE_PERSISTENT
	d.DLockref.SetCount(t, d.DLockref.Count()-1)
	sim.RCUReadLock(t)
	finishDput(t, d)
}

// Children lists d's children (d_children), newest first. The caller
// holds d's d_lock to use it as the kernel would.
func (d *Dentry) Children() []*Dentry { return d.children }

// Hashed is !d_unhashed without a scheduling point, for callers holding
// d_lock.
func (d *Dentry) Hashed() bool { return d.hashed }
