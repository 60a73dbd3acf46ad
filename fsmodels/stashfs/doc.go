// Package stashfs models the stashed dentries of the pseudo filesystems
// pidfs and nsfs: an object (a struct pid, a namespace) keeps a pointer
// to "its" dentry without holding a reference on it, reuses that dentry
// while it lives (lockref_get_not_dead), and the dentry's ->d_prune
// clears the pointer when the dentry dies. It follows fs/libfs.c's
// path_from_stashed family in two versions, chosen per run:
//
//   - as the pidfs series first added it (the vfs tree, Feb 2024; no
//     release has it), the scheme of fs/nsfs.c __ns_get_path in v6.8: stash_dentry installs a new dentry
//     only over NULL (cmpxchg(stashed, NULL, dentry)); when that fails it
//     d_deletes its own dentry ("make sure ->d_prune() does nothing"),
//     dputs it and returns -EAGAIN, and the caller loops; ->d_prune
//     (pidfs_prune_dentry, ns_prune_dentry) sets the stash to NULL
//     blindly;
//   - with ChangeCmpxchgLoop, as fs/libfs.c has it from v6.9 on: the
//     loop Linus Torvalds proposed on 18 Feb 2024 in the thread "[PATCH
//     2/2] pidfd: add pidfdfs" (Message-ID
//     <CAHk-=wgtLF5Z5=15-LKAczWm=-tUjHO+Bpf7WjBG+UU3s=fEQw@mail.gmail.com>):
//     install over NULL, reuse a live dentry someone else installed, or
//     take over a dead one,
//     and stashed_dentry_prune clearing the stash only if it still holds
//     the dying dentry (cmpxchg(stashed, dentry, NULL)).
//
// ChangeLoopAsMailed selects the loop exactly as the mail wrote it, which
// d_deletes and dputs the unused dentry inside its guard(rcu): dput may
// sleep, so a debug kernel would complain ("sleeping function called
// from invalid context"); v6.9 returns the old dentry and leaves the dput
// to path_from_stashed, outside the RCU section.
//
// The two halves of the change depend on each other: MutBlindPrune keeps
// the blind NULL with the loop, MutNoDDelete drops the d_delete of the
// old -EAGAIN path; each lets a losing dentry's ->d_prune clear the stash
// of a dentry someone holds, which the stash-holder invariant catches
// (check.go).
//
// Lock order: none of its own. ->d_prune runs under the dying dentry's
// d_lock (__dentry_kill); the stash is an atomic pointer.
package stashfs
