package dcache

import (
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// iMutexParent is I_MUTEX_PARENT, the i_rwsem lockdep subclass of
// inode_lock_nested(dir, I_MUTEX_PARENT).
const iMutexParent = 1

// DAddCI is d_add_ci (fs/dcache.c): for a case-insensitive ->lookup that
// found inode under the case-exact name while looking up dentry, return a
// dentry with the exact name: the hashed one if it exists, else a new one
// (d_alloc_parallel if dentry is in-lookup, d_alloc otherwise) with inode
// spliced in. The inode reference is consumed. It may return ERR_PTR
// (from ->d_hash, d_alloc_parallel, d_splice_alias, or -ENOMEM) and, when
// d_alloc_parallel returned a dentry another lookup completed, that
// dentry without splicing.
//
// Mainline v6.18 calls d_alloc_parallel with the caller's parent i_rwsem
// held and passes dentry's d_wait queue (v3 04/19: no queue). v3 08/19
// adds shared (the caller's LOOKUP_SHARED): the parent's i_rwsem, held
// shared or exclusive as shared says, is dropped after the hashed lookup
// and retaken (inode_lock_shared or inode_lock_nested(I_MUTEX_PARENT))
// before d_splice_alias. As posted, the three returns in between (an
// ERR_PTR or a non-in-lookup dentry from d_alloc_parallel, and the
// d_alloc failure) return with the lock dropped. Without 08/19 shared is
// ignored.
//
// RFC 51/53 (hunk @@ -2261,18 +2261,10 @@): ->lookup now only sees
// in-lookup dentries, so the d_alloc branch goes and d_alloc_parallel is
// always used. RFC 53/53 (hunk @@ -2257,19 +2256,13 @@) drops shared:
// ->lookup always holds the lock shared, so it is dropped and retaken
// shared.
//
// Divergence: the Go signature keeps shared under RFC 53 (ignored) so
// that callers compile in every variant.
func DAddCI(t *sim.Task, dentry *Dentry, inode *Inode, name *Qstr, shared bool) *Dentry {
	c := dentry.c
	var found, res *Dentry
	if c.Has(variant.P53RemoveLookupShared) {
		shared = true
	}

	// First check whether a dentry with the exact name already exists.
	found = DHashAndLookup(t, dentry.DParent, name)
	if found != nil {
		Iput(t, inode)
		return found
	}
	if c.Has(variant.P08AddCIDropLock) {
		if shared {
			dentry.DParent.DInode.IRwsem.UpRead(t) // inode_unlock_shared
		} else {
			dentry.DParent.DInode.IRwsem.UpWrite(t) // inode_unlock
		}
	}
	if c.Has(variant.P51LookupOneQstrExclParallel) || DInLookup(t, dentry) {
		var wq *WaitQueue
		if !c.Has(variant.P04WaitVarEvent) {
			wq = dentry.dWait // mainline: the caller's queue, d_wait
		}
		// Nested: the caller owns dentry, of the same parent.
		found = DAllocParallelNested(t, dentry.DParent, name, wq)
		if sim.IsErr(found) || !DInLookup(t, found) {
			if c.Has(variant.P08AddCIDropLock) {
				t.Mark("d_add_ci: early return with the parent lock dropped")
				if c.On(FixAddCIRelock) {
					addCIRelock(t, dentry, shared)
				}
			}
			Iput(t, inode)
			return found
		}
	} else {
		found = DAlloc(t, dentry.DParent, name)
		if found == nil {
			if c.Has(variant.P08AddCIDropLock) {
				t.Mark("d_add_ci: early return with the parent lock dropped")
				if c.On(FixAddCIRelock) {
					addCIRelock(t, dentry, shared)
				}
			}
			Iput(t, inode)
			return sim.ErrPtr[Dentry](sim.ENOMEM)
		}
	}
	if c.Has(variant.P08AddCIDropLock) {
		addCIRelock(t, dentry, shared)
	}
	res = DSpliceAlias(t, inode, found)
	if res != nil {
		DLookupDone(t, found)
		Dput(t, found)
		return res
	}
	return found
}

// addCIRelock is the relock v3 08/19 adds to d_add_ci: the parent's
// lock retaken before d_splice_alias, shared, or exclusive with
// I_MUTEX_PARENT.
func addCIRelock(t *sim.Task, dentry *Dentry, shared bool) {
	if shared {
		dentry.DParent.DInode.IRwsem.DownRead(t) // inode_lock_shared
	} else {
		dentry.DParent.DInode.IRwsem.DownWriteNested(t, iMutexParent)
	}
}
