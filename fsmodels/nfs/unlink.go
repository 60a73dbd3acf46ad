package nfs

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// link is nfs_link (fs/nfs/dir.c, series base and v3 14/19): LINK, then
// d_drop + d_add (base) or d_splice_alias with d_drop only on error
// (14/19).
func (fs *FS) link(t *sim.Task, old *dcache.Dentry, dir *dcache.Inode, dentry *dcache.Dentry) int {
	inode := old.DInode
	p14 := fs.s.Has(variant.P14NfsLinkSplice)
	if !p14 {
		dcache.DDrop(t, dentry)
	}
	var ci Cinfo
	err := fs.rpc(t, "LINK", func() int {
		var err int
		ci, err = fs.srv.link(NFSI(inode).fh, NFSI(dir).fh, dentry.DName.Name, "client")
		return err
	})
	if err == 0 {
		updateChangeattr(dir, ci)
		setVerifier(t, dentry, saveChangeAttribute(dir))
		dcache.Ihold(t, inode)
		if p14 {
			dcache.DSpliceAlias(t, inode, dentry)
		} else {
			dcache.DAdd(t, dentry, inode)
		}
	} else if p14 {
		dcache.DDrop(t, dentry)
	}
	return err
}

// removeRPC is NFS_PROTO(dir)->remove / ->rmdir: REMOVE of name.
func (fs *FS) removeRPC(t *sim.Task, dir *dcache.Inode, name string) int {
	var ci Cinfo
	err := fs.rpc(t, "REMOVE", func() int {
		var err int
		ci, err = fs.srv.remove(NFSI(dir).fh, name, "client")
		return err
	})
	if err == 0 {
		updateChangeattr(dir, ci)
	}
	return err
}

// dentryHandleEnoent is nfs_dentry_handle_enoent: the server says the
// name is gone.
func dentryHandleEnoent(t *sim.Task, dentry *dcache.Dentry) {
	if dentry.DInode != nil {
		dcache.DDelete(t, dentry)
	}
}

// safeRemove is nfs_safe_remove (fs/nfs/dir.c, series base).
func (fs *FS) safeRemove(t *sim.Task, dentry *dcache.Dentry) int {
	dir := dentry.DParent.DInode
	inode := dentry.DInode
	if dentry.DFlags&dcache.DCACHE_NFSFS_RENAMED != 0 {
		return 0 // silly-renamed: the VFS only d_deletes
	}
	err := fs.removeRPC(t, dir, dentry.DName.Name)
	if err == 0 && inode != nil {
		dropNlink(t, inode)
	}
	if err == -int(sim.ENOENT) {
		dentryHandleEnoent(t, dentry)
	}
	return err
}

// unlink is nfs_unlink (fs/nfs/dir.c, series base): a busy file is
// silly-renamed; otherwise REMOVE with revalidation of the name blocked
// (NFS_FSDATA_BLOCKED) until it is done.
func (fs *FS) unlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	dentry.DLock().Lock(t)
	if dentry.DLockref.Count() > 1 {
		dentry.DLock().Unlock(t)
		return fs.sillyrename(t, dir, dentry)
	}
	nd := dfs(dentry)
	if t.WarnOn(dentry.DFlags&dcache.DCACHE_NFSFS_RENAMED != 0, "dentry->d_flags & DCACHE_NFSFS_RENAMED") ||
		t.WarnOn(nd.blocked, "dentry->d_fsdata == NFS_FSDATA_BLOCKED") {
		dentry.DLock().Unlock(t)
		return -int(sim.ETXTBSY)
	}
	nd.blocked = true
	dentry.DLock().Unlock(t)
	err := fs.safeRemove(t, dentry)
	if err == 0 || err == -int(sim.ENOENT) {
		setVerifier(t, dentry, saveChangeAttribute(dir)) // nfs_dentry_remove_handle_error
	}
	nd.blocked = false
	sim.WakeUpVar(t, &dentry.Object, "d_fsdata")
	return err
}

// rmdir is nfs_rmdir (fs/nfs/dir.c, series base).
//
// Divergence: rmdir_sem (which an async unlink in the directory holds
// read, as a non-owner, until it completes) is not modeled.
func (fs *FS) rmdir(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	err := fs.removeRPC(t, dir, dentry.DName.Name)
	switch {
	case err == 0 && dentry.DInode != nil:
		dentry.DInode.INlink = 0 // clear_nlink
		dir.INlink--
	case err == -int(sim.ENOENT):
		dentryHandleEnoent(t, dentry)
	}
	return err
}

// unlinkData is struct nfs_unlinkdata: the silly name to remove.
type unlinkData struct {
	name  string
	alias *dcache.Dentry // data->dentry: the in-lookup dentry of the name
}

// asyncUnlink is nfs_async_unlink (fs/nfs/unlink.c, series base): mark
// the dentry DCACHE_NFSFS_RENAMED with the name its REMOVE will use.
func asyncUnlink(t *sim.Task, dentry *dcache.Dentry, name string) int {
	data := &unlinkData{name: name}
	dentry.DLock().Lock(t)
	if dentry.DFlags&dcache.DCACHE_NFSFS_RENAMED != 0 {
		dentry.DLock().Unlock(t)
		return -int(sim.EBUSY)
	}
	dentry.DFlags |= dcache.DCACHE_NFSFS_RENAMED
	dfs(dentry).unlink = data
	dentry.DLock().Unlock(t)
	return 0
}

// cancelAsyncUnlink is nfs_cancel_async_unlink.
func cancelAsyncUnlink(t *sim.Task, dentry *dcache.Dentry) {
	dentry.DLock().Lock(t)
	if dentry.DFlags&dcache.DCACHE_NFSFS_RENAMED != 0 {
		dentry.DFlags &^= dcache.DCACHE_NFSFS_RENAMED
		dfs(dentry).unlink = nil
	}
	dentry.DLock().Unlock(t)
}

// completeUnlink is nfs_complete_unlink (fs/nfs/unlink.c, series base),
// from ->d_iput of the silly-renamed dentry: send the REMOVE.
func (fs *FS) completeUnlink(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode) {
	dentry.DLock().Lock(t)
	dentry.DFlags &^= dcache.DCACHE_NFSFS_RENAMED
	data := dfs(dentry).unlink
	dfs(dentry).unlink = nil
	dentry.DLock().Unlock(t)
	if data != nil && !NFSI(inode).stale {
		fs.callUnlink(t, dentry, inode, data)
	}
}

// callUnlink is nfs_call_unlink (fs/nfs/unlink.c, series base): an
// in-lookup dentry of the silly name from d_alloc_parallel keeps
// lookups of it waiting while the REMOVE runs asynchronously; a dentry
// someone else looked up meanwhile takes over the silly-rename instead.
func (fs *FS) callUnlink(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode, data *unlinkData) bool {
	parent := dentry.DParent
	var wq *dcache.WaitQueue
	if !fs.s.Has(variant.P04WaitVarEvent) {
		// data->wq: the wait queue lives in the unlink data, freed by
		// the completion.
		wq = dcache.NewOnStackWaitQueue(t)
	}
	q := dcache.Qstr{Name: data.name, Hash: dcache.FullNameHash(parent, data.name)}
	alias := dcache.DAllocParallel(t, parent, &q, wq)
	if sim.IsErr(alias) {
		if wq != nil {
			wq.Release(t)
		}
		return false
	}
	if !dcache.DInLookup(t, alias) {
		// Hey, we raced with lookup... See if we need to transfer the
		// sillyrename information to the aliased dentry.
		ret := false
		alias.DLock().Lock(t)
		if alias.DInode != nil && NFSI(alias.DInode).fh == NFSI(inode).fh &&
			alias.DFlags&dcache.DCACHE_NFSFS_RENAMED == 0 {
			dfs(alias).unlink = data
			alias.DFlags |= dcache.DCACHE_NFSFS_RENAMED
			ret = true
		}
		alias.DLock().Unlock(t)
		dcache.Dput(t, alias)
		if wq != nil {
			wq.Release(t)
		}
		return ret
	}
	data.alias = alias
	fs.doCallUnlink(t, alias, data, wq)
	return true
}

// doCallUnlink is nfs_do_call_unlink: the REMOVE runs on rpciod, whose
// release callback (nfs_async_unlink_release) ends the in-lookup state
// of the silly name and puts it, on that task.
func (fs *FS) doCallUnlink(t *sim.Task, alias *dcache.Dentry, data *unlinkData, wq *dcache.WaitQueue) {
	fs.rpciod++
	dir := alias.DParent.DInode
	handed := false
	key := fmt.Sprintf("rpc task %d", fs.rpciod)
	worker := t.Spawn(fmt.Sprintf("rpciod%d", fs.rpciod), func(t *sim.Task) {
		// rpc_run_task queued the task; it runs once the caller's
		// hand-over annotation is done.
		sim.WaitVarEvent(t, &fs.rpcQueue, key, func() bool { return handed })
		fs.removeRPC(t, dir, data.name)
		// nfs_async_unlink_release
		dcache.DLookupDone(t, alias)
		dcache.Dput(t, alias)
		if wq != nil {
			wq.Release(t)
		}
	})
	dcache.DInLookupHandOver(t, alias, worker)
	handed = true
	sim.WakeUpVar(t, &fs.rpcQueue, key)
}

// sillyName is nfs_sillyrename's name: .nfs, the file id, the counter.
func (fs *FS) sillyName(inode *dcache.Inode) string {
	fs.sillycounter++
	return fmt.Sprintf(".nfs%04x%04x", NFSI(inode).fh, fs.sillycounter)
}

// sillyrename is nfs_sillyrename (fs/nfs/unlink.c, series base and v3
// 18/19): find an unused name (base: lookup_noperm until negative;
// 18/19: d_alloc_noblock and ->lookup), queue the unlink, RENAME to it
// and d_move.
func (fs *FS) sillyrename(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	inode := dentry.DInode
	if dentry.DFlags&dcache.DCACHE_NFSFS_RENAMED != 0 {
		return -int(sim.EBUSY) // silly-renamed twice
	}
	var sdentry *dcache.Dentry
	if fs.s.Has(variant.P18NfsSillyNoblock) {
		if sdentry = fs.sillyLookup18(t, dir, dentry); sim.IsErr(sdentry) {
			return -int(sim.EBUSY)
		}
	} else {
		for {
			silly := fs.sillyName(inode)
			q := dcache.Qstr{Name: silly, Hash: dcache.FullNameHash(dentry.DParent, silly)}
			sdentry = fs.s.LookupNoperm(t, &q, dentry.DParent)
			// N.B. Better to return EBUSY here ... it could be
			// dangerous to delete the file while it's in use.
			if sim.IsErr(sdentry) {
				return -int(sim.EBUSY)
			}
			if sdentry.DInode == nil {
				break // need negative lookup
			}
			dcache.Dput(t, sdentry)
		}
	}
	dcache.Ihold(t, inode)
	err := asyncUnlink(t, dentry, sdentry.DName.Name)
	if err == 0 {
		// nfs_async_rename; the completion cancels the unlink on error.
		err = fs.rpc(t, "RENAME", func() int {
			return fs.srv.rename(NFSI(dir).fh, dentry.DName.Name, NFSI(dir).fh, sdentry.DName.Name, "client")
		})
		if err != 0 && err != ERESTARTSYS {
			cancelAsyncUnlink(t, dentry) // nfs_complete_sillyrename
		}
		switch err {
		case 0:
			setVerifier(t, dentry, saveChangeAttribute(dir))
			dcache.DMove(t, dentry, sdentry)
		case ERESTARTSYS:
			// The result of the rename is unknown. Play it safe by
			// forcing a new lookup.
			dcache.DDrop(t, dentry)
			dcache.DDrop(t, sdentry)
		}
	}
	dcache.Iput(t, inode)
	dcache.Dput(t, sdentry)
	return err
}

// sillyLookup18 is the name search v3 18/19 posts: d_alloc_noblock (a
// name being looked up is skipped), a positive dentry skipped, else
// ->lookup on it and d_lookup_done; a name found on the server, or an
// error from ->lookup, is skipped too ("goto newname"), so an error
// that persists loops for ever. FixSillyLookupError returns -EBUSY on
// an error as the base does.
func (fs *FS) sillyLookup18(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) *dcache.Dentry {
	inode := dentry.DInode
	for {
		silly := fs.sillyName(inode)
		q := dcache.Qstr{Name: silly, Hash: dcache.FullNameHash(dentry.DParent, silly)}
		sdentry := dcache.DAllocNoblock(t, dentry.DParent, &q)
		if sim.IsErr(sdentry) && sim.PtrErr(sdentry) == -int(sim.EWOULDBLOCK) {
			continue // name currently being looked up
		}
		if sim.IsErr(sdentry) {
			return sdentry
		}
		if sdentry.DInode != nil {
			dcache.Dput(t, sdentry)
			continue
		}
		// This name isn't known locally - check on server.
		old := vfs.Iop(dir).Lookup(t, dir, sdentry, 0)
		dcache.DLookupDone(t, sdentry)
		if old != nil || sdentry.DInode != nil {
			if sim.IsErr(old) && fs.s.C.On(FixSillyLookupError) {
				dcache.Dput(t, sdentry)
				return old
			}
			if sim.IsErr(old) {
				t.Mark("nfs_sillyrename: ->lookup failed, trying another name (18/19 as posted)")
			} else if old != nil {
				dcache.Dput(t, old)
			}
			dcache.Dput(t, sdentry)
			continue
		}
		return sdentry
	}
}

// FixSillyLookupError is not kernel code: v3 18/19's nfs_sillyrename
// gives up with -EBUSY when ->lookup of the silly name fails, as the
// base's lookup_noperm loop does, instead of trying the next name for
// ever (docs/findings.md, NFS).
var FixSillyLookupError = variant.NewFix("nfs", "nfs-silly-lookup-error",
	"v3 18/19 nfs_sillyrename returns -EBUSY when ->lookup of the silly name fails")
