// Package fuse models FUSE (fs/fuse of the tree the v3 series applies
// to, torvalds 254f49634ee1, "7.0" below) on the dcache and VFS models,
// with a simulated userspace daemon on the other side of /dev/fuse.
//
// The kernel side follows fs/fuse/dev.c (request queueing, the daemon's
// read and write of the device, notifications), fs/fuse/dir.c
// (fuse_lookup, fuse_dentry_revalidate, fuse_atomic_open and
// fuse_create_open, create_new_entry, unlink, rmdir, rename,
// fuse_reverse_inval_entry), fs/fuse/readdir.c (readdirplus and
// fuse_direntplus_link), fs/fuse/inode.c (fuse_iget, fuse_ilookup,
// FUSE_NOTIFY_INVAL_INODE, eviction and FORGET) and fs/fuse/file.c
// (fuse_open, fuse_finish_open), statement by statement.
//
// FUSE_NOTIFY_INVAL_FILES and the fuse_file / fuse_inode state it works
// on (FUSE_I_INVAL_FILES, FUSE_S_FAIL_IMMEDIATELY, rw_files,
// fuse_inval_files_work) are Virtuozzo's, as the VZ10 kernel has them
// (the context of "[PATCH VZ10 v2] fs/fuse: order FUSE_OPEN reply
// against FUSE_NOTIFY_INVAL_FILES", Liu Kui, 16 Jun 2026); the patch
// itself (per-device write_seq, open_seq, inval_files_seq) is the change
// ChangeWriteSeq.
//
// The daemon (daemon.go) is a set of sim tasks: serving threads
// (sim daemons) that read requests and write replies, and whatever
// threads a scenario adds to change the daemon's namespace and send
// notifications. What it answers, and whether a serving thread sends a
// notification before it replies (re-entry into the kernel, where FUSE
// deadlocks live), is decided through Task.Choose, so the decision log
// holds it.
//
// Variants: FixInvalEntryRetry is the retry loop on
// start_creating_dentry / start_removing_dentry NeilBrown proposes for
// the stale negative dentry fuse_reverse_inval_entry leaves (thread
// "FUSE_NOTIFY_INVAL_ENTRY leaves stale negative dentry after
// c9ba789dad15", Miklos Szeredi's reply of 4 Jun 2026);
// ChangeDirentplusNoblock is RFC 43/53 ("fuse: Use d_alloc_noblock() in
// fuse_direntplus_link()", <20260312214330.3885211-44-neilb@ownmail.net>);
// ChangeWriteSeq is the VZ10 write_seq patch.
//
// The end-of-run checks (check.go) compare the dcache with the daemon's
// namespace (a stale dentry the daemon invalidated) and the open files
// with the daemon's send order (an open that should have failed), and
// the daemon checks the kernel never names a node it has forgotten.
//
// Lock order: the VFS holds directory i_rwsems around ->lookup,
// ->create and friends while the request is with the daemon; a
// notification that needs the same i_rwsem, sent from the thread that
// serves the request, waits for itself.
package fuse
