package fuse

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// readdir is fuse_readdir and fuse_readdir_uncached (fs/fuse/readdir.c,
// 7.0), called by iterate_dir with the directory's i_rwsem held shared:
// READDIRPLUS from ctx->pos, then parse_dirplusfile.
//
// Divergence: readdirplus is always used (fuse_use_readdirplus with
// do_readdirplus and without readdirplus_auto), FOPEN_CACHE_DIR is not
// modeled, and the daemon answers with every remaining entry in one
// reply (a page large enough).
func (fs *FS) readdir(t *sim.Task, file *vfs.File, ctx *vfs.DirContext) int {
	inode := file.Path.DInode
	out, err := fs.Conn.simpleRequest(t, FUSE_READDIRPLUS, In{Nodeid: getNodeID(inode), Flags: int(ctx.Pos)})
	if err != 0 {
		return err
	}
	return fs.parseDirplusfile(t, out.Dirents, file, ctx)
}

// parseDirplusfile is parse_dirplusfile (fs/fuse/readdir.c, 7.0): emit
// each entry while the caller takes them, link every entry into the
// dcache, and FORGET the ones that could not be linked.
func (fs *FS) parseDirplusfile(t *sim.Task, ents []DirentPlus, file *vfs.File, ctx *vfs.DirContext) int {
	over := false
	for i := range ents {
		dp := &ents[i]
		if !over {
			over = !ctx.Emit(dp.Name, dp.Entry.Nodeid, modeOf(dp.Entry.Mode))
			if !over {
				ctx.Pos++ // ctx->pos = dirent->off
			}
		}
		if ret := fs.direntplusLink(t, file, dp); ret != 0 {
			fs.queueForgetNode(t, dp.Entry.Nodeid) // fuse_force_forget
		}
	}
	return 0
}

// direntplusLink is fuse_direntplus_link (fs/fuse/readdir.c, 7.0): prime
// the dcache with a readdirplus entry. A cached dentry of the same node
// is refreshed (and counted as a lookup); one of another node, or a
// negative one, is invalidated and the name allocated again; a new
// in-lookup dentry gets the inode spliced in.
//
// As 7.0 has it the name is allocated with d_alloc_parallel, which
// waits for an in-lookup dentry of the same name while the directory's
// lock is held; ChangeDirentplusNoblock (RFC 43/53) uses
// try_lookup_noperm and d_alloc_noblock and skips the name instead.
//
// Divergence: fc->epoch, fuse_stale_inode and bad inodes are not
// modeled; "." and ".." are never in the daemon's replies.
func (fs *FS) direntplusLink(t *sim.Task, file *vfs.File, dp *DirentPlus) int {
	o := &dp.Entry
	if o.Nodeid == 0 {
		return 0
	}
	parent := file.Path
	name := dcache.Qstr{Name: dp.Name}
	noblock := fs.s.C.On(ChangeDirentplusNoblock)
	var wq *dcache.WaitQueue // DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq), gone with v3 04/19
	if !noblock && !fs.s.Has(variant.P04WaitVarEvent) {
		wq = dcache.NewOnStackWaitQueue(t)
		defer wq.Release(t)
	}
	var dentry *dcache.Dentry
	if noblock {
		dentry = dcache.TryLookupNoperm(t, &name, parent)
	} else {
		name.Hash = dcache.FullNameHash(parent, name.Name)
		dentry = dcache.DLookup(t, parent, &name)
	}
	for {
		if dentry == nil { // retry:
			if noblock {
				dentry = dcache.DAllocNoblock(t, parent, &name)
			} else {
				dentry = dcache.DAllocParallel(t, parent, &name, wq)
			}
		}
		if sim.IsErr(dentry) {
			if noblock && sim.PtrErr(dentry) == -int(sim.EWOULDBLOCK) && !fs.s.C.On(FixDirentplusForget) {
				t.Mark("fuse_direntplus_link: -EWOULDBLOCK, name skipped")
				return 0 // harmless
			}
			return sim.PtrErr(dentry)
		}
		if dcache.DInLookup(t, dentry) {
			break
		}
		t.Read(&dentry.Object, "d_inode")
		inode := dentry.DInode
		if inode != nil && getNodeID(inode) != o.Nodeid {
			inode = nil
		}
		if inode == nil {
			t.Mark("fuse_direntplus_link: cached entry of another node, invalidate and retry")
			dcache.DInvalidate(t, dentry)
			dcache.Dput(t, dentry)
			dentry = nil
			t.CPURelax()
			continue
		}
		fi := getFuseInode(inode)
		fi.lock.Lock(t)
		fi.nlookup++
		fi.lock.Unlock(t)
		fs.changeAttributes(t, inode)
		changeEntryTimeout(t, dentry, o)
		dcache.Dput(t, dentry)
		return 0
	}
	inode := fs.iget(t, o.Nodeid, modeOf(o.Mode))
	var alias *dcache.Dentry
	if inode == nil {
		alias = sim.ErrPtr[dcache.Dentry](sim.ENOMEM)
	} else {
		alias = dcache.DSpliceAlias(t, inode, dentry)
	}
	dcache.DLookupDone(t, dentry)
	if alias != nil {
		dcache.Dput(t, dentry)
		dentry = alias
	}
	if sim.IsErr(dentry) {
		if inode != nil {
			fi := getFuseInode(inode)
			fi.lock.Lock(t)
			fi.nlookup--
			fi.lock.Unlock(t)
		}
		return sim.PtrErr(dentry)
	}
	changeEntryTimeout(t, dentry, o)
	dcache.Dput(t, dentry)
	return 0
}
