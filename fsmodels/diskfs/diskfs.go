package diskfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// Style is the disk filesystem whose per-directory lock the model takes.
type Style int

const (
	// Ext2 takes the directory page's folio lock (fs/ext2/dir.c).
	Ext2 Style = iota
	// Jffs2 takes the directory inode's f->sem (fs/jffs2/dir.c).
	Jffs2
)

func (s Style) String() string { return [...]string{"ext2", "jffs2"}[s] }

// Filesystem types (their own i_rwsem lockdep classes) and the dir locks.
var (
	ext2Type  = dcache.NewFsType("ext2")
	jffs2Type = dcache.NewFsType("jffs2")
	// fSemClass is jffs2_inode_info's sem: jffs2_i_init_once's
	// mutex_init(&f->sem) names the class "&f->sem".
	fSemClass = sim.NewLockClass("&f->sem")
	// folioLockClass is PG_locked, the folio lock: a bit in the folio's
	// flags that lockdep does not track.
	folioLockClass = sim.NewLockClass("PG_locked").InvisibleToLockdep(
		"the folio lock (folio_lock) is a page-flag bit lock, which lockdep does not track")
	inodeHashLockClass = sim.NewLockClass("inode_hash_lock")
)

// FS is one mounted disk filesystem.
type FS struct {
	SB    *dcache.SuperBlock
	Disk  *Disk
	Style Style
	s     *vfs.System

	hashLock sim.SpinLock             // inode_hash_lock
	icache   map[uint64]*dcache.Inode // the inode cache (inode_hashtable) by disk inode number

	dirOps, fileOps, linkOps *vfs.InodeOperations
	dirFOp                   *vfs.FileOperations
}

// inodeInfo is struct ext2_inode_info / jffs2_inode_info: the inode's
// disk number and, for a directory, its lock (the folio lock of its
// page, or f->sem; a mutex, modeled as a rwsem taken for write).
type inodeInfo struct {
	fs   *FS
	ino  uint64
	lock sim.RWSem
}

// IFop is the inode's i_fop (ext2_dir_operations for directories).
func (ii *inodeInfo) IFop() *vfs.FileOperations {
	return ii.fs.dirFOp
}

func infoOf(inode *dcache.Inode) *inodeInfo { return inode.Private.(*inodeInfo) }

// New mounts a disk filesystem of the given style (ext2_fill_super /
// jffs2_do_fill_super: the root inode read from disk). Populate its
// disk before tasks run with fs.Disk.Populate. Call it in setup.
func New(s *vfs.System, name string, style Style) *FS {
	ft := ext2Type
	if style == Jffs2 {
		ft = jffs2Type
	}
	fs := &FS{s: s, Style: style, icache: map[uint64]*dcache.Inode{}}
	fs.SB = s.C.NewSuperBlockOfType(ft, name, nil)
	fs.Disk = newDisk(s.C.W, name)
	fs.hashLock.Init(&fs.Disk.Object, "inode_hash_lock", inodeHashLockClass)
	fs.dirOps = &vfs.InodeOperations{Lookup: fs.lookup, Create: fs.create, Mkdir: fs.mkdir, Mknod: fs.mknod,
		Symlink: fs.symlink, Link: fs.link, Unlink: fs.unlink, Rmdir: fs.rmdir, Rename: fs.rename}
	fs.fileOps = &vfs.InodeOperations{}
	fs.linkOps = &vfs.InodeOperations{GetLink: fs.getLink}
	fs.dirFOp = &vfs.FileOperations{IterateShared: fs.readdir}
	root := fs.SB.SRoot.DInode
	root.IIno = rootIno
	fs.setupInode(root)
	root.ICount.Set(1)
	fs.icache[rootIno] = root
	fs.Disk.truth.NameObj(oracle.Obj(rootIno), name+":/")
	s.C.W.Roots(fs.markCached)
	return fs
}

// markCached marks the inode cache's inodes as reachable: an inode
// whose dentries were evicted stays cached until the inode shrinker,
// which the model does not run.
func (fs *FS) markCached(mark func(*sim.Object)) {
	for _, inode := range fs.icache {
		mark(&inode.Object)
	}
}

// Root is the filesystem's root dentry (ovl.Layer).
func (fs *FS) Root() *dcache.Dentry { return fs.SB.SRoot }

// Truth is the disk's namespace history (vfs/oracle).
func (fs *FS) Truth() *oracle.Truth { return fs.Disk.truth }

// InodeObj is the oracle object of an inode: its disk inode number.
func (fs *FS) InodeObj(inode *dcache.Inode) oracle.Obj { return oracle.Obj(infoOf(inode).ino) }

// MayBeStale is false: a local disk filesystem's dcache is exact (no
// ->d_revalidate), so every hashed dentry must agree with the disk.
func (fs *FS) MayBeStale(d *dcache.Dentry) bool { return false }

// setupInode is the i_op/i_fop part of ext2_iget and ext2_new_inode.
func (fs *FS) setupInode(inode *dcache.Inode) {
	ii := &inodeInfo{fs: fs, ino: inode.IIno}
	switch inode.IMode {
	case dcache.S_IFDIR:
		inode.IOp = fs.dirOps
		if fs.Style == Jffs2 {
			ii.lock.Init(&inode.Object, "f->sem", fSemClass)
		} else {
			ii.lock.Init(&inode.Object, "i_mapping->folio.PG_locked", folioLockClass)
		}
	case dcache.S_IFLNK:
		inode.IOp = fs.linkOps
	default:
		inode.IOp = fs.fileOps
	}
	inode.Private = ii
	inode.Evict = fs.evictInode
}

// dirLock and dirUnlock take a directory's own lock: folio_lock of its
// page (ext2) or mutex_lock(&f->sem) (jffs2).
func dirLock(t *sim.Task, dir *dcache.Inode)   { infoOf(dir).lock.DownWrite(t) }
func dirUnlock(t *sim.Task, dir *dcache.Inode) { infoOf(dir).lock.UpWrite(t) }

// iget is ext2_iget on iget_locked (fs/inode.c): the cached inode of
// ino with a new reference, or a new one read from disk, inserted unless
// another task inserted one meanwhile (iget_locked's second search).
// ERR_PTR(-ESTALE) for an inode that is not on disk any more; -ENOMEM
// on an allocation failure.
//
// Divergence: the new inode is filled before it is inserted, so there
// is no I_NEW state to wait on.
func (fs *FS) iget(t *sim.Task, ino uint64) *dcache.Inode {
	fs.hashLock.Lock(t)
	if inode := fs.icache[ino]; inode != nil {
		dcache.Ihold(t, inode)
		fs.hashLock.Unlock(t)
		return inode
	}
	fs.hashLock.Unlock(t)
	t.Read(&fs.Disk.Object, "inode table")
	di := fs.Disk.inodes[ino]
	if di == nil || di.nlink == 0 {
		return sim.ErrPtr[dcache.Inode](sim.ESTALE)
	}
	if t.Fault("ext2_iget: alloc_inode") {
		return sim.ErrPtr[dcache.Inode](sim.ENOMEM)
	}
	inode := fs.newInode(t, ino, di)
	fs.hashLock.Lock(t)
	if old := fs.icache[ino]; old != nil {
		dcache.Ihold(t, old)
		fs.hashLock.Unlock(t)
		inode.Evict, inode.INlink = nil, 0 // iput of the loser: not on disk, not cached
		dcache.Iput(t, inode)
		return old
	}
	fs.icache[ino] = inode
	fs.hashLock.Unlock(t)
	return inode
}

// newInode makes the in-memory inode of a disk inode.
func (fs *FS) newInode(t *sim.Task, ino uint64, di *dinode) *dcache.Inode {
	inode := fs.SB.NewInode(t, di.mode)
	inode.IIno = ino
	inode.INlink = di.nlink
	inode.ILink = di.target
	fs.setupInode(inode)
	return inode
}

// evictInode is ext2_evict_inode for an unlinked inode: drop it from
// the inode cache and free it on disk (ext2_free_inode).
func (fs *FS) evictInode(t *sim.Task, inode *dcache.Inode) {
	ino := infoOf(inode).ino
	fs.hashLock.Lock(t)
	if fs.icache[ino] == inode {
		delete(fs.icache, ino)
	}
	fs.hashLock.Unlock(t)
	t.Write(&fs.Disk.Object, "inode bitmap")
	delete(fs.Disk.inodes, ino)
}

// getLink is ext2's page_get_link for a symlink without i_link: the
// body read from disk.
//
// Divergence: every symlink body is read from the inode (ext2's fast
// symlinks keep it in i_data and set i_link; the model reads it the
// same way for all).
func (fs *FS) getLink(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode) (string, int) {
	t.Read(&fs.Disk.Object, "inode table")
	di := fs.Disk.inodes[infoOf(inode).ino]
	if di == nil {
		return "", -int(sim.EIO)
	}
	return di.target, 0
}
