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
