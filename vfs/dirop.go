package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// StartDirop is __start_dirop / start_dirop (fs/namei.c, 7.0): lock the
// parent exclusive (I_MUTEX_PARENT) and look the name up with
// lookup_one_qstr_excl. On success the parent stays locked and the dentry
// is referenced; on error the parent is unlocked.
//
// In the Pdirops regime the name is looked up first, with
// d_alloc_parallel and ->lookup under the lock shared, and the parent is
// locked exclusive afterwards; a dentry that was dropped or moved in
// between is looked up again.
func (s *System) StartDirop(t *sim.Task, parent *dcache.Dentry, name *dcache.Qstr, flags LookupFlags) *dcache.Dentry {
	dir := parent.DInode
	if s.Regime == variant.Pdirops {
		return s.startDiropPdirops(t, parent, name, flags)
	}
	InodeLockNested(t, dir, I_MUTEX_PARENT)
	dentry := s.LookupOneQstrExcl(t, name, parent, flags)
	if sim.IsErr(dentry) {
		InodeUnlock(t, dir)
	}
	return dentry
}

func (s *System) startDiropPdirops(t *sim.Task, parent *dcache.Dentry, name *dcache.Qstr, flags LookupFlags) *dcache.Dentry {
	dir := parent.DInode
	for {
		dentry := s.LookupDcache(t, name, parent, flags)
		if dentry == nil {
			dentry = s.lookupSlowPdirops(t, name, parent, flags|LOOKUP_SHARED)
		}
		if sim.IsErr(dentry) {
			return dentry
		}
		InodeLockNested(t, dir, I_MUTEX_PARENT)
		if dcache.DUnhashed(t, dentry) || dentry.DParent != parent {
			InodeUnlock(t, dir)
			dcache.Dput(t, dentry)
			t.CPURelax()
			continue
		}
		if IsDeadDir(dir) {
			InodeUnlock(t, dir)
			dcache.Dput(t, dentry)
			return errPtr(sim.ENOENT)
		}
		if dentry.DInode == nil && flags&LOOKUP_CREATE == 0 {
			InodeUnlock(t, dir)
			dcache.Dput(t, dentry)
			return errPtr(sim.ENOENT)
		}
		if dentry.DInode != nil && flags&LOOKUP_EXCL != 0 {
			InodeUnlock(t, dir)
			dcache.Dput(t, dentry)
			return errPtr(sim.EEXIST)
		}
		return dentry
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
	if err := dcache.LookupNopermCommon(t, name, parent); err != 0 {
		return errPtr(sim.Errno(-err))
	}
	return s.StartDirop(t, parent, name, 0)
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
// de->d_parent and drop de. A no-op for an ERR_PTR.
func (s *System) EndDirop(t *sim.Task, de *dcache.Dentry) {
	if !sim.IsErr(de) {
		de.DParent.DInode.IRwsem.LockdepAssertHeldWrite(t)
		InodeUnlock(t, de.DParent.DInode)
		dcache.Dput(t, de)
	}
}

// EndCreating is end_creating; EndRemoving is end_removing.
func (s *System) EndCreating(t *sim.Task, de *dcache.Dentry) { s.EndDirop(t, de) }
func (s *System) EndRemoving(t *sim.Task, de *dcache.Dentry) { s.EndDirop(t, de) }

// filenameCreate is filename_create (fs/namei.c, 7.0): walk to the
// parent and start a creation of the last component; -EEXIST if it
// exists. The parent reference is returned to be put by the caller.
func (s *System) filenameCreate(t *sim.Task, path string, flags LookupFlags) (*dcache.Dentry, *dcache.Dentry) {
	parent, last, err := s.pathWalk(t, path, true, 0)
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
	dentry := s.StartDirop(t, parent, &q, flags|LOOKUP_CREATE|LOOKUP_EXCL)
	if sim.IsErr(dentry) {
		dcache.Dput(t, parent)
		return nil, dentry
	}
	return parent, dentry
}
