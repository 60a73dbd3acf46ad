package ovl

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// copyUp is ovl_copy_up / ovl_copy_up_flags (fs/overlayfs/copy_up.c):
// copy up the top-most ancestor that has no upper yet, then the next one,
// until dentry has an upper.
func (fs *FS) copyUp(t *sim.Task, dentry *dcache.Dentry) int {
	err := 0
	for err == 0 {
		if fs.alreadyCopiedUp(t, dentry) {
			break
		}
		next := dcache.Dget(t, dentry)
		var parent *dcache.Dentry
		for {
			parent = dcache.DgetParent(t, next)
			if dentryUpper(t, parent) != nil {
				break
			}
			dcache.Dput(t, next)
			next = parent
		}
		err = fs.copyUpOne(t, parent, next)
		dcache.Dput(t, parent)
		dcache.Dput(t, next)
	}
	return err
}

// alreadyCopiedUp is ovl_already_copied_up: lockless, rechecked under
// oi->lock.
func (fs *FS) alreadyCopiedUp(t *sim.Task, dentry *dcache.Dentry) bool {
	return dentryUpper(t, dentry) != nil && hasUpperAlias(t, dentry)
}

// copyUpCtx is struct ovl_copy_up_ctx.
type copyUpCtx struct {
	parent, dentry *dcache.Dentry
	lower          *dcache.Dentry // lowerpath
	destdir        *dcache.Dentry
	destname       string
	workdir        *dcache.Dentry
	mode           dcache.Mode
}

// copyUpOne is ovl_copy_up_one: under oi->lock (ovl_copy_up_start),
// copy up dentry into its parent's upper directory.
//
// Divergence: no ovl_link_up (it copies up a lower hard link whose inode
// is already up, which needs index=on), no metacopy data copy-up (mounted metacopy=off).
func (fs *FS) copyUpOne(t *sim.Task, parent, dentry *dcache.Dentry) int {
	c := &copyUpCtx{parent: parent, dentry: dentry, destname: dentry.DName.Name, workdir: fs.workdirOf()}
	if t.WarnOn(c.workdir == nil, "!c.workdir") {
		return -int(EROFS)
	}
	c.lower = dentryLower(dentry) // ovl_path_lower + vfs_getattr: no dir locks
	c.mode = c.lower.DInode.IMode
	if parent != nil {
		c.destdir = dentryUpper(t, parent)
	}
	err := fs.copyUpStart(t, dentry)
	if err > 0 {
		return 0 // raced with another copy-up
	}
	if err == 0 {
		if dentryUpper(t, dentry) == nil {
			err = fs.doCopyUp(t, c)
		}
		t.WarnOn(err == 0 && parent != nil && !hasUpperAlias(t, dentry), "ovl_link_up needed (hard link)")
		inodeUnlock(t, dentry.DInode) // ovl_copy_up_end
	}
	return err
}

// copyUpStart is ovl_copy_up_start: take oi->lock; 1 if the copy-up was
// done meanwhile (the lock is then dropped).
func (fs *FS) copyUpStart(t *sim.Task, dentry *dcache.Dentry) int {
	inodeLock(t, dentry.DInode) // ovl_inode_lock_interruptible
	if fs.alreadyCopiedUp(t, dentry) {
		inodeUnlock(t, dentry.DInode)
		return 1
	}
	return 0
}

// doCopyUp is ovl_do_copy_up: mark the upper parent impure, copy up
// through the workdir, restore the parent's timestamps and set the upper
// alias.
//
// Divergence: regular files are copied up through the workdir too
// (ovl_copy_up_workdir), not with O_TMPFILE (ovl_copy_up_tmpfile).
func (fs *FS) doCopyUp(t *sim.Task, c *copyUpCtx) int {
	fs.setImpure(t, c.parent, c.destdir)
	if err := fs.copyUpWorkdir(t, c); err != 0 {
		return err
	}
	udir := c.destdir.DInode
	vfs.InodeLock(t, udir) // ovl_set_timestamps on the upper parent
	t.Write(&udir.Object, "i_mtime")
	vfs.InodeUnlock(t, udir)
	dentrySetFlag(t, OVL_E_UPPER_ALIAS, c.dentry)
	return 0
}

// setImpure is ovl_set_impure: the impure xattr on the upper parent,
// once (vfs_setxattr: under the upper parent's i_rwsem).
func (fs *FS) setImpure(t *sim.Task, dentry, upperdentry *dcache.Dentry) {
	if testFlag(t, OVL_IMPURE, dentry.DInode) {
		return
	}
	vfs.InodeLock(t, upperdentry.DInode)
	t.Write(&upperdentry.DInode.Object, "xattr trusted.overlay.impure")
	vfs.InodeUnlock(t, upperdentry.DInode)
	setFlag(t, OVL_IMPURE, dentry.DInode)
}

// copyUpWorkdir is ovl_copy_up_workdir (7.0): create a temp in the
// workdir, copy the data without locks, then start_renaming_dentry
// (lock_rename of workdir and the upper parent, and the target looked up
// there) and rename the temp into place; publish it in the overlay inode.
func (fs *FS) copyUpWorkdir(t *sim.Task, c *copyUpCtx) int {
	temp := fs.createTemp(t, c.workdir, cattr{mode: c.mode})
	if sim.IsErr(temp) {
		return sim.PtrErr(temp)
	}
	// ovl_copy_up_data: no directory locks, no sb_writers.
	t.Read(&c.lower.DInode.Object, "data")
	t.Write(&temp.DInode.Object, "data")

	rd := &vfs.RenameData{OldParent: c.workdir, NewParent: c.destdir}
	err := fs.startRenamingDentry(t, rd, temp, c.destname)
	if err == -int(sim.EINVAL) || err == -int(sim.EXDEV) {
		// temp or workdir moved
		dcache.Dput(t, temp)
		return -int(sim.EIO)
	}
	if err != 0 {
		fs.cleanup(t, c.workdir, temp)
		dcache.Dput(t, temp)
		return err
	}
	// ovl_copy_up_metadata: xattrs, the origin of a non-directory, attrs
	// under the temp inode's i_rwsem.
	if !c.mode.IsDir() {
		fs.setOrigin(t, c.lower, temp)
	}
	vfs.InodeLock(t, temp.DInode)
	t.Write(&temp.DInode.Object, "i_mode,i_uid,i_gid,times")
	vfs.InodeUnlock(t, temp.DInode)
	err = fs.s.VfsRename(t, rd) // ovl_do_rename_rd
	fs.endRenaming(t, rd)
	if err != 0 {
		fs.cleanup(t, c.workdir, temp)
		dcache.Dput(t, temp)
		return err
	}
	inode := c.dentry.DInode
	fs.inodeUpdate(t, inode, temp) // the temp reference becomes __upperdentry
	if inode.IMode.IsDir() {
		setFlag(t, OVL_WHITEOUTS, inode)
	} else {
		setFlag(t, OVL_UPPERDATA, inode)
	}
	t.Mark("ovl: copied up")
	return 0
}

// cattr is struct ovl_cattr: what to create, or the upper dentry to
// hard-link (hardlink).
type cattr struct {
	mode     dcache.Mode
	target   string // symlink
	hardlink *dcache.Dentry
}

// startCreatingTemp is ovl_start_creating_temp (7.0): start_creating of a
// fresh "#<n>" name in the workdir.
func (fs *FS) startCreatingTemp(t *sim.Task, workdir *dcache.Dentry) *dcache.Dentry {
	return fs.s.StartCreating(t, workdir, &dcache.Qstr{Name: fs.tempName()})
}

// createTemp is ovl_create_temp (7.0): a new object under a temp name in
// the workdir; the workdir is locked only around the creation. The result
// is a counted reference.
func (fs *FS) createTemp(t *sim.Task, workdir *dcache.Dentry, attr cattr) *dcache.Dentry {
	ret := fs.startCreatingTemp(t, workdir)
	if sim.IsErr(ret) {
		return ret
	}
	ret = fs.createReal(t, workdir, ret, attr)
	return fs.endCreatingKeep(t, ret)
}

// endCreatingKeep is end_creating_keep: unlock the parent, keep the
// reference.
func (fs *FS) endCreatingKeep(t *sim.Task, de *dcache.Dentry) *dcache.Dentry {
	if !sim.IsErr(de) {
		vfs.InodeUnlock(t, de.DParent.DInode)
	}
	return de
}

// createReal is ovl_create_real (7.0): create the object on a negative
// dentry of the locked upper (or work) directory. On error the dirop is
// ended (parent unlocked, dentry put) and an ERR_PTR returned.
//
// Divergence: no casefolding, so the "d_unhashed after create: look it
// up again" branch is left out.
func (fs *FS) createReal(t *sim.Task, parent, newdentry *dcache.Dentry, attr cattr) *dcache.Dentry {
	if sim.IsErr(newdentry) {
		return newdentry
	}
	dir := parent.DInode
	err := -int(sim.ESTALE)
	if newdentry.DInode == nil && attr.hardlink != nil {
		err = fs.s.VfsLink(t, attr.hardlink, dir, newdentry) // ovl_do_link
	} else if newdentry.DInode == nil {
		switch attr.mode {
		case dcache.S_IFREG:
			err = fs.s.VfsCreate(t, newdentry, dcache.S_IFREG, true)
		case dcache.S_IFDIR:
			newdentry = fs.s.VfsMkdir(t, dir, newdentry)
			err = 0
			if sim.IsErr(newdentry) {
				err = sim.PtrErr(newdentry)
			}
		case dcache.S_IFLNK:
			err = fs.s.VfsSymlink(t, dir, newdentry, attr.target)
		case dcache.S_IFWHT, dcache.S_IFCHR:
			err = fs.s.VfsMknod(t, dir, newdentry, attr.mode)
		default:
			err = -int(sim.EPERM)
		}
	}
	if err == 0 && t.WarnOn(newdentry.DInode == nil, "!newdentry->d_inode") {
		err = -int(sim.EIO)
	}
	if err != 0 {
		if !sim.IsErr(newdentry) {
			fs.s.EndCreating(t, newdentry)
		}
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	return newdentry
}

// startRenamingDentry is start_renaming_dentry (fs/namei.c, 7.0): hash
// the new name and run __start_renaming_dentry (vfs.StartRenamingDentry,
// which follows RFC 51-53 when they are applied).
func (fs *FS) startRenamingDentry(t *sim.Task, rd *vfs.RenameData, old *dcache.Dentry, newName string) int {
	q := &dcache.Qstr{Name: newName}
	if err := dcache.LookupNopermCommon(t, q, rd.NewParent); err != 0 {
		return err
	}
	return fs.s.StartRenamingDentry(t, rd, old, q)
}

// startRenamingTwoDentries is start_renaming_two_dentries (fs/namei.c,
// 7.0): vfs.StartRenamingTwoDentries.
func (fs *FS) startRenamingTwoDentries(t *sim.Task, rd *vfs.RenameData, old, new *dcache.Dentry) int {
	return fs.s.StartRenamingTwoDentries(t, rd, old, new)
}

// startRenaming is start_renaming (fs/namei.c, 7.0) with flags 0: hash
// both names and run __start_renaming (vfs.StartRenaming).
func (fs *FS) startRenaming(t *sim.Task, rd *vfs.RenameData, oldName, newName string) int {
	oq, nq := &dcache.Qstr{Name: oldName}, &dcache.Qstr{Name: newName}
	if err := dcache.LookupNopermCommon(t, oq, rd.OldParent); err != 0 {
		return err
	}
	if err := dcache.LookupNopermCommon(t, nq, rd.NewParent); err != 0 {
		return err
	}
	return fs.s.StartRenaming(t, rd, oq, nq)
}

// endRenaming is end_renaming (fs/namei.c, 7.0): vfs.EndRenaming.
func (fs *FS) endRenaming(t *sim.Task, rd *vfs.RenameData) { fs.s.EndRenaming(t, rd) }

// cleanup is ovl_cleanup (7.0): start_removing_dentry in dir, then
// ovl_cleanup_locked (rmdir or unlink; errors only logged), end_removing.
func (fs *FS) cleanup(t *sim.Task, dir, wdentry *dcache.Dentry) int {
	wdentry = fs.s.StartRemovingDentry(t, dir, wdentry)
	if sim.IsErr(wdentry) {
		return sim.PtrErr(wdentry)
	}
	fs.cleanupLocked(t, dir.DInode, wdentry)
	fs.s.EndRemoving(t, wdentry)
	return 0
}

// cleanupLocked is ovl_cleanup_locked: the parent is locked.
func (fs *FS) cleanupLocked(t *sim.Task, dir *dcache.Inode, wdentry *dcache.Dentry) {
	dcache.Dget(t, wdentry)
	if wdentry.DInode.IMode.IsDir() {
		fs.s.VfsRmdir(t, dir, wdentry)
	} else {
		fs.s.VfsUnlink(t, dir, wdentry)
	}
	dcache.Dput(t, wdentry)
}

// openFlagsNeedCopyUp is ovl_open_flags_need_copy_up
// (fs/overlayfs/overlayfs.h, 6.18): an open for writing or truncating.
func openFlagsNeedCopyUp(flags int) bool {
	if flags == 0 {
		return false
	}
	fmode := (flags + 1) & vfs.O_ACCMODE // OPEN_FMODE
	return fmode&2 != 0 || flags&vfs.O_TRUNC != 0
}

// openNeedCopyUp is ovl_open_need_copy_up (copy_up.c, 6.18).
func (fs *FS) openNeedCopyUp(t *sim.Task, dentry *dcache.Dentry, flags int) bool {
	if fs.alreadyCopiedUp(t, dentry) {
		return false
	}
	if m := dentry.DInode.IMode; m == dcache.S_IFCHR || m == dcache.S_IFWHT { // special_file
		return false
	}
	return openFlagsNeedCopyUp(flags)
}

// maybeCopyUp is ovl_maybe_copy_up (copy_up.c, 6.18).
func (fs *FS) maybeCopyUp(t *sim.Task, dentry *dcache.Dentry, flags int) int {
	if !fs.openNeedCopyUp(t, dentry, flags) {
		return 0
	}
	return fs.copyUp(t, dentry) // ovl_copy_up_flags
}
