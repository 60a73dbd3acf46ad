package diskfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// nameLen is EXT2_NAME_LEN.
const nameLen = 255

// lookup is ext2_lookup (fs/ext2/namei.c) and jffs2_lookup
// (fs/jffs2/dir.c): the directory entry is searched under the
// directory's own lock (ext2_find_entry reads the page through
// ext2_get_folio; jffs2 holds dir_f->sem over its dirent list), which
// is dropped before the inode is read (ext2_iget / jffs2_iget through
// iget_locked); d_splice_alias hashes the dentry, negative if the name
// is not on disk.
func (fs *FS) lookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	if len(dentry.DName.Name) > nameLen {
		return sim.ErrPtr[dcache.Dentry](sim.ENAMETOOLONG)
	}
	t.Mark("diskfs: ->lookup reads the disk")
	dirLock(t, dir)
	ino := fs.Disk.find(t, infoOf(dir).ino, dentry.DName.Name)
	dirUnlock(t, dir)
	var inode *dcache.Inode
	if ino != 0 {
		inode = fs.iget(t, ino)
		if sim.IsErr(inode) && sim.PtrErr(inode) == -int(sim.ESTALE) {
			return sim.ErrPtr[dcache.Dentry](sim.EIO) // "deleted inode referenced"
		}
	}
	return dcache.DSpliceAlias(t, inode, dentry)
}

// newDiskInode is ext2_new_inode (fs/ext2/ialloc.c) with
// insert_inode_locked: a new disk inode and its in-memory inode in the
// inode cache. ERR_PTR(-ENOSPC) when the disk is full (an injected
// fault).
func (fs *FS) newDiskInode(t *sim.Task, mode dcache.Mode, target string) *dcache.Inode {
	if t.Fault("ext2_new_inode: no free inode") {
		return sim.ErrPtr[dcache.Inode](sim.ENOSPC)
	}
	ino := fs.Disk.allocInode(t, mode, target)
	inode := fs.newInode(t, ino, fs.Disk.inodes[ino])
	inode.IState |= dcache.I_NEW // insert_inode_locked; d_instantiate_new clears it
	fs.hashLock.Lock(t)
	fs.icache[ino] = inode
	fs.hashLock.Unlock(t)
	return inode
}

// changeLinks is inode_inc_link_count / inode_dec_link_count: the
// in-memory and the on-disk link count.
func (fs *FS) changeLinks(t *sim.Task, inode *dcache.Inode, n int) {
	t.Write(&fs.Disk.Object, "inode table")
	inode.INlink += n
	if di := fs.Disk.inodes[infoOf(inode).ino]; di != nil {
		di.nlink += n
	}
}

// addLink is ext2_add_link (fs/ext2/dir.c): under the directory page's
// lock (jffs2_do_create / jffs2_do_link: dir_f->sem), fail with -EEXIST
// if the name is there, else write the entry.
func (fs *FS) addLink(t *sim.Task, dir *dcache.Inode, name string, inode *dcache.Inode) int {
	dirLock(t, dir)
	defer dirUnlock(t, dir)
	if fs.Disk.find(t, infoOf(dir).ino, name) != 0 {
		return -int(sim.EEXIST)
	}
	fs.Disk.addEntry(t, infoOf(dir).ino, name, infoOf(inode).ino)
	return 0
}

// addNondir is ext2_add_nondir: add the link, then d_instantiate_new;
// on failure drop the new inode (inode_dec_link_count,
// discard_new_inode).
func (fs *FS) addNondir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, inode *dcache.Inode) int {
	if err := fs.addLink(t, dir, dentry.DName.Name, inode); err != 0 {
		fs.changeLinks(t, inode, -1)
		dcache.Iput(t, inode)
		return err
	}
	dcache.DInstantiateNew(t, dentry, inode)
	return 0
}

// create is ext2_create.
func (fs *FS) create(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode, excl bool) int {
	return fs.mknod(t, dir, dentry, dcache.S_IFREG)
}

// mknod is ext2_mknod (whiteouts are character devices 0/0, S_IFWHT
// here).
func (fs *FS) mknod(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode) int {
	inode := fs.newDiskInode(t, mode, "")
	if sim.IsErr(inode) {
		return sim.PtrErr(inode)
	}
	return fs.addNondir(t, dir, dentry, inode)
}

// symlink is ext2_symlink (a fast symlink: the body in the inode, i_link).
func (fs *FS) symlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, target string) int {
	if len(target)+1 > 4096 {
		return -int(sim.ENAMETOOLONG)
	}
	inode := fs.newDiskInode(t, dcache.S_IFLNK, target)
	if sim.IsErr(inode) {
		return sim.PtrErr(inode)
	}
	return fs.addNondir(t, dir, dentry, inode)
}

// mkdir is ext2_mkdir: the parent's link count, a new directory inode
// (ext2_make_empty), the entry, d_instantiate_new. NULL: the dentry
// given was used.
func (fs *FS) mkdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) *dcache.Dentry {
	fs.changeLinks(t, dir, 1)
	inode := fs.newDiskInode(t, dcache.S_IFDIR, "")
	if sim.IsErr(inode) {
		fs.changeLinks(t, dir, -1)
		return sim.ErrCast[dcache.Dentry](inode)
	}
	if err := fs.addLink(t, dir, dentry.DName.Name, inode); err != 0 {
		fs.changeLinks(t, inode, -2)
		dcache.Iput(t, inode)
		fs.changeLinks(t, dir, -1)
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	dcache.DInstantiateNew(t, dentry, inode)
	return nil
}

// link is ext2_link: the link count, a reference, the entry, then
// d_instantiate.
func (fs *FS) link(t *sim.Task, old *dcache.Dentry, dir *dcache.Inode, dentry *dcache.Dentry) int {
	inode := old.DInode
	fs.changeLinks(t, inode, 1)
	dcache.Ihold(t, inode)
	if err := fs.addLink(t, dir, dentry.DName.Name, inode); err != 0 {
		fs.changeLinks(t, inode, -1)
		dcache.Iput(t, inode)
		return err
	}
	dcache.DInstantiate(t, dentry, inode)
	return 0
}

// deleteEntry is ext2_find_entry + ext2_delete_entry under the
// directory page's lock (jffs2_do_unlink: dir_f->sem); -ENOENT if the
// name is gone from disk.
func (fs *FS) deleteEntry(t *sim.Task, dir *dcache.Inode, name string) int {
	dirLock(t, dir)
	defer dirUnlock(t, dir)
	if fs.Disk.find(t, infoOf(dir).ino, name) == 0 {
		return -int(sim.ENOENT)
	}
	fs.Disk.deleteEntry(t, infoOf(dir).ino, name)
	return 0
}

// unlink is ext2_unlink: delete the entry, drop the inode's link count.
// The VFS d_deletes the dentry afterwards.
func (fs *FS) unlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	if err := fs.deleteEntry(t, dir, dentry.DName.Name); err != 0 {
		return err
	}
	fs.changeLinks(t, dentry.DInode, -1)
	return 0
}

// emptyDir is ext2_empty_dir: no entry besides "." and "..", read
// under the directory's lock.
func (fs *FS) emptyDir(t *sim.Task, inode *dcache.Inode) bool {
	dirLock(t, inode)
	defer dirUnlock(t, inode)
	return len(fs.Disk.entries(t, infoOf(inode).ino)) == 0
}

// rmdir is ext2_rmdir.
func (fs *FS) rmdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	inode := dentry.DInode
	if !fs.emptyDir(t, inode) {
		return -int(sim.ENOTEMPTY)
	}
	if err := fs.unlink(t, dir, dentry); err != 0 {
		return err
	}
	fs.changeLinks(t, inode, -1)
	fs.changeLinks(t, dir, -1)
	return 0
}

// setLink is ext2_set_link under the directory page's lock.
func (fs *FS) setLink(t *sim.Task, dir *dcache.Inode, name string, ino uint64) {
	dirLock(t, dir)
	fs.Disk.setEntry(t, infoOf(dir).ino, name, ino)
	dirUnlock(t, dir)
}

// rename is ext2_rename (fs/ext2/namei.c): the new entry set or added,
// the old one deleted, link counts adjusted; the VFS d_moves afterwards.
//
// Divergence: ext2 refuses RENAME_EXCHANGE and RENAME_WHITEOUT
// (-EINVAL); the model handles them as ext4_rename2 does (swap the two
// entries; replace the old entry with a new whiteout inode, which has
// no in-memory inode here), so that it can be an overlayfs upper layer.
func (fs *FS) rename(t *sim.Task, oldDir *dcache.Inode, oldDentry *dcache.Dentry, newDir *dcache.Inode, newDentry *dcache.Dentry, flags uint) int {
	if flags&^(vfs.RENAME_NOREPLACE|vfs.RENAME_EXCHANGE|vfs.RENAME_WHITEOUT) != 0 {
		return -int(sim.EINVAL)
	}
	oldInode, newInode := oldDentry.DInode, newDentry.DInode
	oldIno := infoOf(oldInode).ino
	isDir := oldInode.IMode.IsDir()
	if flags&vfs.RENAME_EXCHANGE != 0 {
		newIno := infoOf(newInode).ino
		fs.setLink(t, newDir, newDentry.DName.Name, oldIno)
		fs.setLink(t, oldDir, oldDentry.DName.Name, newIno)
		if oldDir != newDir && isDir != newInode.IMode.IsDir() {
			if isDir {
				fs.changeLinks(t, oldDir, -1)
				fs.changeLinks(t, newDir, 1)
			} else {
				fs.changeLinks(t, newDir, -1)
				fs.changeLinks(t, oldDir, 1)
			}
		}
		return 0
	}
	var whiteout uint64
	if flags&vfs.RENAME_WHITEOUT != 0 {
		if t.Fault("ext4_whiteout_for_rename: no free inode") {
			return -int(sim.ENOSPC)
		}
		whiteout = fs.Disk.allocInode(t, dcache.S_IFWHT, "")
		t.Mark("diskfs: whiteout created")
	}
	if newInode != nil {
		if isDir && !fs.emptyDir(t, newInode) {
			return -int(sim.ENOTEMPTY)
		}
		fs.setLink(t, newDir, newDentry.DName.Name, oldIno)
		fs.changeLinks(t, newInode, -1)
		if isDir {
			fs.changeLinks(t, newInode, -1)
		}
	} else {
		if err := fs.addLink(t, newDir, newDentry.DName.Name, oldInode); err != 0 {
			return err
		}
		if isDir {
			fs.changeLinks(t, newDir, 1)
		}
	}
	if whiteout != 0 {
		fs.setLink(t, oldDir, oldDentry.DName.Name, whiteout)
	} else if err := fs.deleteEntry(t, oldDir, oldDentry.DName.Name); err != 0 {
		return err
	}
	if isDir {
		fs.changeLinks(t, oldDir, -1)
	}
	return 0
}
