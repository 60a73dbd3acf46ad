package fuse

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// dentryRevalidate is fuse_dentry_revalidate (fs/fuse/dir.c, 7.0): an
// entry within its timeout is valid; an expired one (or any with
// LOOKUP_EXCL, LOOKUP_REVAL or LOOKUP_RENAME_TARGET) is looked up again
// if positive (-ECHILD in RCU-walk) and invalid if negative; the lookup
// must find the same node.
//
// Divergence: FUSE_NOTIFY_INC_EPOCH (fc->epoch), bad inodes and
// fuse_stale_inode are not modeled; the FORGET for a lookup that found
// another node is queued as the kernel queues it.
func (fs *FS) dentryRevalidate(t *sim.Task, dir *dcache.Inode, name *dcache.Qstr, entry *dcache.Dentry, flags uint) int {
	t.Read(&entry.Object, "d_inode")
	inode := entry.DInode
	if timeBefore64(dentryTime(t, entry)) ||
		flags&uint(vfs.LOOKUP_EXCL|vfs.LOOKUP_REVAL|vfs.LOOKUP_RENAME_TARGET) != 0 {
		// For negative dentries, always do a fresh lookup.
		if inode == nil {
			return 0
		}
		if flags&uint(vfs.LOOKUP_RCU) != 0 {
			return -int(sim.ECHILD)
		}
		out, ret := fs.Conn.simpleRequest(t, FUSE_LOOKUP, In{Nodeid: getNodeID(dir), Name: name.Name})
		// Zero nodeid is same as -ENOENT.
		if ret == 0 && out.Entry.Nodeid == 0 {
			ret = -int(sim.ENOENT)
		}
		if ret == 0 {
			fi := getFuseInode(inode)
			if out.Entry.Nodeid != fi.Nodeid {
				fs.queueForgetNode(t, out.Entry.Nodeid)
				return 0
			}
			fi.lock.Lock(t)
			fi.nlookup++
			fi.lock.Unlock(t)
		}
		if ret == -int(sim.ENOMEM) || ret == -int(sim.EINTR) {
			return ret
		}
		if ret != 0 {
			return 0
		}
		fs.changeAttributes(t, inode)
		changeEntryTimeout(t, entry, &out.Entry)
	}
	return 1
}

// lookupName is fuse_lookup_name (fs/fuse/dir.c, 7.0): send LOOKUP and
// make the inode of a positive reply. A reply with node id 0 is a
// negative entry with a valid timeout (err 0, no inode).
func (fs *FS) lookupName(t *sim.Task, nodeid uint64, name string) (EntryOut, *dcache.Inode, int) {
	if len(name) > 1024 { // FUSE_NAME_MAX
		return EntryOut{}, nil, -int(sim.ENAMETOOLONG)
	}
	out, err := fs.Conn.simpleRequest(t, FUSE_LOOKUP, In{Nodeid: nodeid, Name: name})
	if err != 0 || out.Entry.Nodeid == 0 {
		return out.Entry, nil, err
	}
	inode := fs.iget(t, out.Entry.Nodeid, modeOf(out.Entry.Mode))
	if inode == nil {
		fs.queueForgetNode(t, out.Entry.Nodeid)
		return out.Entry, nil, -int(sim.ENOMEM)
	}
	return out.Entry, inode, 0
}

// lookup is fuse_lookup (fs/fuse/dir.c, 7.0): LOOKUP the name, splice
// the inode (or NULL: a negative entry) into the dentry, and set the
// entry's timeout from the reply, or expire it for an -ENOENT reply.
//
// Divergence: fuse_lock_inode is a no-op (the daemon negotiated
// FUSE_PARALLEL_DIROPS, the default); fc->epoch is not modeled.
func (fs *FS) lookup(t *sim.Task, dir *dcache.Inode, entry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	outarg, inode, err := fs.lookupName(t, getNodeID(dir), entry.DName.Name)
	outargValid := true
	if err == -int(sim.ENOENT) {
		outargValid = false
		err = 0
	}
	if err != 0 {
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	if inode != nil && getNodeID(inode) == FUSE_ROOT_ID {
		dcache.Iput(t, inode)
		return sim.ErrPtr[dcache.Dentry](sim.EIO)
	}
	newent := dcache.DSpliceAlias(t, inode, entry)
	if sim.IsErr(newent) {
		return newent
	}
	if newent != nil {
		entry = newent
	}
	if outargValid {
		changeEntryTimeout(t, entry, &outarg)
	} else {
		invalidateEntryCache(t, entry)
	}
	if inode != nil {
		fs.adviseUseReaddirplus(t, dir)
	}
	return newent
}

// adviseUseReaddirplus is fuse_advise_use_readdirplus.
func (fs *FS) adviseUseReaddirplus(t *sim.Task, dir *dcache.Inode) {
	fi := getFuseInode(dir)
	t.Write(&dir.Object, "fi->state")
	fi.state |= FUSE_I_ADVISE_RDPLUS
}

// atomicOpen is fuse_atomic_open (fs/fuse/dir.c, 7.0): look an in-lookup
// dentry up first; a positive result, or no O_CREAT, is finished
// without opening (the VFS opens it); otherwise CREATE through
// fuse_create_open. -EEXIST invalidates the entry.
//
// Divergence: fc->no_create (the MKNOD fallback) is not modeled.
func (fs *FS) atomicOpen(t *sim.Task, dir *dcache.Inode, entry *dcache.Dentry, file *vfs.File, flags int, mode dcache.Mode) int {
	var res *dcache.Dentry
	if dcache.DInLookup(t, entry) {
		res = fs.lookup(t, dir, entry, 0)
		if res != nil {
			if sim.IsErr(res) {
				return sim.PtrErr(res)
			}
			entry = res
		}
	}
	if flags&vfs.O_CREAT == 0 || dcache.DReallyIsPositive(t, entry) {
		file.Path = res // finish_no_open(file, res)
		return 0
	}
	// Only creates.
	file.FMode |= vfs.FMODE_CREATED
	err := fs.createOpen(t, dir, entry, file, flags)
	if err == -int(sim.EEXIST) {
		invalidateEntry(t, entry)
	}
	dcache.Dput(t, res)
	return err
}

// createOpen is fuse_create_open (fs/fuse/dir.c, 7.0, with the VZ10
// write_seq patch's ff->open_seq = args.reply_seq): CREATE, make the
// inode, instantiate the dentry with the reply's timeout, and open the
// file (finish_open with fuse_finish_open).
func (fs *FS) createOpen(t *sim.Task, dir *dcache.Inode, entry *dcache.Dentry, file *vfs.File, flags int) int {
	ff := fs.fileAlloc(t)
	out, err := fs.Conn.simpleRequest(t, FUSE_CREATE,
		In{Nodeid: getNodeID(dir), Name: entry.DName.Name, Mode: uint32(dcache.S_IFREG), Flags: flags})
	if err == 0 && (modeOf(out.Entry.Mode) != dcache.S_IFREG || out.Entry.Nodeid == 0) {
		err = -int(sim.EIO)
	}
	if err != 0 {
		fs.fileFree(t, ff)
		return err
	}
	ff.Fh = out.Open.Fh
	ff.Nodeid = out.Entry.Nodeid
	if fs.s.C.On(ChangeWriteSeq) {
		ff.openSeq = out.ReplySeq
	}
	inode := fs.iget(t, out.Entry.Nodeid, dcache.S_IFREG)
	if inode == nil {
		fs.fileFree(t, ff) // fuse_sync_release
		fs.queueForgetNode(t, out.Entry.Nodeid)
		return -int(sim.ENOMEM)
	}
	dcache.DInstantiate(t, entry, inode)
	changeEntryTimeout(t, entry, &out.Entry)
	dirChanged(t, dir)
	// finish_open(file, entry, fuse_finish_open)
	file.Path = entry
	file.FOp = fs.fileFOp
	file.Private = ff
	ff.file = file
	if err := fs.finishOpen(t, inode, file); err != 0 {
		fs.release(t, inode, file) // fuse_sync_release
		file.Path, file.FOp, file.Private = nil, nil, nil
		return err
	}
	file.FMode |= vfs.FMODE_OPENED
	fs.checkOpened(t, ff)
	return 0
}

// createNewEntry is create_new_entry (fs/fuse/dir.c, 7.0), shared by
// mknod and mkdir: send the request, make the inode, and splice it into
// the dropped dentry; the alias d_splice_alias found, if any, is
// returned.
func (fs *FS) createNewEntry(t *sim.Task, op Opcode, dir *dcache.Inode, entry *dcache.Dentry, mode dcache.Mode) *dcache.Dentry {
	out, err := fs.Conn.simpleRequest(t, op, In{Nodeid: getNodeID(dir), Name: entry.DName.Name, Mode: uint32(mode)})
	if err != 0 {
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	if out.Entry.Nodeid == 0 || modeOf(out.Entry.Mode) != mode {
		return sim.ErrPtr[dcache.Dentry](sim.EIO)
	}
	inode := fs.iget(t, out.Entry.Nodeid, mode)
	if inode == nil {
		fs.queueForgetNode(t, out.Entry.Nodeid)
		return sim.ErrPtr[dcache.Dentry](sim.ENOMEM)
	}
	dcache.DDrop(t, entry)
	d := dcache.DSpliceAlias(t, inode, entry)
	if sim.IsErr(d) {
		return d
	}
	if d != nil {
		changeEntryTimeout(t, d, &out.Entry)
	} else {
		changeEntryTimeout(t, entry, &out.Entry)
	}
	dirChanged(t, dir)
	return d
}

// mkdir is fuse_mkdir (fs/fuse/dir.c, 7.0).
func (fs *FS) mkdir(t *sim.Task, dir *dcache.Inode, entry *dcache.Dentry) *dcache.Dentry {
	return fs.createNewEntry(t, FUSE_MKDIR, dir, entry, dcache.S_IFDIR)
}

// create is fuse_create, i.e. fuse_mknod of a regular file, for the
// VFS's ->create (mknod(2); open(2) goes through ->atomic_open).
// Divergence: it sends CREATE rather than MKNOD (one opcode less in the
// daemon; the reply is the same entry).
func (fs *FS) create(t *sim.Task, dir *dcache.Inode, entry *dcache.Dentry, mode dcache.Mode, excl bool) int {
	d := fs.createNewEntry(t, FUSE_CREATE, dir, entry, dcache.S_IFREG)
	if sim.IsErr(d) {
		return sim.PtrErr(d)
	}
	if d != nil {
		dcache.Dput(t, d)
	}
	return 0
}

// entryUnlinked is fuse_entry_unlinked (fs/fuse/dir.c, 7.0): the inode
// loses a link (all of them for a directory) and the entry expires.
func (fs *FS) entryUnlinked(t *sim.Task, entry *dcache.Dentry) {
	inode := entry.DInode
	fi := getFuseInode(inode)
	fi.lock.Lock(t)
	fs.Conn.attrVersion++
	fi.attrVersion = fs.Conn.attrVersion
	if inode.IMode.IsDir() {
		inode.INlink = 0
	} else if inode.INlink > 0 {
		inode.INlink--
	}
	fi.lock.Unlock(t)
	invalidateEntryCache(t, entry)
}

// removeEntry is the body fuse_unlink and fuse_rmdir share (fs/fuse/
// dir.c, 7.0): the request, then fuse_entry_unlinked, or the entry
// invalidated on -EINTR or -ENOENT.
func (fs *FS) removeEntry(t *sim.Task, op Opcode, dir *dcache.Inode, entry *dcache.Dentry) int {
	_, err := fs.Conn.simpleRequest(t, op, In{Nodeid: getNodeID(dir), Name: entry.DName.Name})
	if err == 0 {
		dirChanged(t, dir)
		fs.entryUnlinked(t, entry)
	} else if err == -int(sim.EINTR) || err == -int(sim.ENOENT) {
		invalidateEntry(t, entry)
	}
	return err
}

// unlink is fuse_unlink.
func (fs *FS) unlink(t *sim.Task, dir *dcache.Inode, entry *dcache.Dentry) int {
	return fs.removeEntry(t, FUSE_UNLINK, dir, entry)
}

// rmdir is fuse_rmdir.
func (fs *FS) rmdir(t *sim.Task, dir *dcache.Inode, entry *dcache.Dentry) int {
	return fs.removeEntry(t, FUSE_RMDIR, dir, entry)
}

// rename2 is fuse_rename2 and fuse_rename_common (fs/fuse/dir.c, 7.0)
// for a plain rename; the VFS d_moves afterwards.
//
// Divergence: RENAME2 (flags) is not modeled; renames with flags get
// -EINVAL as from a daemon without it (fc->no_rename2).
func (fs *FS) rename2(t *sim.Task, oldDir *dcache.Inode, oldent *dcache.Dentry, newDir *dcache.Inode, newent *dcache.Dentry, flags uint) int {
	if flags != 0 {
		return -int(sim.EINVAL)
	}
	_, err := fs.Conn.simpleRequest(t, FUSE_RENAME, In{Nodeid: getNodeID(oldDir), Name: oldent.DName.Name,
		NewDir: getNodeID(newDir), Name2: newent.DName.Name})
	if err == 0 {
		dirChanged(t, oldDir)
		if oldDir != newDir {
			dirChanged(t, newDir)
		}
		// newent will end up negative.
		if dcache.DReallyIsPositive(t, newent) {
			fs.entryUnlinked(t, newent)
		}
	} else if err == -int(sim.EINTR) || err == -int(sim.ENOENT) {
		invalidateEntry(t, oldent)
		if dcache.DReallyIsPositive(t, newent) {
			invalidateEntry(t, newent)
		}
	}
	return err
}
