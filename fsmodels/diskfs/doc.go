// Package diskfs models a disk filesystem in the style of ext2
// (fs/ext2/namei.c, fs/ext2/dir.c) or jffs2 (fs/jffs2/dir.c), at the
// series base 254f49634ee1 (docs/versions.md): its namespace lives on
// "disk" (Disk), and the dcache only caches it. Dentries are not pinned:
// an unused dentry sits on the LRU, memory pressure or drop_caches
// evicts it, and the next walk looks the name up again from disk
// through ->lookup (ext2_lookup: the directory entry, then ext2_iget
// through the inode cache, then d_splice_alias; a missing name is
// hashed negative).
//
// Each directory inode has a lock of its own, held inside ->lookup and
// ->iterate_shared as the real filesystems hold theirs, under the
// directory's i_rwsem:
//
//   - Ext2: the folio lock of the directory's page (PG_locked, which
//     lockdep does not track): taken to read the page in ext2_get_folio
//     (read_mapping_folio) in ext2_find_entry and ext2_readdir, and held
//     across the change in ext2_add_link, ext2_delete_entry and
//     ext2_set_link. ext2_readdir emits with the page mapped, unlocked.
//   - Jffs2: the inode's f->sem (a mutex, lockdep class "&f->sem"):
//     jffs2_lookup holds it while it searches the dirent list and drops
//     it before jffs2_iget; jffs2_readdir holds it across every
//     dir_emit; jffs2_do_create, jffs2_do_link and jffs2_do_unlink hold
//     the parent's while they change its dirent list.
//
// The model can be an overlayfs layer (ovl.Layer, lower or upper): it
// has create, mkdir, mknod (whiteouts are character devices 0/0),
// symlink, link, unlink, rmdir and rename with RENAME_NOREPLACE,
// RENAME_EXCHANGE and RENAME_WHITEOUT.
//
// Every change of the namespace is recorded in an oracle.Truth (object
// ids are disk inode numbers), so vfs/oracle can check the dcache
// against the disk: the disk is the truth, and a hashed negative dentry
// for a name on disk is stale.
//
// # Lock order
//
//	parent Inode.IRwsem          [i_rwsem, taken by the VFS]
//	  victim Inode.IRwsem        [vfs_unlink, vfs_rmdir, vfs_rename]
//	    in-lookup dentry         [d_alloc_parallel, today's regime]
//	      dir lock               [PG_locked of the dir page (ext2), f->sem (jffs2)]
//	        Disk                 [the blocks; steps, no lock]
//	        inode_hash_lock      [iget's inode cache]
//	          (dcache locks)
//
// Divergence: one page per directory; block allocation, the page cache
// beyond the directory page, I_NEW waits in iget, xattrs and the
// journal are not modeled; inode numbers are allocated in order.
package diskfs
