package dcache

import (
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Rule R16, the spinlock order inode->i_lock before dentry->d_lock
// (fs/dcache.c's "Usage/Ordering" comment and lock_for_kill, v6.18):
// lock_for_kill holds d_lock and may only trylock i_lock; when that fails
// it drops d_lock and takes the two in order. lockdep checks the order
// through the classes of the two locks.

// MutKillBlocksOnILock makes lock_for_kill spin on i_lock while holding
// d_lock (spin_lock instead of spin_trylock), the reverse of the order
// __d_find_alias, d_delete and dentry_unlink_inode's callers use.
var MutKillBlocksOnILock = variant.NewMutant("dcache", "kill-blocks-on-i_lock",
	"lock_for_kill takes i_lock with spin_lock while holding d_lock instead of trying it")

// spinTrylockILock tries the inode's i_lock for lock_for_kill (its
// spin_trylock), or takes it with spin_lock under MutKillBlocksOnILock.
func spinTrylockILock(t *sim.Task, d *Dentry, inode *Inode) bool {
	if d.c.On(MutKillBlocksOnILock) {
		inode.ILock.Lock(t)
		return true
	}
	return inode.ILock.TryLock(t)
}
