package fuse

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// reverseInvalEntry is fuse_reverse_inval_entry (fs/fuse/dir.c, 7.0,
// c9ba789dad15's loop): try_lookup_noperm the name and lock it with
// start_removing_dentry, retrying when a rename changed its name; then
// expire it and (without FUSE_EXPIRE_ONLY) d_invalidate it. A negative
// dentry fails start_removing_dentry with -ENOENT and is left as it was:
// the stale negative dentry of the thread. FixInvalEntryRetry selects
// the proposed fix (reverseInvalEntryRetry).
//
// Divergence: FUSE_NOTIFY_DELETE (child_nodeid != 0: the dentry is
// deleted, not only invalidated) is not modeled; child_nodeid is always
// 0 here.
func (fs *FS) reverseInvalEntry(t *sim.Task, parentNodeid, childNodeid uint64, name string, flags uint32) int {
	if fs.s.C.On(FixInvalEntryRetry) {
		return fs.reverseInvalEntryRetry(t, parentNodeid, name, flags)
	}
	err := -int(sim.ENOTDIR)
	parent := fs.ilookup(t, parentNodeid)
	if parent == nil {
		return -int(sim.ENOENT)
	}
	var dir, entry *dcache.Dentry
	if parent.IMode.IsDir() {
		err = -int(sim.ENOENT)
		dir = dcache.DFindAlias(t, parent)
	}
	if dir != nil {
		q := dcache.Qstr{Name: name}
		for entry == nil {
			child := dcache.TryLookupNoperm(t, &q, dir)
			if child == nil || sim.IsErr(child) {
				break
			}
			entry = fs.s.StartRemovingDentry(t, dir, child)
			dcache.Dput(t, child)
			if sim.IsErr(entry) {
				t.Mark("fuse_reverse_inval_entry: start_removing_dentry failed")
				break
			}
			if !dcache.DSameName(t, entry, dir, &q) {
				t.Mark("fuse_reverse_inval_entry: renamed before the lock, retry")
				fs.s.EndRemoving(t, entry)
				entry = nil
			}
		}
		if entry != nil && !sim.IsErr(entry) {
			dirChanged(t, parent)
			if flags&FUSE_EXPIRE_ONLY == 0 {
				dcache.DInvalidate(t, entry)
			}
			invalidateEntryCache(t, entry)
			err = 0
			fs.s.EndRemoving(t, entry)
		}
		dcache.Dput(t, dir)
	}
	dcache.Iput(t, parent)
	return err
}

// reverseInvalEntryRetry is fuse_reverse_inval_entry with the loop
// NeilBrown proposes (FixInvalEntryRetry): a negative entry is locked
// with start_creating_dentry and invalidated; a positive one with
// start_removing_dentry, retrying if a rename renamed it; if neither
// lock can be had the lookup raced with a rename and is redone.
func (fs *FS) reverseInvalEntryRetry(t *sim.Task, parentNodeid uint64, name string, flags uint32) int {
	err := -int(sim.ENOTDIR)
	parent := fs.ilookup(t, parentNodeid)
	if parent == nil {
		return -int(sim.ENOENT)
	}
	var dir *dcache.Dentry
	if parent.IMode.IsDir() {
		err = -int(sim.ENOENT)
		dir = dcache.DFindAlias(t, parent)
	}
	if dir != nil {
		q := dcache.Qstr{Name: name}
		err = fs.invalEntryLoop(t, parent, dir, &q, flags)
		dcache.Dput(t, dir)
	}
	dcache.Iput(t, parent)
	return err
}

// invalEntryLoop is the do_lookup: loop of reverseInvalEntryRetry; it
// returns the function's err.
func (fs *FS) invalEntryLoop(t *sim.Task, parent *dcache.Inode, dir *dcache.Dentry, q *dcache.Qstr, flags uint32) int {
	for {
		if vfs.IsDeadDir(parent) {
			return -int(sim.ENOENT)
		}
		entry := dcache.TryLookupNoperm(t, q, dir)
		if entry == nil || sim.IsErr(entry) {
			return -int(sim.ENOENT)
		}
		// We need to lock against concurrent create/rename/etc whether
		// entry is negative or positive, so use whichever of
		// start_creating_dentry() and start_removing_dentry() works.
		if dcache.DReallyIsNegative(t, entry) && !sim.IsErr(fs.s.StartCreatingDentry(t, dir, entry)) {
			// entry is negative, it cannot have been renamed
			t.Mark("fuse_reverse_inval_entry: negative entry locked with start_creating_dentry")
			dirChanged(t, parent)
			if flags&FUSE_EXPIRE_ONLY == 0 {
				dcache.DInvalidate(t, entry)
			}
			invalidateEntryCache(t, entry)
			fs.s.EndCreating(t, entry)
		} else if !sim.IsErr(fs.s.StartRemovingDentry(t, dir, entry)) {
			// entry is positive
			if !dcache.DSameName(t, entry, dir, q) {
				t.Mark("fuse_reverse_inval_entry: renamed before the lock, retry")
				fs.s.EndRemoving(t, entry)
				dcache.Dput(t, entry)
				t.CPURelax()
				continue
			}
			dirChanged(t, parent)
			if flags&FUSE_EXPIRE_ONLY == 0 {
				dcache.DInvalidate(t, entry)
			}
			invalidateEntryCache(t, entry)
			fs.s.EndRemoving(t, entry)
		} else {
			// must have raced with rename before we got the lock
			t.Mark("fuse_reverse_inval_entry: neither lock, retry")
			dcache.Dput(t, entry)
			t.CPURelax()
			continue
		}
		dcache.Dput(t, entry)
		return 0
	}
}
