package procfs

import (
	"strconv"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// nameToInt is name_to_int (fs/proc/base.c): the decimal value of the
// name, or -1 (~0U) if it is not a canonical decimal number.
func nameToInt(name string) int {
	if name == "" || len(name) > 1 && name[0] == '0' {
		return -1
	}
	n, err := strconv.Atoi(name)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// fdInstantiate is proc_fd_instantiate (fs/proc/fd.c, 6.18+):
// proc_pid_make_inode (a new S_IFLNK inode with a fresh synthetic inode
// number), ei->fd, then proc_splice_unmountable, which is dont_mount
// and d_splice_alias_ops with tid_fd_dentry_operations.
//
// Divergence: dont_mount (DCACHE_CANT_MOUNT) is not modeled (no mounts).
func (fs *FS) fdInstantiate(t *sim.Task, dentry *dcache.Dentry, fd int) *dcache.Dentry {
	inode := fs.makeInode(t, dcache.S_IFLNK, fs.fdOps, &procInode{fd: fd})
	if inode == nil {
		return sim.ErrPtr[dcache.Dentry](sim.ENOENT)
	}
	return dcache.DSpliceAliasOps(t, inode, dentry, fs.tidFdDOps)
}

// lookupfd is proc_lookupfd / proc_lookupfd_common (fs/proc/fd.c): a
// name that is not a number, or a fd that is not open, is -ENOENT (no
// negative dentry is left); an open one is instantiated.
func (fs *FS) lookupfd(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	fd := nameToInt(dentry.DName.Name)
	if fd < 0 || !fs.Proc.tidFdMode(t, fd) {
		return sim.ErrPtr[dcache.Dentry](sim.ENOENT)
	}
	return fs.fdInstantiate(t, dentry, fd)
}

// readfd is proc_readfd / proc_readfd_common (fs/proc/fd.c): for each
// open fd from ctx->pos on, proc_fill_cache with proc_fd_instantiate.
// The directory's i_rwsem is held shared by iterate_dir.
//
// Divergence: "." and ".." are not emitted (dir_emit_dots), so ctx->pos
// counts fds from 0 rather than from 2.
func (fs *FS) readfd(t *sim.Task, file *vfs.File, ctx *vfs.DirContext) int {
	p := fs.Proc
	sim.RCUReadLock(t)
	for fd := int(ctx.Pos); ; fd++ {
		fd = p.lookupNextFdRCU(t, fd)
		if fd < 0 {
			break
		}
		ctx.Pos = int64(fd)
		sim.RCUReadUnlock(t)
		name := strconv.Itoa(fd)
		if !fs.fillCache(t, file, ctx, name, func(t *sim.Task, child *dcache.Dentry) *dcache.Dentry {
			return fs.fdInstantiate(t, child, fd)
		}) {
			return 0
		}
		ctx.Pos = int64(fd) + 1
		t.Yield() // cond_resched
		sim.RCUReadLock(t)
	}
	sim.RCUReadUnlock(t)
	return 0
}

// tidFdRevalidate is tid_fd_revalidate (fs/proc/fd.c): -ECHILD in
// RCU-walk; valid while the fd is open, invalid once it is closed (the
// VFS then d_invalidates the dentry and looks the name up again).
//
// Divergence: tid_fd_update_inode's owner and mode refresh is not
// modeled.
func (fs *FS) tidFdRevalidate(t *sim.Task, dir *dcache.Inode, name *dcache.Qstr, d *dcache.Dentry, flags uint) int {
	if vfs.LookupFlags(flags)&vfs.LOOKUP_RCU != 0 {
		return -int(sim.ECHILD)
	}
	inode := d.DInode
	if fs.Proc.tidFdMode(t, procI(inode).fd) {
		return 1
	}
	return 0
}

// pidGetLink is proc_pid_get_link with proc_fd_link (fs/proc/fd.c):
// the open file's path, or -ENOENT once the fd is closed.
//
// Divergence: nd_jump_link to the file's struct path is a symlink body
// naming the path the file was opened by; in RCU-walk it asks for
// ref-walk (-ECHILD), as proc_pid_get_link does without a dentry.
func (fs *FS) pidGetLink(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode) (string, int) {
	if dentry == nil {
		return "", -int(sim.ECHILD)
	}
	sim.RCUReadLock(t)
	path := fs.Proc.lookupFdRCU(t, procI(inode).fd)
	sim.RCUReadUnlock(t)
	if path == "" {
		return "", -int(sim.ENOENT)
	}
	return path, 0
}
