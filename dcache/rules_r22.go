package dcache

import "github.com/dcsim/dcsim/variant"

// Rule R22, the last dput's flow (fs/dcache.c dput, fast_dput,
// lock_for_kill, v6.18): whoever found the count at zero decides to kill
// only under d_lock and, when lock_for_kill had to drop d_lock to take the
// inode's i_lock first, only after rechecking that nobody took a
// reference meanwhile (fast_dput's recheck under d_lock, lock_for_kill's
// after retaking it). The checkers that catch a kill of a re-referenced
// dentry are the generic ones: KASAN (the new holder's use after the
// free), the lockref check and the callers' own.

// MutNoKillRecheck makes lock_for_kill, after it dropped d_lock to take
// the inode's i_lock first and retook d_lock, go on to the kill without
// rechecking the count. (fast_dput's own recheck under d_lock is not a
// useful mutant: lock_for_kill's first test repeats it.)
var MutNoKillRecheck = variant.NewMutant("dcache", "no-kill-recheck",
	"lock_for_kill does not recheck d_lockref.count after retaking d_lock behind i_lock")
