package nfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// FsType is nfs4's filesystem type; it moves dentries in ->rename itself
// (FS_RENAME_DOES_D_MOVE).
var FsType = func() *dcache.FsType {
	ft := dcache.NewFsType("nfs4")
	ft.RenameDoesDMove = true
	return ft
}()

// FS is one NFS mount (struct nfs_server with its superblock) of a
// Server.
type FS struct {
	SB  *dcache.SuperBlock
	s   *vfs.System
	srv *Server

	dops    *dcache.DentryOperations
	dirOps  *vfs.InodeOperations
	fileOps *vfs.InodeOperations
	dirFOp  *vfs.FileOperations
	fileFOp *vfs.FileOperations

	// icache is the NFS part of the inode hash (nfs_fhget's
	// iget5_locked, keyed by file handle).
	icache map[FH]*dcache.Inode
	// sillycounter is nfs_sillyrename's static counter.
	sillycounter int
	// rpciod counts the async RPC tasks started, for their names;
	// rpcQueue is where they wait to be started.
	rpciod   int
	rpcQueue sim.Object
	// inoFH maps the client's inode numbers to handles, for checks.
	inoFH map[uint64]FH
}

// nfsInode is struct nfs_inode: the handle and the attribute cache.
type nfsInode struct {
	fs *FS
	fh FH
	// changeAttr is the change attribute last seen from the server
	// (inode_peek_iversion_raw).
	changeAttr uint64
	// cacheChangeAttr is cache_change_attribute: the verifier the
	// directory's dentries carry (nfs_save_change_attribute).
	cacheChangeAttr uint64
	stale           bool // NFS_INO_STALE
	dir             bool // S_ISDIR(i_mode): which i_fop
}

// IFop is the inode's i_fop.
func (ni *nfsInode) IFop() *vfs.FileOperations {
	if ni.dir {
		return ni.fs.dirFOp
	}
	return ni.fs.fileFOp
}

// NFSI is NFS_I(inode).
func NFSI(inode *dcache.Inode) *nfsInode { return inode.Private.(*nfsInode) }

// nfsDentry is what the model keeps per dentry: d_time (the verifier)
// and d_fsdata (NFS_FSDATA_BLOCKED, or the silly-rename's unlink data).
type nfsDentry struct {
	time    uint64
	blocked bool        // d_fsdata == NFS_FSDATA_BLOCKED
	unlink  *unlinkData // d_fsdata of a DCACHE_NFSFS_RENAMED dentry
}

func dfs(d *dcache.Dentry) *nfsDentry {
	if nd, ok := d.DFsdata.(*nfsDentry); ok {
		return nd
	}
	nd := &nfsDentry{}
	d.DFsdata = nd
	return nd
}

// New mounts srv's root (nfs_fill_super, nfs_get_root). Call it in setup.
func New(s *vfs.System, srv *Server, name string) *FS {
	fs := &FS{s: s, srv: srv, icache: map[FH]*dcache.Inode{}, inoFH: map[uint64]FH{}}
	fs.dops = &dcache.DentryOperations{
		DRevalidate: fs.lookupRevalidate,
		DDelete:     fs.dentryDelete,
		DIput:       fs.dentryIput,
	}
	fs.SB = s.C.NewSuperBlockOfType(FsType, name, fs.dops)
	s.C.W.NewStatic(&fs.rpcQueue, "rpciod queue")
	fs.dirOps = &vfs.InodeOperations{
		Lookup: fs.lookup, Create: fs.create, Mkdir: fs.mkdir, Link: fs.link,
		Unlink: fs.unlink, Rmdir: fs.rmdir, Rename: fs.rename, AtomicOpen: fs.atomicOpen,
	}
	fs.fileOps = &vfs.InodeOperations{}
	fs.dirFOp = &vfs.FileOperations{IterateShared: fs.readdir}
	fs.fileFOp = &vfs.FileOperations{Open: fs.fileOpen}
	root := fs.SB.SRoot.DInode
	fs.initInode(root, srv.Root)
	NFSI(root).changeAttr = srv.node(srv.Root).change
	root.ICount.Set(1)
	return fs
}

// Root is the mount's root dentry.
func (fs *FS) Root() *dcache.Dentry { return fs.SB.SRoot }

// Server is the server the mount talks to.
func (fs *FS) Server() *Server { return fs.srv }

func (fs *FS) initInode(inode *dcache.Inode, fh FH) {
	inode.Private = &nfsInode{fs: fs, fh: fh, cacheChangeAttr: 1, dir: inode.IMode.IsDir()}
	if inode.IMode.IsDir() {
		inode.IOp = fs.dirOps
	} else {
		inode.IOp = fs.fileOps
	}
	fs.icache[fh] = inode
	fs.inoFH[inode.IIno] = fh
	inode.Evict = func(t *sim.Task, inode *dcache.Inode) { delete(fs.icache, NFSI(inode).fh) }
}

// fhget is nfs_fhget (fs/nfs/inode.c): the inode of a handle, found in
// the inode hash (a new reference, attributes refreshed) or made, with
// the change attribute of the reply.
func (fs *FS) fhget(t *sim.Task, fh FH, mode dcache.Mode, change uint64) *dcache.Inode {
	if inode := fs.icache[fh]; inode != nil {
		dcache.Ihold(t, inode)
		refreshInode(inode, change)
		return inode
	}
	if t.Fault("nfs_fhget: iget5_locked") {
		return sim.ErrPtr[dcache.Inode](sim.ENOMEM)
	}
	inode := fs.SB.NewInode(t, mode)
	fs.initInode(inode, fh)
	NFSI(inode).changeAttr = change
	return inode
}

// InodeFH is the handle behind a client inode (0 for nil).
func InodeFH(inode *dcache.Inode) FH {
	if inode == nil {
		return 0
	}
	return NFSI(inode).fh
}

// setVerifier is nfs_set_verifier (fs/nfs/dir.c): the dentry's d_time,
// under d_lock.
func setVerifier(t *sim.Task, dentry *dcache.Dentry, verf uint64) {
	dentry.DLock().Lock(t)
	dfs(dentry).time = verf
	dentry.DLock().Unlock(t)
}

// saveChangeAttribute is nfs_save_change_attribute.
func saveChangeAttribute(dir *dcache.Inode) uint64 { return NFSI(dir).cacheChangeAttr }

// verifyChangeAttribute is nfs_verify_change_attribute.
func verifyChangeAttribute(dir *dcache.Inode, chattr uint64) bool {
	return chattr == NFSI(dir).cacheChangeAttr
}

// forceLookupRevalidate is nfs_force_lookup_revalidate: every dentry of
// dir now fails nfs_check_verifier.
func forceLookupRevalidate(dir *dcache.Inode) { NFSI(dir).cacheChangeAttr++ }

// refreshInode is the part of nfs_refresh_inode / nfs_update_inode the
// model has: a new change attribute of a directory invalidates its
// dentries.
func refreshInode(inode *dcache.Inode, change uint64) {
	ni := NFSI(inode)
	if ni.changeAttr != change {
		ni.changeAttr = change
		if inode.IMode.IsDir() {
			forceLookupRevalidate(inode)
		}
	}
}

// updateChangeattr is update_changeattr_locked (fs/nfs/nfs4proc.c): the
// directory's change_info after our own change; if someone else changed
// it first, its dentries are revalidated.
func updateChangeattr(dir *dcache.Inode, ci Cinfo) {
	ni := NFSI(dir)
	if ci.Before != ni.changeAttr {
		forceLookupRevalidate(dir)
	}
	ni.changeAttr = ci.After
}

// revalidateInode is __nfs_revalidate_inode (fs/nfs/inode.c): GETATTR
// and refresh; -ESTALE marks the inode stale.
//
// Divergence: the attribute cache is always expired (actimeo=0), so
// every nfs_revalidate_inode goes to the server and every revalidated
// lookup must agree with it.
func (fs *FS) revalidateInode(t *sim.Task, inode *dcache.Inode) int {
	ni := NFSI(inode)
	var change uint64
	err := fs.rpc(t, "GETATTR", func() int {
		_, c, err := fs.srv.getattr(ni.fh)
		change = c
		return err
	})
	if err == -int(sim.ESTALE) {
		ni.stale = true // nfs_set_inode_stale
	}
	if err != 0 {
		return err
	}
	refreshInode(inode, change)
	return 0
}

// MarkReachable marks the inodes of the NFS inode hash: an inode with no
// reference and links left stays cached (generic_drop_inode), for the
// leak walker (World.Roots).
func (fs *FS) MarkReachable(mark func(*sim.Object)) {
	for _, inode := range fs.icache {
		mark(&inode.Object)
	}
}

// InoFH is the handle of the client inode numbered ino (0 if none).
func (fs *FS) InoFH(ino uint64) FH { return fs.inoFH[ino] }

// Mapper relates the mount's dcache to the server's truth
// (oracle.Mapper).
type Mapper struct{ FS *FS }

// InodeObj is the handle behind an inode.
func (m Mapper) InodeObj(inode *dcache.Inode) oracle.Obj { return oracle.Obj(InodeFH(inode)) }

// MayBeStale is true for every NFS dentry: each is revalidated with the
// server before use, so the dcache may lag the server at any time.
func (m Mapper) MayBeStale(d *dcache.Dentry) bool { return true }
