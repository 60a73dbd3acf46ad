package ovl

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// open is ovl_open (fs/overlayfs/file.c, 6.18), the ->open of
// ovl_file_operations: copy the file up if it is opened for writing.
//
// Divergence: no lazy lowerdata (no metacopy), and the real file is not
// opened (ovl_open_realfile): the model has no file data or I/O.
func (fs *FS) open(t *sim.Task, inode *dcache.Inode, file *vfs.File) int {
	dentry := file.Path // file_dentry(file)
	if err := fs.maybeCopyUp(t, dentry, file.Flags); err != 0 {
		return err
	}
	// "No longer need these flags, so don't pass them on to underlying fs"
	file.Flags &^= vfs.O_CREAT | vfs.O_EXCL | vfs.O_TRUNC
	if dentryUpper(t, dentry) == nil && dentryLower(dentry) == nil { // ovl_path_realdata
		return -int(sim.EIO)
	}
	return 0
}
