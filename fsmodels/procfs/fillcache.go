package procfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// instantiateT is instantiate_t: make the inode of an in-lookup child
// and splice it, returning NULL, another dentry, or an ERR_PTR.
type instantiateT func(t *sim.Task, child *dcache.Dentry) *dcache.Dentry

// DT_UNKNOWN is the dirent type proc_fill_cache reports when it could
// not instantiate the entry (with d_ino 1).
const DT_UNKNOWN dcache.Mode = 0

// onStackWaitQueue is DECLARE_WAIT_QUEUE_HEAD_ONSTACK before v3 04/19
// (nil after it: d_alloc_parallel takes no wait queue).
func (fs *FS) onStackWaitQueue(t *sim.Task) *dcache.WaitQueue {
	if fs.s.Has(variant.P04WaitVarEvent) {
		return nil
	}
	return dcache.NewOnStackWaitQueue(t)
}

func releaseWaitQueue(t *sim.Task, wq *dcache.WaitQueue) {
	if wq != nil {
		wq.Release(t)
	}
}

// dropLock says whether ChangeDropLock is in effect (it calls
// d_alloc_noblock, v3 05/19).
func (fs *FS) dropLock() bool {
	return fs.s.C.On(ChangeDropLock) && fs.s.Has(variant.P05AllocNoblock)
}

// allocParallelUnlocked is the drop-lock patch's fallback in both
// fill_cache functions: inode_unlock_shared, d_alloc_parallel,
// inode_lock_shared ("As rmdir never happens in procfs we don't need to
// be concerned about S_DEAD being set while unlocked").
func allocParallelUnlocked(t *sim.Task, dir *dcache.Dentry, qname *dcache.Qstr) *dcache.Dentry {
	vfs.InodeUnlockShared(t, dir.DInode)
	child := dcache.DAllocParallel(t, dir, qname, nil)
	vfs.InodeLockShared(t, dir.DInode)
	return child
}

// isWouldBlock is child == ERR_PTR(-EWOULDBLOCK).
func isWouldBlock(child *dcache.Dentry) bool {
	return sim.IsErr(child) && sim.PtrErr(child) == -int(sim.EWOULDBLOCK)
}

// fillCache is proc_fill_cache (fs/proc/base.c, the series base; v3
// 04/19 drops the wait queue): find the child in the dcache
// (try_lookup_noperm) or make it with d_alloc_parallel and instantiate
// it, then emit the name with the inode number of the dentry a stat
// would find. Called under the directory's i_rwsem held shared. When it
// cannot get the dentry it emits d_ino 1 and DT_UNKNOWN.
//
// Under ChangeDropLock (NeilBrown's procfs patch, docs/versions.md of
// the package doc) the lookup is d_alloc_noblock, and when that would
// block the directory's lock is dropped around d_alloc_parallel. As
// posted, the new -EWOULDBLOCK branch sits after the unchanged
// "if (IS_ERR(child)) goto end_instantiate", so it never runs: a readdir
// that meets a concurrent lookup's in-lookup dentry emits d_ino 1.
// FixNoblockOrder tests -EWOULDBLOCK first (not kernel code).
func (fs *FS) fillCache(t *sim.Task, file *vfs.File, ctx *vfs.DirContext, name string, instantiate instantiateT) bool {
	dir := file.Path
	qname := dcache.Qstr{Name: name}
	ino, typ := uint64(1), DT_UNKNOWN
	var child *dcache.Dentry
	if fs.dropLock() {
		child = dcache.DAllocNoblock(t, dir, &qname)
		if !fs.s.C.On(FixNoblockOrder) && sim.IsErr(child) {
			t.Mark("proc_fill_cache: IS_ERR ahead of -EWOULDBLOCK")
			return ctx.Emit(name, ino, typ) // goto end_instantiate
		}
		if isWouldBlock(child) {
			t.Mark("proc_fill_cache: parent lock dropped for d_alloc_parallel")
			child = allocParallelUnlocked(t, dir, &qname)
		}
		if sim.IsErr(child) {
			return ctx.Emit(name, ino, typ)
		}
		if child = fs.instantiateInLookup(t, child, instantiate); sim.IsErr(child) {
			return ctx.Emit(name, ino, typ)
		}
	} else {
		child = dcache.TryLookupNoperm(t, &qname, dir)
		if sim.IsErr(child) {
			return ctx.Emit(name, ino, typ)
		}
		if child == nil {
			wq := fs.onStackWaitQueue(t)
			child = dcache.DAllocParallel(t, dir, &qname, wq)
			if sim.IsErr(child) {
				releaseWaitQueue(t, wq)
				return ctx.Emit(name, ino, typ)
			}
			child = fs.instantiateInLookup(t, child, instantiate)
			releaseWaitQueue(t, wq)
			if sim.IsErr(child) {
				return ctx.Emit(name, ino, typ)
			}
		}
	}
	inode := child.DInode
	t.Read(&child.Object, "d_inode")
	ino, typ = inode.IIno, inode.IMode
	dcache.Dput(t, child)
	return ctx.Emit(name, ino, typ)
}

// instantiateInLookup is proc_fill_cache's "if (d_in_lookup(child))"
// block: instantiate, d_lookup_done, and take the spliced dentry (or the
// error) in the child's place.
func (fs *FS) instantiateInLookup(t *sim.Task, child *dcache.Dentry, instantiate instantiateT) *dcache.Dentry {
	if !dcache.DInLookup(t, child) {
		return child
	}
	t.Mark("proc_fill_cache: instantiated from readdir")
	res := instantiate(t, child)
	dcache.DLookupDone(t, child)
	if res != nil {
		dcache.Dput(t, child)
		child = res
	}
	return child
}
