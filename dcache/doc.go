// Package dcache models the Linux dentry cache (fs/dcache.c and
// include/linux/dcache.h) function by function on the sim runtime, both as
// the tree the v3 series applies to has it (the variant text "mainline":
// torvalds/linux 254f49634ee1, which is v6.18 plus, for the model,
// d_make_persistent and finish_dput from 6.19, __d_instantiate under the
// caller's d_lock, d_really_is_positive checks in the d_instantiate
// family, and shrink_dcache_tree sleeping on a dying dentry's waiters;
// functions whose doc says "v6.18" are the same in the base) and as
// NeilBrown's "[PATCH v3 NN/19] Prepare to lift lookup out of exclusive
// lock for directory ops" posts it. Which patches are in effect is chosen
// per Cache (per run), patch by patch: see Patches.
//
// Every exported function names, in its doc comment, the kernel function
// and version it follows. NULL and ERR_PTR returns are kept where the C has
// them (nil, and sim.ErrPtr values tested with sim.IsErr), and callers test
// them as the C does. Allocation failure is a decision (sim.Task.Fault).
//
// # Lock order
//
// The Linux counterpart of each lock is named in brackets.
//
//	Cache.RenameLock            [rename_lock, seqlock; writers: d_move, d_exchange, d_splice_alias]
//	  Inode.ILock               [inode->i_lock]
//	    Dentry.DLockref.Lock    [dentry->d_lock; parent before child, subclass DENTRY_D_LOCK_NESTED;
//	                             __d_move: subclasses 2 and 3 for the two dentries]
//	      Inode.IDirSeq         [dir->i_dir_seq write section, start_dir_add/end_dir_add]
//	      hash bucket lock      [dentry_hashtable bit lock, hlist_bl_lock]
//	      in-lookup bucket lock [in_lookup_hashtable bit lock]
//	      SuperBlock LRU lock   [sb->s_dentry_lru list_lru lock]
//
// Outside all of these, and only try-locked inside rename_lock
// (__d_unalias): SuperBlock.SVfsRenameMutex [s_vfs_rename_mutex] and the
// parent's Inode.IRwsem [i_rwsem].
//
// Waiting for an in-lookup dentry (d_alloc_parallel) behaves as a lock on
// the (parent, name) slot; it is declared to lockdep through the lock map
// Dentry.lookupMap (class "in-lookup dentry", taken as a trylock by the
// owner when the dentry enters the in-lookup hash and released when it
// leaves, acquired exclusively by a waiter), so that the order between
// i_rwsem and in-lookup waits (rule R17) is checked like any lock order.
// The class is per filesystem type; d_add_ci's d_alloc_parallel, which
// runs while its caller owns an in-lookup dentry of the same parent, uses
// subclass 1. The kernel has no such map, so reports involving it say
// that a lockdep kernel would not print them. The task that inserted the
// dentry owns it and only the owner ends the state, unless it handed the
// dentry over (DInLookupHandOver; rule in-lookup-owner).
//
// # Invariants
//
// __d_rehash checks R1 at the step that hashes a dentry (checkHashedUnique;
// AllowTwin declares shmem_whiteout's designed exception), so that the
// report names that line. CheckInvariants verifies, after steps that can
// break them: at most one
// hashed dentry per (parent, name) under the parent's d_compare (R1); at
// most one in-lookup dentry per (parent, name) (R3); in-lookup dentries
// unhashed and negative (R6); a directory inode with at most one alias
// (R9); acyclic d_parent chains; lockref counts never negative unless
// dead. __dentry_kill checks that a dentry leaving the in-lookup state
// was taken out of the in-lookup hash (R5) and that freed dentries are on
// no chain or list. The VFS layer checks that ->lookup never runs twice
// at once for one name (R4).
//
// # What a reader sees
//
// Each Cache registers a sim.View (explain_view.go): its in-lookup
// dentries with owners and waiters and its open i_dir_seq sections, for
// dcsim explain; and, for a task asleep on an in-lookup dentry, who should
// wake it, or that the wake-up was lost and who ended the state, which
// deadlock reports print.
package dcache
