package native

// dcache/splice-publication: d_splice_alias_ops of a file into an
// in-lookup dentry (ops with ->d_revalidate, as procfs passes) races an
// RCU walk of the name. Mainline hashes the dentry last, so a walk that
// validates it sees it positive with its ops; v3 02/19 hashes it first,
// and the walk can validate it negative or without
// DCACHE_OP_REVALIDATE (the walk's assertion). The fix hashes it last
// again.
func splicePublication(order addOrder) func(point func()) bool {
	return func(point func()) bool {
		x := newLdir(point, ldirMut{})
		ok := true
		run(func() {
			d := x.dAllocParallel("f")
			if d.inLookup {
				x.dAdd(d, 2, true, order)
				x.dLookupDone(d)
			}
			x.dput(d)
		}, func() {
			found, negative, flags := x.rcuWalk("f")
			ok = !found || !negative && flags&dcacheOpRevalidate != 0
		})
		return ok && !x.wrong.Load()
	}
}
