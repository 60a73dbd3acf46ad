// Package casefold models a case-insensitive filesystem on the dcache:
// XFS with the ascii-ci feature (fs/xfs/xfs_iops.c, fs/xfs/libxfs/
// xfs_dir2.c at the v3 series base, torvalds/linux 254f49634ee1), whose
// directories hash and compare names case-folded on disk
// (xfs_ascii_ci_hashname, xfs_ascii_ci_compname) while the dcache keeps
// case-exact names only: ->lookup (xfs_vn_ci_lookup) finds the on-disk
// entry and, when the name given differs from it in case, calls d_add_ci
// with the on-disk name. fs/ntfs's ntfs_lookup does the same (v3 08/19
// changes both callers alike).
//
// By default the superblock has no dentry operations, as XFS and ntfs.
// ChangeFoldDops gives it ntfs3's case-folding ->d_hash and ->d_compare
// (fs/ntfs3/namei.c ntfs_d_hash, ntfs_d_compare) while ->lookup still
// calls d_add_ci: a filesystem that folds in the dcache too. ntfs3
// itself splices the name it was given (d_splice_alias) instead; the
// change shows why: d_add_ci's d_alloc_parallel of the exact name then
// finds the caller's own in-lookup dentry.
//
// Lock order: the VFS holds the parent's i_rwsem (shared for lookup,
// exclusive for changes); the filesystem takes no lock of its own that
// the model tracks.
package casefold
