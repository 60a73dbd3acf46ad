package fuse

import "github.com/dcsim/dcsim/variant"

// FixInvalEntryRetry is the fuse_reverse_inval_entry NeilBrown proposes
// in the thread "FUSE_NOTIFY_INVAL_ENTRY leaves stale negative dentry
// after c9ba789dad15" (quoted in Miklos Szeredi's reply of 4 Jun 2026):
// a negative entry is locked with start_creating_dentry, a positive one
// with start_removing_dentry, and a lookup that raced with a rename is
// retried.
var FixInvalEntryRetry = variant.NewFix("fuse", "fuse-inval-entry-retry",
	"fuse_reverse_inval_entry locks a negative entry with start_creating_dentry and retries after a rename (the proposed fix for the stale negative dentry)")

// ChangeDirentplusNoblock is RFC 43/53, "fuse: Use d_alloc_noblock() in
// fuse_direntplus_link()" <20260312214330.3885211-44-neilb@ownmail.net>:
// readdirplus primes the dcache with try_lookup_noperm and
// d_alloc_noblock, and skips a name another task is looking up. It
// needs v3 05/19's d_alloc_noblock.
var ChangeDirentplusNoblock = variant.NewChange("fuse", "rfc43-direntplus-noblock",
	"RFC 43/53: fuse_direntplus_link uses try_lookup_noperm and d_alloc_noblock, skipping a name being looked up")

// ChangeWriteSeq is "[PATCH VZ10 v2] fs/fuse: order FUSE_OPEN reply
// against FUSE_NOTIFY_INVAL_FILES" (Liu Kui, 16 Jun 2026, VSTOR-133093):
// a per-device write_seq stamps OPEN replies (ff->open_seq) and
// FUSE_NOTIFY_INVAL_FILES (fi->inval_files_seq); fuse_link_rw_file fails
// an open whose reply came before the notification, and
// fuse_finish_open waits for the invalidation to finish otherwise.
var ChangeWriteSeq = variant.NewChange("fuse", "vz-write-seq",
	"VZ10 v2: per-device write_seq orders FUSE_OPEN replies against FUSE_NOTIFY_INVAL_FILES")

// FixDirentplusForget is a fix of RFC 43/53 as posted: a name skipped
// with -EWOULDBLOCK ("harmless") returns 0, so parse_dirplusfile does
// not fuse_force_forget it, and the lookup the daemon counted for the
// entry is never forgotten. The fixed variant returns the error, so the
// entry is forgotten like any other that was not linked.
var FixDirentplusForget = variant.NewFix("fuse", "fuse-rfc43-forget",
	"RFC 43/53's fuse_direntplus_link returns -EWOULDBLOCK for a skipped name, so parse_dirplusfile FORGETs it")
