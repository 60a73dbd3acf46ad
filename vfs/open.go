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

// buildOpenFlags is the lookup part of build_open_flags (fs/open.c):
// O_CREAT|O_EXCL implies O_NOFOLLOW; a trailing symlink is followed
// unless O_NOFOLLOW.
func buildOpenFlags(flags int) LookupFlags {
	if flags&(O_CREAT|O_EXCL) == O_CREAT|O_EXCL {
		flags |= O_NOFOLLOW
	}
	var lf LookupFlags
	if flags&O_DIRECTORY != 0 {
		lf |= LOOKUP_DIRECTORY
	}
	if flags&O_NOFOLLOW == 0 {
		lf |= LOOKUP_FOLLOW
	}
	return lf
}

// pathOpenat is path_openat (fs/namei.c, 6.18): walk to the parent,
// look up (or create) the last component, follow it if it is a symlink
// to follow, and open what the walk ends on. -EOPENSTALE (a filesystem
// that found the dentry stale at open) becomes -ECHILD in RCU-walk and
// -ESTALE otherwise, so that do_filp_open retries.
func (s *System) pathOpenat(t *sim.Task, nd *nameidata, path string, flags int, lf LookupFlags) (*File, int) {
	file := filePool.New(t.World())
	file.Flags = flags
	t.Alloc(&file.Object, "file") // alloc_empty_file
	name, err := s.pathInit(t, nd, path, lf)
	for err == 0 {
		if err = s.linkPathWalk(t, nd, name); err != 0 {
			break
		}
		if name, err = s.openLast(t, nd, file, flags); name == "" {
			break
		}
	}
	if err == 0 {
		err = s.doOpen(t, nd, file, flags)
	}
	if err == 0 {
		file.Path, nd.path = nd.path, nil
	}
	terminateWalk(t, nd)
	if err != 0 {
		t.Free(&file.Object)
		if err == -int(sim.EOPENSTALE) {
			// The filesystem found the dentry stale at open: redo the
			// walk (in ref-walk, then with LOOKUP_REVAL).
			if lf&LOOKUP_RCU != 0 {
				err = -int(sim.ECHILD)
			} else {
				err = -int(sim.ESTALE)
			}
		}
		return nil, err
	}
	return file, 0
}

// openLast is open_last_lookups (fs/namei.c, 6.18) around the model's
// lookup of the last component (openLastLookups), then step_into with
// WALK_TRAILING: a non-empty result is a symlink body to walk.
//
// Divergence: the last component is looked up in ref-walk (the kernel
// may stay in RCU-walk for a dcache hit without O_CREAT): the walk
// leaves RCU-walk first.
func (s *System) openLast(t *sim.Task, nd *nameidata, file *File, flags int) (string, int) {
	if nd.lastType != LAST_NORM {
		if nd.depth > 0 {
			putLink(t, nd)
		}
		return s.handleDots(t, nd, nd.lastType)
	}
	if nd.rcu() && !tryToUnlazy(t, nd) {
		return "", -int(sim.ECHILD)
	}
	if flags&O_CREAT == 0 {
		if nd.lastSlash {
			nd.flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY
		}
	} else if nd.lastSlash {
		return "", -int(sim.EISDIR)
	}
	dentry := s.openLastLookups(t, nd.path, nd.last.Name, file, flags)
	if sim.IsErr(dentry) {
		return "", sim.PtrErr(dentry)
	}
	if nd.depth > 0 {
		putLink(t, nd)
	}
	return s.stepInto(t, nd, WALK_TRAILING, dentry)
}

// doOpen is the part of do_open (fs/namei.c, 6.18) and may_open the
// model has: complete_walk, then the checks on what the walk ended on.
func (s *System) doOpen(t *sim.Task, nd *nameidata, file *File, flags int) int {
	if err := completeWalk(t, nd); err != 0 {
		return err
	}
	dentry := nd.path
	switch {
	case flags&O_CREAT != 0 && flags&O_EXCL != 0 && file.FMode&FMODE_CREATED == 0:
		return -int(sim.EEXIST)
	case dentry.DInode == nil:
		return -int(sim.ENOENT)
	case nd.flags&LOOKUP_DIRECTORY != 0 && !dCanLookup(dentry):
		return -int(sim.ENOTDIR)
	case dentry.DInode.IMode == dcache.S_IFLNK:
		return -int(sim.ELOOP) // may_open
	case dentry.DInode.IMode.IsDir() && flags&(O_WRONLY|O_RDWR|O_CREAT) != 0:
		return -int(sim.EISDIR)
	case dentry.DInode.IMode == dcache.S_IFCHR || dentry.DInode.IMode == dcache.S_IFWHT:
		// do_dentry_open -> chrdev_open (fs/char_dev.c): no driver has
		// the device's number. Divergence: device numbers are not
		// modeled; every character device, the whiteout's 0/0
		// included, is one without a driver.
		return -int(sim.ENXIO)
	}
	if file.FMode&FMODE_OPENED != 0 {
		return 0 // ->atomic_open opened it (finish_open): no vfs_open
	}
	return doDentryOpen(t, dentry, file)
}

// doDentryOpen is the part of vfs_open / do_dentry_open (fs/open.c,
// 6.18) the model has: f_path, f_op from i_fop, then ->open, and only
// then FMODE_OPENED.
func doDentryOpen(t *sim.Task, dentry *dcache.Dentry, file *File) int {
	file.Path = dentry // not counted: path_openat hands nd->path over on success
	if fop, ok := dentry.DInode.Private.(IFopper); ok {
		file.FOp = fop.IFop()
	}
	if file.FOp != nil && file.FOp.Open != nil {
		if err := file.FOp.Open(t, dentry.DInode, file); err != 0 {
			file.Path, file.FOp = nil, nil
			return err
		}
	}
	file.FMode |= FMODE_OPENED
	return 0
}

// FinishOpen is finish_open (fs/open.c, 7.0), for ->atomic_open: open
// the file on dentry (FMODE_OPENED), calling open, when not nil, where
// do_dentry_open would call f_op->open.
func FinishOpen(t *sim.Task, file *File, dentry *dcache.Dentry, open func(t *sim.Task, inode *dcache.Inode, file *File) int) int {
	file.Path = dentry
	if fop, ok := dentry.DInode.Private.(IFopper); ok {
		file.FOp = fop.IFop()
	}
	if open != nil {
		if err := open(t, dentry.DInode, file); err != 0 {
			file.Path, file.FOp = nil, nil
			return err
		}
	}
	file.FMode |= FMODE_OPENED
	return 0
}

// FinishNoOpen is finish_no_open (fs/open.c, 7.0), for ->atomic_open:
// the open is left to the VFS on dentry (NULL: the dentry it passed);
// an ERR_PTR is returned as the error.
func FinishNoOpen(file *File, dentry *dcache.Dentry) int {
	if sim.IsErr(dentry) {
		return sim.PtrErr(dentry)
	}
	file.Path = dentry
	return 0
}
