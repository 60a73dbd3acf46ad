package native

import "sync"

// eventfs/lookup-vs-prune (fsmodels/eventfs): an unused eventfs file
// dentry d1 is pruned under memory pressure while a stat looks the name
// up. Once __dentry_kill has unhashed d1 the lookup makes d2, before
// eventfs hears of d1's end (->d_iput). The caching eventfs (before
// v6.8-rc3) hands the lookup the dead d1 from ei->d_children[], whose
// dput trips fast_dput's WARN_ON_ONCE(count <= 0); v6.8's refcounted
// d_fsdata (eventfs-get-ei) makes d2 and is clean.
//
// Divergence: one file entry, the entry callback's answer fixed; the
// eventfs_inode lives for the run (is_freed never set), so the mutex
// sections that only read it keep their lock and point but no read.

type eventfsCase struct {
	dir     *ldir // the events directory
	eiMu    sync.Mutex
	cached  *ldentry // ei->d_children[0] (the caching version)
	getEi   bool     // eventfs-get-ei
	pdirops bool
	point   func()
}

// shrink is prune_dcache_sb's kill of d1 (shrink_dentry_list,
// __dentry_kill): unless someone took a reference, mark it dead, unhash
// it, unlink its inode, then ->d_iput (tracefs_dentry_iput:
// eventfs_set_ei_status_free) or, with get-ei, ->d_release (put_ei).
func (e *eventfsCase) shrink(d1 *ldentry) {
	x := e.dir
	e.point()
	d1.mu.Lock()
	if d1.count != 0 {
		d1.mu.Unlock()
		return
	}
	d1.dead = true
	x.unhashLocked(d1)
	x.unlinkInode(d1)
	d1.mu.Unlock()
	if e.getEi {
		return
	}
	e.point()
	e.eiMu.Lock()
	if e.cached == d1 {
		e.cached = nil
	}
	e.eiMu.Unlock()
}

// stat looks /enable up: d_lookup, and on a miss lookup_slow (the
// directory's shared lock unless pdirops), d_alloc_parallel and
// eventfs_root_lookup.
func (e *eventfsCase) stat() {
	x := e.dir
	if d := x.dLookup("enable"); d != nil {
		x.dput(d)
		return
	}
	if !e.pdirops {
		e.point()
		x.rwsem.RLock()
		defer x.rwsem.RUnlock()
	}
	d := x.dAllocParallel("enable")
	if d.inLookup {
		if e.getEi {
			e.rootLookupGetEi(d)
		} else {
			e.rootLookupCached(d)
		}
	}
	x.dput(d)
}

// lockedPoint is a section under eventfs_mutex that reads what the run
// never changes (ti->private, ei->is_freed, the entry callback).
func (e *eventfsCase) lockedPoint() {
	e.point()
	e.eiMu.Lock()
	e.eiMu.Unlock()
}

// rootLookupCached is eventfs_root_lookup (v6.8-rc2): simple_lookup
// hashes d2 negative, then create_file_dentry reuses the cached dentry
// (dget) or makes the file and caches it; the result is dput.
func (e *eventfsCase) rootLookupCached(d2 *ldentry) {
	x := e.dir
	e.lockedPoint()
	e.lockedPoint()
	x.dAdd(d2, 0, false, hashLast) // simple_lookup: d_add(dentry, NULL)
	e.point()
	e.eiMu.Lock()
	if c := e.cached; c != nil {
		c.get(e.point)
		e.eiMu.Unlock()
		x.dput(c)
		return
	}
	e.eiMu.Unlock()
	// create_file: lookup_one_len finds d2; d_instantiate.
	d := x.dLookup("enable")
	if d == nil {
		return
	}
	if d.inode.Load() != 0 {
		x.dput(d) // -EEXIST
		return
	}
	e.instantiate(d)
	e.point()
	e.eiMu.Lock()
	if e.cached == nil {
		e.cached = d
	} else {
		x.wrong.Store(true) // WARN_ON_ONCE(!ei->is_freed): two dentries
	}
	e.eiMu.Unlock()
	x.dput(d)
}

// rootLookupGetEi is eventfs_root_lookup (v6.8): under eventfs_mutex, a
// new inode for the entry and d_add.
func (e *eventfsCase) rootLookupGetEi(d2 *ldentry) {
	e.point()
	e.eiMu.Lock()
	defer e.eiMu.Unlock()
	e.dir.dAdd(d2, 6, false, hashLast)
}

// instantiate is d_instantiate: the inode inside a d_seq write section.
func (e *eventfsCase) instantiate(d *ldentry) {
	e.point()
	d.mu.Lock()
	e.dir.setInode(d, 6)
	d.mu.Unlock()
}

// eventfsLookupVsPrune: setup looked /enable up (d1, cached by the
// caching version) and let it go unused; then shrink and stat race.
//
// ignoreWarn is the cells past the WARN (ignore=WARN_ON_ONCE), whose
// report is the lookup's dput writing the freed d1: natively nothing, Go's
// garbage collector keeping d1 alive.
func eventfsLookupVsPrune(getEi, pdirops, ignoreWarn bool) func(point func()) bool {
	return func(point func()) bool {
		d1 := newLdentry("enable", false)
		d1.count = 0
		d1.inode.Store(5)
		e := &eventfsCase{dir: newLdir(point, ldirMut{}, d1), getEi: getEi, pdirops: pdirops, point: point}
		e.dir.ignoreWarn = ignoreWarn
		if !getEi {
			e.cached = d1
		}
		run(func() { e.shrink(d1) }, e.stat)
		return !e.dir.wrong.Load()
	}
}
