package dcache

import (
	"slices"

	"github.com/dcsim/dcsim/sim"
)

// ShrinkList is a private dispose list: a LIST_HEAD on its owner's stack
// that dentries reach through d_lru with DCACHE_SHRINK_LIST set. Only its
// owner touches it, so it has no lock. The zero value is an empty list.
//
// Divergence: d_lru is not intrusive here; the list holds the dentries,
// head first (list_add puts a dentry at index 0, list->prev is the last).
type ShrinkList struct {
	l []*Dentry
}

// Empty is list_empty.
func (s *ShrinkList) Empty() bool { return len(s.l) == 0 }

// Len is the number of dentries on the list.
func (s *ShrinkList) Len() int { return len(s.l) }

func (s *ShrinkList) add(d *Dentry) { s.l = append([]*Dentry{d}, s.l...) }

func (s *ShrinkList) del(d *Dentry) {
	if i := slices.Index(s.l, d); i >= 0 {
		s.l = slices.Delete(slices.Clip(s.l), i, i+1)
	}
}

// dFlagVerify is D_FLAG_VERIFY(dentry, x).
func dFlagVerify(t *sim.Task, d *Dentry, x uint32) {
	t.WarnOnOnce(d.DFlags&(DCACHE_LRU_LIST|DCACHE_SHRINK_LIST) != x, "D_FLAG_VERIFY")
}

// dShrinkDel is d_shrink_del (fs/dcache.c, v6.18); d_lock held.
//
// Divergence: the list is passed, since d_lru does not say which list it
// is on; only the owner of a shrink list takes dentries off it.
func dShrinkDel(t *sim.Task, d *Dentry, list *ShrinkList) {
	dFlagVerify(t, d, DCACHE_SHRINK_LIST|DCACHE_LRU_LIST)
	list.del(d) // list_del_init(&dentry->d_lru)
	d.DFlags &^= DCACHE_SHRINK_LIST | DCACHE_LRU_LIST
}

// dShrinkAdd is d_shrink_add (fs/dcache.c, v6.18); d_lock held.
func dShrinkAdd(t *sim.Task, d *Dentry, list *ShrinkList) {
	dFlagVerify(t, d, 0)
	list.add(d)
	d.DFlags |= DCACHE_SHRINK_LIST | DCACHE_LRU_LIST
}

// dLruIsolate is d_lru_isolate (fs/dcache.c, v6.18): take d off the LRU
// entirely. It runs in a list_lru walk callback: the LRU lock and d_lock
// are held.
func dLruIsolate(t *sim.Task, sb *SuperBlock, d *Dentry) {
	dFlagVerify(t, d, DCACHE_LRU_LIST)
	d.DFlags &^= DCACHE_LRU_LIST
	sb.lruRemove(d) // list_lru_isolate
}

// dLruShrinkMove is d_lru_shrink_move (fs/dcache.c, v6.18): move d from
// the LRU to a private dispose list; DCACHE_LRU_LIST stays set. LRU lock
// and d_lock held.
func dLruShrinkMove(t *sim.Task, sb *SuperBlock, d *Dentry, list *ShrinkList) {
	dFlagVerify(t, d, DCACHE_LRU_LIST)
	d.DFlags |= DCACHE_SHRINK_LIST
	sb.lruRemove(d) // list_lru_isolate_move
	list.add(d)
}

// toShrinkList is to_shrink_list (fs/dcache.c, v6.18): put an unused
// dentry on list unless it is on a shrink list already; d_lock held.
func toShrinkList(t *sim.Task, d *Dentry, list *ShrinkList) {
	d.DLock().LockdepAssertHeld(t)
	if d.DFlags&DCACHE_SHRINK_LIST == 0 {
		if d.DFlags&DCACHE_LRU_LIST != 0 {
			dLruDel(t, d)
		}
		dShrinkAdd(t, d, list)
	}
}

// DputToList is dput_to_list (fs/dcache.c, v6.18): drop a reference, and
// if it was the last one and the dentry is not worth keeping, put it on
// list for the caller to shrink instead of killing it here.
func DputToList(t *sim.Task, dentry *Dentry, list *ShrinkList) {
	sim.RCUReadLock(t)
	if fastDput(t, dentry) {
		sim.RCUReadUnlock(t)
		return
	}
	sim.RCUReadUnlock(t)
	toShrinkList(t, dentry, list)
	dentry.DLock().Unlock(t)
}

// shrinkKill is shrink_kill (fs/dcache.c, v6.18). Entered under
// rcu_read_lock with victim's d_lock held and lock_for_kill(victim)
// true: kill it, then each ancestor whose last reference that dropped.
// Unlike dput, ancestors are not offered to retain_dentry.
func shrinkKill(t *sim.Task, victim *Dentry) {
	for {
		sim.RCUReadUnlock(t)
		victim = dentryKill(t, victim)
		sim.RCUReadLock(t)
		if victim == nil || !lockForKill(t, victim) {
			break
		}
	}
	sim.RCUReadUnlock(t)
	if victim != nil {
		victim.DLock().Unlock(t)
	}
}

// ShrinkDentryList is shrink_dentry_list (fs/dcache.c, v6.18): kill every
// dentry on a private dispose list, from its tail, unless it is busy
// again. A dentry someone else killed while it was on the list
// (__dentry_kill left DCACHE_SHRINK_LIST set and did not free it) is
// freed here.
func ShrinkDentryList(t *sim.Task, list *ShrinkList) {
	for !list.Empty() {
		dentry := list.l[len(list.l)-1] // list_entry(list->prev, ...)
		dentry.DLock().Lock(t)
		sim.RCUReadLock(t)
		if !lockForKill(t, dentry) {
			sim.RCUReadUnlock(t)
			dShrinkDel(t, dentry, list)
			canFree := dentry.DFlags&DCACHE_DENTRY_KILLED != 0
			dentry.DLock().Unlock(t)
			if canFree {
				t.Mark("shrink_dentry_list: freed a dentry killed elsewhere")
				dentryFree(t, dentry)
			}
			continue
		}
		dShrinkDel(t, dentry, list)
		shrinkKill(t, dentry)
	}
}

// dWalkRet is enum d_walk_ret (fs/dcache.c, v6.18): what a d_walk
// callback asks the walk to do next.
type dWalkRet uint8

const (
	dWalkContinue dWalkRet = iota // D_WALK_CONTINUE: go on
	dWalkQuit                     // D_WALK_QUIT: stop the walk
	dWalkNoretry                  // D_WALK_NORETRY: go on, but give up instead of retrying after a rename
	dWalkSkip                     // D_WALK_SKIP: skip this dentry's children
)

// readSeqbeginOrLock is read_seqbegin_or_lock (include/linux/seqlock.h):
// an even *seq starts a lockless read section (read_seqbegin, which waits
// out a writer); an odd one takes the lock exclusively
// (read_seqlock_excl), which shuts renames out.
func readSeqbeginOrLock(t *sim.Task, lock *sim.SeqLock, seq *uint32) {
	if *seq&1 == 0 {
		*seq = lock.ReadSeqBegin(t)
	} else {
		lock.Lock.Lock(t)
	}
}

// needSeqretry is need_seqretry: a lockless section whose sequence moved.
func needSeqretry(t *sim.Task, lock *sim.SeqLock, seq uint32) bool {
	return seq&1 == 0 && lock.ReadSeqRetry(t, seq)
}

// doneSeqretry is done_seqretry: drop the lock taken in locked mode.
func doneSeqretry(t *sim.Task, lock *sim.SeqLock, seq uint32) {
	if seq&1 != 0 {
		lock.Lock.Unlock(t) // read_sequnlock_excl
	}
}

// dWalk is d_walk (fs/dcache.c, v6.18): visit parent and its descendants,
// depth first, calling enter with each dentry's d_lock held (children
// nested inside their parent's). A rename seen while climbing back up
// restarts the walk with rename_lock held, unless a callback said
// D_WALK_NORETRY, in which case the walk just ends.
//
// Divergence: d_children is a slice here, with no d_sib.next to follow
// from a child that was killed (unlisted) while the walk had its lock
// dropped on the way up. Each descent remembers (copies) the siblings
// that came after the child in its parent's list; on the way back up, a
// child still listed continues from its current position, and an
// unlisted one from those remembered siblings, skipping the killed ones
// as the kernel's hlist_for_each_entry_continue does. Without a rename (a rename sends
// the walk to rename_retry first), both give the first live sibling after
// the child, which is what the kernel's stale d_sib.next chain leads to.
func dWalk(t *sim.Task, parent *Dentry, enter func(t *sim.Task, d *Dentry) dWalkRet) {
	c := parent.c
	var (
		thisParent, dentry *Dentry
		seq                uint32
		retry              = true
		next               []*Dentry   // the rest of the level being walked
		after              [][]*Dentry // per descent, the siblings after the child
	)

again:
	readSeqbeginOrLock(t, &c.RenameLock, &seq)
	thisParent = parent
	after = after[:0]
	thisParent.DLock().Lock(t)

	switch enter(t, thisParent) {
	case dWalkContinue:
	case dWalkQuit, dWalkSkip:
		goto outUnlock
	case dWalkNoretry:
		retry = false
	}
repeat:
	next = thisParent.children // d_first_child(this_parent)
resume:
	for len(next) > 0 {
		dentry, next = next[0], next[1:]
		if dentry.DFlags&DCACHE_DENTRY_CURSOR != 0 {
			continue
		}
		dentry.DLock().LockNested(t, DENTRY_D_LOCK_NESTED)

		switch enter(t, dentry) {
		case dWalkContinue:
		case dWalkQuit:
			dentry.DLock().Unlock(t)
			goto outUnlock
		case dWalkNoretry:
			retry = false
		case dWalkSkip:
			dentry.DLock().Unlock(t)
			continue
		}

		if len(dentry.children) > 0 { // !hlist_empty(&dentry->d_children)
			thisParent.DLock().Unlock(t)
			// spin_release + spin_acquire(..., 0, 1, _RET_IP_): the child's
			// lock becomes the parent lock of the next level.
			dentry.DLock().LockdepReacquire(t, 0, true)
			after = append(after, slices.Clone(next))
			thisParent = dentry
			goto repeat
		}
		dentry.DLock().Unlock(t)
	}
	// All done at this level: ascend and resume the search.
	sim.RCUReadLock(t)
ascend:
	if thisParent != parent {
		dentry = thisParent
		thisParent = dentry.DParent
		rest := after[len(after)-1]
		after = after[:len(after)-1]

		dentry.DLock().Unlock(t)
		thisParent.DLock().Lock(t)

		// We might have gone up the wrong parent after a rename.
		if needSeqretry(t, &c.RenameLock, seq) {
			goto renameRetry
		}
		// Go into the first sibling still alive.
		if !dentry.onParent {
			t.Mark("d_walk: ascended from a killed child")
		}
		if i := slices.Index(thisParent.children, dentry); dentry.onParent && i >= 0 {
			rest = thisParent.children[i+1:]
		}
		for ; len(rest) > 0; rest = rest[1:] {
			if rest[0].DFlags&DCACHE_DENTRY_KILLED == 0 {
				next = rest
				sim.RCUReadUnlock(t)
				goto resume
			}
		}
		goto ascend
	}
	if needSeqretry(t, &c.RenameLock, seq) {
		goto renameRetry
	}
	sim.RCUReadUnlock(t)

outUnlock:
	thisParent.DLock().Unlock(t)
	doneSeqretry(t, &c.RenameLock, seq)
	return

renameRetry:
	t.Mark("d_walk: rename retry")
	thisParent.DLock().Unlock(t)
	sim.RCUReadUnlock(t)
	t.BugOn(seq&1 != 0, "seq & 1")
	if !retry {
		return
	}
	seq = 1
	goto again
}

// selectData is struct select_data (fs/dcache.c, v6.18). In C, found and
// victim share a union; select_collect uses one and select_collect2 the
// other.
type selectData struct {
	start   *Dentry
	found   int64
	victim  *Dentry
	dispose ShrinkList
}

// needResched is need_resched() in the d_walk callbacks.
//
// Divergence: it is always false. True only makes select_collect stop the
// walk early (D_WALK_QUIT instead of D_WALK_NORETRY) to let the scheduler
// in; the model's scheduling points already let every other task run
// anywhere in the walk.
func needResched(t *sim.Task) bool { return false }

// selectCollect is select_collect (fs/dcache.c, v6.18), the first d_walk
// callback of shrink_dcache_parent; dentry's d_lock held. Unused dentries
// go on the dispose list; those on another shrink list or being killed
// are counted, so that the caller comes back for them.
func selectCollect(t *sim.Task, data *selectData, dentry *Dentry) dWalkRet {
	ret := dWalkContinue
	if data.start == dentry {
		return ret
	}
	if dentry.DFlags&DCACHE_SHRINK_LIST != 0 {
		data.found++
	} else if dentry.DLockref.Count() == 0 {
		toShrinkList(t, dentry, &data.dispose)
		data.found++
	} else if dentry.DLockref.Count() < 0 {
		data.found++
	}
	// Once some work is found, return to the caller so that it makes
	// progress; it will come back for the rest.
	if !data.dispose.Empty() {
		if needResched(t) {
			ret = dWalkQuit
		} else {
			ret = dWalkNoretry
		}
	}
	return ret
}

// selectCollect2 is select_collect2 (fs/dcache.c, the v3 series base),
// the second d_walk callback of shrink_dcache_tree; dentry's d_lock held.
// An unused dentry on someone else's shrink list, or one being killed
// (negative count; v6.18 skipped those and the caller busy-waited),
// becomes the victim, kept alive by an RCU read section that the caller
// ends.
func selectCollect2(t *sim.Task, data *selectData, dentry *Dentry) dWalkRet {
	ret := dWalkContinue
	if data.start == dentry {
		return ret
	}
	if dentry.DLockref.Count() == 0 {
		if dentry.DFlags&DCACHE_SHRINK_LIST != 0 {
			sim.RCUReadLock(t)
			data.victim = dentry
			return dWalkQuit
		}
		toShrinkList(t, dentry, &data.dispose)
	} else if dentry.DLockref.Count() < 0 {
		sim.RCUReadLock(t)
		data.victim = dentry
		return dWalkQuit
	}
	if !data.dispose.Empty() {
		if needResched(t) {
			ret = dWalkQuit
		} else {
			ret = dWalkNoretry
		}
	}
	return ret
}

// ShrinkDcacheParent is shrink_dcache_parent (fs/dcache.c, the v3 series
// base): shrink_dcache_tree(parent, false).
func ShrinkDcacheParent(t *sim.Task, parent *Dentry) { shrinkDcacheTree(t, parent) }

// shrinkDcacheTree is shrink_dcache_tree (fs/dcache.c, the v3 series
// base) with for_umount false: kill every unused descendant of parent
// (not parent itself). Dentries that other tasks are shrinking are killed
// here if still unused; for one that another task is killing, the loop
// puts itself on the dentry's waiters and sleeps until dentry_unlist
// completes it, where v6.18's shrink_dcache_parent spun.
//
// Divergence: the base's text of this loop was not available; it follows
// the structure of <20260122202025.GG3183987@ZenIV> (victim rechecked
// under d_lock, waiter added, own dispose list shrunk, then the wait) with
// the base's d_add_waiter, which returns false for a dentry already
// unlisted. for_umount (shrink_dcache_for_umount's unpinning of
// DCACHE_PERSISTENT dentries) is not modeled: the model never unmounts.
func shrinkDcacheTree(t *sim.Task, parent *Dentry) {
	for {
		data := selectData{start: parent}
		dWalk(t, parent, func(t *sim.Task, d *Dentry) dWalkRet { return selectCollect(t, &data, d) })

		if !data.dispose.Empty() {
			ShrinkDentryList(t, &data.dispose)
			continue
		}

		t.Yield() // cond_resched()
		if data.found == 0 {
			break
		}
		data.victim = nil // the union: this clears found as well
		data.found = 0
		dWalk(t, parent, func(t *sim.Task, d *Dentry) dWalkRet { return selectCollect2(t, &data, d) })
		if data.victim != nil {
			v := data.victim
			v.DLock().Lock(t)
			if v.DLockref.Count() < 0 && v.DFlags&DCACHE_DENTRY_KILLED == 0 {
				// It's busy dying; have it notify us once it becomes
				// invisible to d_walk().
				wait := newCompletionList(t)
				needWait := dAddWaiter(t, v, wait)
				v.DLock().Unlock(t)
				sim.RCUReadUnlock(t)
				if !data.dispose.Empty() {
					ShrinkDentryList(t, &data.dispose)
				}
				if needWait {
					t.Mark(MarkShrinkWaits)
					wait.completion.Wait(t)
				}
				t.Free(&wait.Object)
				continue
			}
			t.Mark("shrink_dcache_parent: victim on another shrink list")
			if !lockForKill(t, v) {
				v.DLock().Unlock(t)
				sim.RCUReadUnlock(t)
			} else {
				shrinkKill(t, v)
			}
		}
		if !data.dispose.Empty() {
			ShrinkDentryList(t, &data.dispose)
		}
	}
}

// lruStatus is enum lru_status (include/linux/list_lru.h): what a list_lru
// walk callback did with the item.
type lruStatus uint8

const (
	lruRemoved lruStatus = iota // LRU_REMOVED: isolated from the list
	lruRotate                   // LRU_ROTATE: move to the tail
	lruSkip                     // LRU_SKIP: leave it where it is
)

// listLruWalkOne is __list_lru_walk_one (mm/list_lru.c, v6.18) on the
// superblock's dentry LRU: with the LRU lock held, offer up to *nrToWalk
// items, oldest first, to isolate. It returns how many were isolated.
//
// Divergence: one list per superblock, with no NUMA nodes or memcgs; the
// callbacks used here never return LRU_RETRY, LRU_REMOVED_RETRY or
// LRU_STOP.
func listLruWalkOne(t *sim.Task, sb *SuperBlock, isolate func(t *sim.Task, sb *SuperBlock, d *Dentry, arg *ShrinkList) lruStatus,
	arg *ShrinkList, nrToWalk *int) int {
	isolated := 0
	sb.lruLock.Lock(t)
	// list_for_each_safe: an item isolated or rotated leaves index i to
	// its successor; a rotated item is met again at the tail.
	for i := 0; i < len(sb.lru); {
		if *nrToWalk == 0 {
			break
		}
		*nrToWalk--
		d := sb.lru[i]
		switch isolate(t, sb, d, arg) {
		case lruRemoved:
			isolated++
		case lruRotate:
			sb.lruRemove(d) // list_move_tail
			sb.lru = append(sb.lru, d)
		case lruSkip:
			i++
		}
	}
	sb.lruLock.Unlock(t)
	return isolated
}

// listLruCount is list_lru_count / list_lru_shrink_count: a lockless read
// of the LRU's item count.
func listLruCount(t *sim.Task, sb *SuperBlock) int {
	t.Read(&sb.Object, "s_dentry_lru.nr_items")
	return len(sb.lru)
}

// dentryLruIsolate is dentry_lru_isolate (fs/dcache.c, v6.18), the
// prune_dcache_sb callback. The LRU lock is held, which inverts the usual
// d_lock -> LRU lock order: d_lock is only try-locked, and a dentry whose
// lock is taken is skipped. Busy dentries leave the LRU; referenced ones
// lose DCACHE_REFERENCED and get another pass; the rest go on freeable.
func dentryLruIsolate(t *sim.Task, sb *SuperBlock, dentry *Dentry, freeable *ShrinkList) lruStatus {
	if !dentry.DLock().TryLock(t) {
		t.Mark("dentry_lru_isolate: d_lock busy, skipped")
		return lruSkip
	}
	// Referenced dentries are still in use: if they have active counts,
	// just take them off the LRU; otherwise give them another pass.
	if dentry.DLockref.Count() != 0 {
		dLruIsolate(t, sb, dentry)
		dentry.DLock().Unlock(t)
		return lruRemoved
	}
	if dentry.DFlags&DCACHE_REFERENCED != 0 {
		dentry.DFlags &^= DCACHE_REFERENCED
		dentry.DLock().Unlock(t)
		// The walk moves it, under the LRU lock.
		return lruRotate
	}
	dLruShrinkMove(t, sb, dentry, freeable)
	dentry.DLock().Unlock(t)
	return lruRemoved
}

// PruneDcacheSb is prune_dcache_sb (fs/dcache.c, v6.18), called from the
// superblock shrinker under memory pressure: scan up to nrToScan dentries
// of the LRU (sc->nr_to_scan) and kill those that are unused and not
// recently referenced. It returns how many left the LRU.
func PruneDcacheSb(t *sim.Task, sb *SuperBlock, nrToScan int) int {
	var dispose ShrinkList
	freed := listLruWalkOne(t, sb, dentryLruIsolate, &dispose, &nrToScan) // list_lru_shrink_walk
	ShrinkDentryList(t, &dispose)
	return freed
}

// dentryLruIsolateShrink is dentry_lru_isolate_shrink (fs/dcache.c,
// v6.18): the shrink_dcache_sb callback, which moves every dentry whose
// d_lock it can get to the dispose list, busy or not.
func dentryLruIsolateShrink(t *sim.Task, sb *SuperBlock, dentry *Dentry, freeable *ShrinkList) lruStatus {
	// The LRU lock / d_lock inversion again: trylock, and skip on failure.
	if !dentry.DLock().TryLock(t) {
		return lruSkip
	}
	dLruShrinkMove(t, sb, dentry, freeable)
	dentry.DLock().Unlock(t)
	return lruRemoved
}

// ShrinkDcacheSb is shrink_dcache_sb (fs/dcache.c, v6.18): empty the
// superblock's LRU, killing every dentry on it that is unused (busy ones
// just leave the LRU). Used before unmounting and by remount.
func ShrinkDcacheSb(t *sim.Task, sb *SuperBlock) {
	for first := true; ; first = false {
		if !first {
			// The LRU still had dentries whose d_lock was held: the loop
			// spins until their holders let go.
			t.CPURelax()
		}
		var dispose ShrinkList
		nr := 1024
		listLruWalkOne(t, sb, dentryLruIsolateShrink, &dispose, &nr) // list_lru_walk
		ShrinkDentryList(t, &dispose)
		if listLruCount(t, sb) <= 0 {
			return
		}
	}
}

// Superblock shrinker parameters (fs/super.c alloc_super, v6.18).
const (
	superShrinkSeeks = 2    // s_shrink->seeks = DEFAULT_SEEKS
	superShrinkBatch = 1024 // s_shrink->batch
)

// multFrac is mult_frac(x, n, d).
func multFrac(x, n, d int) int { return (x/d)*n + (x%d)*n/d }

// superCacheScan is super_cache_scan (fs/super.c, v6.18): the superblock
// shrinker's scan, sharing nrToScan among the superblock's caches.
//
// Divergence: s_umount (super_trylock_shared) and the gfp check are not
// modeled, and the inode LRU and filesystem caches are counted as empty,
// so the whole scan goes to the dentries.
func superCacheScan(t *sim.Task, sb *SuperBlock, nrToScan int) int {
	inodes, fsObjects := 0, 0
	dentries := listLruCount(t, sb)
	totalObjects := dentries + inodes + fsObjects + 1
	dentries = multFrac(nrToScan, dentries, totalObjects)
	// Prune the dcache first, and always scan at least one object.
	return PruneDcacheSb(t, sb, dentries+1)
}

// doShrinkSlab is do_shrink_slab (mm/shrinker.c, v6.18) for the
// superblock shrinker at priority 0, as drop_slab calls it: count the
// freeable objects (super_cache_count: the dentry LRU; vfs_cache_pressure
// at its default leaves the count as is), then scan twice that many in
// batches.
//
// Divergence: no deferred work carried between calls (nr_deferred).
func doShrinkSlab(t *sim.Task, sb *SuperBlock) int {
	freeable := listLruCount(t, sb)
	if freeable == 0 {
		return 0 // SHRINK_EMPTY
	}
	delta := freeable * 4 / superShrinkSeeks // (freeable >> priority) * 4 / seeks
	totalScan := min(delta, 2*freeable)
	freed := 0
	for totalScan >= superShrinkBatch || totalScan >= freeable {
		nrToScan := min(superShrinkBatch, totalScan)
		freed += superCacheScan(t, sb, nrToScan)
		totalScan -= nrToScan
		t.Yield() // cond_resched
	}
	return freed
}

// DropCaches is what "echo 2 > /proc/sys/vm/drop_caches" does to one
// superblock's dentries (drop_caches_sysctl_handler, fs/drop_caches.c, and
// drop_slab, mm/vmscan.c, v6.18): run the superblock shrinker until a
// round frees little, each round asking for more (freed >> shift, shift
// growing). Memory pressure enters the same way, one round at a time
// (PruneDcacheSb).
//
// Divergence: only this superblock's shrinker runs (no NUMA nodes, memcgs
// or other shrinkers).
func DropCaches(t *sim.Task, sb *SuperBlock) {
	shift := 0
	for {
		freed := 0
		if t.FatalSignalPending() {
			return
		}
		freed += doShrinkSlab(t, sb) // drop_slab_node
		more := freed>>shift > 1
		shift++
		if !more {
			return
		}
	}
}
