// Package oracle checks meaning, not crashes: that what the dcache and
// the VFS report agrees with the namespace the filesystem behind them
// really has.
//
// A filesystem model whose truth lives outside the dcache (an NFS
// server, a FUSE daemon, a disk) records every change of that namespace
// in a Truth, stamped with the world's step count. The oracle then
// answers questions about any interval of the run ("what did this name
// name at some instant between these two steps?"), and its checks raise
// ordinary violations of kind sim.KindConsistency:
//
//   - RuleLookup: a lookup (or stat, or open) that returned object X for
//     (dir, name) is correct only if the truth had X (or nothing, for a
//     negative result) under that name at some instant during the call.
//     A stale answer is allowed only when the caller did not ask for
//     revalidation; see Truth.CheckLookup.
//   - RuleExclCreate: an O_EXCL create that reported success must have
//     created the name during the call: the truth must show the name
//     going from absent to present within the call's interval.
//   - RuleStaleDentry: at a quiescent point (the end of a run), every
//     hashed positive dentry of the superblock names the object the truth
//     has under its name, and every hashed negative dentry names
//     nothing, unless the filesystem says the dentry may be stale
//     because it revalidates it before use (Mapper.MayBeStale).
//   - RuleDangling: no filesystem structure points at a freed dentry
//     (Linus's rule that a filesystem refcounts, never caches, dentry
//     pointers; Message-ID of the eventfs thread in docs/findings.md).
//
// Object identities are the filesystem's own (file handles, inode
// numbers on disk), never dcache pointers, so that a dentry that names
// a replaced object is told apart from one that names the right one.
package oracle
