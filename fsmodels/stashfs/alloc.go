package stashfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// PathFromStashed is path_from_stashed in the run's version: the pid's
// dentry with a reference for the caller, and 0 or 1 (reused or added);
// or nil and -errno (the -EAGAIN scheme's -EAGAIN included).
func (fs *FS) PathFromStashed(t *sim.Task, p *Pid) (*dcache.Dentry, int) {
	if fs.c.On(ChangeCmpxchgLoop) {
		return fs.pathFromStashedLoop(t, &p.Stashed, p)
	}
	return fs.pathFromStashedAgain(t, &p.Stashed, p)
}

// PidfsAllocFile is the path part of pidfs_alloc_file (fs/pidfs.c,
// pidfs series; ns_get_path_cb in fs/nsfs.c, v6.8, is the same loop): retry
// path_from_stashed while it says -EAGAIN. It returns the dentry with a
// reference, or nil and -errno.
//
// Divergence: the struct file (dentry_open) is not modeled; the caller
// holds the path instead.
func (fs *FS) PidfsAllocFile(t *sim.Task, p *Pid) (*dcache.Dentry, int) {
	for {
		d, ret := fs.PathFromStashed(t, p)
		if ret != -int(sim.EAGAIN) {
			return d, ret
		}
	}
}
