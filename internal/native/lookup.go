package native

// dcache/failed-lookup-and-waiter and dcache/owner-and-waiter as the
// model has them (dcachetest.LookupTask): two lookups of one name
// through d_alloc_parallel; the owner's ->lookup fails (d_lookup_done
// alone: the dentry is never hashed) or finds nothing (d_add NULL).
//
// With a failing ->lookup the waiter must recheck after the wait and
// retry: without the recheck it returns the dead-end dentry (R13); with
// a plain reference instead of lockref_get_not_dead it revives a dentry
// the owner's dput is killing. The model reports the use-after-free,
// which Go's garbage collector hides; natively the waiter's dput of the
// dead dentry trips fast_dput's WARN_ON_ONCE(count <= 0), which the
// kernel has too. With d_add, each mutant switches off one step that
// keeps the name unique: the in-lookup insertion or the i_dir_seq
// recheck (two owners: R1 at the second hash, R3 at the insertion), or
// __d_add's i_dir_seq bump (a lookup that missed the hash inserts beside
// the newly hashed dentry).
func lookupPair(mut ldirMut, fail bool) func(point func()) bool {
	return func(point func()) bool {
		x := newLdir(point, mut)
		lookup := func() {
			d := x.dAllocParallel("foo")
			x.checkLookupResult(d, "foo")
			if d.inLookup { // ours
				if fail {
					x.dLookupDone(d)
				} else {
					x.dAdd(d, 0, false, hashLast)
				}
			}
			x.dput(d)
		}
		run(lookup, lookup)
		return !x.wrong.Load()
	}
}
