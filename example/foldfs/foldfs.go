// Package foldfs models a small on-disk filesystem outside the dcsim
// module, to show how a kernel developer models a patch of their own
// against dcsim's public API (docs/extending.md in dcsim).
//
// foldfs has one directory, its root, whose entries are on "disk" (a
// slice): ->lookup reads them and reads an entry's inode in (iget),
// which can fail. The patch under test, "foldfs: case-insensitive
// lookup", makes ->lookup find an entry whatever the case of the name
// asked for, and return the dentry of the name as stored on disk, as
// d_add_ci does for xfs and ntfs3. Its versions are changes registered
// with package variant, selected by the variant's text form:
//
//	mainline/today                     the filesystem before the patch
//	mainline+foldfs-casefold/today     the patch as posted (v1)
//	mainline+foldfs-casefold-v2/today  v2, which fixes what dcsim found in v1
//
// v1 forgets d_lookup_done on the path where reading the inode fails:
// the dentry of the stored name stays in-lookup when its last reference
// goes, and a lookup waiting on it is never woken.
package foldfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// The versions of the patch. Each is one bit of a variant; the model
// asks for them with fs.v.On(...).
var (
	CaseFold = variant.NewChange("example.com/foldfs", "foldfs-casefold",
		"foldfs: case-insensitive lookup, v1 as posted")
	CaseFoldV2 = variant.NewChange("example.com/foldfs", "foldfs-casefold-v2",
		"foldfs: case-insensitive lookup, v2: d_lookup_done on the iget error path")
)

// FsType is foldfs's filesystem type: its lock classes (i_rwsem, the
// in-lookup map) are its own, as lockdep keys them per type.
var FsType = dcache.NewFsType("foldfs")

// inodeHashLock is inode_hash_lock, which iget_locked takes.
var inodeHashLock = sim.NewLockClass("inode_hash_lock")

// FS is one mounted foldfs.
type FS struct {
	sim.Object
	SB *dcache.SuperBlock
	v  variant.Variant
	// disk is the root directory's entries as stored, in their case.
	disk     []*entry
	hashLock sim.SpinLock
	dirOps   *vfs.InodeOperations
	fileOps  *vfs.InodeOperations
}

// entry is a directory entry on disk and, once read in, its inode.
type entry struct {
	name  string
	mode  dcache.Mode
	inode *dcache.Inode // the in-core inode (the inode hash), under hashLock
}

// New mounts a foldfs whose root holds regular files with the names
// given, under the variant of s's dcache. Call it in setup.
func New(w *sim.World, s *vfs.System, names ...string) *FS {
	fs := &FS{v: s.C.V}
	w.NewStatic(&fs.Object, "foldfs")
	fs.hashLock.Init(&fs.Object, "inode_hash_lock", inodeHashLock)
	fs.SB = s.C.NewSuperBlockOfType(FsType, "fold", nil)
	fs.dirOps = &vfs.InodeOperations{Lookup: fs.lookup}
	fs.fileOps = &vfs.InodeOperations{}
	fs.SB.SRoot.DInode.IOp = fs.dirOps
	for _, n := range names {
		fs.disk = append(fs.disk, &entry{name: n, mode: dcache.S_IFREG})
	}
	return fs
}

// Root is the root dentry.
func (fs *FS) Root() *dcache.Dentry { return fs.SB.SRoot }

// Inodes marks the in-core inodes, for the run's leak walk: the inode
// hash keeps them after their last dentry goes.
func (fs *FS) Inodes(mark func(*sim.Object)) {
	for _, e := range fs.disk {
		if e.inode != nil {
			mark(&e.inode.Object)
		}
	}
}

// iget is foldfs_iget, on iget_locked (fs/inode.c): the entry's in-core
// inode with a new reference, read from disk the first time. The read
// can fail (-EIO), as a fault decision.
func (fs *FS) iget(t *sim.Task, e *entry) *dcache.Inode {
	fs.hashLock.Lock(t)
	if e.inode != nil {
		dcache.Ihold(t, e.inode)
		fs.hashLock.Unlock(t)
		return e.inode
	}
	fs.hashLock.Unlock(t)
	if t.Fault("foldfs_iget: read the inode from disk") {
		return sim.ErrPtr[dcache.Inode](sim.EIO)
	}
	inode := fs.SB.NewInode(t, e.mode)
	inode.IOp = fs.fileOps
	fs.hashLock.Lock(t)
	if e.inode != nil { // read in by another lookup meanwhile
		old := e.inode
		dcache.Ihold(t, old)
		fs.hashLock.Unlock(t)
		inode.INlink = 0 // never hashed: the last iput frees it
		dcache.Iput(t, inode)
		return old
	}
	e.inode = inode
	fs.hashLock.Unlock(t)
	return inode
}
