package dcache

import (
	"github.com/dcsim/dcsim/sim"
)

// dFindAnyAliasLocked is __d_find_any_alias (fs/dcache.c, v6.18): the
// newest alias of inode with a new reference, or nil. The caller holds
// the inode's i_lock; the alias's d_lock is not held, so the reference is
// taken with lockref_get, not dget_dlock.
func dFindAnyAliasLocked(t *sim.Task, inode *Inode) *Dentry {
	if len(inode.iDentry) == 0 { // hlist_empty(&inode->i_dentry)
		return nil
	}
	alias := inode.iDentry[0]
	alias.DLockref.Get(t)
	return alias
}

// DFindAnyAlias is d_find_any_alias (fs/dcache.c, v6.18): any alias of
// inode, hashed or not, with a reference; nil if it has none.
func DFindAnyAlias(t *sim.Task, inode *Inode) *Dentry {
	inode.ILock.Lock(t)
	de := dFindAnyAliasLocked(t, inode)
	inode.ILock.Unlock(t)
	return de
}

// dFindAliasLocked is __d_find_alias (fs/dcache.c, v6.18), i_lock held: a
// directory's alias whatever its state (there is at most one), else the
// newest hashed alias, with a reference; nil if there is none.
func dFindAliasLocked(t *sim.Task, inode *Inode) *Dentry {
	if inode.IMode.IsDir() {
		return dFindAnyAliasLocked(t, inode)
	}
	for _, alias := range inode.iDentry {
		alias.DLock().Lock(t)
		if alias.hashed { // !d_unhashed(alias)
			DgetDlock(t, alias)
			alias.DLock().Unlock(t)
			return alias
		}
		alias.DLock().Unlock(t)
	}
	return nil
}

// DFindAlias is d_find_alias (fs/dcache.c, v6.18): a hashed alias of inode
// (any alias for a directory) with a reference, or nil. The emptiness of
// i_dentry is first tested without i_lock.
func DFindAlias(t *sim.Task, inode *Inode) *Dentry {
	var de *Dentry
	t.Read(&inode.Object, "i_dentry") // lockless hlist_empty
	if len(inode.iDentry) != 0 {
		inode.ILock.Lock(t)
		de = dFindAliasLocked(t, inode)
		inode.ILock.Unlock(t)
	}
	return de
}
