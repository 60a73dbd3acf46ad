package stashfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// The stash as it stood before the cmpxchg loop: fs/libfs.c as the pidfs
// series first added it (the vfs tree, Feb 2024, before the v6.9 merge
// window; no release has it), which is fs/nsfs.c's __ns_get_path of v6.8
// made generic. "pidfs series" below means that version.

// getStashedDentry is get_stashed_dentry (fs/libfs.c, pidfs series; the
// fast path of __ns_get_path, fs/nsfs.c, v6.8): the stashed dentry with
// a new reference, or NULL if there is none or it is dead.
func getStashedDentry(t *sim.Task, stashed *sim.AtomicPtr[*dcache.Dentry]) *dcache.Dentry {
	sim.RCUReadLock(t)
	dentry := stashed.Load(t) // READ_ONCE(stashed)
	if dentry == nil || !dentry.DLockref.GetNotDead(t) {
		dentry = nil
	}
	sim.RCUReadUnlock(t)
	return dentry
}

// stashDentryAgain is stash_dentry (fs/libfs.c, pidfs series; the slow path
// of __ns_get_path, fs/nsfs.c, v6.8): a new dentry and inode for data,
// installed only if the stash is still NULL. If someone else installed
// one meanwhile, make this dentry negative first so that its ->d_prune
// leaves the stash alone, drop it and ask the caller to retry.
func (fs *FS) stashDentryAgain(t *sim.Task, stashed *sim.AtomicPtr[*dcache.Dentry], data *Pid) (*dcache.Dentry, int) {
	dentry := dcache.DAllocAnon(t, fs.SB)
	if dentry == nil {
		return nil, -int(sim.ENOMEM)
	}
	inode := fs.newInodePseudo(t, data)
	if inode == nil {
		dcache.Dput(t, dentry)
		return nil, -int(sim.ENOMEM)
	}
	// @data is now owned by the fs
	dcache.DInstantiate(t, dentry, inode)
	if stashed.CmpXchg(t, nil, dentry) != nil {
		t.Mark(MarkLostInstall)
		if !fs.c.On(MutNoDDelete) {
			dcache.DDelete(t, dentry) // make sure ->d_prune() does nothing
		}
		dcache.Dput(t, dentry)
		t.CPURelax()
		return nil, -int(sim.EAGAIN)
	}
	return dentry, 0
}

// pathFromStashedAgain is path_from_stashed (fs/libfs.c, pidfs series): the
// stashed dentry if it can be reused, else a new one; 1 when it added a
// new one, 0 when it reused one, -EAGAIN when it lost a race to install.
//
// Divergence: the vfsmount (path->mnt = mntget(mnt)) is not modeled.
func (fs *FS) pathFromStashedAgain(t *sim.Task, stashed *sim.AtomicPtr[*dcache.Dentry], data *Pid) (*dcache.Dentry, int) {
	ret := 0
	dentry := getStashedDentry(t, stashed)
	if dentry == nil {
		var err int
		dentry, err = fs.stashDentryAgain(t, stashed, data)
		if err < 0 {
			return nil, err
		}
		ret = 1
	}
	return dentry, ret
}

// pidfsPruneDentry is pidfs_prune_dentry (fs/pidfs.c, pidfs series; fs/nsfs.c
// ns_prune_dentry, v6.8): when a positive dentry dies, its object's stash
// is set to NULL, whatever it holds.
func pidfsPruneDentry(t *sim.Task, dentry *dcache.Dentry) {
	inode := dentry.DInode // d_inode(dentry)
	if inode != nil {
		pid := pidOf(inode)
		pid.Stashed.Store(t, nil) // WRITE_ONCE(pid->stashed, NULL)
	}
}
