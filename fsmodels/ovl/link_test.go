package ovl_test

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
)

// expectNlink checks the link count of the overlay inode at path.
func expectNlink(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any), path string, want int) {
	d, err := e.S.Lookup(t, path)
	if err != 0 {
		errf("lookup %s: %s", path, sim.ErrnoString(err))
		return
	}
	if d.DInode.INlink != want {
		errf("%s: nlink %d, want %d", path, d.DInode.INlink, want)
	}
	dcache.Dput(t, d)
}

// TestSeqLink links a lower file (ovl_link copies it up and links the
// upper inode: both names in the upper layer, nlink 2, one overlay
// inode), a pure upper file, and a lower file over a whiteout; a
// directory and an existing name are refused.
func TestSeqLink(t *testing.T) {
	seq(t, "link", func(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any)) {
		ino := expectStat(t, e, errf, "/f", 0)
		expectRet(errf, "link /f /g (lower)", e.S.Link(t, "/f", "/g"), 0)
		if got := expectStat(t, e, errf, "/g", 0); got != ino {
			errf("/g st_ino %#x, want the origin's %#x", got, ino)
		}
		if got := expectStat(t, e, errf, "/f", 0); got != ino {
			errf("/f st_ino %#x after the link, want %#x", got, ino)
		}
		expectNlink(t, e, errf, "/f", 2)
		expectNlink(t, e, errf, "/g", 2)
		expectRet(errf, "link /up/u /d/v (pure upper, cross-dir)", e.S.Link(t, "/up/u", "/d/v"), 0)
		expectRet(errf, "link /d/a /w (over a whiteout)", e.S.Link(t, "/d/a", "/w"), 0)
		expectRet(errf, "link /d /dd (directory)", e.S.Link(t, "/d", "/dd"), -int(sim.EPERM))
		expectRet(errf, "link /f /d/b (exists)", e.S.Link(t, "/f", "/d/b"), -int(sim.EEXIST))
		expectRet(errf, "unlink /f", e.S.Unlink(t, "/f"), 0)
		expectNlink(t, e, errf, "/g", 1)
		expectDir(t, e, errf, "/", "d g lo m op up w")
		expectDir(t, e, errf, "/d", "a b c sub v")
	}, func(w *sim.World, e *fstest.OverlayEnv, errf func(string, ...any)) {
		// f unlinked: the lower f is whited out.
		expectUpperChanged(e, errf, map[string]string{"f": "wht", "g": "reg", "d/v": "reg", "d/a": "reg", "w": "reg"})
		for p, n := range map[string]int{"g": 1, "d/v": 2, "up/u": 2, "d/a": 2, "w": 2} {
			if d := fstest.Lookup(e.FS.Upperdir(), p); d == nil || d.DInode.INlink != n {
				errf("upper %s: not a file with %d links", p, n)
			}
		}
		if d := fstest.Lookup(e.FS.Upperdir(), "g"); d == nil || !e.FS.HasOrigin(d.DInode) {
			errf("upper g: no origin (the copy-up of f sets it, the link shares it)")
		}
	})
}
