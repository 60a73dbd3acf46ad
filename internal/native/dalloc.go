package native

import (
	"slices"
	"sync"
	"sync/atomic"
)

// A directory of the dcache as native Go, for the cases that follow
// fs/dcache.c's d_alloc_parallel: the directory's bucket of the dentry
// hash (an RCU list: writers replace the slice under the bucket lock,
// readers load it), its bucket of the in-lookup hash, and its i_dir_seq.
// With one bucket of each, every name shares them.

// ldentry is a dentry: its name never changes; d_lock guards the rest,
// as lockref's spinlock fallback guards the count. An RCU walk reads
// d_seq, d_inode and d_flags without it (READ_ONCE: atomics here).
type ldentry struct {
	lockref
	name     string
	wait     *sync.Cond // d_wait, on d_lock
	inLookup bool       // DCACHE_PAR_LOOKUP
	hashed   bool
	seq      atomic.Uint32 // d_seq
	inode    atomic.Uint64 // fileid; 0: negative
	flags    atomic.Uint32 // dcacheOpRevalidate
	dir      *ldir         // a directory's contents
}

// dcacheOpRevalidate is DCACHE_OP_REVALIDATE, set by d_set_d_op.
const dcacheOpRevalidate = 1

// addOrder is where __d_add hashes the dentry: last (mainline), first
// while still negative (v3 02/19), or last when not hashed already (the
// fix add-publish-last).
type addOrder int

const (
	hashLast addOrder = iota
	hashFirst
	hashLastIfUnhashed
)

func newLdentry(name string, inLookup bool) *ldentry {
	d := &ldentry{name: name, lockref: lockref{count: 1}, inLookup: inLookup}
	d.wait = sync.NewCond(&d.mu)
	return d
}

// ldirMut selects the dcache mutants the cases use.
type ldirMut struct {
	noRecheckAfterWait bool // mut=no-recheck-after-wait
	noGetNotDead       bool // mut=no-get-not-dead
	noInLookupInsert   bool // mut=no-in-lookup-insert
	noDirSeqRecheck    bool // mut=no-dir-seq-recheck
	noDirSeqBump       bool // mut=no-dir-seq-bump
}

type ldir struct {
	mut ldirMut
	// alwaysDelete is tmpfs's d_delete (always_delete_dentry): the last
	// dput kills even a hashed dentry.
	alwaysDelete bool
	rwsem        sync.RWMutex // the directory inode's i_rwsem
	point        func()
	dirSeq       atomic.Uint32
	hashLock     sync.Mutex
	hash         atomic.Pointer[[]*ldentry]
	inLookup     struct {
		sync.Mutex
		chain []*ldentry
	}
	// wrong is set by the model's checks (R1, R3, R13, fast_dput's WARN
	// unless ignoreWarn, as a cell's ignore=WARN_ON_ONCE).
	wrong      atomic.Bool
	ignoreWarn bool
}

func newLdir(point func(), mut ldirMut, hashed ...*ldentry) *ldir {
	x := &ldir{point: point, mut: mut}
	for _, d := range hashed {
		d.hashed = true
	}
	x.hash.Store(&hashed)
	return x
}

// lookupRCU is __d_lookup_rcu: the hashed dentry of name, no reference.
func (x *ldir) lookupRCU(name string) *ldentry {
	x.point()
	for _, d := range *x.hash.Load() {
		if d.name == name {
			return d
		}
	}
	return nil
}

// dLookup is d_lookup: the hashed dentry with a new reference, or nil.
func (x *ldir) dLookup(name string) *ldentry {
	if d := x.lookupRCU(name); d != nil && x.getNotDead(d) {
		return d
	}
	return nil
}

func (x *ldir) getNotDead(d *ldentry) bool { return d.getNotDead(x.point) }

// dput is dput: an unused unhashed dentry dies, a hashed one stays
// cached (unless the filesystem always deletes).
func (x *ldir) dput(d *ldentry) {
	if !d.put(x.point) {
		if d.warned.Load() && !x.ignoreWarn {
			x.wrong.Store(true)
		}
		return
	}
	defer d.mu.Unlock()
	if d.hashed && !x.alwaysDelete {
		return
	}
	// __dentry_kill: lockref_mark_dead, __d_drop, dentry_unlink_inode.
	d.dead = true
	if d.hashed {
		x.unhashLocked(d)
	}
	if d.inode.Load() != 0 {
		x.unlinkInode(d)
	}
}

// unhashLocked is __d_drop under d_lock: off the chain, then
// write_seqcount_invalidate(&d_seq).
func (x *ldir) unhashLocked(d *ldentry) {
	x.point()
	x.hashLock.Lock()
	x.setChain(slices.DeleteFunc(slices.Clone(*x.hash.Load()), func(o *ldentry) bool { return o == d }))
	x.hashLock.Unlock()
	d.hashed = false
	x.point()
	d.seq.Add(2)
}

// setInode is a d_seq write section that sets d_inode, under d_lock:
// __d_instantiate's, or with 0 dentry_unlink_inode's.
func (x *ldir) setInode(d *ldentry, ino uint64) {
	x.point()
	d.seq.Add(1)
	x.point()
	d.inode.Store(ino)
	x.point()
	d.seq.Add(1)
}

// unlinkInode is dentry_unlink_inode's section: the dentry becomes
// negative.
func (x *ldir) unlinkInode(d *ldentry) { x.setInode(d, 0) }

// dDelete is d_delete (fs/dcache.c): the only user makes the dentry
// negative, otherwise it is unhashed.
func (x *ldir) dDelete(d *ldentry) {
	x.point()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.count == 1 {
		x.unlinkInode(d)
		return
	}
	x.unhashLocked(d)
}

// setChain replaces the hash chain; the caller holds the bucket lock.
func (x *ldir) setChain(c []*ldentry) {
	x.point()
	x.hash.Store(&c)
}

// dDrop is d_drop: __d_drop under d_lock.
func (x *ldir) dDrop(d *ldentry) {
	x.point()
	d.mu.Lock()
	x.unhashLocked(d)
	d.mu.Unlock()
}

// rehash is __d_rehash under d_lock: onto the chain, checking R1 there
// as the model does (checkHashedUnique): no other dentry on the chain
// has the name.
func (x *ldir) rehash(d *ldentry) {
	x.point()
	x.hashLock.Lock()
	c := *x.hash.Load()
	if slices.ContainsFunc(c, func(o *ldentry) bool { return o.name == d.name }) {
		x.wrong.Store(true)
	}
	x.setChain(append([]*ldentry{d}, c...))
	x.hashLock.Unlock()
	d.hashed = true
}

// dAdd is __d_add (fs/dcache.c, v6.18; d_splice_alias with no alias
// comes here): under d_lock, end the in-lookup state inside an i_dir_seq
// write section (start_dir_add, __d_lookup_unhash), set the ops and,
// inside a d_seq write section, the inode, hash the dentry where order
// says, and wake the waiters (end_dir_add).
func (x *ldir) dAdd(d *ldentry, ino uint64, opRevalidate bool, order addOrder) {
	x.point()
	d.mu.Lock()
	defer d.mu.Unlock()
	inLookup := d.inLookup
	bump := inLookup && !x.mut.noDirSeqBump
	if bump {
		x.point()
		x.dirSeq.Add(1) // start_dir_add
	}
	if inLookup {
		x.point()
		x.inLookup.Lock()
		d.inLookup = false
		x.inLookup.chain = slices.DeleteFunc(x.inLookup.chain, func(o *ldentry) bool { return o == d })
		x.inLookup.Unlock()
	}
	if order == hashFirst && !d.hashed {
		x.rehash(d)
	}
	if opRevalidate {
		x.point()
		d.flags.Or(dcacheOpRevalidate)
	}
	if ino != 0 {
		x.setInode(d, ino)
	}
	if order == hashLast || order == hashLastIfUnhashed && !d.hashed {
		x.rehash(d)
	}
	if bump {
		x.point()
		x.dirSeq.Add(1) // end_dir_add
	}
	if inLookup {
		d.wait.Broadcast()
	}
}

// rcuWalk is lookup_fast's RCU step as dcachetest.RCUWalk has it:
// __d_lookup_rcu, then d_inode and d_flags, validated by d_seq. It says
// whether it found name, and if so whether negative, with which flags.
func (x *ldir) rcuWalk(name string) (found, negative bool, flags uint32) {
	d := x.lookupRCU(name)
	if d == nil {
		return false, false, 0
	}
	x.point()
	seq := d.seq.Load() &^ 1 // raw_seqcount_begin
	x.point()
	ino, fl := d.inode.Load(), d.flags.Load()
	x.point()
	if d.seq.Load() != seq {
		return false, false, 0 // lookup_fast would drop out of RCU mode
	}
	return true, ino == 0, fl
}

// dAllocParallel is d_alloc_parallel (fs/dcache.c, v6.18): a hashed
// dentry of name with a reference, or a new in-lookup dentry the caller
// owns; a lookup that finds an in-lookup dentry waits for it to end and
// rechecks it.
func (x *ldir) dAllocParallel(name string) *ldentry {
	nd := newLdentry(name, true)
retry:
	for {
		x.point()
		seq := x.dirSeq.Load()
		if d := x.lookupRCU(name); d != nil {
			if !x.getNotDead(d) {
				continue
			}
			return d
		}
		if seq&1 != 0 { // a __d_add in this directory is under way
			continue
		}
		x.point()
		x.inLookup.Lock()
		x.point()
		if !x.mut.noDirSeqRecheck && x.dirSeq.Load() != seq {
			x.inLookup.Unlock()
			continue
		}
		for _, d := range x.inLookup.chain {
			if d.name != name {
				continue
			}
			x.inLookup.Unlock()
			if x.mut.noGetNotDead {
				d.get(x.point) // may revive a dentry being killed
			} else if !x.getNotDead(d) {
				continue retry
			}
			x.point()
			d.mu.Lock()
			for d.inLookup { // d_wait_lookup
				d.wait.Wait()
			}
			if !x.mut.noRecheckAfterWait && (!d.hashed || d.name != name) {
				d.mu.Unlock()
				x.dput(d)
				continue retry
			}
			d.mu.Unlock()
			return d
		}
		if !x.mut.noInLookupInsert {
			x.inLookup.chain = append(x.inLookup.chain, nd)
		}
		x.inLookup.Unlock()
		x.checkInLookupUnique(name)
		return nd
	}
}

// dLookupDone is d_lookup_done: under d_lock, off the in-lookup hash
// (__d_lookup_unhash), then wake the waiters.
func (x *ldir) dLookupDone(d *ldentry) {
	x.point()
	d.mu.Lock()
	x.point()
	x.inLookup.Lock()
	d.inLookup = false
	x.inLookup.chain = slices.DeleteFunc(x.inLookup.chain, func(o *ldentry) bool { return o == d })
	x.inLookup.Unlock()
	d.wait.Broadcast()
	d.mu.Unlock()
}

// checkInLookupUnique is the model's R3 check right after an insertion
// (dcache's checkInLookupUnique): no other in-lookup dentry and no
// hashed dentry has the name.
func (x *ldir) checkInLookupUnique(name string) {
	x.point()
	x.inLookup.Lock()
	n := 0
	for _, d := range x.inLookup.chain {
		if d.name == name {
			n++
		}
	}
	x.inLookup.Unlock()
	if n > 1 || n > 0 && slices.ContainsFunc(*x.hash.Load(), func(d *ldentry) bool { return d.name == name }) {
		x.wrong.Store(true)
	}
}

// checkLookupResult is R13 (dcachetest.CheckLookupResult): a result that
// is not in-lookup is hashed under the name asked for.
func (x *ldir) checkLookupResult(d *ldentry, name string) {
	x.point()
	d.mu.Lock()
	if !d.inLookup && (!d.hashed || d.name != name) {
		x.wrong.Store(true)
	}
	d.mu.Unlock()
}
