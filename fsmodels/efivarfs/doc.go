// Package efivarfs models efivarfs (fs/efivarfs/super.c and inode.c at
// the v3 series base, torvalds/linux 254f49634ee1, with 6.19's
// d_make_persistent from Al Viro's "[PATCH v2 22/50] convert efivarfs",
// <20251028004614.393374-23-viro@zeniv.linux.org.uk>): a dcache-only
// filesystem whose root lists the firmware's EFI variables as
// "Name-GUID" files. Its ->d_hash and ->d_compare fold the GUID's case
// and keep the name's (efivarfs_d_hash, efivarfs_d_compare).
//
// The root is populated at mount (efivarfs_fill_super, efivar_init with
// efivarfs_callback) and again on thaw (efivarfs_unfreeze_fs,
// efivarfs_check_missing), each missing variable through
// efivarfs_create_dentry. The base allocates its dentry with the
// open-coded efivarfs_alloc_dentry (efivarfs_d_hash, then d_alloc); v3
// 11/19 replaces that with d_alloc_name, which v3 03/19 teaches to apply
// ->d_hash. Users create variables (efivarfs_create, d_make_persistent)
// and remove them (efivarfs_unlink, simple_unlink) under the VFS's
// locks, and look them up through simple_lookup.
//
// The firmware's variable store (Firmware) is the truth the filesystem
// reflects; it changes behind efivarfs's back (another OS, a firmware
// update, a hibernation image) until a thaw resynchronises.
//
// Lock order: the VFS holds the root's i_rwsem around lookups (shared)
// and creations and removals (exclusive); mount and thaw populate the
// root without it (the base's code), FixCreateLocked with it.
package efivarfs
