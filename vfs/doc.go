// Package vfs drives the dcache the way fs/namei.c does: the path walk
// (RCU-walk without references, legitimized or redone in ref-walk;
// symlinks followed) with lookup_fast and lookup_slow, the single
// component lookup helpers filesystems call, the dirop API
// (start_creating, start_removing, end_dirop), open with lookup_open and
// atomic_open, the vfs_* operations, rename locking and readdir; and a
// syscall layer (Open, Mkdir, Unlink, Rename, Getdents...) for scenario
// tasks. Functions follow a 7.0-era fs/namei.c (the base of the v3
// series), with v3 07/19 (LOOKUP_SHARED) selected per run.
//
// # Regimes
//
// The directory-locking regime follows from the run's patches
// (System.Regime, variant.Variant.Regime):
//
//   - Today: the parent's i_rwsem is taken (shared for lookup, exclusive
//     for create, remove and rename) before d_alloc_parallel.
//   - Pdirops: RFC 51-53 applied (docs/versions.md): lookup_one_qstr_excl
//     on d_alloc_parallel (51), d_alloc_parallel before the parent lock
//     in lookup_one_qstr, __lookup_slow, __start_dirop, __start_renaming,
//     __start_renaming_dentry, lookup_open and atomic_open (52), and
//     LOOKUP_SHARED gone (53). Each function names its RFC hunks;
//     docs/fidelity.md lists them with their divergences.
//
// Each regime's order reaches lockdep through the locks taken and the
// in-lookup lock map (see package dcache), so code that is safe in only
// one regime shows up in the other as an ordering cycle or a deadlock.
//
// # Lock order
//
// The Linux counterpart of each lock is named in brackets.
//
//	SuperBlock.SVfsRenameMutex        [s_vfs_rename_mutex; cross-directory rename only]
//	  parent Inode.IRwsem             [i_rwsem, I_MUTEX_PARENT; the second parent I_MUTEX_PARENT2,
//	                                   ancestors first]
//	    child directory Inode.IRwsem  [I_MUTEX_CHILD: a directory changing parent in rename]
//	      victim Inode.IRwsem         [I_MUTEX_NORMAL; the second non-directory I_MUTEX_NONDIR2]
//	        in-lookup dentry          [d_alloc_parallel's wait, Today regime]
//	          (dcache locks)          [see package dcache]
//
// In the Pdirops regime the in-lookup dentry comes before the parent's
// i_rwsem instead.
//
// Each call of ->lookup is checked against rule R4: no two calls for the
// same name in the same directory at once.
package vfs
