package ovl

import "github.com/dcsim/dcsim/dcache"

// Layer is what overlayfs uses of a filesystem it stacks (the upper or
// the lower layer): its root dentry, on the layer's own superblock.
// Everything else goes through the VFS and the layer's inode
// operations, as in the kernel: lookups (lookup_one_unlocked), creation
// (vfs_create, vfs_mkdir, vfs_symlink), whiteouts (vfs_mknod of a
// whiteout, vfs_rename with RENAME_WHITEOUT) and vfs_link. The upper
// layer must implement those; a lower layer is only looked up and read.
// The trusted.overlay.* xattrs are overlayfs's own side tables (see the
// package doc), so a layer needs no xattr support.
//
// shmem.FS (tmpfs) is a Layer; a disk filesystem model can be one too.
type Layer interface {
	Root() *dcache.Dentry
}
