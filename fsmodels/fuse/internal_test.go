package fuse

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// The two checks that no catalog program trips, both ways, on a mount
// built by hand: fuse-nodeid (the kernel names a node the daemon does
// not have) and fuse-open-during-inval (a fresh open returns while its
// inode is being invalidated).

// runTask runs body in one task on a fresh mount with a daemon whose
// namespace is tree; the report, or nil.
func runTask(t *testing.T, tree []string, body func(t *sim.Task, fs *FS, d *Daemon)) *sim.Report {
	t.Helper()
	prog := sim.Program{Name: t.Name(), Setup: func(w *sim.World) {
		s := vfs.NewSystem(w, dcache.NewCache(w, variant.BaseToday))
		fs := Mount(s, "fuse")
		s.Root = fs.Root()
		d := NewDaemon(w, fs, tree, 0)
		w.Go("test", func(t *sim.Task) { body(t, fs, d) })
	}}
	out := sim.Execute(prog, sim.Config{}, sim.DefaultStrategy{})
	defer out.Release()
	if out.Report == nil {
		return nil
	}
	r := *out.Report
	return &r
}

func TestNodeidCheck(t *testing.T) {
	r := runTask(t, []string{"a"}, func(t *sim.Task, fs *FS, d *Daemon) {
		d.answer(t, FUSE_LOOKUP, In{Nodeid: 99, Name: "a"})
	})
	if r == nil || r.Rule != RuleNodeid {
		t.Errorf("a request for an unknown node: got %v, want %s", r, RuleNodeid)
	}
	r = runTask(t, []string{"a"}, func(t *sim.Task, fs *FS, d *Daemon) {
		if out := d.answer(t, FUSE_LOOKUP, In{Nodeid: FUSE_ROOT_ID, Name: "a"}); out.Entry.Nodeid != 2 {
			t.Violation(sim.KindInvariant, "test", "LOOKUP /a did not find node 2", "")
		}
	})
	if r != nil {
		t.Errorf("a request for the root: got %s [%s] %s", r.Kind, r.Rule, r.Title)
	}
}

// TestOpenDuringInvalCheck: a file whose OPEN reply started after the
// inode's FUSE_NOTIFY_INVAL_FILES returned, opened while
// FUSE_I_INVAL_FILES is still set, fires; the same with the bit clear
// does not.
func TestOpenDuringInvalCheck(t *testing.T) {
	for _, inProgress := range []bool{true, false} {
		r := runTask(t, []string{"f"}, func(t *sim.Task, fs *FS, d *Daemon) {
			inode := fs.iget(t, 2, dcache.S_IFREG)
			d.sends = append(d.sends,
				sendRecord{notify: true, code: FUSE_NOTIFY_INVAL_FILES, nodeid: 2, start: 1, end: 2},
				sendRecord{op: FUSE_OPEN, nodeid: 2, fh: 7, start: 3, end: 4})
			if inProgress {
				getFuseInode(inode).state |= FUSE_I_INVAL_FILES
			}
			ff := fs.fileAlloc(t)
			ff.Fh, ff.Nodeid = 7, 2
			fs.checkOpened(t, ff)
			fs.fileFree(t, ff)
			getFuseInode(inode).state = 0
			fs.inodes[2].INlink = 0
			dcache.Iput(t, inode)
		})
		switch {
		case inProgress && (r == nil || r.Rule != RuleOpenInval):
			t.Errorf("open during the invalidation: got %v, want %s", r, RuleOpenInval)
		case !inProgress && r != nil:
			t.Errorf("open after the invalidation: got %s [%s] %s", r.Kind, r.Rule, r.Title)
		}
	}
}
