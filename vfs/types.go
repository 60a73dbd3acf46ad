package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// LookupFlags are the LOOKUP_* intent and mode bits.
type LookupFlags uint32

const (
	LOOKUP_FOLLOW        LookupFlags = 1 << 0
	LOOKUP_DIRECTORY     LookupFlags = 1 << 1
	LOOKUP_PARENT        LookupFlags = 1 << 4 // internal: link_path_walk is before the last component
	LOOKUP_RCU           LookupFlags = 1 << 6
	LOOKUP_REVAL         LookupFlags = 1 << 5
	LOOKUP_OPEN          LookupFlags = 1 << 16
	LOOKUP_CREATE        LookupFlags = 1 << 17
	LOOKUP_EXCL          LookupFlags = 1 << 18
	LOOKUP_RENAME_TARGET LookupFlags = 1 << 19
	LOOKUP_SHARED        LookupFlags = 1 << 20 // v3 07/19
)

// i_rwsem lockdep subclasses (enum inode_i_mutex_lock_class).
const (
	I_MUTEX_NORMAL  = 0
	I_MUTEX_PARENT  = 1
	I_MUTEX_CHILD   = 2
	I_MUTEX_XATTR   = 3
	I_MUTEX_NONDIR2 = 4
	I_MUTEX_PARENT2 = 5
)

// Open flags.
const (
	O_RDONLY    = 0
	O_WRONLY    = 1
	O_RDWR      = 2
	O_ACCMODE   = 3
	O_CREAT     = 0o100
	O_EXCL      = 0o200
	O_TRUNC     = 0o1000
	O_DIRECTORY = 0o200000
	O_NOFOLLOW  = 0o400000
)

// Access masks of inode_permission (include/linux/fs.h).
const (
	MAY_EXEC  = 0x1
	MAY_WRITE = 0x2
	MAY_READ  = 0x4
)

// Rename flags.
const (
	RENAME_NOREPLACE = 1 << 0
	RENAME_EXCHANGE  = 1 << 1
	RENAME_WHITEOUT  = 1 << 2
)

// File modes (f_mode bits the open path uses).
const (
	FMODE_OPENED  uint32 = 1 << 19
	FMODE_CREATED uint32 = 1 << 20
)

// InodeOperations is struct inode_operations. Nil fields are absent
// methods. Methods return kernel-style values: 0 or -errno, and dentries
// that may be nil or ERR_PTRs exactly where the kernel's may.
type InodeOperations struct {
	Lookup     func(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags LookupFlags) *dcache.Dentry
	Create     func(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode, excl bool) int
	Mkdir      func(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) *dcache.Dentry
	Mknod      func(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode) int
	Symlink    func(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, target string) int
	Link       func(t *sim.Task, old *dcache.Dentry, dir *dcache.Inode, dentry *dcache.Dentry) int
	Unlink     func(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int
	Rmdir      func(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int
	Rename     func(t *sim.Task, oldDir *dcache.Inode, oldDentry *dcache.Dentry, newDir *dcache.Inode, newDentry *dcache.Dentry, flags uint) int
	AtomicOpen func(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, file *File, openFlags int, mode dcache.Mode) int
	// Permission is ->permission: 0 or -errno for access mask (MAY_*)
	// to inode. Nil is generic_permission, which the model grants (its
	// tasks run as root and mode bits are not modeled).
	Permission func(t *sim.Task, inode *dcache.Inode, mask int) int
	// GetLink is ->get_link: a symlink's body, for symlinks without
	// i_link. dentry is nil in RCU-walk, where it may return -ECHILD.
	GetLink func(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode) (string, int)
}

// FileOperations is the part of struct file_operations the models need.
type FileOperations struct {
	// IterateShared is ->iterate_shared, called with the directory's
	// i_rwsem held shared. Wrapped says the filesystem wraps it with
	// WRAP_DIR_ITER, so iterate_dir takes the lock exclusive instead.
	IterateShared func(t *sim.Task, file *File, ctx *DirContext) int
	Wrapped       bool
	Release       func(t *sim.Task, inode *dcache.Inode, file *File)
	// Open is ->open, called by do_dentry_open with f_path set; an
	// error fails the open.
	Open func(t *sim.Task, inode *dcache.Inode, file *File) int
}

// IFopper is implemented by an inode's Private when the inode has file
// operations (inode->i_fop).
type IFopper interface {
	IFop() *FileOperations
}

// File is struct file.
type File struct {
	sim.Object
	Path    *dcache.Dentry // f_path.dentry
	FMode   uint32
	Flags   int
	Pos     int64
	FOp     *FileOperations
	Private any
}

// DirContext is struct dir_context: readdir's position and emit callback.
type DirContext struct {
	Pos   int64
	Actor func(name string, ino uint64, mode dcache.Mode) bool
}

// Emit is dir_emit.
func (c *DirContext) Emit(name string, ino uint64, mode dcache.Mode) bool {
	return c.Actor(name, ino, mode)
}

// Iop returns the inode operations of an inode (nil if it has none).
func Iop(inode *dcache.Inode) *InodeOperations {
	if inode == nil {
		return nil
	}
	op, _ := inode.IOp.(*InodeOperations)
	return op
}
