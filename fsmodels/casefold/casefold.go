package casefold

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// FsType is the filesystem type (its own i_rwsem lock classes).
var FsType = dcache.NewFsType("xfs-ci")

// ChangeFoldDops makes the filesystem fold case in ->d_hash and
// ->d_compare as well (ntfs3's dentry operations), with ->lookup still
// calling d_add_ci.
var ChangeFoldDops = variant.NewChange("casefold", "fold-dops",
	"the case-insensitive filesystem folds case in ->d_hash/->d_compare too (ntfs3's), its ->lookup still calls d_add_ci")

// FixCreateInLookup (not kernel code) makes xfs_generic_create end the
// in-lookup state of a dentry that ->lookup left in-lookup before
// d_instantiate: under RFC 51/53, lookup_one_qstr hands ->mkdir and
// ->create the dentry of a name xfs_vn_ci_lookup missed still in-lookup
// (docs/findings.md, "Case-insensitive lookups").
var FixCreateInLookup = variant.NewFix("casefold", "create-in-lookup",
	"xfs_generic_create ends the lookup of a dentry xfs_vn_ci_lookup left in-lookup (RFC 51/53) before d_instantiate")

// maxNameLen is MAXNAMELEN (fs/xfs/libxfs/xfs_da_format.h): 256, names
// of 255 bytes and the NUL.
const maxNameLen = 256

// FS is one mounted case-insensitive filesystem.
type FS struct {
	SB *dcache.SuperBlock
	// Truth is the on-disk namespace's history for the consistency
	// oracle: objects are inode numbers, names fold as the on-disk
	// compare does (xfs_ascii_ci_xfrm).
	Truth   *oracle.Truth
	s       *vfs.System
	dirOps  *vfs.InodeOperations
	fileOps *vfs.InodeOperations
}

// dirent is one on-disk directory entry: the case-exact name, its
// xfs_ascii_ci_hashname hash and the inode.
//
// Divergence: an entry points at the in-core inode (the model has no
// inode cache, so xfs_iget of the entry's number is Ihold of it).
type dirent struct {
	name  string
	hash  uint32
	inode *dcache.Inode
}

// dir is an XFS directory's entries (the shortform, block, leaf and node
// formats are one list, in creation order).
//
// Divergence: directory reads and changes are not scheduling points and
// the XFS inode lock (ILOCK) is not modeled: every read and change runs
// under the VFS's i_rwsem of the directory, shared or exclusive.
type dir struct {
	ents []dirent
}

func dirOf(inode *dcache.Inode) *dir { return inode.Private.(*dir) }

// New mounts the filesystem with an empty root directory. Under
// ChangeFoldDops its superblock gets the folding dentry operations.
// Call it in setup.
func New(s *vfs.System, name string) *FS {
	fs := &FS{s: s, Truth: oracle.New(s.C.W, "the disk")}
	fs.Truth.SetFold(foldName)
	var dop *dcache.DentryOperations
	if s.C.On(ChangeFoldDops) {
		dop = foldDops
	}
	fs.SB = s.C.NewSuperBlockOfType(FsType, name, dop)
	if dop != nil {
		fs.SB.Fold = strings.ToUpper
	}
	fs.dirOps = &vfs.InodeOperations{
		Lookup: fs.ciLookup, Create: fs.create, Mkdir: fs.mkdir, Mknod: fs.mknod,
		Unlink: fs.unlink, Rmdir: fs.unlink, Rename: fs.rename,
	}
	fs.fileOps = &vfs.InodeOperations{}
	root := fs.SB.SRoot.DInode
	root.IOp = fs.dirOps
	root.Private = &dir{}
	root.ICount.Set(1)
	fs.Truth.NameObj(fs.InodeObj(root), "/")
	fs.Truth.CheckAtEnd(s.C.W, fs.SB, fs)
	return fs
}

// InodeObj is the oracle's object of an inode: its inode number.
func (fs *FS) InodeObj(inode *dcache.Inode) oracle.Obj { return oracle.Obj(inode.IIno) }

// MayBeStale is false: XFS has no ->d_revalidate, its dentries must be
// exact.
func (fs *FS) MayBeStale(*dcache.Dentry) bool { return false }

// setTruth records a change of directory dir's entry name.
func (fs *FS) setTruth(t *sim.Task, dir *dcache.Inode, name string, inode *dcache.Inode) {
	obj := oracle.None
	if inode != nil {
		obj = fs.InodeObj(inode)
	}
	by := "setup"
	if t != nil {
		by = t.String()
	}
	fs.Truth.Set(fs.InodeObj(dir), name, obj, by)
}

// foldName folds a name as the on-disk compare does.
func foldName(name string) string {
	b := []byte(name)
	for i := range b {
		b[i] = xfsASCIICIXfrm(b[i])
	}
	return string(b)
}

// Root is the filesystem's root dentry.
func (fs *FS) Root() *dcache.Dentry { return fs.SB.SRoot }

// Populate puts a path on disk, as if created before the mount (the
// dcache does not know it): a directory if it ends in "/", else a
// regular file. It fails if its parent is not a directory on disk.
// Call it in setup.
func (fs *FS) Populate(path string) error {
	mode := dcache.S_IFREG
	if strings.HasSuffix(path, "/") {
		mode = dcache.S_IFDIR
		path = strings.TrimSuffix(path, "/")
	}
	parent, name, ok := fs.parent(path)
	if !ok {
		return fmt.Errorf("casefold: %s: the parent directory is not on disk", path)
	}
	inode := fs.newInode(nil, mode)
	dirOf(parent).add(name, inode)
	fs.setTruth(nil, parent, name, inode)
	fs.Truth.NameObj(fs.InodeObj(inode), path)
	if mode.IsDir() {
		parent.INlink++
	}
	inode.ICount.Set(0) // only the directory entry refers to it
	return nil
}

// parent finds path's parent directory on disk (case-insensitively, as
// lookups do) and the last component.
func (fs *FS) parent(path string) (*dcache.Inode, string, bool) {
	p := fs.SB.SRoot.DInode
	names := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, n := range names[:len(names)-1] {
		d, ok := p.Private.(*dir)
		if !ok {
			return nil, "", false
		}
		e, _, err := d.lookup(n)
		if err != 0 {
			return nil, "", false
		}
		p = e.inode
	}
	if _, ok := p.Private.(*dir); !ok {
		return nil, "", false
	}
	return p, names[len(names)-1], true
}

// ParentObj is the oracle's object of path's parent directory (as the
// disk has it now) and the last component; false if there is none.
func (fs *FS) ParentObj(path string) (oracle.Obj, string, bool) {
	p, name, ok := fs.parent(path)
	if !ok {
		return oracle.None, "", false
	}
	return fs.InodeObj(p), name, true
}

// Entries lists the case-exact names on disk in the directory inode, in
// creation order.
func Entries(inode *dcache.Inode) []string {
	var names []string
	for _, e := range dirOf(inode).ents {
		names = append(names, e.name)
	}
	return names
}

// newInode is xfs_create's inode allocation (xfs_dialloc, xfs_iget of
// the new inode) with the inode operations xfs_setup_iops gives it.
//
// Divergence: no transaction, quota, ACL or security label.
func (fs *FS) newInode(t *sim.Task, mode dcache.Mode) *dcache.Inode {
	inode := fs.SB.NewInode(t, mode)
	if mode.IsDir() {
		inode.IOp = fs.dirOps
		inode.Private = &dir{}
	} else {
		inode.IOp = fs.fileOps
	}
	return inode
}

// MarkDisk marks every inode the on-disk directories refer to, for the
// leak walker: an inode on disk is alive though no dentry or task holds
// it.
func (fs *FS) MarkDisk(mark func(*sim.Object)) {
	var rec func(inode *dcache.Inode)
	rec = func(inode *dcache.Inode) {
		mark(&inode.Object)
		if d, ok := inode.Private.(*dir); ok {
			for _, e := range d.ents {
				rec(e.inode)
			}
		}
	}
	rec(fs.SB.SRoot.DInode)
}
