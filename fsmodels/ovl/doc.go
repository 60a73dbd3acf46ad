// Package ovl models overlayfs (fs/overlayfs, 6.19/7.0, the base of the
// v3 series) over two layers (Layer; tmpfs, package shmem, in every
// program so far): lookup through the
// layers with whiteouts and opaque directories (namei.c), copy-up
// (copy_up.c, high level), create, link, remove and rename (dir.c), and readdir
// of merged directories (readdir.c) in the three versions of
// ovl_cache_update: mainline (lookup_one), v3 09/19 (d_alloc_noblock,
// d_alloc_name and the alias check in ovl_lookup) and v3 10/19
// (d_alloc_noblock_return and OVL_E_RACED_READDIR), selected by the run's
// patches (dcache.P09OvlNoLookupOne, dcache.P10NoblockReturn).
//
// Sources: fs/overlayfs/{namei,dir,copy_up,readdir,util}.c and
// fs/namei.c of the v3 series base (docs/versions.md), and v3 09/19 and
// 10/19 as posted in the thread of
// <20260427040517.828226-1-neilb@ownmail.net>. Functions name the kernel
// function they follow; NULL and ERR_PTR returns, dget/dput and lock
// drops are where the C has them. Simplifications are marked
// "Divergence:".
//
// # Objects
//
// An overlay dentry's d_fsdata is the OVL_E flag word (OVL_E_UPPER_ALIAS,
// OVL_E_OPAQUE, OVL_E_RACED_READDIR ...), as in current overlayfs. The
// per-object stack (the upper dentry, the lower dentries of the
// ovl_entry, the readdir cache, its version and oi->lock) lives in the
// overlay inode's Private (*ovlInode). Real dentries are on the layers'
// superblocks; every lookup in a real directory goes through that
// filesystem's dcache.
//
// The xattrs overlayfs keeps on upper inodes (trusted.overlay.opaque and
// trusted.overlay.origin) are side tables of FS keyed by the upper
// *dcache.Inode; they are only ever looked up, never iterated.
//
// # Mount
//
// New makes the overlay superblock (its own filesystem type, so its
// locks have their own lockdep classes); Mount, run by a task, is the
// part of ovl_fill_super that needs one: the upper layer is the
// directory "upper" of the upper tmpfs and the work directory is its
// sibling "work" (overlayfs refuses a workdir inside upperdir), both
// created if absent. The lower layer is the lower tmpfs's root. The
// mount has xino=on: the layers are two filesystems, and without xino
// ovl_same_dev() is false and ovl_cache_update() never looks a name up.
//
// # Lock order
//
// The Linux counterpart of each lock is named in brackets.
//
//	overlay parent Inode.IRwsem        [i_rwsem of the overlay dir, taken by the VFS]
//	  overlay victim/source IRwsem     [vfs_unlink, vfs_rename, vfs_link]
//	    ovlInode.lock                  [oi->lock: ovl_copy_up_start, ovl_nlink_start]
//	      FS.whiteoutLock              [ofs->whiteout_lock]
//	        upper s_vfs_rename_mutex   [lock_rename(workdir, upperdir)]
//	          upper/work dir IRwsem    [start_creating, lock_rename; real fs]
//	            (tmpfs and dcache locks)
//
// Real-directory lookups (lookup_one_unlocked) take the real parent's
// i_rwsem shared, one layer at a time, under whatever overlay locks the
// caller holds. Readdir of a merged directory holds the overlay
// directory's i_rwsem exclusive (WRAP_DIR_ITER) around the real
// directories' iterate_dir and the overlay lookups of ovl_cache_update.
package ovl
