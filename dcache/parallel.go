package dcache

import (
	"fmt"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// How __d_alloc_parallel treats an in-lookup dentry it finds (v3 05/19).
type allocPara uint8

const (
	allocParaWait allocPara = iota // ALLOC_PARA_WAIT
	allocParaFail                  // ALLOC_PARA_FAIL
)

// DInLookup is d_in_lookup (include/linux/dcache.h): a lockless test of
// DCACHE_PAR_LOOKUP.
func DInLookup(t *sim.Task, d *Dentry) bool {
	t.Read(&d.Object, "d_flags")
	return d.DFlags&DCACHE_PAR_LOOKUP != 0
}

// inLookupLocked is d_in_lookup with d_lock held: no scheduling point,
// since writers hold the lock too.
func inLookupLocked(d *Dentry) bool { return d.DFlags&DCACHE_PAR_LOOKUP != 0 }

// DUnhashed is d_unhashed.
func DUnhashed(t *sim.Task, d *Dentry) bool {
	t.Read(&d.Object, "d_hash")
	return !d.hashed
}

// setFlags stores d_flags; the caller holds d_lock. The store is a step
// because lockless readers (d_in_lookup) may observe it.
func setFlags(t *sim.Task, d *Dentry, f uint32) {
	t.Write(&d.Object, "d_flags")
	d.DFlags |= f
}

// startDirAdd is start_dir_add (fs/dcache.c, v6.18): make i_dir_seq odd,
// announcing that an in-lookup dentry of dir is becoming hashed.
func startDirAdd(t *sim.Task, c *Cache, dir *Inode) int64 {
	// preempt_disable_nested(): on !PREEMPT_RT only an assertion that the
	// caller already runs with preemption off (it holds d_lock); on
	// PREEMPT_RT, where d_lock leaves preemption on, a preempt_disable,
	// so that a reader spinning on the odd count (d_alloc_parallel) or
	// another writer cannot preempt the section on its CPU.
	if !c.On(MutNoPreemptDisableNested) {
		t.PreemptDisableNested("start_dir_add")
	}
	for {
		n := dir.IDirSeq.Load(t)
		if n&1 == 0 && dir.IDirSeq.TryCmpXchg(t, &n, n+1) {
			dir.ISb.c.openDirAdd(t, dir)
			return n
		}
		t.CPURelax()
	}
}

// endDirAdd is end_dir_add (fs/dcache.c): v6.18 wakes the in-lookup
// waiters on the owner's wait queue after the sequence is even again; v3
// 04/19 instead wakes waiters on de->d_flags, with de's d_lock held, when
// __d_lookup_unhash said someone waits.
func endDirAdd(t *sim.Task, dir *Inode, n int64, dWait *WaitQueue, doWake bool, de *Dentry) {
	defer noteLookupEnd(t, de, "end_dir_add") // after the wake-up below
	dir.IDirSeq.Store(t, n+2)                 // smp_store_release
	de.c.closeDirAdd(t, dir)
	if !de.c.On(MutNoPreemptDisableNested) {
		t.PreemptEnableNested()
	}
	if de.c.Has(variant.P04WaitVarEvent) {
		if doWake {
			sim.WakeUpVarLocked(t, &de.Object, "d_flags", de.DLock())
		}
		return
	}
	if dWait != nil && dWait.Head.HasSleeper(t) {
		dWait.Head.WakeUpAll(t)
	}
}

// dWaitLookup is d_wait_lookup (fs/dcache.c, v6.18), entered and left with
// dentry's d_lock held: sleep on the owner's wait queue until the dentry
// is no longer in-lookup. As in the source, the wait entry is never
// removed from the queue.
func dWaitLookup(t *sim.Task, dentry *Dentry) {
	if inLookupLocked(dentry) {
		wq := dentry.dWait
		wq.Head.Add(t)
		for {
			sim.SetCurrentStateUninterruptible(t)
			dentry.DLock().Unlock(t)
			sim.ScheduleOn(t, &wq.Head)
			dentry.DLock().Lock(t)
			if !inLookupLocked(dentry) {
				break
			}
		}
	}
}

// dMustWait is d_must_wait (v3 04/19): the condition of the waiter's
// wait_var_event_spinlock, tested with d_lock held. Each test that finds
// the dentry in-lookup sets DCACHE_LOCK_WAITER so that the owner wakes it.
func dMustWait(t *sim.Task, dentry *Dentry) bool {
	if !inLookupLocked(dentry) {
		return false
	}
	if !dentry.c.On(MutNoLockWaiter) {
		setFlags(t, dentry, DCACHE_LOCK_WAITER)
	}
	return true
}

// waitInLookup waits, d_lock held, until dentry leaves the in-lookup
// state: d_wait_lookup in mainline, wait_var_event_spinlock on d_flags
// with d_must_wait in v3 04/19. The wait is declared to lockdep as an
// acquisition of the dentry's in-lookup lock map, in subclass sub.
func waitInLookup(t *sim.Task, dentry *Dentry, sub int) {
	if !inLookupLocked(dentry) {
		return
	}
	t.Mark("d_alloc_parallel: waited on in-lookup")
	dentry.lookupMap.MightWaitNested(t, sub, dentry.DLock())
	c := dentry.c
	c.lookupWaits = append(c.lookupWaits, lookupWait{t, dentry})
	defer c.endLookupWait(t)
	if c.Has(variant.P04WaitVarEvent) {
		sim.WaitVarEventSpinlock(t, &dentry.Object, "d_flags",
			func() bool { return !dMustWait(t, dentry) }, dentry.DLock())
		return
	}
	dWaitLookup(t, dentry)
}

// DAllocParallel is d_alloc_parallel (fs/dcache.c). Mainline v6.18 takes
// the caller's wait queue wq, which in-lookup waiters sleep on; v3 04/19
// drops it (pass nil) and waits on d_flags. It returns a hashed dentry
// found for (parent, name), or a new in-lookup dentry the caller owns and
// must end with d_lookup_done (or __d_add / d_splice_alias) before the
// final dput; ERR_PTR(-ENOMEM) on allocation failure.
func DAllocParallel(t *sim.Task, parent *Dentry, name *Qstr, wq *WaitQueue) *Dentry {
	return dAllocParallel(t, parent, name, wq, allocParaWait, nil, 0)
}

// DAllocParallelNested is d_alloc_parallel called by a task that already
// owns an in-lookup dentry of the same filesystem: a case-insensitive
// ->lookup allocating the case-exact name, as d_add_ci does. The kernel
// code is d_alloc_parallel itself; the nesting is an annotation of
// dcsim's in-lookup lock map (lockdep subclass 1), without which the
// second acquisition of the map's class is reported as recursive.
// Filesystems outside this module that model such a ->lookup call it.
func DAllocParallelNested(t *sim.Task, parent *Dentry, name *Qstr, wq *WaitQueue) *Dentry {
	return dAllocParallel(t, parent, name, wq, allocParaWait, nil, inLookupNested)
}

// Lockdep subclasses of the in-lookup lock map (dcsim's; the kernel has
// no map). The class is per filesystem type (FsType), as lockdep keys a
// lock embedded in a per-type object; d_add_ci owns an in-lookup dentry
// while its d_alloc_parallel owns or waits on a second one of the same
// parent, so that acquisition is nested.
const (
	inLookupNormal = 0
	inLookupNested = 1 // d_add_ci's d_alloc_parallel of the case-exact name
)

// dAllocParallel is __d_alloc_parallel (v3 05/19; the body of mainline
// d_alloc_parallel when how is allocParaWait). dentryp is the v3 10/19
// argument of d_alloc_noblock_return. sub is the lockdep subclass under
// which the result is owned or waited on (inLookupNested from d_add_ci).
func dAllocParallel(t *sim.Task, parent *Dentry, name *Qstr, wq *WaitQueue, how allocPara, dentryp **Dentry, sub int) *Dentry {
	c := parent.c
	hash := name.Hash
	b, bi := c.inLookupHash(parent, hash)
	nd := DAllocInternal(t, parent.DSb, name)
	if nd == nil {
		return sim.ErrPtr[Dentry](sim.ENOMEM)
	}
	nd.DFlags |= DCACHE_PAR_LOOKUP // not yet visible to anyone: no lock needed
	parent.DLock().Lock(t)
	nd.DParent = DgetDlock(t, parent)
	addChild(t, parent, nd)
	if parent.DFlags&DCACHE_DISCONNECTED != 0 {
		nd.DFlags |= DCACHE_DISCONNECTED
	}
	parent.DLock().Unlock(t)

retry:
	for first := true; ; first = false {
		if !first {
			t.CPURelax() // "goto retry": spins until the state it saw changes
		}
		sim.RCUReadLock(t)
		seq := parent.DInode.IDirSeq.Load(t) // smp_load_acquire
		rSeq := c.RenameLock.ReadSeqBegin(t)
		var dSeq uint32
		dentry := DLookupRCU(t, parent, name, &dSeq)
		if dentry != nil {
			if !dentry.DLockref.GetNotDead(t) {
				sim.RCUReadUnlock(t)
				continue
			}
			if dentry.DSeq.Retry(t, dSeq) {
				sim.RCUReadUnlock(t)
				Dput(t, dentry)
				continue
			}
			// Found it in the hash: discard our in-lookup candidate.
			sim.RCUReadUnlock(t)
			Dput(t, nd)
			return dentry
		}
		if c.RenameLock.ReadSeqRetry(t, rSeq) {
			sim.RCUReadUnlock(t)
			continue
		}
		if seq&1 != 0 { // a __d_add in this directory is under way
			sim.RCUReadUnlock(t)
			continue
		}

		b.lock.Lock(t) // hlist_bl_lock
		if !c.On(MutNoDirSeqRecheck) && parent.DInode.IDirSeq.Load(t) != seq {
			b.lock.Unlock(t)
			sim.RCUReadUnlock(t)
			continue
		}
		// Nothing was added to parent since the lookup began; entries of
		// the chain cannot go away while we hold the bucket lock.
		for _, dentry := range b.chain {
			if dentry.DName.Hash != hash || dentry.DParent != parent || !DSameName(t, dentry, parent, name) {
				continue
			}
			b.lock.Unlock(t)
			if c.On(MutNoGetNotDead) {
				dentry.DLockref.Get(t)
			} else if !dentry.DLockref.GetNotDead(t) {
				sim.RCUReadUnlock(t)
				continue retry
			}
			sim.RCUReadUnlock(t)
			dentry.DLock().Lock(t)
			if c.Has(variant.P05AllocNoblock) && how == allocParaFail && inLookupLocked(dentry) {
				dentry.DLock().Unlock(t)
				Dput(t, nd)
				if c.Has(variant.P10NoblockReturn) && dentryp != nil {
					*dentryp = dentry // the reference goes to the caller
				} else {
					Dput(t, dentry)
				}
				t.Mark("d_alloc_noblock: in-lookup, would block")
				return sim.ErrPtr[Dentry](sim.EWOULDBLOCK)
			}
			waitInLookup(t, dentry, sub)
			// It is not in-lookup any more: did it become what we want?
			if !c.On(MutNoRecheckAfterWait) {
				if dentry.DName.Hash != hash || dentry.DParent != parent || !dentry.hashed ||
					!DSameName(t, dentry, parent, name) {
					t.Mark("d_alloc_parallel: mismatch after wait")
					dentry.DLock().Unlock(t)
					Dput(t, dentry)
					continue retry
				}
			}
			dentry.DLock().Unlock(t)
			Dput(t, nd)
			return dentry
		}
		sim.RCUReadUnlock(t)
		if !c.Has(variant.P04WaitVarEvent) {
			nd.dWait = wq
		}
		if !c.On(MutNoInLookupInsert) {
			inLookupInsert(t, b, bi, nd, sub)
		}
		b.lock.Unlock(t)
		c.checkInLookupUnique(t, parent, name)
		return nd
	}
}

// inLookupInsert is hlist_bl_add_head(&new->d_u.d_in_lookup_hash, b); the
// caller holds b's lock. From here the dentry is an in-lookup dentry that
// others can find and wait on; t owns it (is responsible for ending the
// state) and holds its lookup map, in subclass sub.
func inLookupInsert(t *sim.Task, b *bucket, bi int, d *Dentry, sub int) {
	t.Write(&d.Object, "d_in_lookup_hash")
	b.add(d)
	d.u = uInLookup
	d.inLookup = bi
	d.lookupOwner = t // owned from the insertion on, before the map's step
	d.lookupMap.AcquireTryNested(t, sub)
	d.lookupMapTask = t
}

// dLookupUnhash is __d_lookup_unhash (fs/dcache.c), d_lock held: take
// dentry off the in-lookup hash and clear DCACHE_PAR_LOOKUP. Mainline
// v6.18 returns the waiters' queue (d_wait); v3 04/19 returns whether
// DCACHE_LOCK_WAITER was set, clearing it with DCACHE_PAR_LOOKUP.
func dLookupUnhash(t *sim.Task, dentry *Dentry) (*WaitQueue, bool) {
	dentry.DLock().LockdepAssertHeld(t)
	c := dentry.c
	b, _ := c.inLookupHash(dentry.DParent, dentry.DName.Hash)
	locked := !c.On(MutNoUnhashLock)
	if locked {
		b.lock.Lock(t)
	}
	var w *WaitQueue
	doWake := false
	var stale []*Dentry
	if !locked {
		// MutNoUnhashLock only: __hlist_bl_del loads the chain link it
		// rewrites and stores it later, as two accesses. Under the bucket
		// lock nothing can come between them; without it an insertion by
		// a lock holder in between is overwritten (lost). Modeled as a
		// load here and the store two steps on (delMaybeStale).
		t.Read(&c.Object, "in_lookup_hashtable chain")
		stale = b.chain
	}
	t.Write(&dentry.Object, "d_flags,d_in_lookup_hash")
	dentry.lookupEnded = lookupEnd{by: t, step: t.World().Steps()}
	if c.Has(variant.P04WaitVarEvent) {
		b.delMaybeStale(t, dentry, locked, stale)
		doWake = dentry.DFlags&DCACHE_LOCK_WAITER != 0
		dentry.DFlags &^= DCACHE_PAR_LOOKUP | DCACHE_LOCK_WAITER
	} else {
		dentry.DFlags &^= DCACHE_PAR_LOOKUP
		b.delMaybeStale(t, dentry, locked, stale)
		w = dentry.dWait
		dentry.dWait = nil
	}
	if locked {
		b.lock.Unlock(t)
	}
	dentry.lookupEnded.wake = doWake || w != nil
	dentry.u = uEmpty // INIT_HLIST_NODE(&dentry->d_u.d_alias)
	dLookupEndOwnership(t, dentry)
	return w, doWake
}

// dLookupEndOwnership ends t's ownership of an in-lookup dentry that is
// leaving the state, releasing the lookup map if t still holds it. Only
// the owner may end the state: the task that got the dentry from
// d_alloc_parallel (d_alloc_noblock, d_duplicate), or the task it was
// handed to (DInLookupHandOver). Anyone else would end a lookup that the
// owner is still running, letting a second ->lookup of the name start
// (rule in-lookup-owner, dcsim's).
func dLookupEndOwnership(t *sim.Task, dentry *Dentry) {
	if o := dentry.lookupOwner; o != nil && o != t {
		t.Violation(sim.KindInvariant, "in-lookup-owner",
			fmt.Sprintf("%s ends the in-lookup state of %s, owned by %s", t, dentry, o),
			fmt.Sprintf("%s got %s from d_alloc_parallel and did not hand it over (DInLookupHandOver):\n"+
				"only the task responsible for the lookup may end it.", o, dentry))
		return
	}
	dentry.lookupOwner = nil
	if dentry.lookupMapTask == t {
		dentry.lookupMapTask = nil
		dentry.lookupMap.Release(t)
	}
}

// DInLookupHandOver passes the ownership of the in-lookup dentry from t,
// its owner, to task to, which will end the state: nfs_async_unlink gets
// the dentry from d_alloc_parallel and its RPC's release callback, on
// rpciod, calls d_lookup_done. The kernel needs no code for this (it has
// no lock map, and the rule is only "whoever is responsible for the
// lookup ends it"); dcsim's annotation is to the in-lookup lock map what
// up_read_non_owner is to an rwsem. t releases the map.
//
// Divergence: from the hand-over on no task holds the map, so the
// receiver's locks are not ordered after the in-lookup dentry.
func DInLookupHandOver(t *sim.Task, dentry *Dentry, to *sim.Task) {
	if dentry.lookupOwner != t {
		t.Violation(sim.KindInvariant, "in-lookup-owner",
			fmt.Sprintf("%s hands over %s, which it does not own", t, dentry),
			fmt.Sprintf("owner: %v", dentry.lookupOwner))
		return
	}
	dentry.lookupOwner = to
	if dentry.lookupMapTask == t {
		dentry.lookupMapTask = nil
		dentry.lookupMap.Release(t)
	}
}

// delMaybeStale is __hlist_bl_del: b.del with the bucket lock held; for
// the MutNoUnhashLock mutant, the store of the chain computed from the
// stale load, a step on the chain (so that DPOR orders it against the
// insertions it can overwrite).
func (b *bucket) delMaybeStale(t *sim.Task, d *Dentry, locked bool, stale []*Dentry) {
	if !locked {
		t.Write(&d.c.Object, "in_lookup_hashtable chain")
		b.chain = stale
	}
	b.del(d)
}

// DLookupUnhashWake is __d_lookup_unhash_wake (fs/dcache.c): end the
// in-lookup state and wake the waiters.
func DLookupUnhashWake(t *sim.Task, dentry *Dentry) {
	dentry.DLock().Lock(t)
	w, doWake := dLookupUnhash(t, dentry)
	if dentry.c.Has(variant.P04WaitVarEvent) {
		if doWake {
			sim.WakeUpVarLocked(t, &dentry.Object, "d_flags", dentry.DLock())
		}
	} else if w != nil {
		w.Head.WakeUpAll(t)
	}
	noteLookupEnd(t, dentry, "__d_lookup_unhash_wake")
	dentry.DLock().Unlock(t)
}

// DLookupDone is d_lookup_done (include/linux/dcache.h, v6.18): if the
// dentry is still in-lookup, end that state and wake its waiters.
func DLookupDone(t *sim.Task, dentry *Dentry) {
	if DInLookup(t, dentry) && !dentry.c.On(MutNoLookupDone) {
		DLookupUnhashWake(t, dentry)
	}
}

// DAllocNoblock is d_alloc_noblock (v3 05/19): a hashed dentry found by
// try_lookup_noperm, or a new in-lookup dentry the caller owns; never
// waits on someone else's in-lookup dentry (ERR_PTR(-EWOULDBLOCK)).
func DAllocNoblock(t *sim.Task, parent *Dentry, name *Qstr) *Dentry {
	de := TryLookupNoperm(t, name, parent)
	if de == nil {
		de = dAllocParallel(t, parent, name, nil, allocParaFail, nil, 0)
	}
	return de
}

// DAllocNoblockReturn is d_alloc_noblock_return (v3 10/19): as
// d_alloc_noblock, but when it would block it hands the caller a
// reference to the in-lookup dentry it found through *dentryp.
func DAllocNoblockReturn(t *sim.Task, parent *Dentry, name *Qstr, dentryp **Dentry) *Dentry {
	de := TryLookupNoperm(t, name, parent)
	if de == nil {
		de = dAllocParallel(t, parent, name, nil, allocParaFail, dentryp, 0)
	}
	return de
}

// DDuplicate is d_duplicate (v3 06/19): an in-lookup twin of a positive
// hashed dentry, for a caller holding the parent's lock that will replace
// the original. No in-lookup uniqueness check is made: the hashed original
// keeps d_alloc_parallel from creating another. ERR_PTR(-ENOMEM) on
// allocation failure.
func DDuplicate(t *sim.Task, dentry *Dentry) *Dentry {
	hash := dentry.DName.Hash
	parent := dentry.DParent
	b, bi := dentry.c.inLookupHash(parent, hash)
	nd := DAllocInternal(t, parent.DSb, &dentry.DName)
	if nd == nil {
		return sim.ErrPtr[Dentry](sim.ENOMEM)
	}
	nd.DFlags |= DCACHE_PAR_LOOKUP
	parent.DLock().Lock(t)
	nd.DParent = DgetDlock(t, parent)
	addChild(t, parent, nd)
	if parent.DFlags&DCACHE_DISCONNECTED != 0 {
		nd.DFlags |= DCACHE_DISCONNECTED
	}
	dentry.DParent.DLock().Unlock(t) // as posted: unlocks through dentry->d_parent
	b.lock.Lock(t)
	inLookupInsert(t, b, bi, nd, inLookupNormal)
	b.lock.Unlock(t)
	return nd
}
