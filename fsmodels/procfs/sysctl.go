package procfs

import (
	"slices"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

var sysctlLockClass = sim.NewLockClass("sysctl_lock")

// CtlDir is the sysctl directory /proc/sys shows (one level): its
// registered tables, in registration order, under sysctl_lock.
//
// Divergence: one directory of plain entries; ctl_table_header use
// counts, nested directories, links and permissions are not modeled.
type CtlDir struct {
	sim.Object
	lock    sim.SpinLock // sysctl_lock
	entries []*CtlTable
}

// CtlTable is one registered sysctl (struct ctl_table with the
// unregistering state of its header).
type CtlTable struct {
	Procname      string
	unregistering bool
}

func newCtlDir(s *vfs.System) *CtlDir {
	d := &CtlDir{}
	s.C.W.NewStatic(&d.Object, "sysctl root")
	d.lock.Init(&d.Object, "sysctl_lock", sysctlLockClass)
	return d
}

// Register is register_sysctl for one entry. In setup (t == nil) no
// step is taken.
func (fs *FS) Register(t *sim.Task, name string) {
	d := fs.Sys
	if t != nil {
		d.lock.Lock(t)
		t.Write(&d.Object, "entries")
	}
	d.entries = append(d.entries, &CtlTable{Procname: name})
	if t != nil {
		d.lock.Unlock(t)
	}
}

// Unregister is unregister_sysctl_table for one entry
// (start_unregistering, erase_header): mark it unregistering, which
// proc_sys_revalidate and proc_sys_delete see, and take it off the
// directory. -ENOENT if no such entry is registered.
//
// Divergence: proc_sys_prune_dcache's d_prune_aliases is not modeled;
// the stale dentries go through ->d_revalidate and ->d_delete.
func (fs *FS) Unregister(t *sim.Task, name string) int {
	d := fs.Sys
	d.lock.Lock(t)
	t.Write(&d.Object, "entries")
	i := slices.IndexFunc(d.entries, func(e *CtlTable) bool { return e.Procname == name })
	if i < 0 {
		d.lock.Unlock(t)
		return -int(sim.ENOENT)
	}
	d.entries[i].unregistering = true
	d.entries = slices.Delete(slices.Clone(d.entries), i, i+1)
	d.lock.Unlock(t)
	return 0
}

// lookupEntry is lookup_entry under sysctl_lock.
func (fs *FS) lookupEntry(t *sim.Task, name string) *CtlTable {
	d := fs.Sys
	d.lock.Lock(t)
	t.Read(&d.Object, "entries")
	var found *CtlTable
	for _, e := range d.entries {
		if e.Procname == name {
			found = e
		}
	}
	d.lock.Unlock(t)
	return found
}

// sysMakeInode is proc_sys_make_inode (fs/proc/proc_sysctl.c): a new
// inode with a synthetic number for the table entry, or
// ERR_PTR(-ENOMEM).
func (fs *FS) sysMakeInode(t *sim.Task, table *CtlTable) *dcache.Inode {
	inode := fs.makeInode(t, dcache.S_IFREG, fs.sysOps, &procInode{table: table})
	if inode == nil {
		return sim.ErrPtr[dcache.Inode](sim.ENOMEM)
	}
	return inode
}

// sysLookup is proc_sys_lookup (fs/proc/proc_sysctl.c): -ENOENT for a
// name with no registered entry (no negative dentry), else a new inode
// spliced with proc_sys_dentry_operations.
func (fs *FS) sysLookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	p := fs.lookupEntry(t, dentry.DName.Name)
	if p == nil {
		return sim.ErrPtr[dcache.Dentry](sim.ENOENT)
	}
	return dcache.DSpliceAliasOps(t, fs.sysMakeInode(t, p), dentry, fs.sysDOps)
}

// sysReaddir is proc_sys_readdir with scan (fs/proc/proc_sysctl.c):
// proc_sys_fill_cache for each registered entry from ctx->pos on.
//
// Divergence: "." and ".." are not emitted; the entries are read from a
// snapshot taken under sysctl_lock (the kernel walks the rbtree with use
// counts held).
func (fs *FS) sysReaddir(t *sim.Task, file *vfs.File, ctx *vfs.DirContext) int {
	d := fs.Sys
	d.lock.Lock(t)
	t.Read(&d.Object, "entries")
	entries := d.entries
	d.lock.Unlock(t)
	for int(ctx.Pos) < len(entries) {
		if !fs.sysFillCache(t, file, ctx, entries[ctx.Pos]) {
			break
		}
		ctx.Pos++
	}
	return 0
}

// sysFillCache is proc_sys_fill_cache (fs/proc/proc_sysctl.c, the series
// base; v3 04/19 drops the wait queue): d_lookup, else d_alloc_parallel
// and, for an in-lookup child, proc_sys_make_inode and
// d_splice_alias_ops; then emit the inode's number. A failure ends the
// readdir (returns false) rather than emitting d_ino 1.
//
// Under ChangeDropLock the lookup is d_alloc_noblock and, when it would
// block, the directory's lock is dropped around d_alloc_parallel; this
// hunk tests -EWOULDBLOCK before IS_ERR, as it must.
func (fs *FS) sysFillCache(t *sim.Task, file *vfs.File, ctx *vfs.DirContext, table *CtlTable) bool {
	dir := file.Path
	qname := dcache.Qstr{Name: table.Procname}
	var child *dcache.Dentry
	if fs.dropLock() {
		child = dcache.DAllocNoblock(t, dir, &qname)
		if isWouldBlock(child) {
			t.Mark("proc_sys_fill_cache: parent lock dropped for d_alloc_parallel")
			child = allocParallelUnlocked(t, dir, &qname)
		}
		if sim.IsErr(child) {
			return false
		}
		if child = fs.sysInstantiate(t, child, table); sim.IsErr(child) {
			return false
		}
	} else {
		qname.Hash = dcache.FullNameHash(dir, qname.Name)
		child = dcache.DLookup(t, dir, &qname)
		if child == nil {
			wq := fs.onStackWaitQueue(t)
			child = dcache.DAllocParallel(t, dir, &qname, wq)
			if sim.IsErr(child) {
				releaseWaitQueue(t, wq)
				return false
			}
			child = fs.sysInstantiate(t, child, table)
			releaseWaitQueue(t, wq)
			if sim.IsErr(child) {
				return false
			}
		}
	}
	inode := child.DInode
	t.Read(&child.Object, "d_inode")
	ino, typ := inode.IIno, inode.IMode
	dcache.Dput(t, child)
	return ctx.Emit(qname.Name, ino, typ)
}

// sysInstantiate is proc_sys_fill_cache's "if (d_in_lookup(child))"
// block.
func (fs *FS) sysInstantiate(t *sim.Task, child *dcache.Dentry, table *CtlTable) *dcache.Dentry {
	if !dcache.DInLookup(t, child) {
		return child
	}
	t.Mark("proc_sys_fill_cache: instantiated from readdir")
	res := dcache.DSpliceAliasOps(t, fs.sysMakeInode(t, table), child, fs.sysDOps)
	dcache.DLookupDone(t, child)
	if res != nil {
		dcache.Dput(t, child)
		return res
	}
	return child
}

// sysRevalidate is proc_sys_revalidate: -ECHILD in RCU-walk, invalid
// once the entry's table is unregistering.
func sysRevalidate(t *sim.Task, dir *dcache.Inode, name *dcache.Qstr, d *dcache.Dentry, flags uint) int {
	if vfs.LookupFlags(flags)&vfs.LOOKUP_RCU != 0 {
		return -int(sim.ECHILD)
	}
	t.Read(&d.DInode.Object, "sysctl->unregistering")
	if procI(d.DInode).table.unregistering {
		return 0
	}
	return 1
}

// sysDelete is proc_sys_delete: kill the dentry at its last dput if its
// table is unregistering.
func sysDelete(t *sim.Task, d *dcache.Dentry) int {
	if procI(d.DInode).table.unregistering {
		return 1
	}
	return 0
}

// sysPermission is proc_sys_permission (fs/proc/proc_sysctl.c) for the
// sysctl root, which has no table entry: r-xr-xr-x, so MAY_WRITE is
// -EACCES even for root (unlink in /proc/sys fails with -EACCES).
func sysPermission(t *sim.Task, inode *dcache.Inode, mask int) int {
	if mask&vfs.MAY_WRITE != 0 {
		return -int(sim.EACCES)
	}
	return 0
}
