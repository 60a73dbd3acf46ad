package native

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Cases are the catalog races with a native version, in bench order.
var Cases = []Case{
	{Cell: "demo/abba@mainline/today", Exec: abba},
	{Cell: "demo/lost-wakeup@mainline/today", Exec: lostWakeup},
	{Cell: "dcache/owner-and-waiter@v3+mut=no-lock-waiter/today", Exec: ownerAndWaiter},
	{Cell: "dcache/unhash-same-bucket@mainline+mut=no-unhash-lock/today", Exec: unhashSameBucket},
	{Cell: "stashed/dying-dentry@mainline+mut=stash-no-d-delete/today", Exec: stashDyingDentry(stashMode{noDDelete: true}),
		FixedCell: "stashed/dying-dentry@mainline/today", Fixed: stashDyingDentry(stashMode{})},
	{Cell: "stashed/dying-dentry@mainline+mut=stash-blind-prune+stash-cmpxchg-loop/today", Exec: stashDyingDentry(stashMode{loop: true, blind: true}),
		FixedCell: "stashed/dying-dentry@mainline+stash-cmpxchg-loop/today", Fixed: stashDyingDentry(stashMode{loop: true})},
	{Cell: "stashed/dying-dentry@mainline+stash-cmpxchg-loop+stash-loop-as-mailed/today", Exec: stashDyingDentry(stashMode{loop: true, mailed: true}),
		Invisible: "a sleeping call (dput) inside an RCU read-side section: Go has no RCU and no might_sleep; the loop is otherwise correct"},
	{Cell: "dcache/failed-lookup-and-waiter@mainline+mut=no-recheck-after-wait/today", Exec: lookupPair(ldirMut{noRecheckAfterWait: true}, true),
		FixedCell: "dcache/failed-lookup-and-waiter@mainline/today", Fixed: lookupPair(ldirMut{}, true)},
	{Cell: "dcache/failed-lookup-and-waiter@mainline+mut=no-get-not-dead/today", Exec: lookupPair(ldirMut{noGetNotDead: true}, true),
		FixedCell: "dcache/failed-lookup-and-waiter@mainline/today", Fixed: lookupPair(ldirMut{}, true)},
	{Cell: "dcache/owner-and-waiter@mainline+mut=no-in-lookup-insert/today", Exec: lookupPair(ldirMut{noInLookupInsert: true}, false),
		FixedCell: "dcache/owner-and-waiter@mainline/today", Fixed: lookupPair(ldirMut{}, false)},
	{Cell: "dcache/owner-and-waiter@mainline+mut=no-dir-seq-recheck/today", Exec: lookupPair(ldirMut{noDirSeqRecheck: true}, false),
		FixedCell: "dcache/owner-and-waiter@mainline/today", Fixed: lookupPair(ldirMut{}, false)},
	{Cell: "dcache/owner-and-waiter@mainline+mut=no-dir-seq-bump/today", Exec: lookupPair(ldirMut{noDirSeqBump: true}, false),
		FixedCell: "dcache/owner-and-waiter@mainline/today", Fixed: lookupPair(ldirMut{}, false)},
	{Cell: "dcache/splice-publication@02/today", Exec: splicePublication(hashFirst),
		FixedCell: "dcache/splice-publication@mainline/today", Fixed: splicePublication(hashLast)},
	{Cell: "dcache/splice-publication@v3/today", Exec: splicePublication(hashFirst),
		FixedCell: "dcache/splice-publication@v3+fix=add-publish-last/today", Fixed: splicePublication(hashLastIfUnhashed)},
	{Cell: "eventfs/lookup-vs-prune@mainline/today", Exec: eventfsLookupVsPrune(false, false, false),
		FixedCell: "eventfs/lookup-vs-prune@mainline+eventfs-get-ei/today", Fixed: eventfsLookupVsPrune(true, false, false)},
	{Cell: "eventfs/lookup-vs-prune@mainline/pdirops", Exec: eventfsLookupVsPrune(false, true, false),
		FixedCell: "eventfs/lookup-vs-prune@mainline+eventfs-get-ei/pdirops", Fixed: eventfsLookupVsPrune(true, true, false)},
	{Cell: "eventfs/lookup-vs-prune@mainline/today ignore=WARN_ON_ONCE", Exec: eventfsLookupVsPrune(false, false, true),
		FixedCell: "eventfs/lookup-vs-prune@mainline+eventfs-get-ei/today", Fixed: eventfsLookupVsPrune(true, false, true),
		Invisible: eventfsUAF},
	{Cell: "eventfs/lookup-vs-prune@mainline/pdirops ignore=WARN_ON_ONCE", Exec: eventfsLookupVsPrune(false, true, true),
		FixedCell: "eventfs/lookup-vs-prune@mainline+eventfs-get-ei/pdirops", Fixed: eventfsLookupVsPrune(true, true, true),
		Invisible: eventfsUAF},
	{Cell: "vfs/rcu-walk-vs-kill@mainline+mut=no-walk-restart/today", Exec: rcuWalkVsKill(true),
		FixedCell: "vfs/rcu-walk-vs-kill@mainline/today", Fixed: rcuWalkVsKill(false)},
	{Cell: "nfs/create-vs-lookup@mainline/pdirops", Exec: nfsCreateVsLookup(nfsMainline),
		FixedCell: "nfs/create-vs-lookup@01-15/pdirops", Fixed: nfsCreateVsLookup(nfsFixed)},
	{Cell: "nfs/create-vs-lookup@01-14/pdirops", Exec: nfsCreateVsLookup(nfsSeries),
		FixedCell: "nfs/create-vs-lookup@01-15/pdirops", Fixed: nfsCreateVsLookup(nfsFixed)},
	{Cell: "nfs/link-vs-lookup@mainline/pdirops", Exec: nfsLinkVsLookup(nfsMainline),
		FixedCell: "nfs/link-vs-lookup@01-14/pdirops", Fixed: nfsLinkVsLookup(nfsFixed), Rare: rareLink},
	{Cell: "nfs/link-vs-lookup@01-13/pdirops", Exec: nfsLinkVsLookup(nfsSeries),
		FixedCell: "nfs/link-vs-lookup@01-14/pdirops", Fixed: nfsLinkVsLookup(nfsFixed), Rare: rareLink},
	{Cell: "nfs/mkdir-vs-lookup@mainline/pdirops", Exec: nfsMkdirVsLookup(nfsMainline),
		FixedCell: "nfs/mkdir-vs-lookup@01-15/pdirops", Fixed: nfsMkdirVsLookup(nfsFixed)},
	{Cell: "nfs/mkdir-vs-lookup@01-14/pdirops", Exec: nfsMkdirVsLookup(nfsSeries),
		FixedCell: "nfs/mkdir-vs-lookup@01-15/pdirops", Fixed: nfsMkdirVsLookup(nfsFixed)},
}

// abba: two goroutines take two mutexes in opposite orders. Natively
// only the deadlock shows (there is no lockdep).
func abba(point func()) bool {
	var a, b sync.Mutex
	run(func() {
		a.Lock()
		point()
		b.Lock()
		b.Unlock()
		a.Unlock()
	}, func() {
		b.Lock()
		point()
		a.Lock()
		a.Unlock()
		b.Unlock()
	})
	return true
}

const (
	busy   = 1
	waiter = 2
)

// lostWakeup: the waiter tests the busy flag and sets its waiter bit in
// two lockless steps; the waker samples the bit, then clears the flag and
// wakes only if the bit was set. A wake-up between queueing and sleeping
// is kept (a buffered channel, as prepare_to_wait keeps it).
func lostWakeup(point func()) bool {
	var flags atomic.Uint32
	flags.Store(busy)
	wake := make(chan struct{}, 1)
	run(func() {
		for {
			point()
			if flags.Load()&busy == 0 {
				return
			}
			point()
			flags.Or(waiter)
			<-wake
		}
	}, func() {
		point()
		w := flags.Load() & waiter
		point()
		flags.And(^uint32(busy))
		if w != 0 {
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	})
	return true
}

const (
	parLookup  = 1
	lockWaiter = 2
)

type dentry struct {
	mu    sync.Mutex // d_lock
	cond  *sync.Cond // wait_var_event on d_flags
	flags uint32
}

// ownerAndWaiter: two lookups of one name through d_alloc_parallel.
// The first to insert owns the in-lookup dentry; the other waits for the
// lookup to end. The mutant waiter sleeps without setting
// DCACHE_LOCK_WAITER, and the owner's d_lookup_done wakes only if it is
// set: a waiter that finds the dentry in lookup sleeps forever.
func ownerAndWaiter(point func()) bool {
	var bucket sync.Mutex // the in-lookup hash bucket's bit lock
	var inLookup, hashed *dentry
	lookup := func() {
		point()
		bucket.Lock()
		if d := inLookup; d != nil {
			bucket.Unlock()
			point()
			d.mu.Lock()
			for d.flags&parLookup != 0 {
				// d_must_wait, mutant: no DCACHE_LOCK_WAITER.
				d.cond.Wait()
			}
			d.mu.Unlock()
			return
		}
		if hashed != nil {
			bucket.Unlock()
			return
		}
		d := &dentry{flags: parLookup}
		d.cond = sync.NewCond(&d.mu)
		inLookup = d
		bucket.Unlock()
		point() // ->lookup
		point()
		d.mu.Lock()
		bucket.Lock()
		inLookup, hashed = nil, d
		bucket.Unlock()
		d.flags &^= parLookup
		w := d.flags & lockWaiter
		d.flags &^= lockWaiter
		d.mu.Unlock()
		if w != 0 {
			d.cond.Broadcast()
		}
	}
	run(lookup, lookup)
	return true
}

// unhashSameBucket: "a" and "b" share an in-lookup hash chain (an RCU
// list: writers replace the slice). The owner of "a" fails and removes it
// without the bucket lock, as a load and a later store; two lookups of
// "b" insert or find it under the lock. A removal whose load precedes an
// insertion and whose store follows it loses the insertion, and the
// second lookup of "b" becomes a second owner (R3).
func unhashSameBucket(point func()) bool {
	var bucket sync.Mutex
	var chain atomic.Pointer[[]string]
	chain.Store(&[]string{"a"})
	var owners atomic.Int32
	lookupB := func() {
		point()
		bucket.Lock()
		c := *chain.Load()
		if !slices.Contains(c, "b") {
			nc := append([]string{"b"}, c...)
			chain.Store(&nc)
			owners.Add(1)
		}
		bucket.Unlock()
	}
	run(func() {
		point()
		c := *chain.Load()
		point()
		nc := slices.DeleteFunc(slices.Clone(c), func(s string) bool { return s == "a" })
		chain.Store(&nc)
	}, lookupB, lookupB)
	return owners.Load() == 1
}

// rareLink: the stat must miss l between the link's d_drop and its
// d_add, which come after the link's lookup of a and two RPCs, while the
// stat's d_lookup comes after one RPC: jitter must hold the stat back at
// some forty points in a row.
const rareLink = "the stat must be held back past the link's lookup of the source and two RPCs"

// eventfsUAF: past fast_dput's WARN the lookup's dput writes the freed
// d1.
const eventfsUAF = "a use-after-free (the lookup's dput of the freed d1, past the WARN the cell ignores): Go's garbage collector keeps d1 alive"

// Of is the native case of a catalog cell (scenario@variant), the one
// place that maps the catalog to this package.
func Of(cell string) (Case, bool) {
	for _, c := range Cases {
		if c.Cell == cell {
			return c, true
		}
	}
	return Case{}, false
}
