package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// lockTwoDirectories is lock_two_directories (fs/namei.c, 7.0): p1 != p2,
// s_vfs_rename_mutex held. Ancestors are locked first; the result is the
// "trap" (the child of the ancestor on the path to the other), nil, or
// -EXDEV with the mutex dropped.
func lockTwoDirectories(t *sim.Task, p1, p2 *dcache.Dentry) *dcache.Dentry {
	p, q := p1, p2
	var r *dcache.Dentry
	for {
		r = p.DParent
		if r == p2 || r == p {
			break
		}
		p = r
	}
	if r == p2 {
		InodeLockNested(t, p2.DInode, I_MUTEX_PARENT)
		InodeLockNested(t, p1.DInode, I_MUTEX_PARENT2)
		return p
	}
	for {
		r = q.DParent
		if r == p1 || r == p || r == q {
			break
		}
		q = r
	}
	switch r {
	case p1:
		InodeLockNested(t, p1.DInode, I_MUTEX_PARENT)
		InodeLockNested(t, p2.DInode, I_MUTEX_PARENT2)
		return q
	case p:
		InodeLockNested(t, p1.DInode, I_MUTEX_PARENT)
		InodeLockNested(t, p2.DInode, I_MUTEX_PARENT2)
		return nil
	}
	p1.DSb.SVfsRenameMutex.UpWrite(t)
	return errPtr(sim.EXDEV)
}

// LockRename is lock_rename (fs/namei.c, 7.0).
func LockRename(t *sim.Task, p1, p2 *dcache.Dentry) *dcache.Dentry {
	if p1 == p2 {
		InodeLockNested(t, p1.DInode, I_MUTEX_PARENT)
		return nil
	}
	p1.DSb.SVfsRenameMutex.DownWrite(t)
	return lockTwoDirectories(t, p1, p2)
}

// UnlockRename is unlock_rename (fs/namei.c, 7.0).
func UnlockRename(t *sim.Task, p1, p2 *dcache.Dentry) {
	InodeUnlock(t, p1.DInode)
	if p1 != p2 {
		InodeUnlock(t, p2.DInode)
		p1.DSb.SVfsRenameMutex.UpWrite(t)
	}
}

// RenameData is struct renamedata.
type RenameData struct {
	OldParent, OldDentry *dcache.Dentry
	NewParent, NewDentry *dcache.Dentry
	Flags                uint
}

// startRenaming is __start_renaming (fs/namei.c, 7.0): lock both parents
// and look up both names; -EINVAL/-ENOTEMPTY when one is an ancestor of
// the other.
func (s *System) startRenaming(t *sim.Task, rd *RenameData, oldLast, newLast *dcache.Qstr) int {
	targetFlags := LOOKUP_RENAME_TARGET | LOOKUP_CREATE
	if rd.Flags&RENAME_EXCHANGE != 0 {
		targetFlags = 0
	}
	if rd.Flags&RENAME_NOREPLACE != 0 {
		targetFlags |= LOOKUP_EXCL
	}
	trap := LockRename(t, rd.OldParent, rd.NewParent)
	if sim.IsErr(trap) {
		return sim.PtrErr(trap)
	}
	d1 := s.LookupOneQstrExcl(t, oldLast, rd.OldParent, 0)
	if sim.IsErr(d1) {
		UnlockRename(t, rd.OldParent, rd.NewParent)
		return sim.PtrErr(d1)
	}
	d2 := s.LookupOneQstrExcl(t, newLast, rd.NewParent, targetFlags)
	if sim.IsErr(d2) {
		dcache.Dput(t, d1)
		UnlockRename(t, rd.OldParent, rd.NewParent)
		return sim.PtrErr(d2)
	}
	err := 0
	if d1 == trap {
		err = -int(sim.EINVAL)
	} else if d2 == trap {
		err = -int(sim.ENOTEMPTY)
		if rd.Flags&RENAME_EXCHANGE != 0 {
			err = -int(sim.EINVAL)
		}
	}
	if err != 0 {
		dcache.Dput(t, d2)
		dcache.Dput(t, d1)
		UnlockRename(t, rd.OldParent, rd.NewParent)
		return err
	}
	rd.OldDentry, rd.NewDentry = d1, d2
	dcache.Dget(t, rd.OldParent)
	return 0
}

// endRenaming is end_renaming (fs/namei.c, 7.0).
func (s *System) endRenaming(t *sim.Task, rd *RenameData) {
	UnlockRename(t, rd.OldParent, rd.NewParent)
	dcache.Dput(t, rd.OldDentry)
	dcache.Dput(t, rd.NewDentry)
	dcache.Dput(t, rd.OldParent)
}

// lockTwoNondirectories is lock_two_nondirectories (fs/inode.c): in
// address order, which is inode-number order here (a deterministic stand
// in); nil sorts first.
func lockTwoNondirectories(t *sim.Task, i1, i2 *dcache.Inode) {
	if i1 == nil || (i2 != nil && i1.ID() > i2.ID()) {
		i1, i2 = i2, i1
	}
	if i1 != nil {
		InodeLock(t, i1)
	}
	if i2 != nil && i2 != i1 {
		InodeLockNested(t, i2, I_MUTEX_NONDIR2)
	}
}

func unlockTwoNondirectories(t *sim.Task, i1, i2 *dcache.Inode) {
	if i1 != nil {
		InodeUnlock(t, i1)
	}
	if i2 != nil && i2 != i1 {
		InodeUnlock(t, i2)
	}
}

// VfsRename is vfs_rename (fs/namei.c, 7.0): check, lock the children
// (a directory changing parent I_MUTEX_CHILD, a target victim, non
// directories in address order), call ->rename, then d_move or
// d_exchange.
func (s *System) VfsRename(t *sim.Task, rd *RenameData) int {
	oldDir, newDir := rd.OldParent.DInode, rd.NewParent.DInode
	oldDentry, newDentry := rd.OldDentry, rd.NewDentry
	flags := rd.Flags
	isDir := oldDentry.DInode.IMode.IsDir()
	source, target := oldDentry.DInode, newDentry.DInode
	newIsDir := false
	if source == target {
		return 0
	}
	if err := mayDelete(t, oldDir, oldDentry, isDir); err != 0 {
		return err
	}
	var err int
	if target == nil {
		err = mayCreate(newDir, newDentry)
	} else {
		newIsDir = target.IMode.IsDir()
		if flags&RENAME_EXCHANGE == 0 {
			err = mayDelete(t, newDir, newDentry, isDir)
		} else {
			err = mayDelete(t, newDir, newDentry, newIsDir)
		}
	}
	if err != 0 {
		return err
	}
	op := Iop(oldDir)
	if op == nil || op.Rename == nil {
		return -int(sim.EPERM)
	}
	dcache.Dget(t, newDentry)
	lockOldSubdir := newDir != oldDir
	lockNewSubdir := newDir != oldDir || flags&RENAME_EXCHANGE == 0
	switch {
	case isDir:
		if lockOldSubdir {
			InodeLockNested(t, source, I_MUTEX_CHILD)
		}
		if target != nil && (!newIsDir || lockNewSubdir) {
			InodeLock(t, target)
		}
	case newIsDir:
		if lockNewSubdir {
			InodeLockNested(t, target, I_MUTEX_CHILD)
		}
		InodeLock(t, source)
	default:
		lockTwoNondirectories(t, source, target)
	}
	err = op.Rename(t, oldDir, oldDentry, newDir, newDentry, flags)
	if err == 0 {
		if flags&RENAME_EXCHANGE == 0 && target != nil && isDir {
			dcache.ShrinkDcacheParent(t, newDentry)
			target.IFlags |= dcache.S_DEAD
		}
		if flags&RENAME_EXCHANGE == 0 {
			dcache.DMove(t, oldDentry, newDentry)
		} else {
			dcache.DExchange(t, oldDentry, newDentry)
		}
	}
	switch {
	case isDir:
		if lockOldSubdir {
			InodeUnlock(t, source)
		}
		if target != nil && (!newIsDir || lockNewSubdir) {
			InodeUnlock(t, target)
		}
	case newIsDir:
		if lockNewSubdir {
			InodeUnlock(t, target)
		}
		InodeUnlock(t, source)
	default:
		unlockTwoNondirectories(t, source, target)
	}
	dcache.Dput(t, newDentry)
	return err
}
