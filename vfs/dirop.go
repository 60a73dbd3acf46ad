package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// StartDirop is __start_dirop / start_dirop (fs/namei.c, 7.0): lock the
// parent exclusive (I_MUTEX_PARENT) and look the name up with
// lookup_one_qstr_excl. On success the parent stays locked and the dentry
// is referenced; on error the parent is unlocked. From RFC 51/53 on the
// dentry may be in-lookup (see LookupOneQstrExcl).
//
// RFC 52/53 (hunk @@ -2908,18 +2927,26 @@) reverses the order:
// startDiropState.
func (s *System) StartDirop(t *sim.Task, parent *dcache.Dentry, name *dcache.Qstr, flags LookupFlags) *dcache.Dentry {
	return s.startDiropState(t, parent, name, flags, TASK_NORMAL)
}

// startDiropState is __start_dirop with its state argument. RFC 52/53:
// lookup_one_qstr with no lock held, then the parent exclusive
// (killable with TASK_KILLABLE: -EINTR); an in-lookup dentry, or one
// still hashed under parent, is returned; one that was dropped or moved
// in between is released and looked up again. The -ENOENT/-EEXIST checks
// are lookup_one_qstr's, made before the lock.
func (s *System) startDiropState(t *sim.Task, parent *dcache.Dentry, name *dcache.Qstr, flags LookupFlags, state TaskState) *dcache.Dentry {
	dir := parent.DInode
	if !s.Has(variant.P52LiftDAllocParallel) {
		if state == TASK_KILLABLE {
			if dir.IRwsem.DownWriteKillableNested(t, I_MUTEX_PARENT) != 0 {
				return errPtr(sim.EINTR)
			}
		} else {
			InodeLockNested(t, dir, I_MUTEX_PARENT)
		}
		dentry := s.LookupOneQstrExcl(t, name, parent, flags)
		if sim.IsErr(dentry) {
			InodeUnlock(t, dir)
		}
		return dentry
	}
	for {
		dentry := s.lookupOneQstr(t, name, parent, flags, state)
		if sim.IsErr(dentry) {
			return dentry
		}
		if state == TASK_KILLABLE {
			if dir.IRwsem.DownWriteKillableNested(t, I_MUTEX_PARENT) != 0 {
				dcache.DLookupDone(t, dentry)
				dcache.Dput(t, dentry)
				return errPtr(sim.EINTR)
			}
		} else {
			InodeLockNested(t, dir, I_MUTEX_PARENT)
		}
		if dcache.DInLookup(t, dentry) ||
			(!dcache.DUnhashed(t, dentry) && dentry.DParent == parent) {
			return dentry
		}
		t.Mark("__start_dirop: dentry moved or dropped before the lock, retry")
		InodeUnlock(t, dir)
		dcache.DLookupDone(t, dentry)
		dcache.Dput(t, dentry)
	}
}

// StartCreating is start_creating (fs/namei.c, 7.0): a negative or
// positive dentry with its parent locked.
func (s *System) StartCreating(t *sim.Task, parent *dcache.Dentry, name *dcache.Qstr) *dcache.Dentry {
	if err := dcache.LookupNopermCommon(t, name, parent); err != 0 {
		return errPtr(sim.Errno(-err))
	}
	return s.StartDirop(t, parent, name, LOOKUP_CREATE)
}

// StartRemoving is start_removing (fs/namei.c, 7.0): a positive dentry
// with its parent locked, or -ENOENT.
func (s *System) StartRemoving(t *sim.Task, parent *dcache.Dentry, name *dcache.Qstr) *dcache.Dentry {
	return s.startRemoving(t, parent, name, 0)
}

// startRemoving is start_removing with the caller's lookup_flags, as
// filename_unlinkat and filename_rmdir pass them to start_dirop (7.0):
// LOOKUP_REVAL on their retry_estale() round.
func (s *System) startRemoving(t *sim.Task, parent *dcache.Dentry, name *dcache.Qstr, flags LookupFlags) *dcache.Dentry {
	if err := dcache.LookupNopermCommon(t, name, parent); err != 0 {
		return errPtr(sim.Errno(-err))
	}
	return s.StartDirop(t, parent, name, flags)
}

// StartCreatingDentry is start_creating_dentry (fs/namei.c, 7.0): lock
// parent for a child the caller already holds; -EINVAL if the child left
// the parent or was unhashed, -EEXIST if it is positive.
func (s *System) StartCreatingDentry(t *sim.Task, parent, child *dcache.Dentry) *dcache.Dentry {
	return s.startDentry(t, parent, child, true)
}

// StartRemovingDentry is start_removing_dentry (fs/namei.c, 7.0): as
// StartCreatingDentry, but -ENOENT for a negative child.
func (s *System) StartRemovingDentry(t *sim.Task, parent, child *dcache.Dentry) *dcache.Dentry {
	return s.startDentry(t, parent, child, false)
}

func (s *System) startDentry(t *sim.Task, parent, child *dcache.Dentry, creating bool) *dcache.Dentry {
	dir := parent.DInode
	InodeLockNested(t, dir, I_MUTEX_PARENT)
	if IsDeadDir(dir) || child.DParent != parent || dcache.DUnhashed(t, child) {
		InodeUnlock(t, dir)
		return errPtr(sim.EINVAL)
	}
	if creating && child.DInode != nil {
		InodeUnlock(t, dir)
		return errPtr(sim.EEXIST)
	}
	if !creating && child.DInode == nil {
		InodeUnlock(t, dir)
		return errPtr(sim.ENOENT)
	}
	return dcache.Dget(t, child)
}

// EndDirop is end_dirop (fs/namei.c, 7.0): unlock the parent found through
// de->d_parent and drop de. A no-op for an ERR_PTR. RFC 51/53 (hunk
// @@ -2942,6 +2954,7 @@) ends a still in-lookup de's lookup before the
// dput.
func (s *System) EndDirop(t *sim.Task, de *dcache.Dentry) {
	if !sim.IsErr(de) {
		de.DParent.DInode.IRwsem.LockdepAssertHeldWrite(t)
		InodeUnlock(t, de.DParent.DInode)
		if s.Has(variant.P51LookupOneQstrExclParallel) {
			dcache.DLookupDone(t, de)
		}
		dcache.Dput(t, de)
	}
}

// EndCreating is end_creating (fs/namei.c, 7.0).
func (s *System) EndCreating(t *sim.Task, de *dcache.Dentry) { s.EndDirop(t, de) }

// EndRemoving is end_removing (fs/namei.c, 7.0).
func (s *System) EndRemoving(t *sim.Task, de *dcache.Dentry) { s.EndDirop(t, de) }

// filenameCreate is filename_create (fs/namei.c, 7.0): walk to the
// parent and start a creation of the last component; -EEXIST if it
// exists. The parent reference is returned to be put by the caller.
// Of flags, LOOKUP_REVAL (reval_flag) goes to the parent walk and to the
// final lookup.
func (s *System) filenameCreate(t *sim.Task, path string, flags LookupFlags) (*dcache.Dentry, *dcache.Dentry) {
	parent, last, err := s.pathWalk(t, path, true, flags&LOOKUP_REVAL)
	if err != 0 {
		return nil, errPtr(sim.Errno(-err))
	}
	if last == "." || last == ".." {
		dcache.Dput(t, parent)
		return nil, errPtr(sim.EEXIST)
	}
	q, herr := hashName(t, parent, last)
	if herr != 0 {
		dcache.Dput(t, parent)
		return nil, errPtr(sim.Errno(-herr))
	}
	dentry := s.StartDirop(t, parent, heapQstr(t, q), flags|LOOKUP_CREATE|LOOKUP_EXCL)
	if sim.IsErr(dentry) {
		dcache.Dput(t, parent)
		return nil, dentry
	}
	return parent, dentry
}
