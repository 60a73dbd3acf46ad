package fuse

import (
	"fmt"
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// The checks of a fuse run, each against the daemon's own record (its
// namespace and the log of its writes to /dev/fuse), none scripted per
// scenario:
//
//   - oracle-stale-dentry (end of run, vfs/oracle against the daemon's
//     namespace): a hashed dentry within its timeout that disagrees
//     with the daemon's namespace, although the daemon sent
//     FUSE_NOTIFY_INVAL_ENTRY for its name after the kernel set the
//     entry up (mapper.MayBeStale).
//   - fuse-stale-open (end of run): an open file not failed
//     (FUSE_S_FAIL_IMMEDIATELY) although its OPEN reply returned before
//     a FUSE_NOTIFY_INVAL_FILES of its inode started.
//   - fuse-fresh-open-failed (end of run): an open file failed although
//     its OPEN reply started after every FUSE_NOTIFY_INVAL_FILES of its
//     inode had returned.
//   - fuse-open-during-inval (when ->open returns): such a fresh open
//     returns while the inode's invalidation is still in progress
//     (FUSE_I_INVAL_FILES), so its I/O meets an inode being
//     invalidated.
//   - fuse-nlookup (end of run): the daemon's lookup count of a node
//     differs from the kernel's plus the FORGETs in flight.
//   - fuse-nodeid (when the daemon reads a request): the kernel names a
//     node the daemon does not have (daemon.go).
const (
	RuleStaleOpen    = "fuse-stale-open"
	RuleFreshFailed  = "fuse-fresh-open-failed"
	RuleOpenInval    = "fuse-open-during-inval"
	RuleNlookup      = "fuse-nlookup"
	RuleNodeid       = "fuse-nodeid"
	ruleOpenWhy      = "An OPEN reply sent before FUSE_NOTIFY_INVAL_FILES is stale and must fail; one sent after it must not (VZ10 write_seq patch)."
	ruleOpenInvalWhy = "A valid open must wait for fuse_inval_files_work() before returning (VZ10 write_seq patch)."
)

// sendOrder is what the daemon's log says about an open file: whether
// its reply returned before some FUSE_NOTIFY_INVAL_FILES of its inode
// started (mustFail), or started after every one returned
// (mustNotFail). Overlapping writes order nothing.
func (d *Daemon) sendOrder(ff *File) (mustFail, mustNotFail bool) {
	var reply *sendRecord
	for i := range d.sends {
		r := &d.sends[i]
		if !r.notify && (r.op == FUSE_OPEN || r.op == FUSE_CREATE) && r.fh == ff.Fh {
			reply = r
		}
	}
	if reply == nil {
		return false, false
	}
	mustNotFail = true
	for i := range d.sends {
		n := &d.sends[i]
		if !n.notify || n.code != FUSE_NOTIFY_INVAL_FILES || n.nodeid != ff.Nodeid {
			continue
		}
		if reply.end != 0 && reply.end < n.start {
			mustFail = true
		}
		if n.end == 0 || n.end > reply.start {
			mustNotFail = false
		}
	}
	return mustFail, mustNotFail
}

// checkOpened runs the fuse-open-during-inval check when ->open (or
// ->atomic_open's finish_open) succeeds.
func (fs *FS) checkOpened(t *sim.Task, ff *File) {
	d := fs.daemon
	if d == nil || ff.Failed() {
		return
	}
	fi := getFuseInode(fs.inodes[ff.Nodeid])
	if _, fresh := d.sendOrder(ff); fresh && fi.state&FUSE_I_INVAL_FILES != 0 {
		t.Violation(sim.KindConsistency, RuleOpenInval,
			fmt.Sprintf("open of node %d (fh %d) returns while FUSE_I_INVAL_FILES is set, its reply sent after the notification", ff.Nodeid, ff.Fh),
			ruleOpenInvalWhy)
	}
}

// CheckAtEnd runs the end-of-run checks; register it with World.AtEnd.
func (fs *FS) CheckAtEnd(w *sim.World) {
	if w.Halted() || fs.daemon == nil {
		return
	}
	entries := func(w *sim.World) bool { return fs.daemon.Truth.CheckDcache(w, fs.SB, mapper{fs}) }
	for _, f := range []func(w *sim.World) bool{entries, fs.checkOpenFiles, fs.checkNlookup} {
		if !f(w) {
			return
		}
	}
}

// lastInvalEntry returns the world step at which the daemon's last returned
// FUSE_NOTIFY_INVAL_ENTRY of (parent, name) started, or -1.
func (d *Daemon) lastInvalEntry(parent uint64, name string) int64 {
	last := int64(-1)
	for _, r := range d.sends {
		if r.notify && r.code == FUSE_NOTIFY_INVAL_ENTRY && r.parent == parent && r.name == name && r.end != 0 {
			last = max(last, r.startStep)
		}
	}
	return last
}

// mapper relates the mount's dcache to the daemon's namespace for the
// consistency oracle (oracle.Mapper).
type mapper struct{ fs *FS }

// InodeObj is the inode's node id.
func (m mapper) InodeObj(inode *dcache.Inode) oracle.Obj {
	if fi, ok := inode.Private.(*Inode); ok {
		return oracle.Obj(fi.Nodeid)
	}
	return oracle.None
}

// MayBeStale is FUSE's contract: an expired entry is looked up again
// (fuse_dentry_revalidate); one within its timeout may be stale until
// the daemon invalidates it, and must be exact once a
// FUSE_NOTIFY_INVAL_ENTRY of its name started after the kernel set it
// up. An entry set up after the notification started may still be
// stale: the daemon's reply raced with its own notification.
func (m mapper) MayBeStale(d *dcache.Dentry) bool {
	dd, _ := d.DFsdata.(*dentryData)
	if dd == nil || timeBefore64(dd.time) {
		return true
	}
	fi, ok := d.DParent.DInode.Private.(*Inode)
	if !ok {
		return true
	}
	return m.fs.daemon.lastInvalEntry(fi.Nodeid, d.DName.Name) <= dd.set
}

// checkOpenFiles is fuse-stale-open and fuse-fresh-open-failed.
func (fs *FS) checkOpenFiles(w *sim.World) bool {
	for fd, f := range fs.s.OpenFiles() {
		if f == nil {
			continue
		}
		ff, ok := f.Private.(*File)
		if !ok {
			continue
		}
		mustFail, mustNotFail := fs.daemon.sendOrder(ff)
		switch {
		case mustFail && !ff.Failed():
			w.Violation(sim.KindConsistency, RuleStaleOpen,
				fmt.Sprintf("fd %d (node %d, fh %d) is open and not failed, but its OPEN reply was sent before FUSE_NOTIFY_INVAL_FILES", fd, ff.Nodeid, ff.Fh),
				ruleOpenWhy)
			return false
		case mustNotFail && ff.Failed():
			w.Violation(sim.KindConsistency, RuleFreshFailed,
				fmt.Sprintf("fd %d (node %d, fh %d) is failed, but its OPEN reply was sent after FUSE_NOTIFY_INVAL_FILES", fd, ff.Nodeid, ff.Fh),
				ruleOpenWhy)
			return false
		}
	}
	return true
}

// checkNlookup is fuse-nlookup.
func (fs *FS) checkNlookup(w *sim.World) bool {
	d := fs.daemon
	inflight := map[uint64]uint64{}
	for _, q := range [][]*Req{fs.Conn.forgets, fs.Conn.readForgets} {
		for _, r := range q {
			inflight[r.In.Nodeid] += r.In.Nlookup
		}
	}
	for _, id := range sortedKeys(d.nodes) {
		n := d.nodes[id]
		var kernel uint64
		if inode := fs.inodes[id]; inode != nil {
			kernel = getFuseInode(inode).nlookup
		}
		if n.Nlookup != kernel+inflight[id] {
			w.Violation(sim.KindConsistency, RuleNlookup,
				fmt.Sprintf("node %d (%q): the daemon counts %d lookups, the kernel holds %d and is forgetting %d", id, n.Name, n.Nlookup, kernel, inflight[id]),
				"Every lookup the daemon answers is counted by the kernel until it sends FORGET (fuse_lowlevel.h, FORGET).")
			return false
		}
	}
	return true
}
