package ovl_test

import (
	"testing"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// TestSeqOpenWrite opens lower files: for reading nothing is copied up;
// for writing (ovl_open -> ovl_maybe_copy_up) the file is, with its
// lower-only parent, and keeps its inode number.
func TestSeqOpenWrite(t *testing.T) {
	seq(t, "open-write", func(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any)) {
		for _, o := range []struct {
			path  string
			flags int
		}{{"/d/a", vfs.O_RDONLY}, {"/d/b", vfs.O_WRONLY}, {"/lo/x", vfs.O_RDWR}, {"/f", vfs.O_RDONLY | vfs.O_TRUNC}} {
			ino := expectStat(t, e, errf, o.path, 0)
			fd := e.S.Open(t, o.path, o.flags)
			if fd < 0 {
				errf("open %s %#o = %s", o.path, o.flags, sim.ErrnoString(fd))
				continue
			}
			e.S.Close(t, fd)
			if got := expectStat(t, e, errf, o.path, 0); got != ino {
				errf("%s st_ino %#x after open, want %#x", o.path, got, ino)
			}
		}
	}, func(w *sim.World, e *fstest.OverlayEnv, errf func(string, ...any)) {
		expectUpperChanged(e, errf, map[string]string{"d/b": "reg", "lo": "dir", "lo/x": "reg", "f": "reg"})
		for _, p := range []string{"d/b", "lo/x", "f"} {
			if d := fstest.Lookup(e.FS.Upperdir(), p); d == nil || !e.FS.HasOrigin(d.DInode) {
				errf("upper %s: no origin after the copy-up", p)
			}
		}
	})
}
