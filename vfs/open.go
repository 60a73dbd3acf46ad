package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// dentryNotSet is DENTRY_NOT_SET, the marker ->atomic_open must replace.
var dentryNotSet = &dcache.Dentry{}

// atomicOpen is atomic_open (fs/namei.c, 7.0): call ->atomic_open, end
// the in-lookup state unconditionally, and sort out which dentry the open
// ended on. RFC 52/53 (hunks @@ -4319,8 +4372,19 @@ and @@ -4339,6
// +4403,13 @@) takes the parent's lock here, exclusive for O_CREAT and
// shared otherwise, and under it finishes without opening a dentry that
// became positive (finish_no_open) and fails a dead directory.
func (s *System) atomicOpen(t *sim.Task, dir *dcache.Dentry, dentry *dcache.Dentry, file *File, openFlags int, mode dcache.Mode) *dcache.Dentry {
	inode := dir.DInode
	file.Path = dentryNotSet
	var err int
	if s.Has(variant.P52LiftDAllocParallel) {
		if openFlags&O_CREAT != 0 {
			InodeLock(t, inode)
		} else {
			InodeLockShared(t, inode)
		}
		switch {
		case dentry.DInode != nil:
			file.Path = nil // finish_no_open(file, NULL)
		case IsDeadDir(inode):
			err = -int(sim.ENOENT)
		default:
			err = Iop(inode).AtomicOpen(t, inode, dentry, file, openFlags, mode)
		}
	} else {
		err = Iop(inode).AtomicOpen(t, inode, dentry, file, openFlags, mode)
	}
	dcache.DLookupDone(t, dentry)
	if err == 0 {
		switch {
		case file.FMode&FMODE_OPENED != 0:
			if dentry != file.Path {
				dcache.Dput(t, dentry)
				dentry = dcache.Dget(t, file.Path)
			}
		case t.WarnOn(file.Path == dentryNotSet, "file->f_path.dentry == DENTRY_NOT_SET"):
			err = -int(sim.EIO)
		default:
			if file.Path != nil {
				dcache.Dput(t, dentry)
				dentry = file.Path
			}
			if dentry.DInode == nil {
				err = -int(sim.ENOENT)
			}
		}
	}
	if s.Has(variant.P52LiftDAllocParallel) {
		if openFlags&O_CREAT != 0 {
			InodeUnlock(t, inode)
		} else {
			InodeUnlockShared(t, inode)
		}
	}
	if err != 0 {
		dcache.Dput(t, dentry)
		return errPtr(sim.Errno(-err))
	}
	return dentry
}

// lookupOpen is lookup_open (fs/namei.c, 7.0): the parent is locked,
// exclusive with O_CREAT and shared otherwise. Find or create the
// dentry; ->atomic_open if the directory has it, else ->lookup on an
// in-lookup dentry and ->create for O_CREAT.
//
// RFC 52/53 (hunks @@ -4372,10 +4443,6 @@, @@ -4439,8 +4506,15 @@ and
// @@ -4459,15 +4533,22 @@): the caller holds no lock and the dead
// directory check moves under the locks taken here: shared around
// ->lookup (told LOOKUP_SHARED until RFC 53/53), exclusive around
// ->create, which runs only if the dentry is still negative (-ENOENT for
// a directory that died). Posted as it is, a directory without ->create
// returns -EACCES with the exclusive lock still held (goto out_dput
// inside the locked section).
func (s *System) lookupOpen(t *sim.Task, dir *dcache.Dentry, name *dcache.Qstr, file *File, openFlags int, mode dcache.Mode, ndFlags LookupFlags, wq *dcache.WaitQueue) *dcache.Dentry {
	dirInode := dir.DInode
	rfc52 := s.Has(variant.P52LiftDAllocParallel)
	var sharedFlag LookupFlags
	if !rfc52 {
		if openFlags&O_CREAT == 0 && s.Has(variant.P07LookupShared) {
			sharedFlag = LOOKUP_SHARED
		}
		if IsDeadDir(dirInode) {
			return errPtr(sim.ENOENT)
		}
	}
	file.FMode &^= FMODE_CREATED
	dentry := dcache.DLookup(t, dir, name)
	for {
		if dentry == nil {
			dentry = dcache.DAllocParallel(t, dir, name, wq)
			if sim.IsErr(dentry) {
				return dentry
			}
		}
		if dcache.DInLookup(t, dentry) {
			break
		}
		err := DRevalidate(t, dirInode, name, dentry, ndFlags)
		if err > 0 {
			break
		}
		if err != 0 {
			dcache.Dput(t, dentry)
			return errPtr(sim.Errno(-err))
		}
		dcache.DInvalidate(t, dentry)
		dcache.Dput(t, dentry)
		dentry = nil
	}
	if dentry.DInode != nil {
		return dentry // cached positive: no ->atomic_open
	}
	op := Iop(dirInode)
	if op.AtomicOpen != nil {
		return s.atomicOpen(t, dir, dentry, file, openFlags, mode)
	}
	if dcache.DInLookup(t, dentry) {
		var res *dcache.Dentry
		if rfc52 {
			InodeLockShared(t, dirInode)
			if IsDeadDir(dirInode) {
				res = errPtr(sim.ENOENT)
			} else {
				res = s.callLookup(t, dirInode, dentry, ndFlags|s.lookupShared())
			}
			InodeUnlockShared(t, dirInode)
		} else {
			res = s.callLookup(t, dirInode, dentry, ndFlags|sharedFlag)
		}
		dcache.DLookupDone(t, dentry)
		if res != nil {
			if sim.IsErr(res) {
				dcache.Dput(t, dentry)
				return res
			}
			dcache.Dput(t, dentry)
			dentry = res
		}
	}
	if dentry.DInode == nil && openFlags&O_CREAT != 0 {
		if rfc52 {
			return s.lookupOpenCreate52(t, dirInode, dentry, file, openFlags)
		}
		file.FMode |= FMODE_CREATED
		if op.Create == nil {
			dcache.Dput(t, dentry)
			return errPtr(sim.EACCES)
		}
		if err := op.Create(t, dirInode, dentry, dcache.S_IFREG, openFlags&O_EXCL != 0); err != 0 {
			dcache.Dput(t, dentry)
			return errPtr(sim.Errno(-err))
		}
	}
	return dentry
}

// lookupOpenCreate52 is lookup_open's create step as RFC 52/53 posts it
// (hunk @@ -4459,15 +4533,22 @@): the parent exclusive around ->create
// of a dentry still negative in a live directory; -ENOENT if the
// directory died, the dentry as it is if it became positive.
func (s *System) lookupOpenCreate52(t *sim.Task, dirInode *dcache.Inode, dentry *dcache.Dentry, file *File, openFlags int) *dcache.Dentry {
	op := Iop(dirInode)
	var err int
	InodeLock(t, dirInode)
	if dentry.DInode == nil && !IsDeadDir(dirInode) {
		file.FMode |= FMODE_CREATED
		if op.Create == nil {
			t.Mark("lookup_open: -EACCES with the parent still locked")
			dcache.Dput(t, dentry) // goto out_dput, as posted: no inode_unlock
			return errPtr(sim.EACCES)
		}
		err = op.Create(t, dirInode, dentry, dcache.S_IFREG, openFlags&O_EXCL != 0)
	} else if dentry.DInode == nil {
		err = -int(sim.ENOENT)
	}
	InodeUnlock(t, dirInode)
	if err != 0 {
		dcache.Dput(t, dentry)
		return errPtr(sim.Errno(-err))
	}
	return dentry
}

// openLastLookups is open_last_lookups (fs/namei.c, 7.0) for a normal last
// component: lookup_fast (skipped for O_CREAT|O_EXCL), else lock the
// parent (exclusive for O_CREAT, shared otherwise) around lookup_open.
// RFC 52/53 (hunks @@ -4522,7 +4603,6 @@ and @@ -4562,22 +4642,11 @@)
// removes that lock: lookup_open takes what it needs after
// d_alloc_parallel.
func (s *System) openLastLookups(t *sim.Task, dir *dcache.Dentry, last string, file *File, openFlags int) *dcache.Dentry {
	ndFlags := LOOKUP_OPEN
	if openFlags&O_CREAT != 0 {
		ndFlags |= LOOKUP_CREATE
		if openFlags&O_EXCL != 0 {
			ndFlags |= LOOKUP_EXCL
		}
	}
	q, herr := hashName(t, dir, last)
	if herr != 0 {
		return errPtr(sim.Errno(-herr))
	}
	if openFlags&(O_CREAT|O_EXCL) != O_CREAT|O_EXCL {
		dentry := s.lookupFastRef(t, dir, &q, ndFlags)
		if sim.IsErr(dentry) {
			return dentry
		}
		if dentry != nil && (dentry.DInode != nil || openFlags&O_CREAT == 0) {
			return dentry
		}
		dcache.Dput(t, dentry) // negative and O_CREAT: needs the lock
	}
	wq := s.onStackWaitQueue(t)
	defer releaseWaitQueue(t, wq)
	if s.Has(variant.P52LiftDAllocParallel) {
		return s.lookupOpen(t, dir, &q, file, openFlags, dcache.S_IFREG, ndFlags, wq)
	}
	inode := dir.DInode
	if openFlags&O_CREAT != 0 {
		InodeLock(t, inode)
	} else {
		InodeLockShared(t, inode)
	}
	dentry := s.lookupOpen(t, dir, &q, file, openFlags, dcache.S_IFREG, ndFlags, wq)
	if openFlags&O_CREAT != 0 {
		InodeUnlock(t, inode)
	} else {
		InodeUnlockShared(t, inode)
	}
	return dentry
}
