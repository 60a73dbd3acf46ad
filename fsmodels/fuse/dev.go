package fuse

import (
	"github.com/dcsim/dcsim/sim"
)

// Lock classes of the connection, one per lock_class_key in fs/fuse.
var (
	fiqLockClass    = sim.NewLockClass("&fiq->lock")
	fpqLockClass    = sim.NewLockClass("&fpq->lock")
	fcLockClass     = sim.NewLockClass("&fc->lock")
	killsbLockClass = sim.NewLockClass("&fc->killsb")
	fiLockClass     = sim.NewLockClass("&fi->lock")
	ffLockClass     = sim.NewLockClass("&ff->lock")
)

// Req is struct fuse_req with its fuse_args: a request in flight.
type Req struct {
	sim.Object
	Unique  uint64
	Opcode  Opcode
	In      In
	Out     Out
	noreply bool
	// finished is FR_FINISHED in req->flags.
	finished bool
	// count is req->count: the requester's reference and the one the
	// reply path takes while it ends the request.
	count sim.AtomicInt
}

// Conn is struct fuse_conn with its input queue (struct fuse_iqueue),
// its processing queue (struct fuse_pqueue) and its one device (struct
// fuse_dev): the model has one daemon process with one /dev/fuse file
// that all its threads read and write.
type Conn struct {
	sim.Object
	fs *FS

	fiqLock sim.SpinLock // fiq->lock
	pending []*Req       // fiq->pending
	forgets []*Req       // fiq->forget_list_head (noreply FORGETs)
	// readForgets are the FORGETs a daemon thread has read and not yet
	// applied to its namespace (ForgetDone), for the lookup-count check.
	readForgets []*Req
	reqctr      uint64 // fiq->reqctr

	fpqLock    sim.SpinLock // fpq->lock
	processing []*Req       // fpq->processing (one hash chain)

	// Killsb is fc->killsb, taken for read around notifications.
	Killsb sim.RWSem
	// lock is fc->lock.
	lock sim.SpinLock

	// writeSeq is fud->write_seq (ChangeWriteSeq): bumped on every write
	// to the device, without a lock, as the patch has it.
	writeSeq uint64

	attrVersion uint64 // fc->attr_version

	// invalFilesList is fc->inval_files_list (VZ10), invalFilesQueued
	// says fc->inval_files_work is queued and not yet running.
	invalFilesList   []*Inode
	invalFilesQueued bool
}

func newConn(fs *FS) *Conn {
	fc := &Conn{fs: fs}
	w := fs.s.C.W
	w.NewStatic(&fc.Object, "fuse_conn")
	fc.fiqLock.Init(&fc.Object, "fiq->lock", fiqLockClass)
	fc.fpqLock.Init(&fc.Object, "fpq->lock", fpqLockClass)
	fc.lock.Init(&fc.Object, "lock", fcLockClass)
	fc.Killsb.Init(&fc.Object, "killsb", killsbLockClass)
	return fc
}

// queueRequest is fuse_send_one / queue_request_and_unlock (fs/fuse/dev.c,
// 7.0): a new unique id, the request on fiq->pending, and a wake-up of a
// reader (fuse_dev_wake_and_unlock).
func (fc *Conn) queueRequest(t *sim.Task, req *Req) {
	fc.fiqLock.Lock(t)
	fc.reqctr++ // fuse_get_unique
	req.Unique = fc.reqctr
	fc.pending = append(fc.pending, req)
	sim.WakeUpVar(t, &fc.Object, "fiq->waitq")
	fc.fiqLock.Unlock(t)
}

// simpleRequest is fuse_simple_request (fs/fuse/dev.c, 7.0) for a request
// with a reply: allocate, queue, and wait in request_wait_answer until
// fuse_request_end sets FR_FINISHED. The reply's error is returned with
// its output.
//
// Divergence: interrupts (FUSE_INTERRUPT on a signal) and background
// requests are not modeled: the wait is uninterruptible.
func (fc *Conn) simpleRequest(t *sim.Task, op Opcode, in In) (Out, int) {
	req := &Req{Opcode: op, In: in}
	t.Alloc(&req.Object, "fuse_req")
	req.SetName(op.String())
	req.count.Init(&req.Object, "count")
	req.count.Set(1)
	fc.queueRequest(t, req)
	// request_wait_answer: wait_event(req->waitq, test_bit(FR_FINISHED)).
	// The test is no step of its own: the wait and the wake-up are, and
	// a wake-up between the test and the sleep is not lost.
	sim.WaitVarEvent(t, &req.Object, "waitq", func() bool { return req.finished })
	out := req.Out
	fc.putRequest(t, req)
	return out, out.Error
}

// putRequest is fuse_put_request: free the request with its last
// reference.
func (fc *Conn) putRequest(t *sim.Task, req *Req) {
	if req.count.Add(t, -1) == 0 {
		t.Free(&req.Object)
	}
}

// queueForget is fuse_queue_forget (fs/fuse/dev.c, 7.0): a FORGET on the
// forget list, no reply awaited.
func (fc *Conn) queueForget(t *sim.Task, nodeid, nlookup uint64) {
	req := &Req{Opcode: FUSE_FORGET, In: In{Nodeid: nodeid, Nlookup: nlookup}, noreply: true}
	t.Alloc(&req.Object, "fuse_forget_link")
	req.SetName("FORGET")
	fc.fiqLock.Lock(t)
	fc.reqctr++
	req.Unique = fc.reqctr
	fc.forgets = append(fc.forgets, req)
	sim.WakeUpVar(t, &fc.Object, "fiq->waitq")
	fc.fiqLock.Unlock(t)
}

// requestPending is request_pending(fiq).
func (fc *Conn) requestPending() bool { return len(fc.pending) > 0 || len(fc.forgets) > 0 }

// DevRead is fuse_dev_do_read (fs/fuse/dev.c, 7.0) on the daemon's side:
// sleep until a request is pending; a FORGET first if one is queued
// (fuse_read_forget, which frees it), else the oldest request, moved to
// the processing queue (FR_SENT) where the reply will find it.
//
// Divergence: forget_batch (forgets are interleaved with requests 16 to
// 1) is not modeled: forgets go first.
func (fc *Conn) DevRead(t *sim.Task) Req {
	for {
		fc.fiqLock.Lock(t)
		if fc.requestPending() {
			break
		}
		fc.fiqLock.Unlock(t)
		// The test is rechecked under fiq->lock: no step of its own.
		sim.WaitVarEvent(t, &fc.Object, "fiq->waitq", fc.requestPending)
	}
	if len(fc.forgets) > 0 {
		req := fc.forgets[0]
		fc.forgets = fc.forgets[1:]
		fc.readForgets = append(fc.readForgets, req)
		fc.fiqLock.Unlock(t)
		return Req{Unique: req.Unique, Opcode: req.Opcode, In: req.In, noreply: true}
	}
	req := fc.pending[0]
	fc.pending = fc.pending[1:]
	fc.fiqLock.Unlock(t)
	fc.fpqLock.Lock(t)
	fc.processing = append(fc.processing, req)
	fc.fpqLock.Unlock(t)
	return Req{Unique: req.Unique, Opcode: req.Opcode, In: req.In}
}

// ForgetDone ends a FORGET the daemon has applied: the kernel freed it
// when the read copied it out (fuse_read_forget); the model frees it
// here so that the lookup-count check counts it until the daemon has.
func (fc *Conn) ForgetDone(t *sim.Task, unique uint64) {
	for i, r := range fc.readForgets {
		if r.Unique == unique {
			fc.readForgets = append(fc.readForgets[:i:i], fc.readForgets[i+1:]...)
			t.Free(&r.Object)
			return
		}
	}
}

// DevWriteReply is fuse_dev_do_write (fs/fuse/dev.c, 7.0) of a reply
// (oh.unique != 0): find the request on the processing queue, copy the
// output, and end it. -ENOENT for an unknown unique. With ChangeWriteSeq
// the write bumps fud->write_seq first and stamps the reply with it
// just before fuse_request_end.
//
// Divergence: the request leaves the processing queue in the fpq->lock
// section that finds it, not in a second one after the copy (the kernel
// parks it on fpq->io meanwhile, for aborts and interrupts, which the
// model does not have).
func (fc *Conn) DevWriteReply(t *sim.Task, unique uint64, out Out) int {
	fc.bumpWriteSeq(t)
	fc.fpqLock.Lock(t)
	var req *Req
	for i, r := range fc.processing { // fuse_request_find
		if r.Unique == unique {
			req = r
			// list_del_init(&req->list)
			fc.processing = append(fc.processing[:i:i], fc.processing[i+1:]...)
			break
		}
	}
	fc.fpqLock.Unlock(t)
	if req == nil {
		return -int(sim.ENOENT)
	}
	req.count.Add(t, 1)         // __fuse_get_request: the reply path's reference
	t.Write(&req.Object, "out") // fuse_copy_out_args
	req.Out = out
	if fc.fs.s.C.On(ChangeWriteSeq) {
		t.Read(&fc.Object, "fud->write_seq")
		req.Out.ReplySeq = fc.writeSeq // req->args->reply_seq = fud->write_seq
	}
	fc.requestEnd(t, req)
	return 0
}

// bumpWriteSeq is ChangeWriteSeq's "fud->write_seq++" at the top of
// fuse_dev_do_write: a plain increment, a read and a write.
func (fc *Conn) bumpWriteSeq(t *sim.Task) {
	if !fc.fs.s.C.On(ChangeWriteSeq) {
		return
	}
	t.Read(&fc.Object, "fud->write_seq")
	v := fc.writeSeq + 1
	t.Write(&fc.Object, "fud->write_seq")
	fc.writeSeq = v
}

// requestEnd is fuse_request_end (fs/fuse/dev.c, 7.0) for a foreground
// request: set FR_FINISHED, wake the waiter in request_wait_answer, and
// put the reply path's reference (put_request).
func (fc *Conn) requestEnd(t *sim.Task, req *Req) {
	t.Write(&req.Object, "flags")
	req.finished = true
	sim.WakeUpVar(t, &req.Object, "waitq")
	fc.putRequest(t, req)
}

// Notify is the payload of a notification: struct
// fuse_notify_inval_entry_out with its name, fuse_notify_inval_inode_out,
// or VZ10's fuse_notify_inval_files_out.
type Notify struct {
	Code   NotifyCode
	Parent uint64 // INVAL_ENTRY: the directory's node
	Name   string // INVAL_ENTRY
	Flags  uint32 // INVAL_ENTRY: FUSE_EXPIRE_ONLY
	Ino    uint64 // INVAL_INODE, INVAL_FILES: the node
}

// DevWriteNotify is fuse_dev_do_write (fs/fuse/dev.c, 7.0) of a
// notification (oh.unique == 0): fuse_notify, with ChangeWriteSeq's bump
// of fud->write_seq first.
func (fc *Conn) DevWriteNotify(t *sim.Task, n Notify) int {
	fc.bumpWriteSeq(t)
	return fc.notify(t, n)
}

// notify is fuse_notify (fs/fuse/dev.c, 7.0): dispatch on the code;
// each handler takes fc->killsb for read around the kernel-side work
// (fuse_notify_inval_entry, fuse_notify_inval_inode, and VZ10's
// fuse_notify_inval_files).
func (fc *Conn) notify(t *sim.Task, n Notify) int {
	switch n.Code {
	case FUSE_NOTIFY_INVAL_ENTRY:
		fc.Killsb.DownRead(t)
		err := fc.fs.reverseInvalEntry(t, n.Parent, 0, n.Name, n.Flags)
		fc.Killsb.UpRead(t)
		return err
	case FUSE_NOTIFY_INVAL_INODE:
		fc.Killsb.DownRead(t)
		err := fc.fs.reverseInvalInode(t, n.Ino)
		fc.Killsb.UpRead(t)
		return err
	case FUSE_NOTIFY_INVAL_FILES:
		fc.Killsb.DownRead(t)
		err := fc.fs.invalidateFiles(t, n.Ino)
		fc.Killsb.UpRead(t)
		return err
	}
	return -int(sim.EINVAL)
}
