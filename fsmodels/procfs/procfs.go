package procfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// FsType is procfs's filesystem type (its own lockdep classes).
var FsType = dcache.NewFsType("proc")

// ChangeDropLock is NeilBrown's procfs patch "procfs: drop parent lock
// for d_alloc_parallel() in iterate_shared()" as posted
// (<177737546960.1474915.10696166841821338403@noble.neil.brown.name>):
// proc_fill_cache and proc_sys_fill_cache try d_alloc_noblock and, when
// it would block, drop the directory's shared lock around
// d_alloc_parallel. It needs v3 05/19 (d_alloc_noblock).
var ChangeDropLock = variant.NewChange("procfs", "proc-drop-lock",
	"NeilBrown's procfs patch: d_alloc_noblock, and d_alloc_parallel with the directory lock dropped when it would block")

// FixNoblockOrder is ChangeDropLock with proc_fill_cache's
// -EWOULDBLOCK test ahead of its IS_ERR test, as proc_sys_fill_cache has
// it in the same patch (not kernel code; docs/findings.md, "procfs").
var FixNoblockOrder = variant.NewFix("procfs", "proc-noblock-order",
	"proc_fill_cache tests -EWOULDBLOCK before IS_ERR, so the d_alloc_parallel fallback runs")

// Names of the directories below the procfs root.
const (
	FdDirName  = "fd"  // /proc/<pid>/fd of the simulated process
	SysDirName = "sys" // /proc/sys
)

// FS is one procfs instance: its root holds the fd directory of one
// simulated process and a one-level /proc/sys.
type FS struct {
	SB   *dcache.SuperBlock
	s    *vfs.System
	Proc *Process
	Sys  *CtlDir

	rootOps, fdDirOps, fdOps, sysDirOps, sysOps *vfs.InodeOperations
	rootFOp, fdDirFOp, sysDirFOp                *vfs.FileOperations
	pidDOps, tidFdDOps, sysDOps                 *dcache.DentryOperations
}

// procInode is struct proc_inode's part the model uses (the inode's
// Private): which entry the inode stands for.
type procInode struct {
	fs    *FS
	fop   *vfs.FileOperations
	fd    int       // ei->fd
	table *CtlTable // ei->sysctl_entry
}

// IFop is the inode's i_fop.
func (p *procInode) IFop() *vfs.FileOperations { return p.fop }

func procI(inode *dcache.Inode) *procInode { return inode.Private.(*procInode) }

// New mounts a procfs (proc_fill_super, reduced to what the model
// needs) with the simulated process and an empty /proc/sys. Call it in
// setup.
func New(s *vfs.System, name string) *FS {
	fs := &FS{s: s}
	fs.SB = s.C.NewSuperBlockOfType(FsType, name, nil)
	fs.Proc = newProcess(s)
	fs.Sys = newCtlDir(s)
	fs.rootOps = &vfs.InodeOperations{Lookup: fs.rootLookup}
	fs.fdDirOps = &vfs.InodeOperations{Lookup: fs.lookupfd}
	fs.fdOps = &vfs.InodeOperations{GetLink: fs.pidGetLink}
	fs.sysDirOps = &vfs.InodeOperations{Lookup: fs.sysLookup, Permission: sysPermission}
	fs.sysOps = &vfs.InodeOperations{}
	fs.rootFOp = &vfs.FileOperations{IterateShared: fs.rootReaddir}
	fs.fdDirFOp = &vfs.FileOperations{IterateShared: fs.readfd}
	fs.sysDirFOp = &vfs.FileOperations{IterateShared: fs.sysReaddir}
	fs.pidDOps = &dcache.DentryOperations{DRevalidate: fs.pidRevalidate, DDelete: pidDeleteDentry}
	fs.tidFdDOps = &dcache.DentryOperations{DRevalidate: fs.tidFdRevalidate, DDelete: pidDeleteDentry}
	fs.sysDOps = &dcache.DentryOperations{DRevalidate: sysRevalidate, DDelete: sysDelete}
	root := fs.SB.SRoot.DInode
	root.IOp = fs.rootOps
	root.Private = &procInode{fs: fs, fop: fs.rootFOp}
	root.ICount.Set(1)
	return fs
}

// Root is the procfs root dentry.
func (fs *FS) Root() *dcache.Dentry { return fs.SB.SRoot }

// makeInode is new_inode with get_next_ino: a fresh synthetic inode
// number every time. procfs inodes are not in the inode cache and die
// at their last iput (proc_sops: generic_delete_inode).
//
// Divergence: "dies at the last iput" is i_nlink 0 here, which is what
// makes the dcache model's iput free an inode.
func (fs *FS) makeInode(t *sim.Task, mode dcache.Mode, iop *vfs.InodeOperations, pi *procInode) *dcache.Inode {
	if t.Fault("proc: new_inode") {
		return nil
	}
	inode := fs.SB.NewInode(t, mode)
	inode.INlink = 0
	inode.IOp = iop
	pi.fs = fs
	inode.Private = pi
	return inode
}

// rootLookup is proc_root_lookup / proc_pid_lookup and
// proc_pident_lookup reduced to two fixed names: "fd" (the simulated
// process's fd directory, proc_pident_instantiate with
// pid_dentry_operations) and "sys" (proc_lookup_de of the sysctl root).
//
// Divergence: the pid level (/proc/<pid>) is folded into the root, and
// "sys" gets pid_dentry_operations too (proc_misc_dentry_ops in the
// kernel; both revalidate a live entry as valid).
func (fs *FS) rootLookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	var inode *dcache.Inode
	switch dentry.DName.Name {
	case FdDirName:
		inode = fs.makeInode(t, dcache.S_IFDIR, fs.fdDirOps, &procInode{fop: fs.fdDirFOp})
	case SysDirName:
		inode = fs.makeInode(t, dcache.S_IFDIR, fs.sysDirOps, &procInode{fop: fs.sysDirFOp})
	default:
		return sim.ErrPtr[dcache.Dentry](sim.ENOENT)
	}
	if inode == nil {
		return sim.ErrPtr[dcache.Dentry](sim.ENOENT)
	}
	return dcache.DSpliceAliasOps(t, inode, dentry, fs.pidDOps)
}

// rootReaddir is proc_root_readdir's tail for the two fixed entries
// (proc_pident_readdir would prime them; the model reports their names
// only, with d_ino 1 as proc_fill_cache does when it cannot).
//
// Divergence: the root's entries are not primed.
func (fs *FS) rootReaddir(t *sim.Task, file *vfs.File, ctx *vfs.DirContext) int {
	names := []string{FdDirName, SysDirName}
	for int(ctx.Pos) < len(names) {
		if !ctx.Emit(names[ctx.Pos], 1, dcache.S_IFDIR) {
			break
		}
		ctx.Pos++
	}
	return 0
}

// pidRevalidate is pid_revalidate (fs/proc/base.c): valid while the
// task lives; -ECHILD in RCU-walk only to take the task reference.
//
// Divergence: the simulated process never exits, so the entry is
// always valid, and RCU-walk is allowed (pid_revalidate reads the task
// under RCU too).
func (fs *FS) pidRevalidate(t *sim.Task, dir *dcache.Inode, name *dcache.Qstr, d *dcache.Dentry, flags uint) int {
	t.Read(&fs.Proc.Object, "tasks[PIDTYPE_PID]")
	return 1
}

// pidDeleteDentry is pid_delete_dentry (fs/proc/base.c): kill the dentry
// at its last dput only if the task is dead (proc_inode_is_dead); the
// simulated process never dies, so its dentries stay cached on the LRU,
// where memory pressure may evict them.
func pidDeleteDentry(t *sim.Task, d *dcache.Dentry) int { return 0 }
