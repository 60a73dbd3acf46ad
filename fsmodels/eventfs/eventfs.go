package eventfs

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// FsType is tracefs's filesystem type.
var FsType = dcache.NewFsType("tracefs")

var eventfsMutexClass = sim.NewLockClass("eventfs_mutex")

// ChangeGetEi selects v6.8's eventfs: d_fsdata holds a reference on the
// eventfs_inode, dropped by ->d_release; no dentry is cached.
var ChangeGetEi = variant.NewChange("eventfs", "eventfs-get-ei",
	"eventfs refcounts d_fsdata (get_ei at lookup, put_ei in ->d_release) instead of caching dentry pointers (fs/tracefs/event_inode.c, v6.8)")

// TRACEFS_EVENT_INODE is the tracefs_inode flag of eventfs inodes.
const TRACEFS_EVENT_INODE = 1 << 1

// Entry is struct eventfs_entry: a file name; its callback's answer
// (the mode) is fixed here.
type Entry struct {
	Name string
	Mode dcache.Mode
}

// EventfsInode is struct eventfs_inode: the directory's description.
type EventfsInode struct {
	sim.Object
	Entries []Entry // ei->entries
	// DChildren is ei->d_children[] and Dentry ei->dentry: the dentries
	// the pre-v6.8 version caches, without references.
	DChildren []*dcache.Dentry
	Dentry    *dcache.Dentry
	IsFreed   bool
	Kref      sim.AtomicInt // ei->kref (v6.8)
}

// tracefsInode is the tracefs part of an inode (struct tracefs_inode).
type tracefsInode struct {
	flags   int
	private *EventfsInode // ti->private: directories only
}

func getTracefs(inode *dcache.Inode) *tracefsInode {
	ti, _ := inode.Private.(*tracefsInode)
	return ti
}

// FS is one tracefs instance whose root is an events directory.
type FS struct {
	sim.Object
	SB *dcache.SuperBlock
	EI *EventfsInode // the events directory
	c  *dcache.Cache

	eventfsMutex sim.RWSem // eventfs_mutex (a mutex: taken for write only)
	dirOps       *vfs.InodeOperations
}

// New mounts a tracefs whose root is an events directory with the given
// file entries (tracefs_fill_super and eventfs_create_events_dir), with
// the dentry operations of the run's version. Call it in setup.
func New(w *sim.World, c *dcache.Cache, entries ...Entry) *FS {
	fs := &FS{c: c}
	w.NewStatic(&fs.Object, "tracefs")
	fs.eventfsMutex.Init(&fs.Object, "eventfs_mutex", eventfsMutexClass)
	dop := &dcache.DentryOperations{DIput: fs.tracefsDentryIput} // v6.8-rc2
	if c.On(ChangeGetEi) {
		dop = &dcache.DentryOperations{DRevalidate: tracefsDRevalidate, DRelease: tracefsDRelease} // v6.8
	}
	fs.SB = c.NewSuperBlockOfType(FsType, "tracefs", dop)
	ei := &EventfsInode{Entries: entries, DChildren: make([]*dcache.Dentry, len(entries))}
	w.Alloc(&ei.Object, "eventfs_inode")
	ei.SetName("events")
	ei.Kref.Init(&ei.Object, "kref")
	ei.Kref.Set(baseRefs - 1) // kref_init
	fs.EI = ei
	fs.dirOps = &vfs.InodeOperations{Lookup: fs.eventfsRootLookup}
	root := fs.SB.SRoot
	root.DInode.IOp = fs.dirOps
	root.DInode.Private = &tracefsInode{flags: TRACEFS_EVENT_INODE, private: ei}
	root.DInode.ICount.Set(1)
	ei.Dentry = root
	root.DFsdata = ei
	if c.On(ChangeGetEi) {
		ei.Kref.Set(baseRefs) // dentry->d_fsdata = get_ei(ei)
	}
	return fs
}

// Root is the events directory's dentry.
func (fs *FS) Root() *dcache.Dentry { return fs.SB.SRoot }

// MarkReachable marks the eventfs_inode for the leak walk.
func (fs *FS) MarkReachable(mark func(*sim.Object)) { mark(&fs.EI.Object) }

// Pointers lists the dentry pointers eventfs keeps in its own
// structures (the cache of the pre-v6.8 version), for checkers.
func (fs *FS) Pointers(yield func(where string, d *dcache.Dentry)) {
	ei := fs.EI
	yield("ei->dentry", ei.Dentry)
	for i, d := range ei.DChildren {
		yield(fmt.Sprintf("ei->d_children[%d] (%s)", i, ei.Entries[i].Name), d)
	}
}

// tracefsGetInode is tracefs_get_inode: a new inode, or NULL.
//
// Divergence: tracefs inodes are dropped at their last iput
// (generic_delete_inode); here they stay on the superblock's list, as
// the model's Iput keeps linked inodes.
func (fs *FS) tracefsGetInode(t *sim.Task, mode dcache.Mode) *dcache.Inode {
	if t.Fault("tracefs_get_inode: new_inode") {
		return nil
	}
	inode := fs.SB.NewInode(t, mode)
	inode.Private = &tracefsInode{}
	return inode
}

// simpleLookup is simple_lookup (fs/libfs.c, v6.8): hash the dentry as
// negative.
func simpleLookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	if len(dentry.DName.Name) > 255 {
		return sim.ErrPtr[dcache.Dentry](sim.ENAMETOOLONG)
	}
	dcache.DAdd(t, dentry, nil)
	return nil
}

// eventfsRootLookup is eventfs_root_lookup in the run's version.
func (fs *FS) eventfsRootLookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	if fs.c.On(ChangeGetEi) {
		return fs.eventfsRootLookupGetEi(t, dir, dentry, flags)
	}
	return fs.eventfsRootLookupCached(t, dir, dentry, flags)
}
