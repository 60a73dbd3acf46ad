package dcache

import (
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// dUnalias is __d_unalias (fs/dcache.c, v6.18): move the connected
// directory alias to dentry's place, after a remote rename. The caller
// holds dentry's parent's i_rwsem and rename_lock (write). Other renames
// are excluded only by trylocks, of s_vfs_rename_mutex and (shared) the
// alias's parent's i_rwsem, since blocking here would invert the order
// lock_rename uses (R19); a failed trylock is -ESTALE. 0 on success.
//
// Divergence: ->d_unalias_trylock / ->d_unalias_unlock (9p) are absent
// from DentryOperations; every modeled filesystem behaves as one without
// them.
func dUnalias(t *sim.Task, dentry, alias *Dentry) int {
	var m1, m2 *sim.RWSem // m1 is the s_vfs_rename_mutex (a mutex, modeled as a rwsem)
	ret := -int(sim.ESTALE)

	if alias.DParent == dentry.DParent { // same parent: no extra locks
		goto outUnalias
	}
	// See lock_rename().
	if dentry.c.On(MutUnaliasBlocks) {
		dentry.DSb.SVfsRenameMutex.DownWrite(t)
		alias.DParent.DInode.IRwsem.DownRead(t)
		m1, m2 = &dentry.DSb.SVfsRenameMutex, &alias.DParent.DInode.IRwsem
		goto outUnalias
	}
	if !dentry.DSb.SVfsRenameMutex.DownWriteTrylock(t) { // mutex_trylock
		t.Mark("__d_unalias: s_vfs_rename_mutex busy")
		goto outErr
	}
	m1 = &dentry.DSb.SVfsRenameMutex
	if !alias.DParent.DInode.IRwsem.DownReadTrylock(t) { // inode_trylock_shared
		t.Mark("__d_unalias: alias parent i_rwsem busy")
		goto outErr
	}
	m2 = &alias.DParent.DInode.IRwsem
outUnalias:
	dMove(t, alias, dentry, false)
	ret = 0
outErr:
	if m2 != nil {
		m2.UpRead(t)
	}
	if m1 != nil {
		m1.UpWrite(t) // mutex_unlock
	}
	return ret
}

// DSpliceAliasOps is d_splice_alias_ops (fs/dcache.c): attach inode to
// dentry, or, if inode is a directory that already has an alias, move
// that alias to dentry's place and return it. The inode reference is
// consumed in every outcome.
//
// Returns nil when dentry itself was used (hashed, and positive unless
// inode is nil; ops installed as with __d_add), the alias with a
// reference, ERR_CAST(inode) for an ERR_PTR inode, ERR_PTR(-ELOOP) if the
// alias is an ancestor of dentry, or ERR_PTR(-ESTALE) when __d_unalias
// cannot take its locks. On the alias and error paths dentry is left as
// it was (still in-lookup if it was): the caller must d_lookup_done and
// dput it.
//
// Mainline v6.18 requires dentry unhashed (BUG_ON: negative, unhashed or
// in-lookup). v3 02/19 drops that BUG_ON: dentry may also be a hashed
// negative, which its __d_add then leaves hashed (see dAddLocked).
func DSpliceAliasOps(t *sim.Task, inode *Inode, dentry *Dentry, ops *DentryOperations) *Dentry {
	c := dentry.c
	if sim.IsErr(inode) {
		return sim.ErrCast[Dentry](inode)
	}
	if !c.Has(variant.P02SpliceHashed) {
		t.BugOn(!DUnhashed(t, dentry), "!d_unhashed(dentry)")
	}
	if inode == nil {
		goto out
	}
	inode.ILock.Lock(t)
	if inode.IMode.IsDir() {
		if nd := dFindAnyAliasLocked(t, inode); nd != nil {
			// Our reference keeps nd an alias of inode.
			inode.ILock.Unlock(t)
			c.RenameLock.WriteSeqLock(t)
			if DAncestor(nd, dentry) != nil {
				c.RenameLock.WriteSeqUnlock(t)
				Dput(t, nd)
				nd = sim.ErrPtr[Dentry](sim.ELOOP)
				t.Mark("d_splice_alias: would have caused loop")
			} else if !IsRoot(nd) {
				t.Mark("d_splice_alias: unalias connected directory")
				oldParent := Dget(t, nd.DParent)
				err := dUnalias(t, dentry, nd)
				c.RenameLock.WriteSeqUnlock(t)
				if err != 0 {
					Dput(t, nd)
					nd = sim.ErrPtr[Dentry](sim.Errno(-err))
				}
				Dput(t, oldParent)
			} else {
				t.Mark("d_splice_alias: splice IS_ROOT alias")
				dMove(t, nd, dentry, false)
				c.RenameLock.WriteSeqUnlock(t)
			}
			Iput(t, inode)
			return nd
		}
	}
out:
	dAddLocked(t, dentry, inode, ops) // __d_add: releases i_lock
	return nil
}

// DSpliceAlias is d_splice_alias (fs/dcache.c, v6.18 and v3 02/19):
// d_splice_alias_ops with no ops.
func DSpliceAlias(t *sim.Task, inode *Inode, dentry *Dentry) *Dentry {
	return DSpliceAliasOps(t, inode, dentry, nil)
}
