package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// inodePermission is inode_permission (fs/namei.c, 7.0) reduced to the
// filesystem's ->permission; without one it is generic_permission, which
// grants everything to the model's tasks (root, no mode bits).
func inodePermission(t *sim.Task, inode *dcache.Inode, mask int) int {
	if op := Iop(inode); op != nil && op.Permission != nil {
		return op.Permission(t, inode, mask)
	}
	return 0
}

// mayCreate is may_create_dentry (fs/namei.c, 7.0); of the permission
// checks only the filesystem's ->permission is modeled.
func mayCreate(t *sim.Task, dir *dcache.Inode, child *dcache.Dentry) int {
	if child.DInode != nil {
		return -int(sim.EEXIST)
	}
	if IsDeadDir(dir) {
		return -int(sim.ENOENT)
	}
	return inodePermission(t, dir, MAY_WRITE|MAY_EXEC)
}

// mayDelete is may_delete_dentry (fs/namei.c, 7.0); of the permission
// checks only the filesystem's ->permission is modeled.
func mayDelete(t *sim.Task, dir *dcache.Inode, victim *dcache.Dentry, isdir bool) int {
	if victim.DInode == nil {
		return -int(sim.ENOENT)
	}
	t.BugOn(victim.DParent.DInode != dir, "victim->d_parent->d_inode != dir")
	if err := inodePermission(t, dir, MAY_WRITE|MAY_EXEC); err != 0 {
		return err
	}
	if isdir {
		if !victim.DInode.IMode.IsDir() {
			return -int(sim.ENOTDIR)
		}
		if dcache.IsRoot(victim) {
			return -int(sim.EBUSY)
		}
	} else if victim.DInode.IMode.IsDir() {
		return -int(sim.EISDIR)
	}
	if IsDeadDir(dir) {
		return -int(sim.ENOENT)
	}
	if victim.DFlags&dcache.DCACHE_NFSFS_RENAMED != 0 {
		return -int(sim.EBUSY)
	}
	return 0
}

// VfsCreate is vfs_create (fs/namei.c, 7.0); the parent is locked.
func (s *System) VfsCreate(t *sim.Task, dentry *dcache.Dentry, mode dcache.Mode, excl bool) int {
	dir := dentry.DParent.DInode
	if err := mayCreate(t, dir, dentry); err != 0 {
		return err
	}
	op := Iop(dir)
	if op == nil || op.Create == nil {
		return -int(sim.EACCES)
	}
	return op.Create(t, dir, dentry, mode, excl)
}

// VfsMkdir is vfs_mkdir (fs/namei.c, 7.0): the result may be a different
// dentry (a spliced alias); on error the dirop has already been ended
// (parent unlocked, dentry put) and an ERR_PTR is returned.
func (s *System) VfsMkdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) *dcache.Dentry {
	err := mayCreate(t, dir, dentry)
	if err == 0 {
		op := Iop(dir)
		if op == nil || op.Mkdir == nil {
			err = -int(sim.EPERM)
		} else {
			de := op.Mkdir(t, dir, dentry)
			if !sim.IsErr(de) {
				if de != nil {
					dcache.Dput(t, dentry)
					dentry = de
				}
				return dentry
			}
			err = sim.PtrErr(de)
		}
	}
	s.EndCreating(t, dentry)
	return errPtr(sim.Errno(-err))
}

// VfsMknod is vfs_mknod (fs/namei.c, 7.0); the parent is locked.
func (s *System) VfsMknod(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode) int {
	if err := mayCreate(t, dir, dentry); err != 0 {
		return err
	}
	op := Iop(dir)
	if op == nil || op.Mknod == nil {
		return -int(sim.EPERM)
	}
	return op.Mknod(t, dir, dentry, mode)
}

// VfsSymlink is vfs_symlink (fs/namei.c, 7.0); the parent is locked.
func (s *System) VfsSymlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, target string) int {
	if err := mayCreate(t, dir, dentry); err != 0 {
		return err
	}
	op := Iop(dir)
	if op == nil || op.Symlink == nil {
		return -int(sim.EPERM)
	}
	return op.Symlink(t, dir, dentry, target)
}

// VfsLink is vfs_link (fs/namei.c, 7.0): the source inode is locked
// (I_MUTEX_NORMAL) inside the locked target directory.
func (s *System) VfsLink(t *sim.Task, old *dcache.Dentry, dir *dcache.Inode, newDentry *dcache.Dentry) int {
	inode := old.DInode
	if inode == nil {
		return -int(sim.ENOENT)
	}
	if err := mayCreate(t, dir, newDentry); err != 0 {
		return err
	}
	if dir.ISb != inode.ISb {
		return -int(sim.EXDEV)
	}
	op := Iop(dir)
	if op == nil || op.Link == nil || inode.IMode.IsDir() {
		return -int(sim.EPERM)
	}
	InodeLock(t, inode)
	var err int
	if inode.INlink == 0 {
		err = -int(sim.ENOENT)
	} else {
		err = op.Link(t, old, dir, newDentry)
	}
	InodeUnlock(t, inode)
	return err
}

// VfsUnlink is vfs_unlink (fs/namei.c, 7.0): the victim inode is locked
// inside the locked parent; on success the dentry is d_delete'd.
func (s *System) VfsUnlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	target := dentry.DInode
	if err := mayDelete(t, dir, dentry, false); err != 0 {
		return err
	}
	op := Iop(dir)
	if op == nil || op.Unlink == nil {
		return -int(sim.EPERM)
	}
	InodeLock(t, target)
	err := op.Unlink(t, dir, dentry)
	InodeUnlock(t, target)
	if err == 0 && dentry.DFlags&dcache.DCACHE_NFSFS_RENAMED == 0 {
		dDeleteNotify(t, dentry)
	}
	return err
}

// VfsRmdir is vfs_rmdir (fs/namei.c, 7.0): the victim directory is locked,
// its children shrunk, and it is marked S_DEAD under its own lock.
func (s *System) VfsRmdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	if err := mayDelete(t, dir, dentry, true); err != 0 {
		return err
	}
	op := Iop(dir)
	if op == nil || op.Rmdir == nil {
		return -int(sim.EPERM)
	}
	dcache.Dget(t, dentry)
	victim := dentry.DInode
	InodeLock(t, victim)
	err := op.Rmdir(t, dir, dentry)
	if err == 0 {
		dcache.ShrinkDcacheParent(t, dentry)
		victim.IFlags |= dcache.S_DEAD
	}
	InodeUnlock(t, victim)
	dcache.Dput(t, dentry)
	if err == 0 {
		dDeleteNotify(t, dentry)
	}
	return err
}

// dDeleteNotify is d_delete_notify (include/linux/fsnotify.h).
func dDeleteNotify(t *sim.Task, dentry *dcache.Dentry) {
	inode := dentry.DInode
	dcache.Ihold(t, inode)
	dcache.DDelete(t, dentry)
	dcache.Iput(t, inode)
}
