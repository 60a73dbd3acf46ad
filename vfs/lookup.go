package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// errPtrOrNull is ERR_PTR(status) for a status that may be 0: the kernel's
// ERR_PTR(0) is NULL, which callers read as "not found".
func errPtrOrNull(status int) *dcache.Dentry {
	if status == 0 {
		return nil
	}
	return sim.ErrPtr[dcache.Dentry](sim.Errno(-status))
}

func errPtr(e sim.Errno) *dcache.Dentry { return sim.ErrPtr[dcache.Dentry](e) }

// LookupDcache is lookup_dcache (fs/namei.c, 7.0): a dcache hit,
// revalidated. NULL on a miss or when revalidation invalidated it.
func (s *System) LookupDcache(t *sim.Task, name *dcache.Qstr, dir *dcache.Dentry, flags LookupFlags) *dcache.Dentry {
	dentry := dcache.DLookup(t, dir, name)
	if dentry != nil {
		dentry = revalidated(t, dentry, DRevalidate(t, dir.DInode, name, dentry, flags))
	}
	return dentry
}

// revalidated is how lookup_dcache and lookup_fast end: a counted
// dentry ->d_revalidate found valid, or, for status <= 0, the dentry
// dropped (invalidated first on 0) and NULL or ERR_PTR(status).
func revalidated(t *sim.Task, dentry *dcache.Dentry, status int) *dcache.Dentry {
	if status > 0 {
		return dentry
	}
	if status == 0 {
		dcache.DInvalidate(t, dentry)
	}
	dcache.Dput(t, dentry)
	return errPtrOrNull(status)
}

// LookupOneQstrExcl is lookup_one_qstr_excl (fs/namei.c, 7.0): with the
// parent held exclusive, find or create (with plain d_alloc, not
// d_alloc_parallel) the dentry and call ->lookup on it: the one case where
// ->lookup sees a dentry that is not in-lookup. -ENOENT for a negative
// result without LOOKUP_CREATE, -EEXIST for a positive one with
// LOOKUP_EXCL.
//
// RFC 51/53 (hunk @@ -1798,18 +1799,27 @@): the dentry comes from
// d_alloc_parallel; one that another lookup completed is used as found;
// when ->lookup returns another dentry ours ends its in-lookup state
// before the dput; a result still in-lookup (a filesystem that leaves
// the lookup to the create or rename, NFS) is returned unchecked, and
// end_dirop or end_renaming calls d_lookup_done on it. RFC 52/53 renames
// the function lookup_one_qstr and calls it without the lock
// (lookupOneQstr); callers of this one run only without patch 52.
//
// Divergence: RFC 51 calls d_alloc_parallel(base, name) with no wait
// queue (RFC 04/53, v3 04/19); without 04 the model passes an on-stack
// queue as __lookup_slow does.
func (s *System) LookupOneQstrExcl(t *sim.Task, name *dcache.Qstr, base *dcache.Dentry, flags LookupFlags) *dcache.Dentry {
	dentry := s.LookupDcache(t, name, base, flags)
	if dentry == nil {
		dir := base.DInode
		if IsDeadDir(dir) {
			return errPtr(sim.ENOENT)
		}
		if s.Has(variant.P51LookupOneQstrExclParallel) {
			wq := s.onStackWaitQueue(t)
			defer releaseWaitQueue(t, wq)
			dentry = s.dAllocParallel(t, base, name, wq)
			if sim.IsErr(dentry) {
				return dentry
			}
			if !dcache.DInLookup(t, dentry) {
				// Raced with another thread which did the lookup.
				return s.lookupOneQstrFound(t, dentry, flags)
			}
		} else {
			dentry = dcache.DAlloc(t, base, name)
			if dentry == nil {
				return errPtr(sim.ENOMEM)
			}
		}
		old := s.callLookup(t, dir, dentry, flags)
		if old != nil {
			if s.Has(variant.P51LookupOneQstrExclParallel) {
				dcache.DLookupDone(t, dentry)
			}
			dcache.Dput(t, dentry)
			dentry = old
		}
	}
	return s.lookupOneQstrFound(t, dentry, flags)
}

// FixInLookupNoCreate selects the fixed variant of RFC 51/53's
// lookup_one_qstr tail (not kernel code): a dentry ->lookup left
// in-lookup is negative for a caller that will not create the name (no
// LOOKUP_CREATE: unlink, rmdir, a rename's source), so its lookup is
// ended and -ENOENT returned, as lookup_one_qstr_excl does for a
// negative dentry. As posted, filename_unlinkat's ihold(dentry->d_inode)
// dereferences NULL (docs/findings.md, "Case-insensitive lookups").
var FixInLookupNoCreate = variant.NewFix("vfs", "in-lookup-no-create",
	"RFC 51/53 lookup_one_qstr returns -ENOENT for a dentry ->lookup left in-lookup when the caller does not create")

// lookupOneQstrFound is the "found:" tail of lookup_one_qstr_excl (7.0)
// and, from RFC 51/53 on, of lookup_one_qstr: an in-lookup dentry is
// returned as it is ("We cannot check for errors - the caller will have
// to wait for any create-etc attempt to get relevant errors"); otherwise
// -ENOENT for a negative dentry without LOOKUP_CREATE and -EEXIST for a
// positive one with LOOKUP_EXCL. FixInLookupNoCreate makes an in-lookup
// result without LOOKUP_CREATE -ENOENT too.
func (s *System) lookupOneQstrFound(t *sim.Task, dentry *dcache.Dentry, flags LookupFlags) *dcache.Dentry {
	if sim.IsErr(dentry) {
		return dentry
	}
	if s.Has(variant.P51LookupOneQstrExclParallel) && dcache.DInLookup(t, dentry) {
		if s.C.On(FixInLookupNoCreate) && flags&LOOKUP_CREATE == 0 {
			// The fix (not kernel code): nothing will create the name.
			dcache.DLookupDone(t, dentry)
			dcache.Dput(t, dentry)
			return errPtr(sim.ENOENT)
		}
		t.Mark("lookup_one_qstr: in-lookup result returned")
		return dentry
	}
	if dentry.DInode == nil && flags&LOOKUP_CREATE == 0 {
		dcache.Dput(t, dentry)
		return errPtr(sim.ENOENT)
	}
	if dentry.DInode != nil && flags&LOOKUP_EXCL != 0 {
		dcache.Dput(t, dentry)
		return errPtr(sim.EEXIST)
	}
	return dentry
}

// lookupOneQstr is lookup_one_qstr (fs/namei.c) as RFC 52/53 makes it
// from lookup_one_qstr_excl (hunks @@ -1783,8 +1794,9 @@ and @@ -1806,7
// +1818,16 @@): called with no lock held; d_alloc_parallel first, then
// the parent's lock shared (killable with TASK_KILLABLE: -EINTR) only
// around ->lookup, which is told LOOKUP_SHARED (RFC 53/53 drops the
// flag: hunk @@ -1826,7 +1826,7 @@) and skipped for a dead directory.
func (s *System) lookupOneQstr(t *sim.Task, name *dcache.Qstr, base *dcache.Dentry, flags LookupFlags, state TaskState) *dcache.Dentry {
	dentry := s.LookupDcache(t, name, base, flags)
	if dentry != nil {
		return s.lookupOneQstrFound(t, dentry, flags)
	}
	dir := base.DInode
	if IsDeadDir(dir) {
		return errPtr(sim.ENOENT)
	}
	wq := s.onStackWaitQueue(t)
	defer releaseWaitQueue(t, wq)
	dentry = s.dAllocParallel(t, base, name, wq)
	if sim.IsErr(dentry) {
		return dentry
	}
	if !dcache.DInLookup(t, dentry) {
		// Raced with another thread which did the lookup.
		return s.lookupOneQstrFound(t, dentry, flags)
	}
	if !inodeLockSharedState(t, dir, state) {
		dcache.DLookupDone(t, dentry)
		dcache.Dput(t, dentry)
		return errPtr(sim.EINTR)
	}
	var old *dcache.Dentry
	if IsDeadDir(dir) {
		old = errPtr(sim.ENOENT)
	} else {
		old = s.callLookup(t, dir, dentry, flags|s.lookupShared())
	}
	InodeUnlockShared(t, dir)
	if old != nil {
		dcache.DLookupDone(t, dentry)
		dcache.Dput(t, dentry)
		dentry = old
	}
	return s.lookupOneQstrFound(t, dentry, flags)
}

// LookupSlowLocked is __lookup_slow (fs/namei.c, 7.0): the caller holds
// dir's i_rwsem (either mode). d_alloc_parallel, then either revalidate
// what someone else looked up or call ->lookup on our in-lookup dentry
// and end the in-lookup state.
//
// Divergence: RFC 52/53 moves the lock into __lookup_slow (see
// lookupSlowState) after RFC 50/53 removed lookup_noperm and lookup_one,
// the callers that hold the lock. The model keeps those callers
// (LookupNoperm, overlayfs readdir before v3 09/19) and lets them call
// the 7.0 body under their own lock in every variant: a caller still
// written for today's order, not a second acquisition of the lock.
func (s *System) LookupSlowLocked(t *sim.Task, name *dcache.Qstr, dir *dcache.Dentry, flags LookupFlags) *dcache.Dentry {
	return s.lookupSlowState(t, name, dir, flags, TASK_NORMAL, false)
}

// lookupSlowState is __lookup_slow (fs/namei.c, 7.0) with the state
// argument RFC 52/53 adds (hunks @@ -1897,7 +1918,8 @@ and @@ -1920,8
// +1942,17 @@): with lockInside (patch 52, called from lookup_slow) the
// parent's lock is taken here, shared (killable with TASK_KILLABLE:
// -EINTR), only around ->lookup, which is skipped for a dead directory
// and told LOOKUP_SHARED (until RFC 53/53, hunk @@ -1951,7 +1951,7 @@).
func (s *System) lookupSlowState(t *sim.Task, name *dcache.Qstr, dir *dcache.Dentry, flags LookupFlags, state TaskState, lockInside bool) *dcache.Dentry {
	inode := dir.DInode
	if IsDeadDir(inode) {
		return errPtr(sim.ENOENT)
	}
	wq := s.onStackWaitQueue(t)
	defer releaseWaitQueue(t, wq)
	for {
		dentry := s.dAllocParallel(t, dir, name, wq)
		if sim.IsErr(dentry) {
			return dentry
		}
		switch {
		case !dcache.DInLookup(t, dentry) || s.C.On(MutRevalidateInLookup):
			var retry bool
			if dentry, retry = revalidateFound(t, inode, name, dentry, flags); retry {
				continue
			}
		case lockInside && !inodeLockSharedState(t, inode, state):
			dcache.DLookupDone(t, dentry)
			dcache.Dput(t, dentry)
			return errPtr(sim.EINTR)
		default:
			var old *dcache.Dentry
			if lockInside {
				if IsDeadDir(inode) {
					old = errPtr(sim.ENOENT)
				} else {
					old = s.callLookup(t, inode, dentry, flags|s.lookupShared())
				}
				InodeUnlockShared(t, inode)
			} else {
				old = s.callLookup(t, inode, dentry, flags)
			}
			dcache.DLookupDone(t, dentry)
			if old != nil {
				dcache.Dput(t, dentry)
				dentry = old
			}
		}
		return dentry
	}
}

// revalidateFound is __lookup_slow's handling of a dentry that
// d_alloc_parallel found rather than created: ->d_revalidate it; on 0
// invalidate and drop it and ask the caller to retry ("goto again"); on an
// error drop it and return the ERR_PTR.
func revalidateFound(t *sim.Task, inode *dcache.Inode, name *dcache.Qstr, dentry *dcache.Dentry, flags LookupFlags) (*dcache.Dentry, bool) {
	err := DRevalidate(t, inode, name, dentry, flags)
	if err > 0 {
		return dentry, false
	}
	if err == 0 {
		dcache.DInvalidate(t, dentry)
		dcache.Dput(t, dentry)
		t.CPURelax()
		return nil, true
	}
	dcache.Dput(t, dentry)
	return errPtr(sim.Errno(-err)), false
}

// onStackWaitQueue is DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq) in a caller of
// mainline d_alloc_parallel; nil from v3 04/19 on, which dropped it. The
// caller releases it (releaseWaitQueue) when its frame returns.
func (s *System) onStackWaitQueue(t *sim.Task) *dcache.WaitQueue {
	if s.Has(variant.P04WaitVarEvent) {
		return nil
	}
	return dcache.NewOnStackWaitQueue(t)
}

func releaseWaitQueue(t *sim.Task, wq *dcache.WaitQueue) {
	if wq != nil {
		wq.Release(t)
	}
}

func (s *System) dAllocParallel(t *sim.Task, dir *dcache.Dentry, name *dcache.Qstr, wq *dcache.WaitQueue) *dcache.Dentry {
	return dcache.DAllocParallel(t, dir, name, wq)
}

// LookupSlow is lookup_slow (fs/namei.c, 7.0): the directory's i_rwsem
// shared around __lookup_slow. RFC 52/53 (hunk @@ -1935,26 +1966,14 @@)
// moves the lock into __lookup_slow: lookup_slow only passes
// LOOKUP_SHARED (dropped by RFC 53/53) and TASK_NORMAL.
func (s *System) LookupSlow(t *sim.Task, name *dcache.Qstr, dir *dcache.Dentry, flags LookupFlags) *dcache.Dentry {
	if s.Has(variant.P52LiftDAllocParallel) {
		return s.lookupSlowState(t, name, dir, flags|s.lookupShared(), TASK_NORMAL, true)
	}
	inode := dir.DInode
	InodeLockShared(t, inode)
	res := s.LookupSlowLocked(t, name, dir, flags|s.lookupShared())
	InodeUnlockShared(t, inode)
	return res
}

// LookupNoperm is lookup_noperm (fs/namei.c, 7.0): the caller holds base's
// i_rwsem. ->lookup is called with flags 0: no LOOKUP_SHARED even when
// the caller holds the lock shared.
func (s *System) LookupNoperm(t *sim.Task, name *dcache.Qstr, base *dcache.Dentry) *dcache.Dentry {
	t.WarnOnOnce(!InodeIsLocked(base.DInode), "!inode_is_locked(base->d_inode)")
	if err := dcache.LookupNopermCommon(t, name, base); err != 0 {
		return errPtr(sim.Errno(-err))
	}
	if dentry := s.LookupDcache(t, name, base, 0); dentry != nil {
		return dentry
	}
	return s.LookupSlowLocked(t, name, base, 0)
}

// LookupOne is lookup_one (fs/namei.c, 7.0); permission checks are not
// modeled, so it is lookup_noperm.
func (s *System) LookupOne(t *sim.Task, name *dcache.Qstr, base *dcache.Dentry) *dcache.Dentry {
	return s.LookupNoperm(t, name, base)
}

// LookupOneUnlocked is lookup_one_unlocked (fs/namei.c, 7.0): the caller
// does not hold base's lock.
func (s *System) LookupOneUnlocked(t *sim.Task, name *dcache.Qstr, base *dcache.Dentry) *dcache.Dentry {
	if err := dcache.LookupNopermCommon(t, name, base); err != 0 {
		return errPtr(sim.Errno(-err))
	}
	ret := s.LookupDcache(t, name, base, 0)
	if ret == nil {
		ret = s.LookupSlow(t, name, base, 0)
	}
	return ret
}

// LookupOnePositiveUnlocked is lookup_one_positive_unlocked (fs/namei.c,
// 7.0): -ENOENT for a negative result.
func (s *System) LookupOnePositiveUnlocked(t *sim.Task, name *dcache.Qstr, base *dcache.Dentry) *dcache.Dentry {
	ret := s.LookupOneUnlocked(t, name, base)
	if !sim.IsErr(ret) {
		t.Read(&ret.Object, "d_flags")
		if ret.DFlags&dcache.DCACHE_ENTRY_TYPE == dcache.DCACHE_MISS_TYPE {
			dcache.Dput(t, ret)
			ret = errPtr(sim.ENOENT)
		}
	}
	return ret
}
