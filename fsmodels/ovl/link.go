package ovl

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// getLink is ovl_get_link (fs/overlayfs/inode.c, 6.18): the real
// dentry's body; in RCU-walk (no dentry) -ECHILD, so the walk leaves
// RCU-walk first. Credentials are not modeled.
func (fs *FS) getLink(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode) (string, int) {
	if dentry == nil {
		return "", -int(sim.ECHILD)
	}
	real := dentryUpper(t, dentry) // ovl_dentry_real: upper, else lower
	if real == nil {
		real = dentryLower(dentry)
	}
	return vfs.VfsGetLink(t, real)
}
