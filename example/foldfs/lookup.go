package foldfs

import (
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// find is the directory search: the entry stored under name, or, with
// the patch, under name in any case.
func (fs *FS) find(name string) *entry {
	fold := fs.v.On(CaseFold) || fs.v.On(CaseFoldV2)
	for _, e := range fs.disk {
		if e.name == name || fold && strings.EqualFold(e.name, name) {
			return e
		}
	}
	return nil
}

// lookup is foldfs_lookup, the ->lookup: called by the VFS with the
// parent's i_rwsem held shared and dentry in-lookup, which the VFS ends
// with d_lookup_done after the call. A name not on disk is hashed
// negative; a name found in its stored case gets its inode spliced in;
// with the patch, a name found in another case gets the dentry of the
// stored name (lookupStored).
func (fs *FS) lookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	e := fs.find(dentry.DName.Name)
	if e == nil {
		dcache.DAdd(t, dentry, nil)
		return nil
	}
	if e.name != dentry.DName.Name {
		return fs.lookupStored(t, dentry, e)
	}
	inode := fs.iget(t, e)
	if sim.IsErr(inode) {
		return sim.ErrCast[dcache.Dentry](inode)
	}
	return dcache.DSpliceAlias(t, inode, dentry)
}

// lookupStored is the patch's new function, modeled on d_add_ci
// (fs/dcache.c): the lookup asked for dentry's name and the disk stores
// e.name; return the dentry of e.name, the hashed one if there is one,
// else a new one, in-lookup, with the inode spliced in. The caller owns
// dentry, in-lookup, so the d_alloc_parallel of the stored name is nested
// (dcache.DAllocParallelNested). Like nfs_prime_dcache it declares its
// own wait queue for that dentry's waiters (none from v3 04/19 on).
//
// v1 (CaseFold) drops the new dentry without d_lookup_done when iget
// fails; v2 (CaseFoldV2) ends the in-lookup state first.
func (fs *FS) lookupStored(t *sim.Task, dentry *dcache.Dentry, e *entry) *dcache.Dentry {
	parent := dentry.DParent
	q := &dcache.Qstr{Name: e.name, Hash: dcache.FullNameHash(parent, e.name)}
	if found := dcache.DHashAndLookup(t, parent, q); found != nil {
		return found
	}
	var wq *dcache.WaitQueue
	if !fs.v.Has(variant.P04WaitVarEvent) {
		wq = dcache.NewOnStackWaitQueue(t)
		defer wq.Release(t)
	}
	found := dcache.DAllocParallelNested(t, parent, q, wq)
	if sim.IsErr(found) || !dcache.DInLookup(t, found) {
		return found // ERR_PTR, or another lookup of the stored name finished first
	}
	inode := fs.iget(t, e)
	if sim.IsErr(inode) {
		if fs.v.On(CaseFoldV2) {
			dcache.DLookupDone(t, found)
		}
		dcache.Dput(t, found)
		return sim.ErrCast[dcache.Dentry](inode)
	}
	if res := dcache.DSpliceAlias(t, inode, found); res != nil {
		dcache.DLookupDone(t, found)
		dcache.Dput(t, found)
		return res
	}
	return found
}
