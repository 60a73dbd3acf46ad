package dcache

import "github.com/dcsim/dcsim/variant"

// The protective steps of the dcache model that mutation tests switch off,
// one at a time: each must be caught by a checker. A variant with none of
// them on is the faithful model.
var (
	MutNoInLookupInsert = variant.NewMutant("dcache", "no-in-lookup-insert",
		"d_alloc_parallel returns its new dentry without adding it to the in-lookup hash")
	MutNoRecheckAfterWait = variant.NewMutant("dcache", "no-recheck-after-wait",
		"after waiting on an in-lookup dentry, d_alloc_parallel returns it without rechecking parent, name and hashed-ness")
	MutNoDirSeqRecheck = variant.NewMutant("dcache", "no-dir-seq-recheck",
		"d_alloc_parallel does not recheck i_dir_seq under the in-lookup bucket lock")
	MutNoLockWaiter = variant.NewMutant("dcache", "no-lock-waiter",
		"the v3 04/19 waiter does not set DCACHE_LOCK_WAITER before sleeping")
	MutNoDirSeqBump = variant.NewMutant("dcache", "no-dir-seq-bump",
		"__d_add does not bracket the in-lookup to hashed transition with start_dir_add/end_dir_add")
	MutNoGetNotDead = variant.NewMutant("dcache", "no-get-not-dead",
		"d_alloc_parallel takes its reference on a found in-lookup dentry with a plain increment, not lockref_get_not_dead")
	// MutNoUnhashLock: the chain edit then becomes a load and a later
	// store (as __hlist_bl_del's are), so a concurrent insertion into the
	// same bucket can be lost.
	MutNoUnhashLock = variant.NewMutant("dcache", "no-unhash-lock",
		"__d_lookup_unhash edits the in-lookup chain without the bucket lock")
	MutNoDLockInAdd = variant.NewMutant("dcache", "no-d-lock-in-add",
		"__d_add does its work without d_lock")
	MutNoParentDget = variant.NewMutant("dcache", "no-parent-dget",
		"d_alloc does not take a reference on the parent")
	// MutNoLookupDone: as if the owner of an in-lookup dentry whose
	// ->lookup failed dropped it without ending the in-lookup state: the
	// dentry stays on the in-lookup hash with DCACHE_PAR_LOOKUP set and its
	// waiters are not woken (rule R5).
	MutNoLookupDone = variant.NewMutant("dcache", "no-lookup-done",
		"d_lookup_done does not end the in-lookup state")
	// MutNoPreemptDisableNested: harmless without PREEMPT_RT, where d_lock
	// already disables preemption (preempt_disable_nested only asserts
	// it); under PREEMPT_RT the i_dir_seq write section becomes
	// preemptible, and a reader spinning on the odd count on the writer's
	// CPU never lets the writer finish.
	MutNoPreemptDisableNested = variant.NewMutant("dcache", "no-preempt-disable-nested",
		"start_dir_add and end_dir_add do without preempt_disable_nested and preempt_enable_nested")
)

// The fixed variants of posted v3 code in fs/dcache.c in which a checker
// found a bug (docs/findings.md). Each is the smallest change that makes
// its finding's scenarios explore clean; the posted code stays beside it.
var (
	// FixAddCIRelock: v3 08/19's d_add_ci retakes the parent's lock on
	// its early returns too, so that it always returns as it was called.
	FixAddCIRelock = variant.NewFix("dcache", "add-ci-relock",
		"v3 08/19 d_add_ci retakes the parent lock on its early returns")
	// FixAddCIKeepLock: v3 08/19's d_add_ci keeps the parent's lock
	// from the filesystem's lookup to the splice; under RFC 51/53 it
	// allocates the exact name without waiting and drops the lock only
	// to wait for another lookup of it, whose result it then returns.
	FixAddCIKeepLock = variant.NewFix("dcache", "add-ci-keep-lock",
		"v3 08/19 d_add_ci keeps the parent lock until the splice, dropping it only to wait for another lookup of the exact name (RFC 51/53)")
	// FixAddPublishLast: v3 02/19's __d_add hashes the dentry after
	// d_set_d_op and __d_instantiate, as the base does, instead of before
	// them (skipping the hash when it is already hashed).
	FixAddPublishLast = variant.NewFix("dcache", "add-publish-last",
		"v3 02/19 __d_add hashes the dentry last, after its ops and inode are set")
)
