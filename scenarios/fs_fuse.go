package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/fuse"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// The fuse kind of scenario files: a fuse mount served by one daemon
// thread, and the daemon's own actions as "daemon ..." lines
// (docs/scenarios.md, "Filesystems"; the Go catalog is scenarios/
// fuse*.go):
//
//	daemon create PATH            a file in the daemon's namespace, the kernel not told
//	daemon mkdir PATH             a directory, the same
//	daemon remove PATH            unlink on the daemon's own account
//	daemon notify-inval-entry DIR NAME   FUSE_NOTIFY_INVAL_ENTRY; = 0 or -errno
//	daemon notify-inval-inode PATH       FUSE_NOTIFY_INVAL_INODE
//	daemon notify-inval-files PATH       FUSE_NOTIFY_INVAL_FILES (VZ10)
//
// PATHs and DIRs are absolute paths of the mount, resolved in the
// daemon's namespace.
func init() {
	RegisterFS(&FSKind{Name: "fuse",
		Doc:   "a fuse mount (fs/fuse) served by a simulated daemon; \"daemon ...\" lines change its namespace and send notifications",
		Verbs: []Verb{{Name: "daemon", Usage: "create|mkdir|remove PATH, notify-inval-entry DIR NAME, notify-inval-inode|notify-inval-files PATH", Results: true, Check: checkDaemonLine}},
		New: func(w *sim.World, s *vfs.System) FSRun {
			return fuseRun{fstest.FuseOn(w, s, nil, 1)}
		}})
}

// daemonArity is the number of arguments after each daemon action.
var daemonArity = map[string]int{"create": 1, "mkdir": 1, "remove": 1,
	"notify-inval-entry": 2, "notify-inval-inode": 1, "notify-inval-files": 1}

func checkDaemonLine(args []string) (int, string) {
	if len(args) == 0 {
		return 0, "want \"daemon ACTION ...\": " + strings.Join(sortedDaemonActions(), ", ")
	}
	n, ok := daemonArity[args[0]]
	switch {
	case !ok:
		return 0, fmt.Sprintf("unknown daemon action %q (want %s)", args[0], strings.Join(sortedDaemonActions(), ", "))
	case len(args)-1 != n:
		return min(len(args), n+1), fmt.Sprintf("daemon %s takes %d argument(s)", args[0], n)
	case !strings.HasPrefix(args[1], "/"):
		return 1, fmt.Sprintf("path %q is not absolute", args[1])
	}
	return -1, ""
}

func sortedDaemonActions() []string { return slices.Sorted(maps.Keys(daemonArity)) }

// fuseRun is one run's fuse mount and daemon.
type fuseRun struct{ e *fstest.FuseEnv }

func (fuseRun) Enter(*sim.Task, string) bool { return true }

// Do runs a daemon line; its result is "0", or -errno for a
// notification the kernel refused or a path the daemon does not have.
func (r fuseRun) Do(t *sim.Task, layer, verb string, args []string) string {
	d := r.e.D
	rel := strings.TrimPrefix(args[1], "/")
	dir, name := "", rel
	if i := strings.LastIndex(rel, "/"); i >= 0 {
		dir, name = rel[:i], rel[i+1:]
	}
	switch args[0] {
	case "create", "mkdir":
		if d.Path(dir) == nil {
			return sim.ErrnoString(-int(sim.ENOENT))
		}
		mode := dcache.S_IFREG
		if args[0] == "mkdir" {
			mode = dcache.S_IFDIR
		}
		d.Create(t, dir, name, mode)
		return "0"
	case "remove":
		d.Remove(t, rel)
		return "0"
	}
	var n fuse.Notify
	switch args[0] {
	case "notify-inval-entry":
		p := d.Path(rel)
		if p == nil {
			return sim.ErrnoString(-int(sim.ENOENT))
		}
		n = fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_ENTRY, Parent: p.ID, Name: args[2]}
	default:
		p := d.Path(rel)
		if p == nil {
			return sim.ErrnoString(-int(sim.ENOENT))
		}
		n = fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_INODE, Ino: p.ID}
		if args[0] == "notify-inval-files" {
			n.Code = fuse.FUSE_NOTIFY_INVAL_FILES
		}
	}
	if err := d.Notify(t, n); err != 0 {
		return sim.ErrnoString(err)
	}
	return "0"
}
