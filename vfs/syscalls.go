package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// The syscall layer: what scenario tasks call. Each returns the kernel's
// result: 0, a file descriptor or a count, or -errno. Paths are resolved
// from the namespace root.

// Stat is stat(2) (vfs_statx with LOOKUP_FOLLOW): resolve path,
// following a trailing symlink, and report the inode number and type.
func (s *System) Stat(t *sim.Task, path string) (uint64, dcache.Mode, int) {
	return s.statx(t, path, LOOKUP_FOLLOW)
}

// Lstat is lstat(2) (AT_SYMLINK_NOFOLLOW): a trailing symlink is
// reported itself.
func (s *System) Lstat(t *sim.Task, path string) (uint64, dcache.Mode, int) {
	return s.statx(t, path, 0)
}

// statx is vfs_statx: filename_lookup with the given flags, then the
// inode's attributes.
func (s *System) statx(t *sim.Task, path string, flags LookupFlags) (uint64, dcache.Mode, int) {
	d, err := s.KernPath(t, path, flags)
	if err != 0 {
		return 0, 0, err
	}
	ino, mode := d.DInode.IIno, d.DInode.IMode
	dcache.Dput(t, d)
	return ino, mode, 0
}

// Mkdir is mkdirat (filename_mkdirat, fs/namei.c 7.0), retried with
// LOOKUP_REVAL on -ESTALE (retry_estale).
func (s *System) Mkdir(t *sim.Task, path string) int {
	return retryOnEstale(t, LOOKUP_DIRECTORY, func(lookupFlags LookupFlags) (int, bool) {
		parent, dentry := s.filenameCreate(t, path, lookupFlags)
		if sim.IsErr(dentry) {
			return sim.PtrErr(dentry), false
		}
		dentry = s.VfsMkdir(t, parent.DInode, dentry)
		err := 0
		if sim.IsErr(dentry) {
			err = sim.PtrErr(dentry)
		}
		s.EndCreating(t, dentry) // end_creating_path
		dcache.Dput(t, parent)
		return err, true
	})
}

// Mknod is mknodat (filename_mknodat): a regular file (or a whiteout);
// retried with LOOKUP_REVAL on -ESTALE.
func (s *System) Mknod(t *sim.Task, path string, mode dcache.Mode) int {
	return retryOnEstale(t, 0, func(lookupFlags LookupFlags) (int, bool) {
		parent, dentry := s.filenameCreate(t, path, lookupFlags)
		if sim.IsErr(dentry) {
			return sim.PtrErr(dentry), false
		}
		var err int
		if mode == dcache.S_IFREG {
			err = s.VfsCreate(t, dentry, mode, true)
		} else {
			err = s.VfsMknod(t, parent.DInode, dentry, mode)
		}
		s.EndCreating(t, dentry)
		dcache.Dput(t, parent)
		return err, true
	})
}

// Symlink is symlinkat (filename_symlinkat), retried with LOOKUP_REVAL
// on -ESTALE.
func (s *System) Symlink(t *sim.Task, target, path string) int {
	return retryOnEstale(t, 0, func(lookupFlags LookupFlags) (int, bool) {
		parent, dentry := s.filenameCreate(t, path, lookupFlags)
		if sim.IsErr(dentry) {
			return sim.PtrErr(dentry), false
		}
		err := s.VfsSymlink(t, parent.DInode, dentry, target)
		s.EndCreating(t, dentry)
		dcache.Dput(t, parent)
		return err, true
	})
}

// Link is linkat (filename_linkat) without AT_SYMLINK_FOLLOW (how = 0),
// retried with LOOKUP_REVAL on -ESTALE; filename_create gets how's
// LOOKUP_REVAL.
func (s *System) Link(t *sim.Task, oldPath, newPath string) int {
	return retryOnEstale(t, 0, func(how LookupFlags) (int, bool) {
		old, err := s.KernPath(t, oldPath, how)
		if err != 0 {
			return err, false
		}
		parent, dentry := s.filenameCreate(t, newPath, how&LOOKUP_REVAL)
		if sim.IsErr(dentry) {
			dcache.Dput(t, old)
			return sim.PtrErr(dentry), false
		}
		err = s.VfsLink(t, old, parent.DInode, dentry)
		s.EndCreating(t, dentry)
		dcache.Dput(t, parent)
		dcache.Dput(t, old) // path_put(&old_path), before the retry as after it
		return err, true
	})
}

// removeAt is the common part of filename_unlinkat and filename_rmdir,
// retried with LOOKUP_REVAL on -ESTALE.
func (s *System) removeAt(t *sim.Task, path string, rmdir bool) int {
	return retryOnEstale(t, 0, func(lookupFlags LookupFlags) (int, bool) {
		parent, last, err := s.pathWalk(t, path, true, lookupFlags)
		if err != 0 {
			return err, false
		}
		err = s.removeLast(t, parent, last, rmdir, lookupFlags)
		dcache.Dput(t, parent) // path_put, before retry_estale
		return err, true
	})
}

// removeLast is one try of filename_unlinkat / filename_rmdir after the
// parent walk: start_dirop with lookup_flags, then vfs_unlink or
// vfs_rmdir.
func (s *System) removeLast(t *sim.Task, parent *dcache.Dentry, last string, rmdir bool, lookupFlags LookupFlags) (err int) {
	if last == "." || last == ".." {
		if rmdir {
			return -int(sim.EINVAL)
		}
		return -int(sim.EISDIR)
	}
	q, herr := hashName(t, parent, last)
	if herr != 0 {
		return herr
	}
	dentry := s.startRemoving(t, parent, &q, lookupFlags)
	if sim.IsErr(dentry) {
		return sim.PtrErr(dentry)
	}
	if rmdir {
		err = s.VfsRmdir(t, parent.DInode, dentry)
	} else {
		inode := dentry.DInode
		dcache.Ihold(t, inode)
		err = s.VfsUnlink(t, parent.DInode, dentry)
		defer dcache.Iput(t, inode) // after end_removing, as filename_unlinkat does
	}
	s.EndRemoving(t, dentry)
	return err
}

// Unlink is unlinkat (filename_unlinkat, fs/namei.c 7.0).
func (s *System) Unlink(t *sim.Task, path string) int { return s.removeAt(t, path, false) }

// Rmdir is rmdir (filename_rmdir, fs/namei.c 7.0).
func (s *System) Rmdir(t *sim.Task, path string) int { return s.removeAt(t, path, true) }

// Rename is renameat2 (filename_renameat2, fs/namei.c 7.0), retried
// with LOOKUP_REVAL on -ESTALE once both parent walks succeeded
// (should_retry is set at exit2).
func (s *System) Rename(t *sim.Task, oldPath, newPath string, flags uint) int {
	if flags&^(RENAME_NOREPLACE|RENAME_EXCHANGE|RENAME_WHITEOUT) != 0 {
		return -int(sim.EINVAL)
	}
	if flags&(RENAME_NOREPLACE|RENAME_WHITEOUT) != 0 && flags&RENAME_EXCHANGE != 0 {
		return -int(sim.EINVAL)
	}
	return retryOnEstale(t, 0, func(lookupFlags LookupFlags) (int, bool) {
		oldParent, oldLast, err := s.pathWalk(t, oldPath, true, lookupFlags)
		if err != 0 {
			return err, false
		}
		defer dcache.Dput(t, oldParent)
		newParent, newLast, err := s.pathWalk(t, newPath, true, lookupFlags)
		if err != 0 {
			return err, false
		}
		defer dcache.Dput(t, newParent)
		return s.renameParents(t, oldParent, newParent, oldLast, newLast, flags, lookupFlags), true
	})
}

// renameParents is one try of filename_renameat2 after both parent
// walks: the last components' checks, start_renaming and vfs_rename.
func (s *System) renameParents(t *sim.Task, oldParent, newParent *dcache.Dentry, oldLast, newLast string, flags uint, lookupFlags LookupFlags) int {
	var err int
	if oldLast == "." || oldLast == ".." {
		return -int(sim.EBUSY)
	}
	if newLast == "." || newLast == ".." {
		if flags&RENAME_NOREPLACE != 0 {
			return -int(sim.EEXIST)
		}
		return -int(sim.EBUSY)
	}
	oq, herr := hashName(t, oldParent, oldLast)
	if herr != 0 {
		return herr
	}
	nq, herr := hashName(t, newParent, newLast)
	if herr != 0 {
		return herr
	}
	rd := &RenameData{OldParent: oldParent, NewParent: newParent, Flags: flags}
	if err := s.startRenaming(t, rd, lookupFlags, heapQstr(t, oq), heapQstr(t, nq)); err != 0 {
		return err
	}
	if flags&RENAME_EXCHANGE != 0 && rd.NewDentry.DInode == nil {
		err = -int(sim.ENOENT)
	} else {
		err = s.VfsRename(t, rd)
	}
	s.EndRenaming(t, rd)
	return err
}

// Open is openat (do_filp_open, fs/namei.c 6.18): a file descriptor or
// -errno.
func (s *System) Open(t *sim.Task, path string, flags int) int {
	// build_open_flags (fs/open.c, 6.4+): O_DIRECTORY|O_CREAT is invalid.
	if flags&(O_DIRECTORY|O_CREAT) == O_DIRECTORY|O_CREAT {
		return -int(sim.EINVAL)
	}
	if path == "" {
		return -int(sim.ENOENT) // getname: the empty path
	}
	var file *File
	err := s.retryWalk(t, buildOpenFlags(flags), func(nd *nameidata, lf LookupFlags) int {
		var err int
		file, err = s.pathOpenat(t, nd, path, flags, lf)
		return err
	})
	if err != 0 {
		return err
	}
	return s.installFd(file)
}

func (s *System) installFd(f *File) int {
	for i, x := range s.files {
		if x == nil {
			s.files[i] = f
			return i
		}
	}
	s.files = fileSlices.Append(s.C.W, s.files, f)
	return len(s.files) - 1
}

// Close is close(2): fput.
func (s *System) Close(t *sim.Task, fd int) int {
	if fd < 0 || fd >= len(s.files) || s.files[fd] == nil {
		return -int(sim.EINVAL)
	}
	f := s.files[fd]
	s.files[fd] = nil
	if f.FOp != nil && f.FOp.Release != nil {
		f.FOp.Release(t, f.Path.DInode, f)
	}
	dcache.Dput(t, f.Path)
	t.Free(&f.Object)
	return 0
}

// Getdents reads a whole directory (getdents64 until it returns nothing).
func (s *System) Getdents(t *sim.Task, fd int) ([]Dirent, int) {
	if fd < 0 || fd >= len(s.files) || s.files[fd] == nil {
		return nil, -int(sim.EINVAL)
	}
	f := s.files[fd]
	var out []Dirent
	ctx := &DirContext{Actor: func(name string, ino uint64, mode dcache.Mode) bool {
		out = append(out, Dirent{name, ino, mode})
		return true
	}}
	if res := s.IterateDir(t, f, ctx); res < 0 {
		return nil, res
	}
	return out, 0
}

// MemoryPressure prunes up to n unused dentries of every superblock from
// the LRU (the shrinker).
func (s *System) MemoryPressure(t *sim.Task, sb *dcache.SuperBlock, n int) int {
	return dcache.PruneDcacheSb(t, sb, n)
}

// DropCaches is "echo 2 > /proc/sys/vm/drop_caches" for one superblock.
func (s *System) DropCaches(t *sim.Task, sb *dcache.SuperBlock) { dcache.DropCaches(t, sb) }

// OpenFiles lists the open files (for leak walkers and dumps).
func (s *System) OpenFiles() []*File { return s.files }

// MarkReachable is a roots walker for World.Roots: the namespace from
// Root, and the open files with their dentries, those dentries'
// ancestors, and their inodes.
func (s *System) MarkReachable(mark func(*sim.Object)) {
	if s.Root != nil {
		dcache.MarkTree(s.Root, mark)
	}
	for _, f := range s.files {
		if f == nil {
			continue
		}
		mark(&f.Object)
		for d := f.Path; d != nil; d = d.DParent {
			mark(&d.Object)
			if d.DInode != nil {
				mark(&d.DInode.Object)
			}
			if d.DParent == d {
				break
			}
		}
	}
}
