package dcache

import (
	"fmt"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// setInodeAndType is __d_set_inode_and_type; d_lock held, inside a d_seq
// write section.
func setInodeAndType(t *sim.Task, d *Dentry, inode *Inode, typeFlags uint32) {
	t.Write(&d.Object, "d_inode,d_flags")
	d.DInode = inode
	d.DFlags = d.DFlags&^DCACHE_ENTRY_TYPE | typeFlags
}

// dReallyIsPositive is d_really_is_positive (include/linux/dcache.h): a
// lockless read of d_inode.
func dReallyIsPositive(t *sim.Task, d *Dentry) bool {
	t.Read(&d.Object, "d_inode")
	return d.DInode != nil
}

// addAlias is hlist_add_head(&dentry->d_u.d_alias, &inode->i_dentry).
// A directory inode may have one alias only (R9): d_splice_alias moves
// an existing directory alias instead of adding a second one.
func addAlias(t *sim.Task, inode *Inode, d *Dentry) {
	if inode.IMode.IsDir() && len(inode.iDentry) > 0 {
		t.Violation(sim.KindInvariant, "R9",
			fmt.Sprintf("second alias %s for directory inode %s (already %s)", d, inode, inode.iDentry[0]),
			"A directory must be in the dcache once: multiple aliases break the topological lock order.")
	}
	inode.iDentry = dentrySlices.Prepend(d.c.W, d, inode.iDentry)
	d.u = uAlias
}

// dInstantiate is __d_instantiate (fs/dcache.c, the v3 series base,
// torvalds/linux 254f49634ee1): the caller holds the inode's i_lock and
// the dentry's d_lock (v6.18 took d_lock inside; the base's callers take
// it, and v3 02/19's __d_add calls it with d_lock held).
func dInstantiate(t *sim.Task, d *Dentry, inode *Inode) {
	add := dFlagsForInode(inode)
	t.WarnOn(inLookupLocked(d), "d_in_lookup(dentry)") // R7
	addAlias(t, inode, d)
	d.DSeq.WriteBegin(t)
	setInodeAndType(t, d, inode, add)
	d.DSeq.WriteEnd(t)
}

// DInstantiate is d_instantiate (fs/dcache.c, the v3 series base): fill
// in a negative dentry's inode, consuming the caller's inode reference.
// It does not hash the dentry. The base asserts that the dentry is not
// positive (v3 02/19's context: BUG_ON(d_really_is_positive(entry)));
// v6.18 asserted !hlist_unhashed(&entry->d_u.d_alias), which an in-lookup
// dentry also failed, since d_alias shares its union with
// d_in_lookup_hash. In the base an in-lookup dentry passes the BUG_ON and
// __d_instantiate's WARN_ON catches it.
func DInstantiate(t *sim.Task, entry *Dentry, inode *Inode) {
	t.BugOn(dReallyIsPositive(t, entry), "d_really_is_positive(entry)")
	if inode != nil {
		inode.ILock.Lock(t)
		entry.DLock().Lock(t)
		dInstantiate(t, entry, inode)
		entry.DLock().Unlock(t)
		inode.ILock.Unlock(t)
	}
}

// DInstantiateNew is d_instantiate_new (fs/dcache.c, the v3 series base):
// d_instantiate for a freshly created I_NEW inode, clearing I_NEW. Its
// assertions are d_instantiate's.
func DInstantiateNew(t *sim.Task, entry *Dentry, inode *Inode) {
	t.BugOn(dReallyIsPositive(t, entry), "d_really_is_positive(entry)")
	t.BugOn(inode == nil, "!inode")
	inode.ILock.Lock(t)
	entry.DLock().Lock(t)
	dInstantiate(t, entry, inode)
	entry.DLock().Unlock(t)
	t.WarnOn(inode.IState&I_NEW == 0, "!(inode->i_state & I_NEW)")
	inode.IState &^= I_NEW
	sim.WakeUpBit(t, &inode.Object, "i_state", 0)
	inode.ILock.Unlock(t)
}

// DMakePersistent is d_make_persistent (fs/dcache.c, the v3 series base;
// added in 6.19 by Al Viro's persistency series, "[PATCH v3 06/50]
// primitives for maintaining persisitency"): instantiate a dcache-only
// filesystem's new dentry, hash it, and pin it with an extra reference
// and DCACHE_PERSISTENT. The caller's inode reference is consumed; it
// returns a borrowed pointer. __d_instantiate runs under the caller's
// d_lock.
//
// The base's check on the dentry is d_instantiate's,
// d_really_is_positive: the syzbot ci report on the v3 series
// <69ef2169.a00a0220.316485.000b.GAE@google.com> shows an in-lookup
// dentry passing d_make_persistent's own check and stopping at
// __d_instantiate's WARN_ON(d_in_lookup), which the posted
// !hlist_unhashed(&dentry->d_u.d_alias) check (d_alias shares its union
// with d_in_lookup_hash) would have caught first.
func DMakePersistent(t *sim.Task, dentry *Dentry, inode *Inode) *Dentry {
	t.WarnOn(dReallyIsPositive(t, dentry), "d_really_is_positive(dentry)")
	t.WarnOn(inode == nil, "!inode")
	inode.ILock.Lock(t)
	dentry.DLock().Lock(t)
	dInstantiate(t, dentry, inode)
	dentry.DFlags |= DCACHE_PERSISTENT
	DgetDlock(t, dentry)
	if !dentry.hashed {
		dRehashLocked(t, dentry)
	}
	dentry.DLock().Unlock(t)
	inode.ILock.Unlock(t)
	return dentry
}

// DAddPersistent is not kernel code: it is what the fixed variant of v3
// 12/19's shmem_whiteout (shmem.FixWhiteout) calls instead of
// d_make_persistent for d_duplicate's in-lookup twin. The dentry becomes
// hashed and positive through __d_add, inside the i_dir_seq bracket and
// with its waiters woken, then is pinned as d_make_persistent pins.
func DAddPersistent(t *sim.Task, dentry *Dentry, inode *Inode) *Dentry {
	inode.ILock.Lock(t)
	dAddLocked(t, dentry, inode, nil) // releases i_lock
	dentry.DLock().Lock(t)
	dentry.DFlags |= DCACHE_PERSISTENT
	DgetDlock(t, dentry)
	dentry.DLock().Unlock(t)
	return dentry
}

// Where __d_add hashes the dentry, per variant: the base hashes it last,
// always; v3 02/19 as posted first (only if unhashed); its fixed variant
// last, only if unhashed.
func (c *Cache) addHashesLast() bool { return !c.Has(variant.P02SpliceHashed) }
func (c *Cache) addHashesFirst() bool {
	return c.Has(variant.P02SpliceHashed) && !c.On(FixAddPublishLast)
}
func (c *Cache) addHashesLastIfUnhashed() bool {
	return c.Has(variant.P02SpliceHashed) && c.On(FixAddPublishLast)
}

// dAddLocked is __d_add (fs/dcache.c): make an unhashed (or in-lookup)
// dentry hashed and, with an inode, positive. If the dentry was
// in-lookup, the transition is bracketed by start_dir_add/end_dir_add and
// its waiters are woken. The caller holds the inode's i_lock, which is
// released here. Mainline v6.18 rehashes unconditionally, last; v3 02/19
// only when unhashed (the dentry may be a hashed negative), and first:
// right after the in-lookup unhash, before the ops and the inode.
func dAddLocked(t *sim.Task, d *Dentry, inode *Inode, ops *DentryOperations) {
	c := d.c
	var dWait *WaitQueue
	doWake := false
	var dir *Inode
	var n int64
	locked := !c.On(MutNoDLockInAdd)
	if locked {
		d.DLock().Lock(t)
	}
	if DInLookup(t, d) {
		dir = d.DParent.DInode
		if !c.On(MutNoDirSeqBump) {
			n = startDirAdd(t, c, dir)
		} else {
			dir = nil
		}
		dWait, doWake = dLookupUnhashMaybeLocked(t, d, locked)
		if c.addHashesFirst() {
			// v3 02/19 hashes here: still negative, before d_set_d_op
			// and __d_instantiate (RCU walkers may see that state).
			dRehashLocked(t, d)
		}
	} else if c.addHashesFirst() && !d.hashed {
		dRehashLocked(t, d)
	}
	if ops != nil {
		dSetDOp(t, d, ops)
	}
	if inode != nil {
		add := dFlagsForInode(inode)
		addAlias(t, inode, d)
		d.DSeq.WriteBegin(t)
		setInodeAndType(t, d, inode, add)
		d.DSeq.WriteEnd(t)
	}
	switch {
	case c.addHashesLast():
		dRehashLocked(t, d) // the base: hashed last, unconditionally
	case c.addHashesLastIfUnhashed() && !d.hashed:
		dRehashLocked(t, d) // the fix: hashed last, when not hashed already
	}
	if dir != nil {
		endDirAdd(t, dir, n, dWait, doWake, d)
	} else if c.On(MutNoDirSeqBump) && (dWait != nil || doWake) {
		endDirAddWakeOnly(t, dWait, doWake, d)
	}
	if locked {
		d.DLock().Unlock(t)
	}
	if inode != nil {
		inode.ILock.Unlock(t)
	}
}

// dLookupUnhashMaybeLocked runs __d_lookup_unhash; under the
// MutNoDLockInAdd mutant d_lock is taken around the unhash only, so that
// the lockdep assertion there does not mask what the mutant removes.
func dLookupUnhashMaybeLocked(t *sim.Task, d *Dentry, locked bool) (*WaitQueue, bool) {
	if locked {
		return dLookupUnhash(t, d)
	}
	d.DLock().Lock(t)
	w, wake := dLookupUnhash(t, d)
	d.DLock().Unlock(t)
	return w, wake
}

// endDirAddWakeOnly wakes the waiters when the i_dir_seq section was
// mutated away.
func endDirAddWakeOnly(t *sim.Task, dWait *WaitQueue, doWake bool, d *Dentry) {
	defer noteLookupEnd(t, d, "the wake-up after __d_add")
	if d.c.Has(variant.P04WaitVarEvent) {
		if doWake {
			sim.WakeUpVar(t, &d.Object, "d_flags")
		}
		return
	}
	if dWait != nil {
		dWait.Head.WakeUpAll(t)
	}
}

// dSetDOp is d_set_d_op (fs/dcache.c, v6.18): ops may be set once, before
// the dentry is visible (R40).
func dSetDOp(t *sim.Task, d *Dentry, op *DentryOperations) {
	flags := dOpFlags(op)
	t.WarnOnOnce(d.DOp != nil, "dentry->d_op")
	t.WarnOnOnce(d.DFlags&DCACHE_OP_FLAGS != 0, "dentry->d_flags & DCACHE_OP_FLAGS")
	// A step: in v3 02/19 the dentry is already hashed here, so RCU
	// walkers may observe the store.
	t.Write(&d.Object, "d_op,d_flags")
	d.DOp = op
	d.DFlags |= flags
}

// DAdd is d_add (fs/dcache.c, v6.18): hash a dentry (ending its in-lookup
// state) and attach the inode, whose reference it consumes.
func DAdd(t *sim.Task, entry *Dentry, inode *Inode) {
	if inode != nil {
		inode.ILock.Lock(t)
	}
	dAddLocked(t, entry, inode, nil)
}
