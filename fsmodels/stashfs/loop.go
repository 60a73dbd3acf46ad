package stashfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// The stash with the cmpxchg loop (ChangeCmpxchgLoop): fs/libfs.c from
// v6.9 on, after Linus Torvalds's proposal of 18 Feb 2024 ("[PATCH 2/2]
// pidfd: add pidfdfs").

// stashedDentryGet is get_stashed_dentry (fs/libfs.c, v6.9; later
// renamed stashed_dentry_get): the stashed dentry with a new reference,
// or NULL.
func stashedDentryGet(t *sim.Task, stashed *sim.AtomicPtr[*dcache.Dentry]) *dcache.Dentry {
	sim.RCUReadLock(t) // guard(rcu)()
	defer sim.RCUReadUnlock(t)
	dentry := stashed.Load(t) // rcu_dereference(*stashed)
	if dentry == nil {
		return nil
	}
	if !dentry.DLockref.GetNotDead(t) {
		return nil
	}
	return dentry
}

// prepareAnonDentry is prepare_anon_dentry (fs/libfs.c, v6.9): a new
// inode for data and an anonymous dentry for it, which records where it
// is to be stashed in d_fsdata.
//
// Divergence: sops->init_inode is reduced to setting i_private.
func (fs *FS) prepareAnonDentry(t *sim.Task, stashed *sim.AtomicPtr[*dcache.Dentry], data *Pid) (*dcache.Dentry, int) {
	inode := fs.newInodePseudo(t, data)
	if inode == nil {
		return nil, -int(sim.ENOMEM)
	}
	dentry := dcache.DAllocAnon(t, fs.SB)
	if dentry == nil {
		dcache.Iput(t, inode)
		return nil, -int(sim.ENOMEM)
	}
	// Store address of location where dentry's supposed to be stashed.
	dentry.DFsdata = stashed
	// @data is now owned by the fs
	dcache.DInstantiate(t, dentry, inode)
	return dentry, 0
}

// stashDentry is stash_dentry (fs/libfs.c, v6.9): install dentry, or
// reuse a live dentry somebody else installed, or take over from a dead
// one. It returns the dentry now stashed, with a reference for the
// caller.
//
// With ChangeLoopAsMailed it is the loop of Linus's mail instead: it
// d_deletes and dputs its own dentry before returning a live old one
// (v6.9 leaves the dput to the caller and drops the d_delete, which the
// cmpxchg in ->d_prune makes safe), and relaxes after a failed take-over.
func stashDentry(t *sim.Task, stashed *sim.AtomicPtr[*dcache.Dentry], dentry *dcache.Dentry) *dcache.Dentry {
	mailed := dentry.DSb.Cache().On(ChangeLoopAsMailed)
	sim.RCUReadLock(t) // guard(rcu)()
	defer sim.RCUReadUnlock(t)
	for {
		// Assume any old dentry was cleared out.
		old := stashed.CmpXchg(t, nil, dentry)
		if old == nil {
			return dentry
		}
		// Check if somebody else installed a reusable dentry.
		if old.DLockref.GetNotDead(t) {
			t.Mark(MarkLostInstall)
			if mailed {
				dcache.DDelete(t, dentry)
				dcache.Dput(t, dentry)
			}
			return old
		}
		// There's an old dead dentry there, try to take it over.
		if stashed.TryCmpXchg(t, &old, dentry) {
			t.Mark(MarkTakeOver)
			return dentry
		}
		if mailed {
			t.CPURelax() // Ooops, that failed, to back and try again
		}
	}
}

// pathFromStashedLoop is path_from_stashed (fs/libfs.c, v6.9).
//
// Divergence: the vfsmount and sops->put_data are not modeled. With
// ChangeLoopAsMailed, stash_dentry has dropped the unused dentry itself,
// so the caller does not (the mail gave the loop, not its caller).
func (fs *FS) pathFromStashedLoop(t *sim.Task, stashed *sim.AtomicPtr[*dcache.Dentry], data *Pid) (*dcache.Dentry, int) {
	// See if dentry can be reused.
	res := stashedDentryGet(t, stashed)
	if res == nil {
		// Allocate a new dentry.
		dentry, err := fs.prepareAnonDentry(t, stashed, data)
		if err < 0 {
			return nil, err
		}
		// Added a new dentry. @data is now owned by the filesystem.
		res = stashDentry(t, stashed, dentry)
		if res != dentry && !fs.c.On(ChangeLoopAsMailed) {
			dcache.Dput(t, dentry)
		}
	}
	t.WarnOnOnce(res.DFsdata != stashed, "path->dentry->d_fsdata != stashed")
	t.WarnOnOnce(pidOf(res.DInode) != data, "d_inode(path->dentry)->i_private != data")
	return res, 0
}

// stashedDentryPrune is stashed_dentry_prune (fs/libfs.c, v6.9): clear
// the stash only if it still holds this dentry, since someone may have
// taken it over as the dentry died.
func stashedDentryPrune(t *sim.Task, dentry *dcache.Dentry) {
	stashed, _ := dentry.DFsdata.(*sim.AtomicPtr[*dcache.Dentry])
	inode := dentry.DInode // d_inode(dentry)
	if t.WarnOnOnce(stashed == nil, "!stashed") {
		return
	}
	if inode == nil {
		return
	}
	if dentry.DSb.Cache().On(MutBlindPrune) {
		stashed.Store(t, nil)
		return
	}
	// Only replace our own @dentry as someone else might've already
	// cleared out @dentry and stashed their own dentry in there.
	stashed.CmpXchg(t, dentry, nil)
}
