package native

// dcache/failed-lookup-and-waiter (dcachetest.LookupTask with
// FateFail): two lookups of one name through d_alloc_parallel; each
// ->lookup fails, so the owner ends its in-lookup dentry with
// d_lookup_done alone and drops it unhashed. The waiter must recheck
// after the wait and retry: without the recheck it returns the dead-end
// dentry (R13); with a plain reference instead of lockref_get_not_dead
// it revives a dentry the owner's dput is killing, a use-after-free that
// Go's garbage collector hides.
func failedLookupAndWaiter(mut ldirMut) func(point func()) bool {
	return func(point func()) bool {
		x := newLdir(point, mut)
		lookup := func() {
			d := x.dAllocParallel("foo")
			x.checkLookupResult(d, "foo")
			if d.inLookup { // ours: ->lookup failed
				x.dLookupDone(d)
			}
			x.dput(d)
		}
		run(lookup, lookup)
		return !x.wrong.Load()
	}
}

// ownerAndWaiterAdd is dcache/owner-and-waiter as the model has it
// (dcachetest.LookupTask with FateAdd): two lookups of one name through
// d_alloc_parallel, the owner's ->lookup hashing it negative (d_add
// NULL). Each mutant switches off one step that keeps the name unique:
// the in-lookup insertion or the i_dir_seq recheck (two owners: R1 at
// the second hash, R3 at the insertion), or __d_add's i_dir_seq bump (a
// lookup that missed the hash inserts beside the newly hashed dentry).
func ownerAndWaiterAdd(mut ldirMut) func(point func()) bool {
	return func(point func()) bool {
		x := newLdir(point, mut)
		lookup := func() {
			d := x.dAllocParallel("foo")
			x.checkLookupResult(d, "foo")
			if d.inLookup { // ours: ->lookup finds nothing
				x.dAdd(d, 0, false, hashLast)
			}
			x.dput(d)
		}
		run(lookup, lookup)
		return !x.wrong.Load()
	}
}
