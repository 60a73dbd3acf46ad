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
// ended on.
func (s *System) atomicOpen(t *sim.Task, dir *dcache.Dentry, dentry *dcache.Dentry, file *File, openFlags int, mode dcache.Mode) *dcache.Dentry {
	inode := dir.DInode
	file.Path = dentryNotSet
	err := Iop(inode).AtomicOpen(t, inode, dentry, file, openFlags, mode)
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
func (s *System) lookupOpen(t *sim.Task, dir *dcache.Dentry, name *dcache.Qstr, file *File, openFlags int, mode dcache.Mode, ndFlags LookupFlags, wq *dcache.WaitQueue) *dcache.Dentry {
	dirInode := dir.DInode
	var sharedFlag LookupFlags
	if openFlags&O_CREAT == 0 && s.Has(variant.P07LookupShared) {
		sharedFlag = LOOKUP_SHARED
	}
	if IsDeadDir(dirInode) {
		return errPtr(sim.ENOENT)
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
		res := s.callLookup(t, dirInode, dentry, ndFlags|sharedFlag)
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

// openLastLookups is open_last_lookups (fs/namei.c, 7.0) for a normal last
// component: lookup_fast (skipped for O_CREAT|O_EXCL), else lock the
// parent (exclusive for O_CREAT, shared otherwise) around lookup_open.
// In the Pdirops regime the name's dentry is found with d_alloc_parallel
// before the parent is locked.
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
	if s.Regime == variant.Pdirops {
		return s.openLastPdirops(t, dir, &q, file, openFlags, ndFlags, wq)
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

// openLastPdirops looks the name up with d_alloc_parallel and ->lookup
// under the shared lock, then, for O_CREAT, takes the parent exclusive to
// create a still-negative, still-hashed dentry.
func (s *System) openLastPdirops(t *sim.Task, dir *dcache.Dentry, q *dcache.Qstr, file *File, openFlags int, ndFlags LookupFlags, wq *dcache.WaitQueue) *dcache.Dentry {
	inode := dir.DInode
	for {
		dentry := s.lookupSlowPdirops(t, q, dir, ndFlags|LOOKUP_SHARED)
		if sim.IsErr(dentry) || dentry.DInode != nil || openFlags&O_CREAT == 0 {
			return dentry
		}
		InodeLock(t, inode)
		if dcache.DUnhashed(t, dentry) || dentry.DParent != dir || dentry.DInode != nil {
			InodeUnlock(t, inode)
			dcache.Dput(t, dentry)
			t.CPURelax()
			continue
		}
		var err int
		if IsDeadDir(inode) {
			err = -int(sim.ENOENT)
		} else if op := Iop(inode); op.Create == nil {
			err = -int(sim.EACCES)
		} else {
			file.FMode |= FMODE_CREATED
			err = op.Create(t, inode, dentry, dcache.S_IFREG, openFlags&O_EXCL != 0)
		}
		InodeUnlock(t, inode)
		if err != 0 {
			dcache.Dput(t, dentry)
			return errPtr(sim.Errno(-err))
		}
		return dentry
	}
}
