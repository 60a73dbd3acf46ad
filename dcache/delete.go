package dcache

import (
	"github.com/dcsim/dcsim/sim"
)

// dentryNegativePolicy is the fs.dentry-negative sysctl
// (dentry_negative_policy), left at its default of 0: d_delete keeps the
// last user's dentry hashed as a negative entry.
const dentryNegativePolicy = 0

// DDelete is d_delete (fs/dcache.c, v6.18), called on unlink with a
// positive dentry the caller holds a reference to (and the parent's
// i_rwsem, which keeps d_inode stable). If the caller's reference is the
// only one, the dentry becomes a hashed negative; otherwise it is only
// unhashed and stays positive until its last dput kills it.
func DDelete(t *sim.Task, dentry *Dentry) {
	t.Read(&dentry.Object, "d_inode") // read before any lock is taken
	inode := dentry.DInode
	inode.ILock.Lock(t)
	dentry.DLock().Lock(t)
	// Are we the only user?
	if dentry.DLockref.Count() == 1 {
		if dentryNegativePolicy != 0 {
			DDropLocked(t, dentry)
		}
		dentry.DFlags &^= DCACHE_CANT_MOUNT
		dentryUnlinkInode(t, dentry) // releases d_lock and i_lock, iputs
	} else {
		DDropLocked(t, dentry)
		dentry.DLock().Unlock(t)
		inode.ILock.Unlock(t)
	}
}

// findSubmount is find_submount (fs/dcache.c, v6.18), the d_walk callback
// of d_invalidate, entered with d_lock held: stop at the first mountpoint
// and take a reference to it.
func findSubmount(t *sim.Task, victim **Dentry, dentry *Dentry) dWalkRet {
	if dMountpoint(dentry) {
		*victim = DgetDlock(t, dentry)
		return dWalkQuit
	}
	return dWalkContinue
}

// dMountpoint is d_mountpoint (include/linux/dcache.h), with d_lock held.
func dMountpoint(dentry *Dentry) bool { return dentry.DFlags&DCACHE_MOUNTED != 0 }

// detachMounts is detach_mounts (fs/namespace.c) of the one mount on
// dentry.
//
// Divergence: mounts are not modeled; nothing in the model mounts on a
// dentry (tests do, by setting DCACHE_MOUNTED and holding a reference for
// the mount). Detaching is reduced to what it does to the dcache when the
// last mount leaves the mountpoint: __put_mountpoint clears
// DCACHE_MOUNTED under d_lock and hands the mountpoint's reference to
// dput_to_list, and namespace_unlock shrinks that list.
func detachMounts(t *sim.Task, dentry *Dentry) {
	var exMountpoints ShrinkList
	dentry.DLock().Lock(t)
	dentry.DFlags &^= DCACHE_MOUNTED
	dentry.DLock().Unlock(t)
	DputToList(t, dentry, &exMountpoints)
	ShrinkDentryList(t, &exMountpoints)
}

// DInvalidate is d_invalidate (fs/dcache.c, v6.18): unhash a dentry that
// the filesystem found stale (->d_revalidate returned 0), prune its unused
// descendants and detach whatever is mounted below it. A dentry already
// unhashed is left alone; a negative one is only unhashed.
func DInvalidate(t *sim.Task, dentry *Dentry) {
	hadSubmounts := false
	dentry.DLock().Lock(t)
	if !dentry.hashed {
		dentry.DLock().Unlock(t)
		return
	}
	DDropLocked(t, dentry)
	dentry.DLock().Unlock(t)

	// Negative dentries can be dropped without further checks.
	t.Read(&dentry.Object, "d_inode")
	if dentry.DInode == nil {
		return
	}

	ShrinkDcacheParent(t, dentry)
	for {
		var victim *Dentry
		dWalk(t, dentry, func(t *sim.Task, d *Dentry) dWalkRet { return findSubmount(t, &victim, d) })
		if victim == nil {
			if hadSubmounts {
				ShrinkDcacheParent(t, dentry)
			}
			return
		}
		t.Mark("d_invalidate: detached a submount")
		hadSubmounts = true
		detachMounts(t, victim)
		Dput(t, victim)
	}
}
