package dcache

import "github.com/dcsim/dcsim/variant"

// Rule R19: __d_unalias (fs/dcache.c, v6.18) only trylocks
// s_vfs_rename_mutex and the alias's parent's i_rwsem, and fails with
// -ESTALE when either is busy: it runs under rename_lock held for write
// (a spinlock), and behind the lookup's parent i_rwsem, the reverse of the
// order lock_rename takes. The generic checkers catch a blocking
// acquisition there: sleep-in-atomic (a sleeping lock under rename_lock)
// before any deadlock can happen.

// MutUnaliasBlocks makes __d_unalias take the two locks with blocking
// calls (mutex_lock, inode_lock_shared) instead of trylocks.
var MutUnaliasBlocks = variant.NewMutant("dcache", "unalias-blocks",
	"__d_unalias blocks on s_vfs_rename_mutex and the alias parent's i_rwsem instead of trylocking them")
