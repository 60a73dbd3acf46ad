package nfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// MutExclIgnored is not kernel code: the OPEN of an O_CREAT|O_EXCL open
// is sent as a plain create, and the reply taken for a creation, so an
// existing file is opened as if created. The oracle's exclusive-create
// check (oracle-excl-create) must catch it.
var MutExclIgnored = variant.NewMutant("nfs", "nfs-excl-ignored",
	"nfs sends O_CREAT|O_EXCL opens as plain creates")

// openCtx is struct nfs_open_context: the dentry the open is on.
//
// Divergence: the context's dentry reference and its life after the
// open (attached to the file until close) are not modeled; the alias
// _nfs4_open_and_get_state switches to is put when the open is done.
type openCtx struct {
	dentry *dcache.Dentry
	alias  *dcache.Dentry // a reference to put at the end, if switched
}

// openRPC is the OPEN of NFS_PROTO(dir)->open_context (nfs4_atomic_open
// -> _nfs4_do_open): with O_CREAT a create (exclusive with O_EXCL),
// else an open of an existing file; -EISDIR for a directory.
func (fs *FS) openRPC(t *sim.Task, dir *dcache.Inode, name string, openFlags int) (fh FH, mode dcache.Mode, change uint64, created bool, ci Cinfo, err int) {
	err = fs.rpc(t, "OPEN", func() int {
		var err int
		defer func() { change = fs.srv.changeOf(fh) }()
		dirFH := NFSI(dir).fh
		if openFlags&vfs.O_CREAT != 0 {
			excl := openFlags&vfs.O_EXCL != 0 && !fs.s.C.On(MutExclIgnored)
			fh, created, ci, err = fs.srv.create(dirFH, name, dcache.S_IFREG, excl, "client")
			created = created || err == 0 && fs.s.C.On(MutExclIgnored)
			if err == -int(sim.EISDIR) {
				return err
			}
			mode = fs.srv.Mode(fh)
			return err
		}
		fh, mode, err = fs.srv.open(dirFH, name)
		if err == 0 && mode.IsDir() {
			return -int(sim.EISDIR)
		}
		return err
	})
	return
}

// openContext is nfs4_atomic_open with _nfs4_open_and_get_state
// (fs/nfs/nfs4proc.c, series base): OPEN, the inode of the reply, and a
// negative dentry spliced to it (after a d_drop, which v3 15/19
// removes); the context switches to an alias d_splice_alias returns.
func (fs *FS) openContext(t *sim.Task, dir *dcache.Inode, ctx *openCtx, openFlags int) (*dcache.Inode, bool, int) {
	dentry := ctx.dentry
	dirVerifier := saveChangeAttribute(dir)
	fh, mode, change, created, ci, err := fs.openRPC(t, dir, dentry.DName.Name, openFlags)
	if err != 0 {
		return nil, false, err
	}
	if openFlags&vfs.O_CREAT != 0 {
		updateChangeattr(dir, ci)
	}
	inode := fs.fhget(t, fh, mode, change)
	if sim.IsErr(inode) {
		return nil, created, sim.PtrErr(inode)
	}
	if dcache.DReallyIsNegative(t, dentry) {
		if !fs.s.Has(variant.P15NfsAddOrObtain) {
			dcache.DDrop(t, dentry)
		}
		dcache.Ihold(t, inode) // igrab(state->inode)
		if alias := dcache.DSpliceAlias(t, inode, dentry); alias != nil {
			ctx.dentry, ctx.alias = alias, alias
			dentry = alias
		}
	}
	setVerifier(t, dentry, dirVerifier) // NFS4_OPEN_CLAIM_NULL
	// Divergence: the nfs4_state's inode reference lives until close;
	// the model drops it here.
	dcache.Iput(t, inode)
	return inode, created, 0
}

// finishOpen is nfs_finish_open (fs/nfs/dir.c, series base): finish_open
// with nfs's do_open; a non-regular file is -EOPENSTALE.
func finishOpen(t *sim.Task, dentry *dcache.Dentry, file *vfs.File) int {
	err := vfs.FinishOpen(t, file, dentry, func(*sim.Task, *dcache.Inode, *vfs.File) int { return 0 })
	if err == 0 && file.Path.DInode.IMode != dcache.S_IFREG {
		err = -int(sim.EOPENSTALE)
	}
	return err
}

// atomicOpen is nfs_atomic_open (fs/nfs/dir.c, series base
// 254f49634ee1, with v3 13/19 and 16/19): without O_CREAT, a hashed
// negative dentry is dropped and replaced by one from d_alloc_parallel
// ("switched", removed by 13/19); OPEN; -ENOENT leaves a negative
// dentry (the d_drop before it moved by 16/19 to the other errors);
// -EISDIR / -ENOTDIR fall back to nfs_lookup (no_open).
func (fs *FS) atomicOpen(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, file *vfs.File, openFlags int, mode dcache.Mode) int {
	t.BugOn(dentry.DInode != nil, "d_inode(dentry)")
	var lookupFlags vfs.LookupFlags
	switched := false
	var err int
	if openFlags&vfs.O_DIRECTORY != 0 {
		if !dcache.DInLookup(t, dentry) {
			// Hashed negative dentry with O_DIRECTORY: dentry was
			// revalidated and is fine, no need to perform lookup again.
			return -int(sim.ENOENT)
		}
		lookupFlags = vfs.LOOKUP_OPEN | vfs.LOOKUP_DIRECTORY
		return fs.noOpen(t, dir, dentry, file, lookupFlags, false)
	}
	if !fs.s.Has(variant.P13NfsAtomicOpen) && openFlags&vfs.O_CREAT == 0 && !dcache.DInLookup(t, dentry) {
		t.Mark("nfs_atomic_open: d_drop and d_alloc_parallel (switched)")
		dcache.DDrop(t, dentry)
		switched = true
		var wq *dcache.WaitQueue
		if !fs.s.Has(variant.P04WaitVarEvent) {
			wq = dcache.NewOnStackWaitQueue(t)
			defer wq.Release(t)
		}
		dentry = dcache.DAllocParallel(t, dentry.DParent, &dentry.DName, wq)
		if sim.IsErr(dentry) {
			return sim.PtrErr(dentry)
		}
		if !dcache.DInLookup(t, dentry) {
			return vfs.FinishNoOpen(file, dentry)
		}
	}
	ctx := &openCtx{dentry: dentry}
	_, created, oerr := fs.openContext(t, dir, ctx, openFlags)
	if created {
		file.FMode |= vfs.FMODE_CREATED
	}
	if oerr != 0 {
		err = oerr
		if !fs.s.Has(variant.P16NfsAtomicCreate) {
			dcache.DDrop(t, dentry)
		}
		switch err {
		case -int(sim.ENOENT):
			setVerifier(t, dentry, saveChangeAttribute(dir))
			dcache.DSpliceAlias(t, nil, dentry)
			if fs.s.Has(variant.P16NfsAtomicCreate) {
				goto out
			}
		case -int(sim.EISDIR), -int(sim.ENOTDIR):
			return fs.noOpen(t, dir, dentry, file, lookupFlags, switched)
		}
		if fs.s.Has(variant.P16NfsAtomicCreate) {
			dcache.DDrop(t, dentry)
		}
		goto out
	}
	err = finishOpen(t, ctx.dentry, file)
	if ctx.alias != nil {
		dcache.Dput(t, ctx.alias)
	}
out:
	if switched {
		dcache.DLookupDone(t, dentry)
		dcache.Dput(t, dentry)
	}
	return err
}

// noOpen is nfs_atomic_open's no_open: nfs_lookup, then finish_no_open
// on its result; a regular file found here is -EOPENSTALE (the walk is
// redone), a non-directory under O_DIRECTORY -ENOTDIR.
func (fs *FS) noOpen(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, file *vfs.File, lookupFlags vfs.LookupFlags, switched bool) int {
	res := fs.lookup(t, dir, dentry, lookupFlags)
	notDir := func(inode *dcache.Inode) bool {
		return lookupFlags&vfs.LOOKUP_DIRECTORY != 0 && inode != nil && !(inode.IMode.IsDir() || inode.IMode == dcache.S_IFLNK)
	}
	if res == nil {
		inode := dentry.DInode
		if notDir(inode) {
			res = sim.ErrPtr[dcache.Dentry](sim.ENOTDIR)
		} else if inode != nil && inode.IMode == dcache.S_IFREG {
			res = sim.ErrPtr[dcache.Dentry](sim.EOPENSTALE)
		}
	} else if !sim.IsErr(res) {
		inode := res.DInode
		if notDir(inode) {
			dcache.Dput(t, res)
			res = sim.ErrPtr[dcache.Dentry](sim.ENOTDIR)
		} else if inode != nil && inode.IMode == dcache.S_IFREG {
			dcache.Dput(t, res)
			res = sim.ErrPtr[dcache.Dentry](sim.EOPENSTALE)
		}
	}
	if switched {
		dcache.DLookupDone(t, dentry)
		if res == nil {
			res = dentry
		} else {
			dcache.Dput(t, dentry)
		}
	}
	return vfs.FinishNoOpen(file, res)
}

// fileOpen is nfs4_file_open (fs/nfs/nfs4file.c, series base): the open
// of a dentry the VFS found positive goes to the server by name; a
// different file under the name now is -EOPENSTALE after d_drop, and
// the walk is redone with LOOKUP_REVAL.
func (fs *FS) fileOpen(t *sim.Task, inode *dcache.Inode, file *vfs.File) int {
	dentry := file.Path
	parent := dcache.DgetParent(t, dentry)
	defer dcache.Dput(t, parent)
	dir := parent.DInode
	fh, _, _, _, _, err := fs.openRPC(t, dir, dentry.DName.Name, file.Flags&^(vfs.O_CREAT|vfs.O_EXCL))
	switch err {
	case 0:
	case -int(sim.EISDIR), -int(sim.ENOTDIR), -int(sim.ENOENT), -int(sim.ESTALE):
		// nfs4_file_open: these mean the dentry is stale.
		dcache.DDrop(t, dentry)
		return -int(sim.EOPENSTALE)
	default:
		return err
	}
	if fh != NFSI(inode).fh {
		t.Mark("nfs4_file_open: another file under the name, -EOPENSTALE")
		dcache.DDrop(t, dentry) // out_drop
		return -int(sim.EOPENSTALE)
	}
	return 0
}

// mkdir is nfs_mkdir with _nfs4_proc_mkdir / nfs4_do_create
// (fs/nfs/dir.c, fs/nfs/nfs4proc.c, series base): CREATE, then
// nfs_add_or_obtain.
func (fs *FS) mkdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) *dcache.Dentry {
	var fh FH
	var ci Cinfo
	var change uint64
	err := fs.rpc(t, "CREATE", func() int {
		var err int
		fh, _, ci, err = fs.srv.create(NFSI(dir).fh, dentry.DName.Name, dcache.S_IFDIR, true, "client")
		change = fs.srv.changeOf(fh)
		return err
	})
	if err != 0 {
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	updateChangeattr(dir, ci)
	dir.INlink++
	return fs.addOrObtain(t, dentry, fh, dcache.S_IFDIR, change)
}

// addOrObtain is nfs_add_or_obtain (fs/nfs/dir.c, series base and v3
// 15/19): the new object's inode spliced to the dentry, which the base
// d_drops first (15/19: only on error).
//
// Divergence: the NFSv4 replies the model has always carry the handle
// and attributes, so the LOOKUP and GETATTR fallbacks are not taken.
func (fs *FS) addOrObtain(t *sim.Task, dentry *dcache.Dentry, fh FH, mode dcache.Mode, change uint64) *dcache.Dentry {
	parent := dcache.DgetParent(t, dentry)
	dir := parent.DInode
	if !fs.s.Has(variant.P15NfsAddOrObtain) {
		dcache.DDrop(t, dentry)
	}
	setVerifier(t, dentry, saveChangeAttribute(dir))
	var d *dcache.Dentry
	inode := fs.fhget(t, fh, mode, change)
	if sim.IsErr(inode) {
		if fs.s.Has(variant.P15NfsAddOrObtain) {
			dcache.DDrop(t, dentry)
		}
		d = sim.ErrCast[dcache.Dentry](inode)
	} else {
		d = dcache.DSpliceAlias(t, inode, dentry)
	}
	dcache.Dput(t, parent)
	return d
}

// create is nfs_create (fs/nfs/dir.c, series base) through nfs_do_create
// and nfs4_proc_create's nfs_instantiate: reachable only from vfs_create
// callers other than open, since open uses ->atomic_open.
func (fs *FS) create(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode, excl bool) int {
	var fh FH
	var ci Cinfo
	err := fs.rpc(t, "OPEN", func() int {
		var err int
		fh, _, ci, err = fs.srv.create(NFSI(dir).fh, dentry.DName.Name, dcache.S_IFREG, excl, "client")
		return err
	})
	if err != 0 {
		dcache.DDrop(t, dentry) // nfs_do_create: out_err
		return err
	}
	updateChangeattr(dir, ci)
	return fs.instantiate(t, dentry, fh, dcache.S_IFREG, 0)
}

// instantiate is nfs_instantiate: nfs_add_or_obtain, the result put.
func (fs *FS) instantiate(t *sim.Task, dentry *dcache.Dentry, fh FH, mode dcache.Mode, change uint64) int {
	d := fs.addOrObtain(t, dentry, fh, mode, change)
	if sim.IsErr(d) {
		return sim.PtrErr(d)
	}
	dcache.Dput(t, d) // "Callers don't care"
	return 0
}
