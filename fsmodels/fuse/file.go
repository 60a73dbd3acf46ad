package fuse

import (
	"slices"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// File is struct fuse_file, the open file's private_data.
type File struct {
	sim.Object
	fs     *FS
	file   *vfs.File
	Fh     uint64
	Nodeid uint64
	// lock is ff->lock.
	lock sim.SpinLock
	// ffState holds FUSE_S_* bits.
	ffState uint32
	// openSeq is ff->open_seq (ChangeWriteSeq).
	openSeq uint64
	// onRwFiles says ff->rw_entry is on fi->rw_files.
	onRwFiles bool
}

// FUSE_S_FAIL_IMMEDIATELY (VZ10): every I/O on the file fails; set on
// the files of an inode FUSE_NOTIFY_INVAL_FILES invalidated.
const FUSE_S_FAIL_IMMEDIATELY uint32 = 1 << 0

// Failed says the file is marked FUSE_S_FAIL_IMMEDIATELY.
func (ff *File) Failed() bool { return ff.ffState&FUSE_S_FAIL_IMMEDIATELY != 0 }

// fileAlloc is fuse_file_alloc (fs/fuse/file.c, 7.0).
func (fs *FS) fileAlloc(t *sim.Task) *File {
	ff := &File{fs: fs}
	t.Alloc(&ff.Object, "fuse_file")
	ff.lock.Init(&ff.Object, "lock", ffLockClass)
	return ff
}

// fileFree is fuse_file_free.
func (fs *FS) fileFree(t *sim.Task, ff *File) { t.Free(&ff.Object) }

// fileOpen is fuse_file_open (fs/fuse/file.c, 7.0, with ChangeWriteSeq's
// reply_seq out of fuse_send_open): send OPEN and keep the handle.
func (fs *FS) fileOpen(t *sim.Task, nodeid uint64, flags int) (*File, int) {
	ff := fs.fileAlloc(t)
	out, err := fs.Conn.simpleRequest(t, FUSE_OPEN, In{Nodeid: nodeid, Flags: flags &^ (vfs.O_CREAT | vfs.O_EXCL)})
	if fs.s.C.On(ChangeWriteSeq) {
		ff.openSeq = out.ReplySeq // *reply_seq = args.reply_seq
	}
	if err != 0 {
		fs.fileFree(t, ff)
		return nil, err
	}
	ff.Fh = out.Open.Fh
	ff.Nodeid = nodeid
	return ff, 0
}

// open is fuse_open (fs/fuse/file.c, VZ10): wait for an invalidation of
// the inode's files in progress (ChangeWriteSeq: through
// fuse_wait_on_inval_files), OPEN (fuse_do_open) and fuse_finish_open.
//
// Divergence: the signal that ends TASK_KILLABLE waits, O_TRUNC, DAX
// and generic_file_open's checks are not modeled.
func (fs *FS) open(t *sim.Task, inode *dcache.Inode, file *vfs.File) int {
	if err := fs.waitOnInvalFiles(t, inode); err != 0 {
		return err
	}
	ff, err := fs.fileOpen(t, getNodeID(inode), file.Flags)
	if err != 0 {
		return err
	}
	file.Private = ff
	ff.file = file
	if err = fs.finishOpen(t, inode, file); err != 0 {
		fs.release(t, inode, file) // fuse_sync_release
		return err
	}
	fs.checkOpened(t, ff)
	return 0
}

// waitOnInvalFiles is fuse_wait_on_inval_files (ChangeWriteSeq), which
// is the test and wait_on_bit VZ10's fuse_open has inline: sleep while
// FUSE_I_INVAL_FILES is set.
func (fs *FS) waitOnInvalFiles(t *sim.Task, inode *dcache.Inode) int {
	fi := getFuseInode(inode)
	t.Read(&inode.Object, "fi->state")
	if fi.state&FUSE_I_INVAL_FILES == 0 {
		return 0
	}
	t.Mark("fuse: open waits for FUSE_I_INVAL_FILES")
	sim.WaitOnBit(t, &inode.Object, "fi->state", fuseIInvalFilesBit, func() bool {
		t.Read(&inode.Object, "fi->state")
		return fi.state&FUSE_I_INVAL_FILES != 0
	})
	return 0
}

// finishOpen is fuse_finish_open (fs/fuse/file.c, VZ10): link the file
// on fi->rw_files; with ChangeWriteSeq (fc->close_wait, vStorage's
// connections, which the model's is) then wait for the inode's
// invalidation unless the file is already failed.
func (fs *FS) finishOpen(t *sim.Task, inode *dcache.Inode, file *vfs.File) int {
	fs.linkRwFile(t, inode, file)
	if !fs.s.C.On(ChangeWriteSeq) {
		return 0
	}
	ff := file.Private.(*File)
	t.Read(&ff.Object, "ff_state")
	if !ff.Failed() {
		return fs.waitOnInvalFiles(t, inode)
	}
	return 0
}

// linkRwFile is fuse_link_rw_file (fs/fuse/file.c, VZ10). As VZ10 has
// it, an open that finds FUSE_I_INVAL_FILES set is failed; with
// ChangeWriteSeq, one whose reply came before the inode's last
// FUSE_NOTIFY_INVAL_FILES (open_seq < inval_files_seq) is.
func (fs *FS) linkRwFile(t *sim.Task, inode *dcache.Inode, file *vfs.File) {
	fi := getFuseInode(inode)
	ff := file.Private.(*File)
	fi.lock.Lock(t)
	if !fs.s.C.On(ChangeWriteSeq) && fi.state&FUSE_I_INVAL_FILES != 0 {
		ff.lock.Lock(t)
		t.Write(&ff.Object, "ff_state")
		ff.ffState |= FUSE_S_FAIL_IMMEDIATELY
		ff.lock.Unlock(t)
		t.Mark("fuse_link_rw_file: FUSE_I_INVAL_FILES pending, file failed")
	}
	if !ff.onRwFiles {
		fi.rwFiles = append([]*File{ff}, fi.rwFiles...) // list_add
		ff.onRwFiles = true
	}
	if fs.s.C.On(ChangeWriteSeq) && ff.openSeq < fi.invalFilesSeq {
		t.Write(&ff.Object, "ff_state")
		ff.ffState |= FUSE_S_FAIL_IMMEDIATELY
		t.Mark("fuse_link_rw_file: open_seq < inval_files_seq, file failed")
	}
	fi.lock.Unlock(t)
}

// release is the part of fuse_release (fs/fuse/file.c) the model has:
// the file leaves fi->rw_files and is freed. Divergence: RELEASE is not
// sent to the daemon.
func (fs *FS) release(t *sim.Task, inode *dcache.Inode, file *vfs.File) {
	ff, ok := file.Private.(*File)
	if !ok {
		return
	}
	fi := getFuseInode(inode)
	fi.lock.Lock(t)
	if i := slices.Index(fi.rwFiles, ff); i >= 0 {
		fi.rwFiles = slices.Delete(fi.rwFiles, i, i+1)
	}
	fi.lock.Unlock(t)
	file.Private = nil
	fs.fileFree(t, ff)
}

// invalidateFiles is fuse_invalidate_files (fs/fuse/inode.c, VZ10) for
// FUSE_NOTIFY_INVAL_FILES: mark the invalidation in progress
// (FUSE_I_INVAL_FILES), fail every file linked on the inode, and queue
// fuse_inval_files_work. With ChangeWriteSeq the notification's
// write_seq is saved in fi->inval_files_seq and the files are failed
// even if an invalidation is already in progress.
//
// Divergence: the tail after the marking is not in the patch mail; the
// model queues the inode on fc->inval_files_list with its reference and
// schedules the work, as fuse_inval_files_work's list and iput imply.
func (fs *FS) invalidateFiles(t *sim.Task, nodeid uint64) int {
	inode := fs.ilookup(t, nodeid)
	if inode == nil {
		return -int(sim.ENOENT)
	}
	fi := getFuseInode(inode)
	fi.lock.Lock(t)
	if fs.s.C.On(ChangeWriteSeq) {
		t.Read(&fs.Conn.Object, "fud->write_seq")
		fi.invalFilesSeq = fs.Conn.writeSeq
		fs.failRwFiles(t, fi)
	}
	t.Read(&inode.Object, "fi->state")
	if fi.state&FUSE_I_INVAL_FILES != 0 {
		fi.lock.Unlock(t)
		dcache.Iput(t, inode)
		return 0
	}
	t.Write(&inode.Object, "fi->state")
	fi.state |= FUSE_I_INVAL_FILES
	if !fs.s.C.On(ChangeWriteSeq) {
		fs.failRwFiles(t, fi)
	}
	fi.lock.Unlock(t)
	fs.Conn.lock.Lock(t)
	fs.Conn.invalFilesList = append(fs.Conn.invalFilesList, fi)
	queue := !fs.Conn.invalFilesQueued
	fs.Conn.invalFilesQueued = true
	fs.Conn.lock.Unlock(t)
	if queue { // schedule_work(&fc->inval_files_work)
		t.Spawn("kworker: fuse_inval_files_work", fs.invalFilesWork)
	}
	return 0
}

// failRwFiles sets FUSE_S_FAIL_IMMEDIATELY on every file of fi
// (list_for_each_entry(ff, &fi->rw_files, rw_entry) under fi->lock).
func (fs *FS) failRwFiles(t *sim.Task, fi *Inode) {
	for _, ff := range fi.rwFiles {
		ff.lock.Lock(t)
		t.Write(&ff.Object, "ff_state")
		ff.ffState |= FUSE_S_FAIL_IMMEDIATELY
		ff.lock.Unlock(t)
	}
}

// invalFilesWork is fuse_inval_files_work (fs/fuse/inode.c, VZ10): for
// each queued inode, invalidate its page cache, then clear
// FUSE_I_INVAL_FILES and wake the opens waiting for it, and drop the
// inode.
//
// Divergence: the page-cache invalidation (not in the patch mail) is one
// step on the inode's mapping.
func (fs *FS) invalFilesWork(t *sim.Task) {
	fc := fs.Conn
	fc.lock.Lock(t)
	list := fc.invalFilesList
	fc.invalFilesList = nil
	fc.invalFilesQueued = false
	fc.lock.Unlock(t)
	for _, fi := range list {
		t.Write(&fi.inode.Object, "i_mapping") // invalidate_inode_pages2
		fi.lock.Lock(t)
		t.Write(&fi.inode.Object, "fi->state")
		fi.state &^= FUSE_I_INVAL_FILES
		sim.WakeUpBit(t, &fi.inode.Object, "fi->state", fuseIInvalFilesBit)
		fi.lock.Unlock(t)
		dcache.Iput(t, fi.inode)
	}
}
