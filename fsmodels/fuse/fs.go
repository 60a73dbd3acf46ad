package fuse

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// FsType is fuse's filesystem type (its own i_rwsem lockdep classes).
var FsType = dcache.NewFsType("fuse")

// FS is one fuse mount (struct fuse_mount with its super_block) and its
// connection.
type FS struct {
	SB   *dcache.SuperBlock
	s    *vfs.System
	Conn *Conn

	// inodes is the part of the inode hash fuse uses: iget5_locked /
	// ilookup5 keyed by node id.
	inodes map[uint64]*dcache.Inode

	dirOps, fileOps *vfs.InodeOperations
	dirFOp, fileFOp *vfs.FileOperations
	// dops is fuse_dentry_operations.
	dops *dcache.DentryOperations

	// check is the end-of-run checker's record (check.go).
	// daemon is the daemon serving the mount, for the checks (check.go).
	daemon *Daemon
}

// Inode is struct fuse_inode, the inode's Private part.
type Inode struct {
	fs     *FS
	inode  *dcache.Inode
	Nodeid uint64
	// nlookup counts the lookups the daemon has answered for the node
	// and the kernel has not forgotten.
	nlookup uint64
	// lock is fi->lock.
	lock sim.SpinLock
	// state holds FUSE_I_* bits.
	state uint32
	// rwFiles is fi->rw_files (VZ10): the open files of the inode.
	rwFiles []*File
	// invalFilesSeq is fi->inval_files_seq (ChangeWriteSeq).
	invalFilesSeq uint64
	attrVersion   uint64
}

// fuse_inode state bits.
const (
	FUSE_I_ADVISE_RDPLUS uint32 = 1 << 0
	FUSE_I_INIT_RDPLUS   uint32 = 1 << 1
	// FUSE_I_INVAL_FILES (VZ10): FUSE_NOTIFY_INVAL_FILES is in progress.
	FUSE_I_INVAL_FILES uint32 = 1 << 10
	fuseIInvalFilesBit        = 10
)

// IFop returns the inode's i_fop: fuse_dir_operations or
// fuse_file_operations.
func (fi *Inode) IFop() *vfs.FileOperations {
	if fi.inode.IMode.IsDir() {
		return fi.fs.dirFOp
	}
	return fi.fs.fileFOp
}

func getFuseInode(inode *dcache.Inode) *Inode { return inode.Private.(*Inode) }

// getNodeID is get_node_id.
func getNodeID(inode *dcache.Inode) uint64 { return getFuseInode(inode).Nodeid }

// dentryData is what d_fsdata holds: the entry's validity time
// (fuse_dentry_time), and, for the checker, the step at which it was
// last set.
type dentryData struct {
	time uint64
	set  int64
}

// Mount mounts a fuse filesystem served by a daemon (fuse_fill_super:
// the root inode FUSE_ROOT_ID with fuse_root_dentry_operations, the
// superblock's default fuse_dentry_operations). Call it in setup.
func Mount(s *vfs.System, name string) *FS {
	fs := &FS{s: s, inodes: map[uint64]*dcache.Inode{}}
	fs.dops = &dcache.DentryOperations{DRevalidate: fs.dentryRevalidate}
	fs.SB = s.C.NewSuperBlockOfType(FsType, name, fs.dops)
	fs.Conn = newConn(fs)
	fs.dirOps = &vfs.InodeOperations{
		Lookup: fs.lookup, Create: fs.create, Mkdir: fs.mkdir, Unlink: fs.unlink,
		Rmdir: fs.rmdir, Rename: fs.rename2, AtomicOpen: fs.atomicOpen,
	}
	fs.fileOps = &vfs.InodeOperations{}
	fs.dirFOp = &vfs.FileOperations{IterateShared: fs.readdir}
	fs.fileFOp = &vfs.FileOperations{Open: fs.open, Release: fs.release}
	root := fs.SB.SRoot.DInode
	root.IOp = fs.dirOps
	root.Private = &Inode{fs: fs, inode: root, Nodeid: FUSE_ROOT_ID, nlookup: 1}
	getFuseInode(root).lock.Init(&root.Object, "fi->lock", fiLockClass)
	root.ICount.Set(1)
	fs.inodes[FUSE_ROOT_ID] = root
	return fs
}

// Root is the mount's root dentry.
func (fs *FS) Root() *dcache.Dentry { return fs.SB.SRoot }

// System is the VFS the mount belongs to.
func (fs *FS) System() *vfs.System { return fs.s }

// MarkReachable is a roots walker: the inodes in the inode hash, which
// stay cached (unused) until evicted, as an inode cache keeps them, the
// fuse_files of the open files, and the requests on the connection.
func (fs *FS) MarkReachable(mark func(*sim.Object)) {
	for _, id := range sortedKeys(fs.inodes) {
		mark(&fs.inodes[id].Object)
	}
	for _, f := range fs.s.OpenFiles() {
		if f == nil {
			continue
		}
		if ff, ok := f.Private.(*File); ok {
			mark(&ff.Object)
		}
	}
	// Requests still queued when the run ends (a FORGET no daemon
	// thread has read yet) are the connection's.
	for _, q := range [][]*Req{fs.Conn.pending, fs.Conn.forgets, fs.Conn.readForgets, fs.Conn.processing} {
		for _, r := range q {
			mark(&r.Object)
		}
	}
}

// iget is fuse_iget (fs/fuse/inode.c, 7.0): the inode of nodeid from the
// inode hash, or a new one (I_NEW: fuse_init_inode), with nlookup
// counted either way. Divergence: iget5_locked's wait on I_NEW and
// fuse_stale_inode (a node id reused with another generation or type)
// are not modeled.
func (fs *FS) iget(t *sim.Task, nodeid uint64, mode dcache.Mode) *dcache.Inode {
	inode := fs.inodes[nodeid]
	if inode != nil {
		dcache.Ihold(t, inode)
	} else {
		if t.Fault("fuse_iget: iget5_locked") {
			return nil
		}
		inode = fs.SB.NewInode(t, mode)
		inode.IIno = nodeid
		inode.SetName(fmt.Sprintf("%s:%d", fs.SB.Name, nodeid))
		fi := &Inode{fs: fs, inode: inode, Nodeid: nodeid}
		fi.lock.Init(&inode.Object, "fi->lock", fiLockClass)
		inode.Private = fi
		if mode.IsDir() {
			inode.IOp = fs.dirOps
		} else {
			inode.IOp = fs.fileOps
		}
		inode.Evict = fs.evictInode
		fs.inodes[nodeid] = inode
	}
	fi := getFuseInode(inode)
	fi.lock.Lock(t)
	fi.nlookup++
	fi.lock.Unlock(t)
	return inode
}

// ilookup is fuse_ilookup (fs/fuse/inode.c, 7.0): the cached inode of
// nodeid with a reference, or nil.
func (fs *FS) ilookup(t *sim.Task, nodeid uint64) *dcache.Inode {
	inode := fs.inodes[nodeid]
	if inode != nil {
		dcache.Ihold(t, inode)
	}
	return inode
}

// evictInode is fuse_evict_inode (fs/fuse/inode.c, 7.0) for an inode
// whose last reference went with no link left: FORGET its lookups and
// drop it from the inode hash.
//
// Divergence: inodes with links stay cached and are never evicted (no
// inode shrinker), so only unlinked nodes are forgotten.
func (fs *FS) evictInode(t *sim.Task, inode *dcache.Inode) {
	fi := getFuseInode(inode)
	if fi.nlookup > 0 {
		fs.Conn.queueForget(t, fi.Nodeid, fi.nlookup)
		fi.nlookup = 0
	}
	delete(fs.inodes, fi.Nodeid)
}

// queueForgetNode is fuse_queue_forget for a lookup the kernel counted
// nowhere (a reply whose inode could not be made, or a readdirplus
// entry not linked: fuse_force_forget).
func (fs *FS) queueForgetNode(t *sim.Task, nodeid uint64) {
	fs.Conn.queueForget(t, nodeid, 1)
}

// changeAttributes is fuse_change_attributes (fs/fuse/inode.c, 7.0),
// reduced to what the model has: the attributes are written.
// Divergence: attributes other than the type are not modeled.
func (fs *FS) changeAttributes(t *sim.Task, inode *dcache.Inode) {
	t.Write(&inode.Object, "attr")
}

// invalidateAttr is fuse_invalidate_attr (fs/fuse/dir.c, 7.0).
func invalidateAttr(t *sim.Task, inode *dcache.Inode) {
	t.Write(&inode.Object, "inval_mask")
}

// dirChanged is fuse_dir_changed (fs/fuse/dir.c, 7.0).
func dirChanged(t *sim.Task, dir *dcache.Inode) { invalidateAttr(t, dir) }

// reverseInvalInode is fuse_reverse_inval_inode (fs/fuse/inode.c, 7.0)
// for FUSE_NOTIFY_INVAL_INODE: bump the inode's attr_version and
// invalidate its attributes. Divergence: the page-cache range
// invalidation is not modeled (there is no page cache).
func (fs *FS) reverseInvalInode(t *sim.Task, nodeid uint64) int {
	inode := fs.ilookup(t, nodeid)
	if inode == nil {
		return -int(sim.ENOENT)
	}
	fi := getFuseInode(inode)
	fi.lock.Lock(t)
	fs.Conn.attrVersion++
	fi.attrVersion = fs.Conn.attrVersion
	fi.lock.Unlock(t)
	invalidateAttr(t, inode)
	dcache.Iput(t, inode)
	return 0
}

// dentryTime is fuse_dentry_time.
func dentryTime(t *sim.Task, entry *dcache.Dentry) uint64 {
	t.Read(&entry.Object, "d_fsdata")
	if d, ok := entry.DFsdata.(*dentryData); ok {
		return d.time
	}
	return timeExpired
}

// dentrySettime is fuse_dentry_settime (fs/fuse/dir.c, 7.0).
// Divergence: fc->delete_stale (DCACHE_OP_DELETE for expired entries)
// is not modeled; it is off by default.
func dentrySettime(t *sim.Task, entry *dcache.Dentry, time uint64) {
	t.Write(&entry.Object, "d_fsdata")
	d, ok := entry.DFsdata.(*dentryData)
	if !ok {
		d = &dentryData{}
		entry.DFsdata = d
	}
	d.time, d.set = time, t.World().Steps()
}

// changeEntryTimeout is fuse_change_entry_timeout.
func changeEntryTimeout(t *sim.Task, entry *dcache.Dentry, o *EntryOut) {
	dentrySettime(t, entry, o.EntryValid)
}

// invalidateEntryCache is fuse_invalidate_entry_cache: the entry expires.
func invalidateEntryCache(t *sim.Task, entry *dcache.Dentry) {
	dentrySettime(t, entry, timeExpired)
}

// invalidateEntry is fuse_invalidate_entry.
func invalidateEntry(t *sim.Task, entry *dcache.Dentry) {
	dcache.DInvalidate(t, entry)
	invalidateEntryCache(t, entry)
}

// timeBefore64 is time_before64(time, get_jiffies_64()).
func timeBefore64(time uint64) bool { return time < jiffiesNow }

// modeOf turns a reply's mode into the inode's.
func modeOf(m uint32) dcache.Mode { return dcache.Mode(m) }
