package ovl

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// An overlay instance and its inodes' private parts come from the World's
// pools (sim/recycle.go), like the dcache's objects. The instance keeps
// across runs what is bound to it (its operation tables, its evict
// method) and its maps' memory, emptied.
var (
	fsPool       = sim.NewPool[FS]()
	ovlInodePool = sim.NewPool[ovlInode]()
)

// Recycle forgets the run and keeps what is bound to fs.
func (fs *FS) Recycle() {
	clear(fs.opaque)
	clear(fs.origin)
	*fs = FS{opaque: fs.opaque, origin: fs.origin, dirOps: fs.dirOps, fileOps: fs.fileOps,
		dirFOp: fs.dirFOp, fileFOp: fs.fileFOp, evict: fs.evict}
}

// bind makes fs's operation tables the first time fs is used.
func (fs *FS) bind() {
	if fs.dirOps != nil {
		return
	}
	fs.opaque, fs.origin = map[*dcache.Inode]bool{}, map[*dcache.Inode]*dcache.Inode{}
	fs.dirOps = &vfs.InodeOperations{
		Lookup: fs.lookup, Create: fs.create, Mkdir: fs.mkdir, Mknod: fs.mknod,
		Symlink: fs.symlink, Link: fs.link, Unlink: fs.unlink, Rmdir: fs.rmdir, Rename: fs.rename,
	}
	fs.fileOps = &vfs.InodeOperations{GetLink: fs.getLink}
	fs.dirFOp = &vfs.FileOperations{IterateShared: fs.iterate, Wrapped: true, Release: fs.dirRelease}
	fs.fileFOp = &vfs.FileOperations{Open: fs.open}
	fs.evict = fs.evictInode
}

// newOvlInode is inode's overlay part.
func (fs *FS) newOvlInode(inode *dcache.Inode) *ovlInode {
	oi := ovlInodePool.New(fs.SB.Cache().W)
	oi.fs, oi.inode = fs, inode
	return oi
}
