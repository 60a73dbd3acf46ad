package ovl

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// create is ovl_create (fs/overlayfs/dir.c): the VFS holds the overlay
// parent exclusive and dentry is negative (possibly a whiteout, i.e.
// opaque).
func (fs *FS) create(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode, excl bool) int {
	return fs.createObject(t, dentry, cattr{mode: dcache.S_IFREG})
}

// mkdir is ovl_mkdir: ERR_PTR(ovl_create_object()), NULL on success.
func (fs *FS) mkdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) *dcache.Dentry {
	if err := fs.createObject(t, dentry, cattr{mode: dcache.S_IFDIR}); err != 0 {
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	return nil
}

// mknod is ovl_mknod: whiteouts may not be made from above.
func (fs *FS) mknod(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode) int {
	if mode == dcache.S_IFWHT {
		return -int(sim.EPERM)
	}
	return fs.createObject(t, dentry, cattr{mode: mode})
}

// symlink is ovl_symlink.
func (fs *FS) symlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, target string) int {
	return fs.createObject(t, dentry, cattr{mode: dcache.S_IFLNK, target: target})
}

// link is ovl_link (fs/overlayfs/dir.c, 7.0): copy up the old file and
// the new parent, take oi->lock of the old inode (ovl_nlink_start), and
// create the new name in the upper layer as a hard link of the old
// file's upper inode, instantiated with the old overlay inode. The VFS
// holds the new parent's and the old inode's i_rwsem.
//
// Divergence: no metacopy (ovl_set_link_redirect), no ovl_want_write.
func (fs *FS) link(t *sim.Task, old *dcache.Dentry, newdir *dcache.Inode, new *dcache.Dentry) int {
	if err := fs.copyUp(t, old); err != 0 {
		return err
	}
	if err := fs.copyUp(t, new.DParent); err != 0 {
		return err
	}
	if err := fs.nlinkStart(t, old); err != 0 {
		return err
	}
	inode := old.DInode
	dcache.Ihold(t, inode)
	err := fs.createOrLink(t, new, inode, cattr{hardlink: dentryUpper(t, old)}, typeOriginOf(t, old))
	if err != 0 {
		dcache.Iput(t, inode)
	}
	fs.nlinkEnd(t, old)
	return err
}

// createObject is ovl_create_object: copy up the parent, preallocate the
// overlay inode, and create in the upper layer. If the preallocated inode
// was not used (error, or an inode found in the cache) it is put.
func (fs *FS) createObject(t *sim.Task, dentry *dcache.Dentry, attr cattr) int {
	if err := fs.copyUp(t, dentry.DParent); err != 0 {
		return err
	}
	inode := fs.newInode(t, attr.mode) // ovl_new_inode; I_CREATING
	err := fs.createOrLink(t, dentry, inode, attr, false)
	if inode != dentry.DInode {
		// Divergence: the unused inode was never hashed, which
		// generic_drop_inode drops at the last iput; dcache.Iput drops
		// only unlinked inodes, so it is given no links first.
		inode.INlink = 0
		dcache.Iput(t, inode)
	}
	return err
}

// createOrLink is ovl_create_or_link / ovl_create_handle_whiteouts
// (7.0): a link (attr.hardlink) of a file with a copy-up origin marks
// the new parent impure first; over a whiteout the object (or the link)
// is made in the workdir and renamed over it. Credentials are not
// modeled.
func (fs *FS) createOrLink(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode, attr cattr, origin bool) int {
	parent := dentry.DParent
	if origin {
		fs.setImpure(t, parent, dentryUpper(t, parent))
	}
	if !dentryIsWhiteout(t, dentry) {
		return fs.createUpper(t, dentry, inode, attr)
	}
	return fs.createOverWhiteout(t, dentry, inode, attr)
}

// createUpper is ovl_create_upper (7.0): start_creating in the upper
// parent, create, unlock keeping the reference, mark a new directory in a
// merge dir opaque, bump the parent's readdir version and instantiate.
func (fs *FS) createUpper(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode, attr cattr) int {
	upperdir := dentryUpper(t, dentry.DParent)
	newdentry := fs.s.StartCreating(t, upperdir, &dcache.Qstr{Name: dentry.DName.Name}) // ovl_start_creating_upper
	if sim.IsErr(newdentry) {
		return sim.PtrErr(newdentry)
	}
	newdentry = fs.createReal(t, upperdir, newdentry, attr)
	if sim.IsErr(newdentry) {
		return sim.PtrErr(newdentry)
	}
	fs.endCreatingKeep(t, newdentry)
	if typeMergeOf(t, dentry.DParent) && newdentry.DInode.IMode.IsDir() {
		fs.setOpaque(t, dentry, newdentry)
	}
	dirModified(t, dentry.DParent, false)
	if err := fs.instantiate(t, dentry, inode, newdentry, attr.hardlink != nil); err != 0 {
		fs.cleanup(t, upperdir, newdentry)
		dcache.Dput(t, newdentry)
		return err
	}
	return 0
}

// createOverWhiteout is ovl_create_over_whiteout (7.0): the upper name is
// a whiteout; make the object in the workdir, lock workdir and upper
// parent (start_renaming_two_dentries), and rename it over the whiteout,
// or, for a directory, mark it opaque and exchange it with the whiteout,
// which is then removed from the workdir.
func (fs *FS) createOverWhiteout(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode, attr cattr) int {
	workdir := fs.workdirOf()
	upperdir := dentryUpper(t, dentry.DParent)
	hardlink := attr.hardlink != nil
	if t.WarnOn(workdir == nil, "!workdir") {
		return -int(EROFS)
	}
	upper := fs.lookupUpperUnlocked(t, dentry.DName.Name, upperdir)
	if sim.IsErr(upper) {
		return sim.PtrErr(upper)
	}
	err := -int(sim.ESTALE)
	if upper.DInode == nil || !upperIsWhiteout(upper) {
		dcache.Dput(t, upper)
		return err
	}
	newdentry := fs.createTemp(t, workdir, attr)
	if sim.IsErr(newdentry) {
		dcache.Dput(t, upper)
		return sim.PtrErr(newdentry)
	}
	rd := &vfs.RenameData{OldParent: workdir, NewParent: upperdir}
	if err = fs.startRenamingTwoDentries(t, rd, newdentry, upper); err != 0 {
		goto outCleanup
	}
	if !hardlink && attr.mode != dcache.S_IFLNK {
		// ovl_do_notify_change of the mode under the new inode's
		// i_rwsem. Divergence: done always (the kernel only when the
		// umask changed the mode).
		vfs.InodeLock(t, newdentry.DInode)
		t.Write(&newdentry.DInode.Object, "i_mode")
		vfs.InodeUnlock(t, newdentry.DInode)
	}
	if !hardlink && attr.mode.IsDir() {
		fs.setOpaque(t, dentry, newdentry)
		rd.Flags = vfs.RENAME_EXCHANGE
		err = fs.s.VfsRename(t, rd)
		fs.endRenaming(t, rd)
		if err != 0 {
			goto outCleanup
		}
		fs.cleanup(t, workdir, upper)
	} else {
		err = fs.s.VfsRename(t, rd)
		fs.endRenaming(t, rd)
		if err != 0 {
			goto outCleanup
		}
	}
	dirModified(t, dentry.DParent, false)
	if err = fs.instantiate(t, dentry, inode, newdentry, hardlink); err != 0 {
		fs.cleanup(t, upperdir, newdentry)
		dcache.Dput(t, newdentry)
	}
	dcache.Dput(t, upper)
	t.Mark("ovl: created over a whiteout")
	return err
outCleanup:
	fs.cleanup(t, workdir, newdentry)
	dcache.Dput(t, newdentry)
	dcache.Dput(t, upper)
	return err
}

// instantiate is ovl_instantiate (7.0): set the upper alias and make the
// overlay dentry positive. A created object gets its overlay inode from
// ovl_get_inode (which consumes the reference on newdentry); a hard link
// uses the old file's inode (its reference taken by ovl_link), puts
// newdentry, counts the link, and drops the dentry so that the next
// lookup finds the new upper name with its origin.
//
// Divergence: no ovl_dentry_init_reval (the layers have no
// ->d_revalidate) and no tmpfile.
func (fs *FS) instantiate(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode, newdentry *dcache.Dentry, hardlink bool) int {
	newinode := inode // oip.newinode
	dentrySetFlag(t, OVL_E_UPPER_ALIAS, dentry)
	if !hardlink {
		inode = fs.getInode(t, newdentry, nil, newinode)
		if sim.IsErr(inode) {
			return sim.PtrErr(inode)
		}
		if inode == newinode {
			setFlag(t, OVL_UPPERDATA, inode)
		}
	} else {
		t.WarnOn(inodeUpper(t, inode).DInode != newdentry.DInode, "ovl_inode_real(inode) != d_inode(newdentry)")
		dcache.Dput(t, newdentry)
		incNlink(t, inode)
	}
	dcache.DInstantiate(t, dentry, inode)
	if inode != newinode {
		t.Mark("ovl_instantiate: newly created inode found in cache")
	}
	if hardlink {
		dcache.DDrop(t, dentry) // "Force lookup of new upper hardlink to find its lower"
	}
	return 0
}

// incNlink is inc_nlink: the caller holds the inode's i_rwsem (vfs_link).
func incNlink(t *sim.Task, inode *dcache.Inode) {
	t.Write(&inode.Object, "i_nlink")
	inode.INlink++
}

// unlink is ovl_unlink.
func (fs *FS) unlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	return fs.doRemove(t, dentry, false)
}

// rmdir is ovl_rmdir.
func (fs *FS) rmdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	return fs.doRemove(t, dentry, true)
}

// doRemove is ovl_do_remove: the VFS holds the overlay parent and the
// victim exclusive. A name that a lower layer has is replaced by a
// whiteout in the upper layer; otherwise the upper object is removed.
func (fs *FS) doRemove(t *sim.Task, dentry *dcache.Dentry, isDir bool) int {
	lowerPositive := fs.lowerPositive(t, dentry)
	var list []*cacheEntry
	var err int
	if isDir && (lowerPositive || !pureUpper(t, dentry)) {
		if list, err = fs.checkEmptyDir(t, dentry); err != 0 {
			return err
		}
	}
	if err = fs.copyUp(t, dentry.DParent); err != 0 {
		return err
	}
	if err = fs.nlinkStart(t, dentry); err != 0 {
		return err
	}
	if !lowerPositive {
		err = fs.removeUpper(t, dentry, isDir, list)
	} else {
		err = fs.removeAndWhiteout(t, dentry, list)
	}
	if err == 0 {
		if isDir {
			dentry.DInode.INlink = 0 // clear_nlink
		} else {
			dropNlink(t, dentry)
		}
	}
	fs.nlinkEnd(t, dentry)
	return err
}

// nlinkStart is ovl_nlink_start (not indexed): take oi->lock.
func (fs *FS) nlinkStart(t *sim.Task, dentry *dcache.Dentry) int {
	if t.WarnOn(dentry.DInode == nil, "!inode") {
		return -int(sim.ENOENT)
	}
	inodeLock(t, dentry.DInode)
	return 0
}

// nlinkEnd is ovl_nlink_end.
func (fs *FS) nlinkEnd(t *sim.Task, dentry *dcache.Dentry) { inodeUnlock(t, dentry.DInode) }

// dropNlink is ovl_drop_nlink: drop a link unless that would take a still
// hashed alias's inode to zero links.
func dropNlink(t *sim.Task, dentry *dcache.Dentry) {
	inode := dentry.DInode
	var alias *dcache.Dentry
	inode.ILock.Lock(t)
	for _, a := range inode.Aliases() {
		if a != dentry && !dcache.DUnhashed(t, a) {
			alias = a
			break
		}
	}
	inode.ILock.Unlock(t)
	min := 0
	if alias != nil {
		min = 1
	}
	if inode.INlink > min {
		inode.INlink--
	}
}

// removeUpper is ovl_remove_upper (7.0): no lower has the name, so the
// upper object is removed (after ovl_clear_empty when the upper
// directory still holds whiteouts) and the overlay dentry dropped.
func (fs *FS) removeUpper(t *sim.Task, dentry *dcache.Dentry, isDir bool, list []*cacheEntry) int {
	upperdir := dentryUpper(t, dentry.DParent)
	dir := upperdir.DInode
	var opaquedir *dcache.Dentry
	if len(list) != 0 {
		opaquedir = fs.clearEmpty(t, dentry, list)
		if sim.IsErr(opaquedir) {
			return sim.PtrErr(opaquedir)
		}
	}
	upper := fs.s.StartRemoving(t, upperdir, &dcache.Qstr{Name: dentry.DName.Name}) // ovl_start_removing_upper
	if sim.IsErr(upper) {
		dcache.Dput(t, opaquedir)
		return sim.PtrErr(upper)
	}
	err := -int(sim.ESTALE)
	if (opaquedir != nil && upper != opaquedir) || (opaquedir == nil && !matchesUpper(t, dentry, upper)) {
		goto outUnlock
	}
	if isDir {
		err = fs.s.VfsRmdir(t, dir, upper)
	} else {
		err = fs.s.VfsUnlink(t, dir, upper)
	}
	dirModified(t, dentry.DParent, typeOriginOf(t, dentry))
	if err == 0 {
		dcache.DDrop(t, dentry)
	}
outUnlock:
	fs.s.EndRemoving(t, upper)
	dcache.Dput(t, opaquedir)
	return err
}

// removeAndWhiteout is ovl_remove_and_whiteout (7.0): replace the upper
// name (negative, or the copied-up object) by a whiteout.
func (fs *FS) removeAndWhiteout(t *sim.Task, dentry *dcache.Dentry, list []*cacheEntry) int {
	workdir := fs.workdirOf()
	upperdir := dentryUpper(t, dentry.DParent)
	var opaquedir, upper *dcache.Dentry
	err := 0
	if t.WarnOn(workdir == nil, "!workdir") {
		return -int(EROFS)
	}
	if len(list) != 0 {
		opaquedir = fs.clearEmpty(t, dentry, list)
		if sim.IsErr(opaquedir) {
			return sim.PtrErr(opaquedir)
		}
	}
	upper = fs.lookupUpperUnlocked(t, dentry.DName.Name, upperdir)
	if sim.IsErr(upper) {
		err = sim.PtrErr(upper)
		goto outDput
	}
	err = -int(sim.ESTALE)
	if (opaquedir != nil && upper != opaquedir) ||
		(opaquedir == nil && dentryUpper(t, dentry) != nil && !matchesUpper(t, dentry, upper)) {
		goto outDputUpper
	}
	err = fs.cleanupAndWhiteout(t, upperdir, upper)
	if err == 0 {
		dirModified(t, dentry.DParent, true)
	}
	dcache.DDrop(t, dentry)
outDputUpper:
	dcache.Dput(t, upper)
outDput:
	dcache.Dput(t, opaquedir)
	return err
}

// cleanupAndWhiteout is ovl_cleanup_and_whiteout (7.0): get a whiteout in
// the workdir and rename it over dentry (exchange for a directory, which
// is then removed from the workdir).
func (fs *FS) cleanupAndWhiteout(t *sim.Task, dir, dentry *dcache.Dentry) int {
	whiteout := fs.getWhiteout(t)
	if sim.IsErr(whiteout) {
		return sim.PtrErr(whiteout)
	}
	var flags uint
	if dentry.DInode != nil && dentry.DInode.IMode.IsDir() {
		flags = vfs.RENAME_EXCHANGE
	}
	rd := &vfs.RenameData{OldParent: fs.workdir, NewParent: dir, Flags: flags}
	err := fs.startRenamingTwoDentries(t, rd, whiteout, dentry)
	if err == 0 {
		err = fs.s.VfsRename(t, rd)
		fs.endRenaming(t, rd)
	}
	if err != 0 {
		fs.cleanup(t, fs.workdir, whiteout)
		dcache.Dput(t, whiteout)
		return err
	}
	if flags != 0 {
		fs.cleanup(t, fs.workdir, dentry)
	}
	t.Mark("ovl: whiteout left in upper")
	dcache.Dput(t, whiteout)
	return 0
}

// getWhiteout is ovl_whiteout (7.0): under ofs->whiteout_lock, make the
// shared whiteout in the workdir if there is none, then hard-link it to a
// new temp name and return that (or hand over the shared one when links
// are not possible).
func (fs *FS) getWhiteout(t *sim.Task) *dcache.Dentry {
	workdir := fs.workdir
	wdir := workdir.DInode
	fs.whiteoutLock.DownWrite(t) // guard(mutex)
	defer fs.whiteoutLock.UpWrite(t)
	if fs.whiteout == nil {
		whiteout := fs.startCreatingTemp(t, workdir)
		if sim.IsErr(whiteout) {
			return whiteout
		}
		err := fs.s.VfsMknod(t, wdir, whiteout, dcache.S_IFWHT) // ovl_do_whiteout
		if err == 0 {
			fs.whiteout = dcache.Dget(t, whiteout)
		}
		fs.s.EndCreating(t, whiteout)
		if err != 0 {
			return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
		}
	}
	if !fs.noSharedWhiteout {
		link := fs.startCreatingTemp(t, workdir)
		if sim.IsErr(link) {
			return link
		}
		err := fs.s.VfsLink(t, fs.whiteout, wdir, link) // ovl_do_link
		var whiteout *dcache.Dentry
		if err == 0 {
			whiteout = dcache.Dget(t, link)
		}
		fs.s.EndCreating(t, link)
		if err == 0 {
			return whiteout
		}
		if err != -int(sim.EMLINK) {
			fs.noSharedWhiteout = true
		}
	}
	whiteout := fs.whiteout
	fs.whiteout = nil
	return whiteout
}

// clearEmpty is ovl_clear_empty (7.0): replace the upper directory of
// dentry, which holds only whiteouts, by an empty opaque one made in the
// workdir (RENAME_EXCHANGE), then remove the whiteouts and the old
// directory. The result is the new directory, with a reference.
func (fs *FS) clearEmpty(t *sim.Task, dentry *dcache.Dentry, list []*cacheEntry) *dcache.Dentry {
	workdir := fs.workdirOf()
	upperdir := dentryUpper(t, dentry.DParent)
	if t.WarnOn(workdir == nil, "!workdir") {
		return sim.ErrPtr[dcache.Dentry](EROFS)
	}
	upper := dentryUpper(t, dentry) // ovl_path_upper + vfs_getattr
	if upper == nil || !upper.DInode.IMode.IsDir() {
		return sim.ErrPtr[dcache.Dentry](sim.ESTALE)
	}
	opaquedir := fs.createTemp(t, workdir, cattr{mode: dcache.S_IFDIR})
	if sim.IsErr(opaquedir) {
		return opaquedir
	}
	rd := &vfs.RenameData{OldParent: workdir, NewParent: upperdir}
	err := fs.startRenamingTwoDentries(t, rd, opaquedir, upper)
	if err == 0 {
		// ovl_copy_xattr, ovl_set_opaque, ovl_set_attr
		fs.setOpaque(t, dentry, opaquedir)
		vfs.InodeLock(t, opaquedir.DInode)
		t.Write(&opaquedir.DInode.Object, "i_mode,times")
		vfs.InodeUnlock(t, opaquedir.DInode)
		rd.Flags = vfs.RENAME_EXCHANGE
		err = fs.s.VfsRename(t, rd)
		fs.endRenaming(t, rd)
	}
	if err != 0 {
		fs.cleanup(t, workdir, opaquedir)
		dcache.Dput(t, opaquedir)
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	fs.cleanupWhiteouts(t, upper, list)
	fs.cleanup(t, workdir, upper)
	dcache.DDrop(t, dentry) // "dentry's upper doesn't match now"
	return opaquedir
}

// cleanupWhiteouts is ovl_cleanup_whiteouts (7.0).
func (fs *FS) cleanupWhiteouts(t *sim.Task, upper *dcache.Dentry, list []*cacheEntry) {
	for _, p := range list {
		if t.WarnOn(!p.isWhiteout || !p.isUpper, "!p->is_whiteout || !p->is_upper") {
			continue
		}
		d := fs.lookupUpperUnlocked(t, p.name, upper)
		if sim.IsErr(d) {
			continue
		}
		if d.DInode != nil {
			fs.cleanup(t, upper, d)
		}
		dcache.Dput(t, d)
	}
}

// renameData is struct ovl_renamedata.
type renameData struct {
	oldParent, oldDentry *dcache.Dentry
	newParent, newDentry *dcache.Dentry
	flags                uint
	overwrite            bool
	cleanupWhiteout      bool
	updateNlink          bool
	opaquedir            *dcache.Dentry
}

// rename is ovl_rename (7.0: ovl_rename_start, ovl_rename_upper,
// ovl_rename_end). The VFS holds the overlay lock_rename and both
// dentries; it d_moves them after a successful return.
func (fs *FS) rename(t *sim.Task, olddir *dcache.Inode, old *dcache.Dentry, newdir *dcache.Inode, new *dcache.Dentry, flags uint) int {
	r := &renameData{oldParent: old.DParent, oldDentry: old, newParent: new.DParent, newDentry: new,
		flags: flags, overwrite: flags&vfs.RENAME_EXCHANGE == 0}
	var list []*cacheEntry
	err := fs.renameStart(t, r, &list)
	if err == 0 {
		err = fs.renameUpper(t, r, list)
		if r.updateNlink { // ovl_rename_end
			fs.nlinkEnd(t, new)
		}
	}
	dcache.Dput(t, r.opaquedir)
	return err
}

// renameStart is ovl_rename_start: decide the upper rename's flags
// (RENAME_WHITEOUT when a lower layer has the source) and copy up both
// sides.
func (fs *FS) renameStart(t *sim.Task, r *renameData, list *[]*cacheEntry) int {
	old, new := r.oldDentry, r.newDentry
	isDir := old.DInode.IMode.IsDir()
	newIsDir := new.DInode != nil && new.DInode.IMode.IsDir()
	if r.flags&^(vfs.RENAME_EXCHANGE|vfs.RENAME_NOREPLACE) != 0 {
		return -int(sim.EINVAL)
	}
	r.flags &^= vfs.RENAME_NOREPLACE
	if !canMove(t, old) {
		return -int(sim.EXDEV)
	}
	if !r.overwrite && !canMove(t, new) {
		return -int(sim.EXDEV)
	}
	if r.overwrite && newIsDir && !pureUpper(t, new) {
		l, err := fs.checkEmptyDir(t, new)
		if err != 0 {
			return err
		}
		*list = l
	}
	if r.overwrite {
		if fs.lowerPositive(t, old) {
			if !dentryIsWhiteout(t, new) {
				r.flags |= vfs.RENAME_WHITEOUT // whiteout the source
			} else {
				r.flags |= vfs.RENAME_EXCHANGE // switch whiteouts
			}
		} else if isDir && dentryIsWhiteout(t, new) {
			r.flags |= vfs.RENAME_EXCHANGE
			r.cleanupWhiteout = true
		}
	}
	if err := fs.copyUp(t, old); err != 0 {
		return err
	}
	if err := fs.copyUp(t, new.DParent); err != 0 {
		return err
	}
	if !r.overwrite {
		if err := fs.copyUp(t, new); err != 0 {
			return err
		}
	} else if new.DInode != nil {
		if err := fs.nlinkStart(t, new); err != 0 {
			return err
		}
		r.updateNlink = true
	}
	return 0
}

// renameUpper is ovl_rename_upper: start_renaming on the upper parents,
// check that the upper dentries still are what the overlay dentries say,
// and vfs_rename in the upper layer.
//
// Divergence: no redirects (ovl_can_move refuses what would need one).
func (fs *FS) renameUpper(t *sim.Task, r *renameData, list []*cacheEntry) int {
	old, new := r.oldDentry, r.newDentry
	oldUpperdir := dentryUpper(t, r.oldParent)
	newUpperdir := dentryUpper(t, r.newParent)
	samedir := r.oldParent == r.newParent
	isDir := old.DInode.IMode.IsDir()
	newIsDir := new.DInode != nil && new.DInode.IMode.IsDir()
	oldOpaque := dentryIsOpaque(t, old)
	newOpaque := dentryIsOpaque(t, new)
	var whiteout *dcache.Dentry

	if len(list) != 0 {
		de := fs.clearEmpty(t, new, list)
		if sim.IsErr(de) {
			return sim.PtrErr(de)
		}
		r.opaquedir = de
	}
	if !samedir {
		if typeOriginOf(t, old) {
			fs.setImpure(t, r.newParent, newUpperdir)
		}
		if !r.overwrite && typeOriginOf(t, new) {
			fs.setImpure(t, r.oldParent, oldUpperdir)
		}
	}
	rd := &vfs.RenameData{OldParent: oldUpperdir, NewParent: newUpperdir, Flags: r.flags}
	if err := fs.startRenaming(t, rd, old.DName.Name, new.DName.Name); err != 0 {
		return err
	}
	err := -int(sim.ESTALE)
	switch {
	case !matchesUpper(t, old, rd.OldDentry):
		goto outUnlock
	case new.DInode != nil && dentryUpper(t, new) != nil:
		if r.opaquedir != nil {
			if rd.NewDentry != r.opaquedir {
				goto outUnlock
			}
		} else if !matchesUpper(t, new, rd.NewDentry) {
			goto outUnlock
		}
	case rd.NewDentry.DInode != nil:
		if !dentryIsOpaque(t, new) || !upperIsWhiteout(rd.NewDentry) {
			goto outUnlock
		}
	case r.flags&vfs.RENAME_EXCHANGE != 0:
		goto outUnlock
	}
	if rd.OldDentry.DInode == rd.NewDentry.DInode {
		goto outUnlock
	}
	err = 0
	if t.WarnOn(typeMergeOrLower(t, old), "ovl_set_redirect(old) without redirect_dir") {
		err = -int(sim.EXDEV)
	} else if isDir && !oldOpaque && typeMergeOf(t, r.newParent) {
		err = fs.setOpaque(t, old, rd.OldDentry)
	}
	if err != 0 {
		goto outUnlock
	}
	if !r.overwrite && newIsDir && !newOpaque && typeMergeOf(t, r.oldParent) {
		err = fs.setOpaque(t, new, rd.NewDentry)
	}
	if err != 0 {
		goto outUnlock
	}
	err = fs.s.VfsRename(t, rd) // ovl_do_rename_rd
	if err == 0 && r.flags&vfs.RENAME_WHITEOUT != 0 {
		t.Mark("ovl: rename left a whiteout in upper")
	}
	if err == 0 && r.cleanupWhiteout {
		whiteout = dcache.Dget(t, rd.NewDentry)
	}
outUnlock:
	fs.endRenaming(t, rd)
	if err != 0 {
		return err
	}
	if whiteout != nil {
		fs.cleanup(t, oldUpperdir, whiteout)
		dcache.Dput(t, whiteout)
	}
	if r.overwrite && new.DInode != nil {
		if newIsDir {
			new.DInode.INlink = 0
		} else {
			dropNlink(t, new)
		}
	}
	dirModified(t, r.oldParent, typeOriginOf(t, old) || (!r.overwrite && typeOriginOf(t, new)))
	dirModified(t, r.newParent, typeOriginOf(t, old) || (new.DInode != nil && typeOriginOf(t, new)))
	return 0
}
