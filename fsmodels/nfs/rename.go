package nfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// rename is nfs_rename (fs/nfs/dir.c, series base and v3 19/19): a busy
// non-directory target is silly-renamed first and a copy of its dentry
// (base: d_alloc; 19/19: d_duplicate, in-lookup until the end) becomes
// the target; an idle one is blocked from revalidation while the RENAME
// runs. NFS moves the dentries itself (FS_RENAME_DOES_D_MOVE).
func (fs *FS) rename(t *sim.Task, oldDir *dcache.Inode, oldDentry *dcache.Dentry, newDir *dcache.Inode, newDentry *dcache.Dentry, flags uint) int {
	newInode := newDentry.DInode
	var dentry *dcache.Dentry // the copy of a busy target
	mustUnblock := false
	err := -int(sim.EBUSY)
	if flags != 0 {
		return -int(sim.EINVAL)
	}
	if newInode != nil && !newInode.IMode.IsDir() {
		nd := dfs(newDentry)
		if t.WarnOn(newDentry.DFlags&dcache.DCACHE_NFSFS_RENAMED != 0, "new_dentry->d_flags & DCACHE_NFSFS_RENAMED") ||
			t.WarnOn(nd.blocked, "new_dentry->d_fsdata == NFS_FSDATA_BLOCKED") {
			err = -int(sim.ETXTBSY)
			goto out
		}
		newDentry.DLock().Lock(t)
		if newDentry.DLockref.Count() > 2 {
			newDentry.DLock().Unlock(t)
			// copy the target dentry's name
			if fs.s.Has(variant.P19NfsRenameDuplicate) {
				dentry = dcache.DDuplicate(t, newDentry)
				if dentry == nil { // as posted: d_duplicate returns ERR_PTR
					goto out
				}
				if sim.IsErr(dentry) && fs.s.C.On(FixRenameDuplicate) {
					dentry = nil
					goto out
				}
			} else {
				dentry = dcache.DAlloc(t, newDentry.DParent, &newDentry.DName)
				if dentry == nil {
					goto out
				}
			}
			// silly-rename the existing target ...
			if e := fs.sillyrename(t, newDir, newDentry); e != 0 {
				err = e
				goto out
			}
			newDentry = dentry
			newInode = nil
		} else {
			nd.blocked = true
			mustUnblock = true
			newDentry.DLock().Unlock(t)
		}
	}
	t.Read(&newDentry.Object, "d_name") // nfs_async_rename: dget(new_dentry), &new_dentry->d_name
	err = fs.rpc(t, "RENAME", func() int {
		return fs.srv.rename(NFSI(oldDir).fh, oldDentry.DName.Name, NFSI(newDir).fh, newDentry.DName.Name, "client")
	})
	if mustUnblock {
		// nfs_unblock_rename, the RPC's release callback.
		dfs(newDentry).blocked = false
		sim.WakeUpVar(t, &newDentry.Object, "d_fsdata")
	}
	if err == 0 {
		forceLookupRevalidate(oldDir) // the RENAME's change_info is not modeled
		forceLookupRevalidate(newDir)
	}
out:
	if err == 0 {
		if newInode != nil {
			dropNlink(t, newInode)
		}
		dcache.DMove(t, oldDentry, newDentry)
		setVerifier(t, oldDentry, saveChangeAttribute(newDir))
	} else if err == -int(sim.ENOENT) {
		dentryHandleEnoent(t, oldDentry)
	}
	// new dentry created?
	if dentry != nil {
		if fs.s.Has(variant.P19NfsRenameDuplicate) {
			dcache.DLookupDone(t, dentry)
		}
		dcache.Dput(t, dentry)
	}
	return err
}

// FixRenameDuplicate is not kernel code: v3 19/19's nfs_rename tests
// d_duplicate's result with IS_ERR (it returns ERR_PTR(-ENOMEM), never
// NULL), as shmem.FixWhiteout does for 12/19.
var FixRenameDuplicate = variant.NewFix("nfs", "nfs-rename-duplicate",
	"v3 19/19 nfs_rename tests d_duplicate's result with IS_ERR")
