// Package shmem models tmpfs (mm/shmem.c with the fs/libfs.c helpers it
// uses) as a dcache-based filesystem: the dcache is the directory. It
// follows 6.19 (d_make_persistent / d_make_discardable), the base of the
// v3 series; shmem_whiteout is modeled as mainline has it (d_alloc) and
// as v3 12/19 posts it (d_duplicate), chosen by the run's patches.
//
// Lock order: the VFS holds the parent's i_rwsem exclusive around every
// namespace change; shmem takes only dcache locks beneath it.
package shmem

import (
	"slices"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// FsType is tmpfs's filesystem type.
var FsType = dcache.NewFsType("tmpfs")

// FS is one tmpfs instance.
type FS struct {
	SB *dcache.SuperBlock
	s  *vfs.System
	// CaseFold makes the root a case-insensitive directory.
	dirOps  *vfs.InodeOperations
	fileOps *vfs.InodeOperations
	dirFOp  *vfs.FileOperations
}

// dirInfo is a tmpfs directory's offset map (simple_offset_ctx): the
// readdir order of its entries.
type dirInfo struct {
	fs      *FS
	entries []*dcache.Dentry // by offset
}

// IFop is the directory's i_fop (simple_offset_dir_operations).
func (d *dirInfo) IFop() *vfs.FileOperations { return d.fs.dirFOp }

// New mounts a tmpfs (shmem_fill_super): its root directory, tmpfs's
// DCACHE_DONTCACHE default and its operations. Call it in setup.
func New(s *vfs.System, name string) *FS {
	fs := fsPool.New(s.C.W)
	fs.s = s
	fs.SB = s.C.NewSuperBlockOfType(FsType, name, nil)
	fs.SB.SDFlags |= dcache.DCACHE_DONTCACHE
	if fs.dirOps == nil { // a recycled instance keeps its tables (alloc_pool.go)
		fs.dirOps = &vfs.InodeOperations{
			Lookup: fs.simpleLookup, Create: fs.create, Mkdir: fs.mkdir, Mknod: fs.mknod,
			Symlink: fs.symlink, Link: fs.link, Unlink: fs.unlink, Rmdir: fs.rmdir, Rename: fs.rename2,
		}
		fs.fileOps = &vfs.InodeOperations{}
		fs.dirFOp = &vfs.FileOperations{IterateShared: fs.offsetReaddir}
	}
	root := fs.SB.SRoot.DInode
	root.IOp = fs.dirOps
	root.Private = fs.newDirInfo()
	root.ICount.Set(1)
	return fs
}

// Root is the filesystem's root dentry.
func (fs *FS) Root() *dcache.Dentry { return fs.SB.SRoot }

// simpleLookup is simple_lookup (fs/libfs.c, 6.17+): hash the dentry as
// negative; tmpfs has nothing to look up.
func (fs *FS) simpleLookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	if len(dentry.DName.Name) > 255 {
		return sim.ErrPtr[dcache.Dentry](sim.ENAMETOOLONG)
	}
	if dentry.DOp == nil && dentry.DFlags&dcache.DCACHE_DONTCACHE == 0 {
		dentry.DLock().Lock(t)
		dentry.DFlags |= dcache.DCACHE_DONTCACHE
		dentry.DLock().Unlock(t)
	}
	dcache.DAdd(t, dentry, nil)
	return nil
}

// getInode is shmem_get_inode: a new inode of the right type, or ERR_PTR.
func (fs *FS) getInode(t *sim.Task, mode dcache.Mode) *dcache.Inode {
	if t.Fault("shmem_get_inode: new_inode") {
		return sim.ErrPtr[dcache.Inode](sim.ENOSPC)
	}
	inode := fs.SB.NewInode(t, mode)
	if mode.IsDir() {
		inode.IOp = fs.dirOps
		inode.Private = fs.newDirInfo()
	} else {
		inode.IOp = fs.fileOps
	}
	return inode
}

func dirOf(dir *dcache.Inode) *dirInfo { return dir.Private.(*dirInfo) }

// offsetAdd is simple_offset_add: give the dentry its readdir slot.
func offsetAdd(dir *dcache.Inode, dentry *dcache.Dentry) {
	di := dirOf(dir)
	di.entries = entrySlices.Append(dir.ISb.Cache().W, di.entries, dentry)
}

// offsetRemove is simple_offset_remove.
func offsetRemove(dir *dcache.Inode, dentry *dcache.Dentry) {
	di := dirOf(dir)
	if i := slices.Index(di.entries, dentry); i >= 0 {
		di.entries = slices.Delete(di.entries, i, i+1)
	}
}

// FixWhiteout selects the fixed variant of v3 12/19's shmem_whiteout: it
// tests d_duplicate's result with IS_ERR, and the in-lookup twin is hashed
// through __d_add (dcache.DAddPersistent) rather than instantiated while
// still in-lookup by d_make_persistent (docs/findings.md).
var FixWhiteout = variant.NewFix("shmem", "shmem-whiteout",
	"v3 12/19 shmem_whiteout tests IS_ERR and hashes the in-lookup twin through __d_add")

// mknod is shmem_mknod (mm/shmem.c, 6.19): a new inode, its readdir slot,
// and d_make_persistent, which instantiates, pins and (if needed) hashes
// the dentry. The caller holds dir's i_rwsem exclusive.
func (fs *FS) mknod(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode) int {
	t.Read(&dentry.Object, "d_name") // generic_ci_validate_strict_name reads the name
	inode := fs.getInode(t, mode)
	if sim.IsErr(inode) {
		return sim.PtrErr(inode)
	}
	fs.instantiate(t, dir, dentry, inode)
	return 0
}

// instantiate is the tail shmem_mknod and shmem_symlink share: the
// readdir slot, then d_make_persistent (or, under FixWhiteout, __d_add
// for an in-lookup dentry).
func (fs *FS) instantiate(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, inode *dcache.Inode) {
	offsetAdd(dir, dentry)
	if fs.s.C.On(FixWhiteout) && dcache.DInLookup(t, dentry) {
		dcache.DAddPersistent(t, dentry, inode) // the fix, see whiteout
		return
	}
	dcache.DMakePersistent(t, dentry, inode)
}

// create is shmem_create.
func (fs *FS) create(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode, excl bool) int {
	return fs.mknod(t, dir, dentry, dcache.S_IFREG)
}

// mkdir is shmem_mkdir (6.15+: returns NULL for "used the dentry given").
func (fs *FS) mkdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) *dcache.Dentry {
	if err := fs.mknod(t, dir, dentry, dcache.S_IFDIR); err != 0 {
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	dir.INlink++
	return nil
}

// symlink is shmem_symlink (mm/shmem.c, 6.19): a new S_IFLNK inode
// whose body is in i_link, set before the dentry is instantiated, so a
// path walk that finds the dentry finds the body.
//
// Divergence: every body is a short symlink (i_link,
// shmem_short_symlink_operations); the page-cache symlinks of bodies
// longer than SHORT_SYMLINK_LEN (128) are not modeled.
func (fs *FS) symlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, target string) int {
	if len(target)+1 > pageSize {
		return -int(sim.ENAMETOOLONG)
	}
	t.Read(&dentry.Object, "d_name")
	inode := fs.getInode(t, dcache.S_IFLNK)
	if sim.IsErr(inode) {
		return sim.PtrErr(inode)
	}
	inode.ILink = target // kmemdup(symname)
	fs.instantiate(t, dir, dentry, inode)
	return 0
}

// pageSize is PAGE_SIZE, the longest symlink body plus its NUL.
const pageSize = 4096

// link is shmem_link (6.19: simple_link with d_make_persistent).
func (fs *FS) link(t *sim.Task, old *dcache.Dentry, dir *dcache.Inode, dentry *dcache.Dentry) int {
	inode := old.DInode
	offsetAdd(dir, dentry)
	inode.INlink++
	dcache.Ihold(t, inode)
	dcache.DMakePersistent(t, dentry, inode)
	return 0
}

// unlink is shmem_unlink (6.19): drop the readdir slot and the link, and
// simple_unlink's d_make_discardable drops the pin. The VFS then
// d_deletes the dentry.
func (fs *FS) unlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	offsetRemove(dir, dentry)
	dentry.DInode.INlink--
	dcache.DMakeDiscardable(t, dentry)
	return 0
}

// simpleEmpty is simple_empty (fs/libfs.c): no positive hashed child.
func simpleEmpty(t *sim.Task, dentry *dcache.Dentry) bool {
	dentry.DLock().Lock(t)
	defer dentry.DLock().Unlock(t)
	for _, child := range dentry.Children() {
		child.DLock().LockNested(t, dcache.DENTRY_D_LOCK_NESTED)
		positive := child.DInode != nil && child.Hashed()
		child.DLock().Unlock(t)
		if positive {
			return false
		}
	}
	return true
}

// rmdir is shmem_rmdir.
func (fs *FS) rmdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	if !simpleEmpty(t, dentry) {
		return -int(sim.ENOTEMPTY)
	}
	dentry.DInode.INlink--
	dir.INlink--
	return fs.unlink(t, dir, dentry)
}

// whiteout is shmem_whiteout. Mainline (6.19) allocates an unhashed twin
// of old_dentry with d_alloc, which shmem_mknod's d_make_persistent then
// hashes beside the original ("d_lookup() will find one of the two").
// v3 12/19 makes the twin with d_duplicate instead, and ends its
// in-lookup state after mknod; as posted it tests the result for NULL,
// though d_duplicate returns ERR_PTR(-ENOMEM). FixWhiteout selects
// the fixed variant (docs/findings.md, "v3 12/19").
func (fs *FS) whiteout(t *sim.Task, oldDir *dcache.Inode, oldDentry *dcache.Dentry) int {
	if fs.s.Has(variant.P12ShmemDuplicate) {
		wh := dcache.DDuplicate(t, oldDentry)
		if fs.s.C.On(FixWhiteout) && sim.IsErr(wh) {
			return sim.PtrErr(wh) // the fix: d_duplicate returns ERR_PTR, not NULL
		}
		if wh == nil {
			return -int(sim.ENOMEM)
		}
		dcache.AllowTwin(t, wh, oldDentry) // hashed beside old_dentry, as below
		err := fs.mknod(t, oldDir, wh, dcache.S_IFWHT)
		dcache.DLookupDone(t, wh)
		dcache.Dput(t, wh)
		return err
	}
	wh := dcache.DAlloc(t, oldDentry.DParent, &oldDentry.DName)
	if wh == nil {
		return -int(sim.ENOMEM)
	}
	// "Cheat and hash the whiteout while the old dentry is still in
	// place": R1's designed exception until the rename's d_move.
	dcache.AllowTwin(t, wh, oldDentry)
	err := fs.mknod(t, oldDir, wh, dcache.S_IFWHT)
	dcache.Dput(t, wh)
	return err
}

// rename2 is shmem_rename2 (mm/shmem.c, 6.19); the VFS d_moves (or
// d_exchanges) afterwards.
func (fs *FS) rename2(t *sim.Task, oldDir *dcache.Inode, oldDentry *dcache.Dentry, newDir *dcache.Inode, newDentry *dcache.Dentry, flags uint) int {
	inode := oldDentry.DInode
	theyAreDirs := inode.IMode.IsDir()
	if flags&^(vfs.RENAME_NOREPLACE|vfs.RENAME_EXCHANGE|vfs.RENAME_WHITEOUT) != 0 {
		return -int(sim.EINVAL)
	}
	if flags&vfs.RENAME_EXCHANGE != 0 {
		fs.offsetRenameExchange(oldDir, oldDentry, newDir, newDentry)
		return 0
	}
	if !simpleEmpty(t, newDentry) {
		return -int(sim.ENOTEMPTY)
	}
	if flags&vfs.RENAME_WHITEOUT != 0 {
		if err := fs.whiteout(t, oldDir, oldDentry); err != 0 {
			return err
		}
		t.Mark("shmem: whiteout created")
	}
	// simple_offset_rename
	offsetRemove(oldDir, oldDentry)
	if newDentry.DInode != nil {
		offsetRemove(newDir, newDentry)
	}
	offsetAdd(newDir, oldDentry)
	if newDentry.DInode != nil {
		newDentry.DInode.INlink--
		dcache.DMakeDiscardable(t, newDentry)
		if theyAreDirs {
			newDentry.DInode.INlink--
			oldDir.INlink--
		}
	} else if theyAreDirs {
		oldDir.INlink--
		newDir.INlink++
	}
	return 0
}

// offsetRenameExchange is simple_offset_rename_exchange with
// simple_rename_exchange's link counts.
func (fs *FS) offsetRenameExchange(oldDir *dcache.Inode, oldDentry *dcache.Dentry, newDir *dcache.Inode, newDentry *dcache.Dentry) {
	od, nd := dirOf(oldDir), dirOf(newDir)
	oi, ni := slices.Index(od.entries, oldDentry), slices.Index(nd.entries, newDentry)
	if oi >= 0 && ni >= 0 {
		od.entries[oi], nd.entries[ni] = newDentry, oldDentry
	}
	oldIsDir, newIsDir := oldDentry.DInode.IMode.IsDir(), newDentry.DInode.IMode.IsDir()
	if oldDir != newDir && oldIsDir != newIsDir {
		if oldIsDir {
			oldDir.INlink--
			newDir.INlink++
		} else {
			newDir.INlink--
			oldDir.INlink++
		}
	}
}

// offsetReaddir is offset_readdir (fs/libfs.c), with the directory's
// i_rwsem held shared: emit the positive entries from ctx.Pos on.
//
// Whiteouts are positive entries and are emitted (as DT_CHR in the
// kernel, mode S_IFWHT here): overlayfs's readdir relies on seeing them.
//
// Divergence: offsets are positions in the entry list, not maple-tree
// indices, and "." and ".." are not emitted.
func (fs *FS) offsetReaddir(t *sim.Task, file *vfs.File, ctx *vfs.DirContext) int {
	di := dirOf(file.Path.DInode)
	for int(ctx.Pos) < len(di.entries) {
		d := di.entries[ctx.Pos]
		t.Read(&d.Object, "d_inode")
		if d.DInode != nil {
			if !ctx.Emit(d.DName.Name, d.DInode.IIno, d.DInode.IMode) {
				break
			}
		}
		ctx.Pos++
	}
	return 0
}

// Fold is the case folding of a case-insensitive tmpfs directory.
func Fold(name string) string { return strings.ToLower(name) }
