package eventfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// The refcounting version (ChangeGetEi): fs/tracefs/event_inode.c and
// fs/tracefs/inode.c as of v6.8.

// Coverage marks.
const (
	// MarkCacheHit: the caching version's lookup reused a cached dentry.
	MarkCacheHit = "create_file_dentry: reused ei->d_children[]"
	// MarkLookupFile: a lookup made a file's dentry.
	MarkLookupFile = "eventfs: lookup made a file"
	// MarkReleaseAfterRelookup: ->d_release of a file's dentry found
	// its ei still referenced by another file dentry: the name was
	// looked up again before the old dentry's release (Linus's order).
	MarkReleaseAfterRelookup = "eventfs_d_release: the name was looked up again first"
)

// baseRefs are the references an events directory's ei has with no file
// dentry: its creator's (kref_init) and its own dentry's d_fsdata.
const baseRefs = 2

// getEi is get_ei: take a reference on ei (NULL passes).
func getEi(t *sim.Task, ei *EventfsInode) *EventfsInode {
	if ei != nil {
		ei.Kref.Add(t, 1) // kref_get
	}
	return ei
}

// putEi is put_ei: drop a reference; the last frees ei (release_ei).
func putEi(t *sim.Task, ei *EventfsInode) {
	if ei == nil {
		return
	}
	if ei.Kref.Add(t, -1) == 0 { // kref_put
		t.Free(&ei.Object) // release_ei: kfree_rcu
	}
}

// eventfsRootLookupGetEi is eventfs_root_lookup (v6.8) for file entries.
//
// Divergence: file entries only, each entry callback's answer fixed.
func (fs *FS) eventfsRootLookupGetEi(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	name := dentry.DName.Name
	ti := getTracefs(dir)
	if ti.flags&TRACEFS_EVENT_INODE == 0 {
		return sim.ErrPtr[dcache.Dentry](sim.EIO)
	}
	fs.eventfsMutex.DownWrite(t)
	defer fs.eventfsMutex.UpWrite(t)
	ei := ti.private
	if ei == nil {
		return nil
	}
	t.Read(&ei.Object, "is_freed")
	if ei.IsFreed {
		return nil
	}
	for i, entry := range ei.Entries {
		if name != entry.Name {
			continue
		}
		return fs.lookupFileDentry(t, dentry, ei, i, entry.Mode)
	}
	return nil
}

// lookupFileDentry is lookup_file_dentry with lookup_file (v6.8): a new
// inode for the entry, d_fsdata a counted reference on the parent's ei,
// and d_add.
func (fs *FS) lookupFileDentry(t *sim.Task, dentry *dcache.Dentry, ei *EventfsInode, idx int, mode dcache.Mode) *dcache.Dentry {
	inode := fs.tracefsGetInode(t, mode)
	if inode == nil {
		return sim.ErrPtr[dcache.Dentry](sim.ENOMEM)
	}
	getTracefs(inode).flags |= TRACEFS_EVENT_INODE
	t.Mark(MarkLookupFile)
	// Files have their parent's ei as their fsdata
	dentry.DFsdata = getEi(t, ei)
	dcache.DAdd(t, dentry, inode)
	return nil
}

// tracefsDRelease is tracefs_d_release (fs/tracefs/inode.c, v6.8) with
// eventfs_d_release: drop the dentry's reference on its ei.
func tracefsDRelease(t *sim.Task, dentry *dcache.Dentry) {
	if ei, _ := dentry.DFsdata.(*EventfsInode); ei != nil {
		putEi(t, ei)
		if ei.Kref.Value() > baseRefs {
			t.Mark(MarkReleaseAfterRelookup)
		}
	}
}

// tracefsDRevalidate is tracefs_d_revalidate (fs/tracefs/inode.c, v6.8):
// a dentry of a freed eventfs_inode is stale. It may run in RCU-walk.
func tracefsDRevalidate(t *sim.Task, dir *dcache.Inode, name *dcache.Qstr, dentry *dcache.Dentry, flags uint) int {
	ei, _ := dentry.DFsdata.(*EventfsInode)
	if ei == nil {
		return 1
	}
	t.Read(&ei.Object, "is_freed")
	if ei.IsFreed {
		return 0
	}
	return 1
}
