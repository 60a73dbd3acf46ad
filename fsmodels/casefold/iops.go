package casefold

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// xfsLookup is xfs_lookup (fs/xfs/xfs_inode.c): the entry for name in dp
// and its inode with a reference (xfs_iget), and the on-disk name when it
// differs from name in case only ("" for an exact match).
func xfsLookup(t *sim.Task, dp *dcache.Inode, name string) (*dcache.Inode, string, int) {
	e, ci, err := dirOf(dp).lookup(name)
	if err != 0 {
		return nil, "", err
	}
	dcache.Ihold(t, e.inode)
	return e.inode, ci, 0
}

// ciLookup is xfs_vn_ci_lookup (fs/xfs/xfs_iops.c, v3 series base; v3
// 08/19 passes d_add_ci !!(flags & LOOKUP_SHARED)): an exact match is
// spliced; a match in case only goes through d_add_ci with the on-disk
// name; a miss returns NULL without d_add, so no negative dentry is
// hashed ("call d_add(dentry, NULL) here when d_drop_negative_children
// is called in xfs_vn_mknod").
func (fs *FS) ciLookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	if dentry.DName.Len() >= maxNameLen {
		return sim.ErrPtr[dcache.Dentry](sim.ENAMETOOLONG)
	}
	ip, ciName, err := xfsLookup(t, dir, dentry.DName.Name)
	if err != 0 {
		if err != -int(sim.ENOENT) {
			return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
		}
		return nil
	}
	// if exact match, just splice and exit
	if ciName == "" {
		return dcache.DSpliceAlias(t, ip, dentry)
	}
	// else case-insensitive match...
	t.Mark("xfs_vn_ci_lookup: d_add_ci")
	dname := &dcache.Qstr{Name: ciName}
	return dcache.DAddCI(t, dentry, ip, dname, flags&vfs.LOOKUP_SHARED != 0)
}

// genericCreate is xfs_generic_create (fs/xfs/xfs_iops.c) without
// tmpfiles: xfs_create makes the inode and its entry under the dentry's
// name, then d_instantiate. The dentry stays unhashed when ->lookup left
// it so (a miss hashes nothing here). From RFC 51/53 on, the dentry of
// a name ->lookup missed is still in-lookup (lookup_one_qstr ends the
// lookup only when ->lookup returned another dentry), and d_instantiate
// warns; FixCreateInLookup ends the lookup first.
func (fs *FS) genericCreate(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode) int {
	if t.Fault("xfs_create: xfs_dialloc") {
		return -int(sim.ENOSPC)
	}
	inode := fs.newInode(t, mode)
	dirOf(dir).add(dentry.DName.Name, inode) // xfs_dir_createname
	fs.setTruth(t, dir, dentry.DName.Name, inode)
	if mode.IsDir() {
		dir.INlink++
	}
	if fs.s.C.On(FixCreateInLookup) && dcache.DInLookup(t, dentry) {
		dcache.DLookupDone(t, dentry) // the fix: see FixCreateInLookup
	}
	dcache.DInstantiate(t, dentry, inode)
	return 0
}

// create is xfs_vn_create.
func (fs *FS) create(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode, excl bool) int {
	return fs.genericCreate(t, dir, dentry, dcache.S_IFREG)
}

// mknod is xfs_vn_mknod.
func (fs *FS) mknod(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode) int {
	return fs.genericCreate(t, dir, dentry, mode)
}

// mkdir is xfs_vn_mkdir: ERR_PTR(xfs_generic_create(...)), NULL on
// success.
func (fs *FS) mkdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) *dcache.Dentry {
	if err := fs.genericCreate(t, dir, dentry, dcache.S_IFDIR); err != 0 {
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	return nil
}

// unlink is xfs_vn_unlink (also ->rmdir): xfs_remove drops the entry and
// a link, then, in ascii-ci mode, d_invalidate unhashes the dentry: "With
// unlink, the VFS makes the dentry "negative": no inode, but still
// hashed. This is incompatible with case-insensitive mode".
//
// Divergence: rmdir's emptiness check (xfs_dir_isempty) is the model's
// entry list being empty.
func (fs *FS) unlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	inode := dentry.DInode
	if inode.IMode.IsDir() && len(dirOf(inode).ents) > 0 {
		return -int(sim.ENOTEMPTY)
	}
	if !dirOf(dir).remove(dentry.DName.Name) {
		return -int(sim.ENOENT)
	}
	fs.setTruth(t, dir, dentry.DName.Name, nil)
	inode.INlink--
	if inode.IMode.IsDir() {
		inode.INlink--
		dir.INlink--
	}
	dcache.DInvalidate(t, dentry)
	return 0
}

// rename is xfs_vn_rename for plain renames (xfs_rename): the target's
// entry, if any, is replaced, the source's removed; the VFS d_moves
// afterwards.
//
// Divergence: RENAME_EXCHANGE and RENAME_WHITEOUT are refused (-EINVAL).
func (fs *FS) rename(t *sim.Task, oldDir *dcache.Inode, oldDentry *dcache.Dentry, newDir *dcache.Inode, newDentry *dcache.Dentry, flags uint) int {
	if flags&^vfs.RENAME_NOREPLACE != 0 {
		return -int(sim.EINVAL)
	}
	inode := oldDentry.DInode
	if target := newDentry.DInode; target != nil {
		if target.IMode.IsDir() && len(dirOf(target).ents) > 0 {
			return -int(sim.ENOTEMPTY)
		}
		dirOf(newDir).remove(newDentry.DName.Name)
		target.INlink--
	}
	dirOf(oldDir).remove(oldDentry.DName.Name)
	fs.setTruth(t, oldDir, oldDentry.DName.Name, nil)
	dirOf(newDir).add(newDentry.DName.Name, inode)
	fs.setTruth(t, newDir, newDentry.DName.Name, inode)
	return 0
}
