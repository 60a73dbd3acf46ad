package vfs_test

// retry_estale(): a directory operation whose filesystem method answers
// -ESTALE goes round its retry: loop once more with LOOKUP_REVAL; an
// -ESTALE on that round is returned.

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// staleHook makes one inode operation of the root directory answer
// -ESTALE for its first stale calls, counting every call.
type staleHook struct {
	stale, calls int
}

func (h *staleHook) fail() bool {
	h.calls++
	return h.calls <= h.stale
}

// hooks wraps the method a call of op reaches (the root's copy of its
// inode operations, so other directories keep theirs).
var hooks = map[string]func(op *vfs.InodeOperations, h *staleHook){
	"unlink": func(op *vfs.InodeOperations, h *staleHook) {
		next := op.Unlink
		op.Unlink = func(t *sim.Task, dir *dcache.Inode, d *dcache.Dentry) int {
			if h.fail() {
				return -int(sim.ESTALE)
			}
			return next(t, dir, d)
		}
	},
	"rmdir": func(op *vfs.InodeOperations, h *staleHook) {
		next := op.Rmdir
		op.Rmdir = func(t *sim.Task, dir *dcache.Inode, d *dcache.Dentry) int {
			if h.fail() {
				return -int(sim.ESTALE)
			}
			return next(t, dir, d)
		}
	},
	"mkdir": func(op *vfs.InodeOperations, h *staleHook) {
		next := op.Mkdir
		op.Mkdir = func(t *sim.Task, dir *dcache.Inode, d *dcache.Dentry) *dcache.Dentry {
			if h.fail() {
				return sim.ErrPtr[dcache.Dentry](sim.ESTALE)
			}
			return next(t, dir, d)
		}
	},
	"mknod": func(op *vfs.InodeOperations, h *staleHook) {
		next := op.Create
		op.Create = func(t *sim.Task, dir *dcache.Inode, d *dcache.Dentry, mode dcache.Mode, excl bool) int {
			if h.fail() {
				return -int(sim.ESTALE)
			}
			return next(t, dir, d, mode, excl)
		}
	},
	"symlink": func(op *vfs.InodeOperations, h *staleHook) {
		next := op.Symlink
		op.Symlink = func(t *sim.Task, dir *dcache.Inode, d *dcache.Dentry, target string) int {
			if h.fail() {
				return -int(sim.ESTALE)
			}
			return next(t, dir, d, target)
		}
	},
	"link": func(op *vfs.InodeOperations, h *staleHook) {
		next := op.Link
		op.Link = func(t *sim.Task, old *dcache.Dentry, dir *dcache.Inode, d *dcache.Dentry) int {
			if h.fail() {
				return -int(sim.ESTALE)
			}
			return next(t, old, dir, d)
		}
	},
	"rename": func(op *vfs.InodeOperations, h *staleHook) {
		next := op.Rename
		op.Rename = func(t *sim.Task, od *dcache.Inode, o *dcache.Dentry, nd *dcache.Inode, n *dcache.Dentry, flags uint) int {
			if h.fail() {
				return -int(sim.ESTALE)
			}
			return next(t, od, o, nd, n, flags)
		}
	},
}

// TestRetryEstale: each directory operation with one -ESTALE retries
// and succeeds (two calls of the method); with -ESTALE every time, the
// LOOKUP_REVAL round's -ESTALE is returned (two calls, no third).
func TestRetryEstale(t *testing.T) {
	cases := []struct{ op, setup, call string }{
		{"unlink", "mknod /f reg", "unlink /f"},
		{"rmdir", "mkdir /d", "rmdir /d"},
		{"mkdir", "", "mkdir /d"},
		{"mknod", "", "mknod /f reg"},
		{"symlink", "", "symlink /x /l"},
		{"link", "mknod /f reg", "link /f /g"},
		{"rename", "mknod /f reg", "rename /f /g"},
	}
	for _, c := range cases {
		for _, stale := range []int{1, 2} {
			want := map[int]string{1: "0", 2: "-ESTALE"}[stale]
			h := &staleHook{stale: stale}
			var got string
			prog := sim.Program{Name: "vfs/retry-estale", Setup: func(w *sim.World) {
				s := fstest.Tmpfs(w, variant.BaseToday).S
				w.Go("task", func(tk *sim.Task) {
					if c.setup != "" {
						vfstest.Exec(tk, s, c.setup)
					}
					root, _ := s.Lookup(tk, "/")
					op := *vfs.Iop(root.DInode)
					hooks[c.op](&op, h)
					root.DInode.IOp = &op
					dcache.Dput(tk, root)
					got = vfstest.Exec(tk, s, c.call)
				})
			}}
			out := sim.Execute(prog, sim.Config{}, nil)
			if out.Report != nil {
				t.Errorf("%s, %d -ESTALE: checker fired:\n%s", c.call, stale, out.Report.Format())
			}
			out.Release()
			if got != want || h.calls != 2 {
				t.Errorf("%s, %d -ESTALE: = %s after %d calls of ->%s, want %s after 2", c.call, stale, got, h.calls, c.op, want)
			}
		}
	}
}
