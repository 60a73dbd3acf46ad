package vfs

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Rule R28: ->d_revalidate is asked only about dentries found in the
// dcache, never about an in-lookup one: fs/namei.c __lookup_slow (7.0)
// calls d_revalidate only when d_alloc_parallel did not give it a new
// in-lookup dentry, and lookup_open breaks out of its loop on
// d_in_lookup before revalidating. The kernel has no assertion; an
// in-lookup dentry has no inode and is the caller's own lookup, so a
// filesystem's ->d_revalidate (NFS's nfs_lookup_revalidate, say) would
// judge a lookup that has not happened yet. dcsim checks it in
// DRevalidate, whether or not the filesystem has the method.

// MutRevalidateInLookup makes __lookup_slow revalidate whatever
// d_alloc_parallel returned, its own in-lookup dentry included.
var MutRevalidateInLookup = variant.NewMutant("vfs", "revalidate-in-lookup",
	"__lookup_slow calls d_revalidate on the in-lookup dentry d_alloc_parallel gave it")

// checkRevalidateTarget reports R28 when d is in-lookup. d_flags is read
// without a step: PAR_LOOKUP only changes under the owner's hand, and an
// in-lookup dentry reaching d_revalidate is the caller's own.
func checkRevalidateTarget(t *sim.Task, d *dcache.Dentry) {
	if d.DFlags&dcache.DCACHE_PAR_LOOKUP != 0 {
		t.Violation(sim.KindInvariant, "R28",
			fmt.Sprintf("d_revalidate of %s, which is in-lookup", d),
			"->d_revalidate is called only for dentries found hashed; an in-lookup dentry goes to ->lookup.")
	}
}
