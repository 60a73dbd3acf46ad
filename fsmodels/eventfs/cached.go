package eventfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// The version that caches dentry pointers: fs/tracefs/event_inode.c and
// fs/tracefs/inode.c as of v6.8-rc2, before the v6.8-rc3 rework.

// eventfsRootLookupCached is eventfs_root_lookup (v6.8-rc2), for file
// entries: hash the dentry negative (simple_lookup), then let
// create_file_dentry make the file, or reuse the one ei->d_children[]
// caches, and drop the reference it returns.
//
// Divergence: file entries only, each entry callback's answer fixed, no
// SRCU read section (the eventfs_inode lives for the run).
func (fs *FS) eventfsRootLookupCached(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	name := dentry.DName.Name
	ti := getTracefs(dir)
	if ti.flags&TRACEFS_EVENT_INODE == 0 {
		return nil
	}
	// Grab the eventfs_mutex to consistent value from ti->private.
	fs.eventfsMutex.DownWrite(t)
	ei := ti.private // READ_ONCE(ti->private)
	var eiDentry *dcache.Dentry
	if ei != nil && !ei.IsFreed {
		t.Read(&ei.Object, "dentry")
		eiDentry = ei.Dentry // READ_ONCE(ei->dentry)
	}
	fs.eventfsMutex.UpWrite(t)
	if ei == nil || eiDentry == nil {
		return nil
	}
	var ret *dcache.Dentry
	for i, entry := range ei.Entries {
		if name != entry.Name {
			continue
		}
		fs.eventfsMutex.DownWrite(t)
		// If ei->is_freed, then the event itself may be too.
		r := !ei.IsFreed // entry->callback(name, &mode, &cdata, &fops) > 0
		fs.eventfsMutex.UpWrite(t)
		if !r {
			continue
		}
		ret = simpleLookup(t, dir, dentry, flags)
		if sim.IsErr(ret) {
			break
		}
		d := fs.createFileDentry(t, ei, i, eiDentry, name, entry.Mode)
		dcache.Dput(t, d)
		break
	}
	return ret
}

// createFileDentry is create_file_dentry (v6.8-rc2): the dentry of
// entry idx with a reference, from the cache if it has one, else made
// by create_file and cached.
func (fs *FS) createFileDentry(t *sim.Task, ei *EventfsInode, idx int, parent *dcache.Dentry, name string, mode dcache.Mode) *dcache.Dentry {
	t.WarnOnOnce(!vfs.InodeIsLocked(parent.DInode), "!inode_is_locked(parent->d_inode)")
	fs.eventfsMutex.DownWrite(t)
	if ei.IsFreed {
		fs.eventfsMutex.UpWrite(t)
		return nil
	}
	// If the e_dentry already has a dentry, use it.
	t.Read(&ei.Object, "d_children")
	if e := ei.DChildren[idx]; e != nil {
		t.Mark(MarkCacheHit)
		dcache.Dget(t, e)
		fs.eventfsMutex.UpWrite(t)
		return e
	}
	fs.eventfsMutex.UpWrite(t)

	dentry := fs.createFile(t, name, mode, parent)

	fs.eventfsMutex.DownWrite(t)
	if dentry == nil || sim.IsErr(dentry) {
		// When the mutex was released, something else could have
		// created the dentry for this e_dentry. In which case use that
		// one.
		if ei.IsFreed {
			dentry = nil
		} else {
			dentry = dcache.Dget(t, ei.DChildren[idx])
		}
		fs.eventfsMutex.UpWrite(t)
		return dentry
	}
	if ei.DChildren[idx] == nil && !ei.IsFreed {
		t.Write(&ei.Object, "d_children")
		ei.DChildren[idx] = dentry
		dentry.DFsdata = ei
	} else {
		// Should never happen unless we get here due to being freed.
		// Otherwise it means two dentries exist with the same name.
		t.WarnOnOnce(!ei.IsFreed, "!ei->is_freed")
		dentry = nil
	}
	fs.eventfsMutex.UpWrite(t)
	return dentry
}

// createFile is create_file (v6.8-rc2) with eventfs_start_creating and
// eventfs_end_creating: find the dentry of name under parent and make it
// a file; the dentry comes back with the reference lookup_one_len took.
//
// Divergence: lookup_one_len always finds the dentry that simple_lookup
// has just hashed (d_lookup); its __lookup_hash allocation branch, the
// pinning of the tracefs mount (simple_pin_fs) and fsnotify are not
// modeled.
func (fs *FS) createFile(t *sim.Task, name string, mode dcache.Mode, parent *dcache.Dentry) *dcache.Dentry {
	// eventfs_start_creating
	var dentry *dcache.Dentry
	if vfs.IsDeadDir(parent.DInode) {
		dentry = sim.ErrPtr[dcache.Dentry](sim.ENOENT)
	} else {
		q := dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
		dentry = dcache.DLookup(t, parent, &q) // lookup_one_len
		if dentry == nil {
			dentry = sim.ErrPtr[dcache.Dentry](sim.ENOENT)
		}
	}
	if !sim.IsErr(dentry) && dentry.DInode != nil {
		dcache.Dput(t, dentry)
		dentry = sim.ErrPtr[dcache.Dentry](sim.EEXIST)
	}
	if sim.IsErr(dentry) {
		return dentry
	}
	inode := fs.tracefsGetInode(t, mode)
	if inode == nil {
		dcache.Dput(t, dentry) // eventfs_failed_creating
		return nil
	}
	getTracefs(inode).flags |= TRACEFS_EVENT_INODE
	t.Mark(MarkLookupFile)
	dcache.DInstantiate(t, dentry, inode)
	return dentry // eventfs_end_creating
}

// tracefsDentryIput is tracefs_dentry_iput (fs/tracefs/inode.c,
// v6.8-rc2), the ->d_iput of tracefs: eventfs forgets the dentry, then
// the inode is put.
func (fs *FS) tracefsDentryIput(t *sim.Task, dentry *dcache.Dentry, inode *dcache.Inode) {
	if dentry == nil || inode == nil {
		return
	}
	if ti := getTracefs(inode); ti != nil && ti.flags&TRACEFS_EVENT_INODE != 0 {
		fs.eventfsSetEiStatusFree(t, dentry)
	}
	dcache.Iput(t, inode)
}

// eventfsSetEiStatusFree is eventfs_set_ei_status_free (v6.8-rc2):
// remove the association between a dentry and its eventfs_inode.
func (fs *FS) eventfsSetEiStatusFree(t *sim.Task, dentry *dcache.Dentry) {
	fs.eventfsMutex.DownWrite(t)
	defer fs.eventfsMutex.UpWrite(t)
	ei, _ := dentry.DFsdata.(*EventfsInode)
	if ei == nil {
		return
	}
	t.Write(&ei.Object, "dentry,d_children")
	// This could belong to one of the files of the ei.
	if ei.Dentry != dentry {
		i := 0
		for ; i < len(ei.DChildren); i++ {
			if ei.DChildren[i] == dentry {
				break
			}
		}
		if t.WarnOnOnce(i == len(ei.DChildren), "i == ei->nr_entries") {
			return
		}
		ei.DChildren[i] = nil
	} else if ei.IsFreed {
		t.Free(&ei.Object) // free_ei
	} else {
		ei.Dentry = nil
	}
	dentry.DFsdata = nil
}
