package nfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// MutNoRevalidate switches revalidation off: ->d_revalidate trusts every
// dentry as the dcache has it. Not kernel code: the oracle's tests and
// cells show that the consistency checks fire without revalidation.
var MutNoRevalidate = variant.NewMutant("nfs", "nfs-no-revalidate",
	"nfs ->d_revalidate returns 1 without asking the server")

// lookupRPC is NFS_PROTO(dir)->lookup: LOOKUP of name in dir, with the
// object's type and change attribute.
func (fs *FS) lookupRPC(t *sim.Task, dir *dcache.Inode, name string) (fh FH, mode dcache.Mode, change uint64, err int) {
	err = fs.rpc(t, "LOOKUP", func() int {
		var err int
		fh, mode, err = fs.srv.lookup(NFSI(dir).fh, name)
		change = fs.srv.changeOf(fh)
		return err
	})
	return
}

// isExclusiveCreate is nfs_is_exclusive_create (fs/nfs/dir.c, series
// base): an NFSv4 mount, so LOOKUP_EXCL decides.
func isExclusiveCreate(flags vfs.LookupFlags) bool { return flags&vfs.LOOKUP_EXCL != 0 }

// lookup is nfs_lookup (fs/nfs/dir.c, series base 254f49634ee1): skip
// the lookup for an exclusive create or a rename target (the dentry is
// left unhashed); otherwise LOOKUP, nfs_fhget and d_splice_alias, and
// the verifier saved before the call.
func (fs *FS) lookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	if isExclusiveCreate(flags) || flags&vfs.LOOKUP_RENAME_TARGET != 0 {
		return nil
	}
	dirVerifier := saveChangeAttribute(dir)
	fh, mode, change, err := fs.lookupRPC(t, dir, dentry.DName.Name)
	var inode *dcache.Inode
	switch {
	case err == -int(sim.ENOENT):
		// no_entry: a negative dentry
	case err < 0:
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	default:
		inode = fs.fhget(t, fh, mode, change)
		if sim.IsErr(inode) {
			return sim.ErrCast[dcache.Dentry](inode)
		}
	}
	res := dcache.DSpliceAlias(t, inode, dentry)
	if res != nil {
		if sim.IsErr(res) {
			return res
		}
		dentry = res
	}
	setVerifier(t, dentry, dirVerifier)
	return res
}

// checkVerifier is nfs_check_verifier (fs/nfs/dir.c, series base): the
// dentry's verifier against the directory's, with the directory's
// attributes revalidated in between (GETATTR; in RCU-walk the model's
// always-expired attribute cache makes it fail).
func (fs *FS) checkVerifier(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, rcuWalk bool) bool {
	if dcache.IsRoot(dentry) {
		return true
	}
	if !verifyChangeAttribute(dir, dfs(dentry).time) {
		return false
	}
	if rcuWalk {
		return false // nfs_revalidate_inode_rcu: -ECHILD, cache invalid
	}
	if fs.revalidateInode(t, dir) < 0 {
		return false
	}
	return verifyChangeAttribute(dir, dfs(dentry).time)
}

// negNeedReval is nfs_neg_need_reval (fs/nfs/dir.c, series base): 0
// trusts the negative dentry, 1 sends it back to the server. v3 13/19
// adds the LOOKUP_OPEN case, posted as "return 0" under a comment that
// says it invalidates (FixNegOpen returns 1, as the comment says).
func (fs *FS) negNeedReval(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) bool {
	if flags&vfs.LOOKUP_CREATE != 0 && fs.s.Regime == variant.Pdirops && fs.s.C.On(FixNegCreate) {
		return true // not kernel code: see FixNegCreate
	}
	if flags&(vfs.LOOKUP_CREATE|vfs.LOOKUP_RENAME_TARGET) != 0 {
		return false
	}
	if fs.s.Has(variant.P13NfsAtomicOpen) && flags&vfs.LOOKUP_OPEN != 0 {
		// close-to-open semantics require we go to server on each
		// open. By invalidating the dentry we also ensure
		// nfs_atomic_open() always has exclusive access to the dentry.
		if fs.s.C.On(FixNegOpen) {
			return true
		}
		t.Mark("nfs_neg_need_reval: LOOKUP_OPEN trusts the negative dentry (13/19 as posted)")
		return false
	}
	return !fs.checkVerifier(t, dir, dentry, flags&vfs.LOOKUP_RCU != 0)
}

// FixNegOpen is not kernel code: v3 13/19's nfs_neg_need_reval returns 1
// for LOOKUP_OPEN, invalidating the negative dentry as its comment and
// changelog say, instead of 0, which trusts it without asking the
// server (docs/findings.md, NFS).
var FixNegOpen = variant.NewFix("nfs", "nfs-neg-open-reval",
	"v3 13/19 nfs_neg_need_reval returns 1 (revalidate) for LOOKUP_OPEN")

// FixNegCreate is not kernel code: under pdirops, nfs_neg_need_reval
// sends a negative dentry back to the server for a create too
// (LOOKUP_CREATE), so that the create gets an in-lookup dentry of its
// own. Posted, a create trusts a hashed negative dentry and holds only
// the parent's lock, which lockless lookups no longer wait for: one that
// finds the directory changed d_invalidates the dentry and allocates a
// second one for the name, and both end up hashed (R1;
// docs/findings.md, NFS).
var FixNegCreate = variant.NewFix("nfs", "nfs-neg-create-pdirops",
	"under pdirops nfs_neg_need_reval revalidates negative dentries for LOOKUP_CREATE")

// revalidateDone is nfs_lookup_revalidate_done (fs/nfs/dir.c, series
// base): -ESTALE and -ENOENT mean invalid; a root is never dropped.
func revalidateDone(dentry *dcache.Dentry, inode *dcache.Inode, err int) int {
	switch err {
	case 1:
	case -int(sim.ESTALE), -int(sim.ENOENT):
		err = 0
		fallthrough
	default:
		if inode != nil && dcache.IsRoot(dentry) {
			err = 1
		}
	}
	return err
}

// revalidateNegative is nfs_lookup_revalidate_negative.
func (fs *FS) revalidateNegative(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) int {
	ret := 1
	if fs.negNeedReval(t, dir, dentry, flags) {
		if flags&vfs.LOOKUP_RCU != 0 {
			return -int(sim.ECHILD)
		}
		ret = 0
	}
	return revalidateDone(dentry, nil, ret)
}

// lookupVerifyInode is nfs_lookup_verify_inode (fs/nfs/dir.c, series
// base): LOOKUP_REVAL, or an open of a file or directory
// (close-to-open), asks the server for the inode's attributes.
func (fs *FS) lookupVerifyInode(t *sim.Task, inode *dcache.Inode, flags vfs.LookupFlags) int {
	force := flags&vfs.LOOKUP_REVAL != 0 ||
		flags&vfs.LOOKUP_OPEN != 0 && (inode.IMode == dcache.S_IFREG || inode.IMode.IsDir())
	if force {
		if flags&vfs.LOOKUP_RCU != 0 {
			return -int(sim.ECHILD)
		}
		if ret := fs.revalidateInode(t, inode); ret != 0 {
			return ret
		}
	}
	if inode.INlink == 0 {
		return -int(sim.ENOENT)
	}
	return 0
}

// revalidateDentry is nfs_lookup_revalidate_dentry (fs/nfs/dir.c, series
// base): LOOKUP the name again; valid only if it still names our handle.
func (fs *FS) revalidateDentry(t *sim.Task, dir *dcache.Inode, name *dcache.Qstr, dentry *dcache.Dentry, inode *dcache.Inode) int {
	dirVerifier := saveChangeAttribute(dir)
	fh, _, _, ret := fs.lookupRPC(t, dir, name.Name)
	if ret >= 0 {
		ret = 0
		if fh == NFSI(inode).fh {
			setVerifier(t, dentry, dirVerifier)
			ret = 1
		}
	}
	if ret == 0 && verifyChangeAttribute(dir, dfs(dentry).time) {
		forceLookupRevalidate(dir) // nfs_mark_dir_for_revalidate
	}
	return revalidateDone(dentry, inode, ret)
}

// doLookupRevalidate is nfs_do_lookup_revalidate (fs/nfs/dir.c, series
// base): negative dentries by nfs_neg_need_reval; positive ones trusted
// while the directory is unchanged (and the inode checks out), else
// looked up again.
func (fs *FS) doLookupRevalidate(t *sim.Task, dir *dcache.Inode, name *dcache.Qstr, dentry *dcache.Dentry, flags vfs.LookupFlags) int {
	inode := dentry.DInode
	if inode == nil {
		return fs.revalidateNegative(t, dir, dentry, flags)
	}
	if flags&(vfs.LOOKUP_EXCL|vfs.LOOKUP_REVAL) == 0 && fs.checkVerifier(t, dir, dentry, flags&vfs.LOOKUP_RCU != 0) {
		if err := fs.lookupVerifyInode(t, inode, flags); err != 0 {
			if flags&vfs.LOOKUP_RCU != 0 {
				return -int(sim.ECHILD)
			}
			if err == -int(sim.ESTALE) {
				forceLookupRevalidate(dir) // nfs_mark_dir_for_revalidate
			}
			return revalidateDone(dentry, inode, err)
		}
		return revalidateDone(dentry, inode, 1)
	}
	if flags&vfs.LOOKUP_RCU != 0 {
		return -int(sim.ECHILD)
	}
	if NFSI(inode).stale {
		return revalidateDone(dentry, inode, 0)
	}
	return fs.revalidateDentry(t, dir, name, dentry, inode)
}

// lookupRevalidate is nfs4_lookup_revalidate with the
// nfs_lookup_revalidate wrapper (fs/nfs/dir.c, series base): wait for an
// unlink in progress (NFS_FSDATA_BLOCKED); an open of a positive regular
// file whose directory is unchanged is left to ->open, which asks the
// server; everything else is nfs_do_lookup_revalidate.
func (fs *FS) lookupRevalidate(t *sim.Task, dir *dcache.Inode, name *dcache.Qstr, dentry *dcache.Dentry, f uint) int {
	flags := vfs.LookupFlags(f)
	if fs.s.C.On(MutNoRevalidate) {
		return 1
	}
	if flags&vfs.LOOKUP_RCU != 0 {
		if dfs(dentry).blocked {
			return -int(sim.ECHILD)
		}
	} else {
		sim.WaitVarEvent(t, &dentry.Object, "d_fsdata", func() bool { return !dfs(dentry).blocked })
	}
	if flags&vfs.LOOKUP_OPEN == 0 || flags&vfs.LOOKUP_DIRECTORY != 0 {
		return fs.doLookupRevalidate(t, dir, name, dentry, flags)
	}
	inode := dentry.DInode
	if inode == nil || inode.IMode != dcache.S_IFREG {
		return fs.doLookupRevalidate(t, dir, name, dentry, flags)
	}
	if flags&(vfs.LOOKUP_EXCL|vfs.LOOKUP_REVAL) == 0 && fs.checkVerifier(t, dir, dentry, flags&vfs.LOOKUP_RCU != 0) {
		return 1 // let f_op->open() actually open (and revalidate) the file
	}
	if flags&vfs.LOOKUP_RCU != 0 {
		return -int(sim.ECHILD)
	}
	return fs.revalidateDentry(t, dir, name, dentry, inode)
}

// dentryDelete is nfs_dentry_delete (fs/nfs/dir.c, series base): unhash
// at the last dput a dentry of a stale inode or one silly-renamed.
func (fs *FS) dentryDelete(t *sim.Task, dentry *dcache.Dentry) int {
	if dentry.DInode != nil && NFSI(dentry.DInode).stale {
		return 1
	}
	if dentry.DFlags&dcache.DCACHE_NFSFS_RENAMED != 0 {
		return 1 // unhash it, so that ->d_iput() would be called
	}
	return 0
}

// dropNlink is nfs_drop_nlink: the last link is gone.
func dropNlink(t *sim.Task, inode *dcache.Inode) {
	inode.ILock.Lock(t)
	if inode.INlink == 1 {
		inode.INlink = 0
	}
	inode.ILock.Unlock(t)
}

// dentryIput is nfs_dentry_iput (fs/nfs/dir.c, series base): a
// silly-renamed dentry losing its inode sends the deferred unlink.
func (fs *FS) dentryIput(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode) {
	if dentry.DFlags&dcache.DCACHE_NFSFS_RENAMED != 0 {
		fs.completeUnlink(t, dentry, inode)
		dropNlink(t, inode)
	}
	dcache.Iput(t, inode)
}
