package dcache

// Mutants is a set of protective steps switched off, one at a time, by the
// mutation tests: each must be caught by a checker. A Cache with no
// mutants is the faithful model.
type Mutants uint32

// The protective steps that can be disabled.
const (
	// MutNoInLookupInsert: d_alloc_parallel returns its new dentry without
	// adding it to the in-lookup hash.
	MutNoInLookupInsert Mutants = 1 << iota
	// MutNoRecheckAfterWait: after waiting on an in-lookup dentry,
	// d_alloc_parallel returns it without rechecking parent, name and
	// hashed-ness.
	MutNoRecheckAfterWait
	// MutNoDirSeqRecheck: d_alloc_parallel does not recheck i_dir_seq under
	// the in-lookup bucket lock.
	MutNoDirSeqRecheck
	// MutNoLockWaiter: the v3 waiter does not set DCACHE_LOCK_WAITER
	// before sleeping.
	MutNoLockWaiter
	// MutNoDirSeqBump: __d_add does not bracket the in-lookup to hashed
	// transition with start_dir_add/end_dir_add.
	MutNoDirSeqBump
	// MutNoGetNotDead: d_alloc_parallel takes its reference on a found
	// in-lookup dentry with a plain increment, not lockref_get_not_dead.
	MutNoGetNotDead
	// MutNoUnhashLock: __d_lookup_unhash edits the in-lookup chain without
	// the bucket lock. The chain edit then becomes a load and a later
	// store (as __hlist_bl_del's are), so a concurrent insertion into the
	// same bucket can be lost.
	MutNoUnhashLock
	// MutNoDLockInAdd: __d_add does its work without d_lock.
	MutNoDLockInAdd
	// MutNoParentDget: d_alloc does not take a reference on the parent.
	MutNoParentDget
	// MutNoLookupDone: d_lookup_done does nothing, as if the owner of an
	// in-lookup dentry whose ->lookup failed dropped it without ending
	// the in-lookup state: the dentry stays on the in-lookup hash with
	// DCACHE_PAR_LOOKUP set and its waiters are not woken (rule R5).
	MutNoLookupDone
)

// Has reports whether mutant m is switched on.
func (m Mutants) Has(x Mutants) bool { return m&x != 0 }

// MutantNames lists every mutant with its name, in order.
var MutantNames = []struct {
	M    Mutants
	Name string
}{
	{MutNoInLookupInsert, "no in-lookup hash insert"},
	{MutNoRecheckAfterWait, "no recheck of parent/name after waiting"},
	{MutNoDirSeqRecheck, "no i_dir_seq recheck under the bucket lock"},
	{MutNoLockWaiter, "no DCACHE_LOCK_WAITER before sleeping"},
	{MutNoDirSeqBump, "no i_dir_seq bump in __d_add"},
	{MutNoGetNotDead, "plain get instead of lockref_get_not_dead"},
	{MutNoUnhashLock, "no bucket lock in __d_lookup_unhash"},
	{MutNoDLockInAdd, "no d_lock section in __d_add"},
	{MutNoParentDget, "no dget of the parent in d_alloc"},
	{MutNoLookupDone, "d_lookup_done does not end the in-lookup state"},
}
