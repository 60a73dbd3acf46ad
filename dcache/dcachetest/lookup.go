package dcachetest

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// WaitQueue declares the on-stack wait queue mainline callers of
// d_alloc_parallel need (DECLARE_WAIT_QUEUE_HEAD_ONSTACK); nil from v3
// 04/19 on. Release it with Release once the lookup is done.
func WaitQueue(t *sim.Task, c *dcache.Cache) *dcache.WaitQueue {
	if c.Has(variant.P04WaitVarEvent) {
		return nil
	}
	return dcache.NewOnStackWaitQueue(t)
}

// Release ends an on-stack queue's lifetime (nil: nothing to do).
func Release(t *sim.Task, wq *dcache.WaitQueue) {
	if wq != nil {
		wq.Release(t)
	}
}

// OwnLookup is the first half of __lookup_slow: d_alloc_parallel with the
// queue WaitQueue gives, which the caller releases after d_lookup_done.
func OwnLookup(t *sim.Task, c *dcache.Cache, parent *dcache.Dentry, q *dcache.Qstr) (*dcache.Dentry, *dcache.WaitQueue) {
	wq := WaitQueue(t, c)
	return dcache.DAllocParallel(t, parent, q, wq), wq
}

// Fate is how a lookup task ends an in-lookup dentry it owns.
type Fate int

const (
	FateAdd  Fate = iota // ->lookup found nothing: d_add(dentry, NULL)
	FateFail             // ->lookup failed: d_lookup_done(dentry)
)

// LookupTask looks name up in parent() as __lookup_slow does around
// d_alloc_parallel: it checks the result (CheckLookupResult), ends the
// lookup as fate says if it owns the dentry, and drops its reference.
func LookupTask(c *dcache.Cache, parent func() *dcache.Dentry, name string, fate Fate) func(t *sim.Task) {
	lt := lookupTaskPool.New(c.W)
	lt.c, lt.parent, lt.name, lt.fate = c, parent, name, fate
	if lt.body != nil {
		return lt.body // bound to lt in an earlier run of the World
	}
	lt.body = func(t *sim.Task) {
		c, name, fate := lt.c, lt.name, lt.fate // this run's arguments
		p := lt.parent()
		q := Q(p, name)
		d, wq := OwnLookup(t, c, p, q)
		if !sim.IsErr(d) {
			CheckLookupResult(t, p, q, d)
			if dcache.DInLookup(t, d) {
				switch fate {
				case FateAdd:
					dcache.DAdd(t, d, nil)
				case FateFail:
					dcache.DLookupDone(t, d)
				}
			}
			dcache.Dput(t, d)
		}
		Release(t, wq)
	}
	return lt.body
}

// CheckLookupResult checks d_alloc_parallel's result as its callers rely
// on it (rule R13): either an in-lookup dentry the caller now owns, or a
// hashed dentry with the parent and name asked for. It is checked after
// the return, under d_lock; programs using it must not unhash or move a
// hashed dentry of that name, so that a result failing the check failed
// it when it was returned.
func CheckLookupResult(t *sim.Task, parent *dcache.Dentry, q *dcache.Qstr, d *dcache.Dentry) {
	if dcache.DInLookup(t, d) {
		return
	}
	d.DLock().Lock(t)
	unhashed := dcache.DUnhashed(t, d)
	bad := unhashed || d.DParent != parent || d.DName.Name != q.Name
	d.DLock().Unlock(t)
	if bad {
		t.Violation(sim.KindInvariant, "R13",
			fmt.Sprintf("d_alloc_parallel(%s, %q) returned %s, which is not in-lookup, unhashed=%v, parent %s, name %q",
				parent, q.Name, d, unhashed, d.DParent, d.DName.Name),
			"A dentry found by waiting on an in-lookup dentry must be revalidated (parent, name, hashed) before it is returned.")
	}
}

// End is what a ->lookup does with the in-lookup dentry it was given; it
// may return another dentry to use instead (d_splice_alias's alias).
type End func(t *sim.Task, e *Env, d *dcache.Dentry) *dcache.Dentry

// AddPositive is a ->lookup that finds a regular file: d_add with a new inode.
func AddPositive(t *sim.Task, e *Env, d *dcache.Dentry) *dcache.Dentry {
	dcache.DAdd(t, d, e.SB.NewInode(t, dcache.S_IFREG))
	return nil
}

// AddDir is a ->lookup that finds a directory.
func AddDir(t *sim.Task, e *Env, d *dcache.Dentry) *dcache.Dentry {
	dcache.DAdd(t, d, e.SB.NewInode(t, dcache.S_IFDIR))
	return nil
}

// AddNegative is a ->lookup that finds nothing: d_add(dentry, NULL).
func AddNegative(t *sim.Task, e *Env, d *dcache.Dentry) *dcache.Dentry {
	dcache.DAdd(t, d, nil)
	return nil
}

// SplicePositive is a ->lookup that finds a file and hands it to
// d_splice_alias.
func SplicePositive(t *sim.Task, e *Env, d *dcache.Dentry) *dcache.Dentry {
	return dcache.DSpliceAlias(t, e.SB.NewInode(t, dcache.S_IFREG), d)
}

// SpliceInode is a ->lookup that finds an inode already in memory (iget:
// a new reference) and hands it to d_splice_alias.
func SpliceInode(inode *dcache.Inode) End {
	return func(t *sim.Task, e *Env, d *dcache.Dentry) *dcache.Dentry {
		dcache.Ihold(t, inode)
		return dcache.DSpliceAlias(t, inode, d)
	}
}

// Fail is a ->lookup that fails (an I/O error): the dentry is left
// in-lookup for d_lookup_done.
func Fail(t *sim.Task, e *Env, d *dcache.Dentry) *dcache.Dentry { return nil }

// Lookup is __lookup_slow (fs/namei.c): d_alloc_parallel, and if the
// dentry is in-lookup, ->lookup (end) then d_lookup_done. It returns a
// counted reference, or nil when the lookup failed. With locked, the
// directory's i_rwsem is held shared around it, as the VFS does.
func Lookup(t *sim.Task, e *Env, parent *dcache.Dentry, name string, locked bool, end End) *dcache.Dentry {
	dir := parent.DInode
	if locked {
		dir.IRwsem.DownRead(t)
		defer dir.IRwsem.UpRead(t)
	}
	d, wq := OwnLookup(t, e.C, parent, Q(parent, name))
	defer Release(t, wq)
	if sim.IsErr(d) {
		return nil
	}
	if dcache.DInLookup(t, d) {
		old := end(t, e, d)
		dcache.DLookupDone(t, d)
		if old != nil {
			dcache.Dput(t, d)
			if sim.IsErr(old) {
				return nil
			}
			d = old
		}
	}
	return d
}

// LookupPut looks name up and drops the result.
func LookupPut(t *sim.Task, e *Env, parent *dcache.Dentry, name string, end End) {
	dcache.Dput(t, Lookup(t, e, parent, name, false, end))
}

// Walk is walk_component (fs/namei.c) in ref-walk mode: the dcache fast
// path (d_lookup, no directory lock), then __lookup_slow under the
// directory's i_rwsem held shared.
func Walk(t *sim.Task, e *Env, parent *dcache.Dentry, name string, end End) *dcache.Dentry {
	if d := dcache.DLookup(t, parent, Q(parent, name)); d != nil {
		return d
	}
	return Lookup(t, e, parent, name, true, end)
}

// Rename is vfs_rename from the dcache's point of view, within one
// directory: with the directory's i_rwsem held exclusive, the source and
// target are looked up (lookup_one_qstr_excl: d_lookup, else d_alloc and
// ->lookup, which hashes a negative dentry) and a positive source is
// d_moved onto the target.
func Rename(t *sim.Task, dir *dcache.Dentry, from, to string) {
	inode := dir.DInode
	inode.IRwsem.DownWrite(t)
	excl := func(name string) *dcache.Dentry {
		q := Q(dir, name)
		if d := dcache.DLookup(t, dir, q); d != nil {
			return d
		}
		d := dcache.DAlloc(t, dir, q)
		if old := dcache.DSpliceAlias(t, nil, d); old != nil {
			dcache.Dput(t, d)
			return old
		}
		return d
	}
	src := excl(from)
	tgt := excl(to)
	if src.DInode != nil {
		dcache.DMove(t, src, tgt)
	}
	inode.IRwsem.UpWrite(t)
	dcache.Dput(t, tgt)
	dcache.Dput(t, src)
}

// SpliceLookup is __lookup_slow with a ->lookup that finds the directory
// inode dir: i_rwsem shared, d_alloc_parallel, d_splice_alias of dir,
// d_lookup_done. It returns the dentry the lookup gives back (with a
// reference) or the ERR_PTR.
func SpliceLookup(t *sim.Task, e *Env, parent *dcache.Dentry, name string, dir *dcache.Inode) *dcache.Dentry {
	parent.DInode.IRwsem.DownRead(t)
	defer parent.DInode.IRwsem.UpRead(t)
	d, wq := OwnLookup(t, e.C, parent, Q(parent, name))
	defer Release(t, wq)
	if sim.IsErr(d) || !dcache.DInLookup(t, d) {
		return d
	}
	dcache.Ihold(t, dir) // iget
	res := dcache.DSpliceAlias(t, dir, d)
	dcache.DLookupDone(t, d)
	if res != nil {
		dcache.Dput(t, d)
		return res
	}
	return d
}

// CILookup is lookup_slow (v3 07/19: LOOKUP_SHARED) of name in parent
// whose ->lookup finds inode under the case-exact name exact and calls
// d_add_ci, as ntfs_lookup and xfs_vn_ci_lookup do. It returns what
// __lookup_slow returns: the dentry to use, with a reference, or an
// ERR_PTR.
func CILookup(t *sim.Task, e *Env, parent *dcache.Dentry, name, exact string, inode *dcache.Inode) *dcache.Dentry {
	dir := parent.DInode
	dir.IRwsem.DownRead(t)
	defer dir.IRwsem.UpRead(t)
	q := Q(parent, name)
	if parent.DOp != nil && parent.DOp.DHash != nil {
		parent.DOp.DHash(t, parent, q)
	}
	d, wq := OwnLookup(t, e.C, parent, q)
	defer Release(t, wq)
	if sim.IsErr(d) || !dcache.DInLookup(t, d) {
		return d
	}
	dcache.Ihold(t, inode) // the filesystem's iget
	old := dcache.DAddCI(t, d, inode, &dcache.Qstr{Name: exact}, true)
	dcache.DLookupDone(t, d)
	if old != nil {
		dcache.Dput(t, d)
		return old
	}
	return d
}

// RCUWalk is the dcache part of lookup_fast in RCU mode: __d_lookup_rcu,
// then the dentry's inode and flags, validated with d_seq. It reports
// what it saw of a match that validated.
func RCUWalk(t *sim.Task, parent *dcache.Dentry, name string) (found, negative bool, flags uint32) {
	sim.RCUReadLock(t)
	defer sim.RCUReadUnlock(t)
	var seq uint32
	d := dcache.DLookupRCU(t, parent, Q(parent, name), &seq)
	if d == nil {
		return false, false, 0
	}
	t.Read(&d.Object, "d_inode,d_flags")
	inode, flags := d.DInode, d.DFlags
	if d.DSeq.Retry(t, seq) {
		return false, false, 0 // lookup_fast would drop out of RCU mode
	}
	return true, inode == nil, flags
}
