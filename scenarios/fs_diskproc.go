package scenarios

// Filesystem kinds for scenario files: "disk" and "jffs2" (fsmodels/diskfs
// in ext2 and jffs2 style; O_EXCL opens and, at the end, every hashed
// dentry checked against the disk by the consistency oracle), and "procfs"
// (fsmodels/procfs with the process's fds 0 and 1 open and sysctls a and
// b registered, and verbs that open and close fds and register and
// unregister sysctls).

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dcsim/dcsim/fsmodels/diskfs"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/procfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/oracle"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

func init() {
	for _, style := range []diskfs.Style{diskfs.Ext2, diskfs.Jffs2} {
		name := "disk"
		if style == diskfs.Jffs2 {
			name = "jffs2"
		}
		RegisterFS(&FSKind{Name: name,
			Doc: "one " + style.String() + "-style disk filesystem (fsmodels/diskfs): dentries not pinned; " +
				"O_EXCL creates and, at the end, the dcache checked against the disk by the consistency oracle",
			New: func(w *sim.World, s *vfs.System) FSRun {
				fs := diskfs.New(s, name, style)
				s.Root = fs.Root()
				w.Roots(s.MarkReachable) // diskfs marks its inode cache; the namespace too

				w.AtEnd(func(w *sim.World) {
					if !w.Halted() {
						fs.Truth().CheckDcache(w, fs.SB, fs)
					}
				})
				return diskRun{fs: fs}
			}})
	}
	RegisterFS(&FSKind{Name: "procfs",
		Doc: "procfs (fsmodels/procfs): /fd with fds 0 and 1 open (on /sys/a, /sys/b), /sys with sysctls a and b",
		Verbs: []Verb{
			{Name: "open-fd", Usage: "PATH", Check: wantArgs(1, "open-fd PATH"), Results: true},
			{Name: "close-fd", Usage: "FD", Check: wantFd, Results: true},
			{Name: "register", Usage: "NAME", Check: wantArgs(1, "register NAME"), Results: true},
			{Name: "unregister", Usage: "NAME", Check: wantArgs(1, "unregister NAME"), Results: true},
		},
		New: func(w *sim.World, s *vfs.System) FSRun {
			return procRun{fs: fstest.NewProcFS(s, procDefaultFds, procDefaultSysctls)}
		}})
}

// wantArgs checks a verb's argument count.
func wantArgs(n int, usage string) func(args []string) (int, string) {
	return func(args []string) (int, string) {
		if len(args) != n {
			return min(len(args), n), fmt.Sprintf("want %q", usage)
		}
		return -1, ""
	}
}

func wantFd(args []string) (int, string) {
	if bad, msg := wantArgs(1, "close-fd FD")(args); bad >= 0 {
		return bad, msg
	}
	if n, err := strconv.Atoi(args[0]); err != nil || n < 0 {
		return 0, fmt.Sprintf("fd %q is not a number", args[0])
	}
	return -1, ""
}

// diskRun is one run's disk filesystem.
type diskRun struct{ fs *diskfs.FS }

func (diskRun) Enter(*sim.Task, string) bool                  { return true }
func (diskRun) Do(*sim.Task, string, string, []string) string { return "" }

// CheckCall feeds the oracle with what an instant-based check can
// judge on a local filesystem: an O_EXCL open that succeeded must have
// created the name on disk during the call.
//
// Lookup results are not checked per call: the truth is stamped at the
// disk write, and the dcache follows within the same syscall (the VFS's
// d_delete after ->unlink, d_instantiate inside ->create), so a
// concurrent RCU-walk stat may see the old name after the disk write
// and before the syscall returns. That is linearizable (the calls
// overlap) but not "the name at some instant of the stat". The dcache is
// checked against the disk at the end (quiescent) instead.
func (r diskRun) CheckCall(t *sim.Task, layer string, c *vfstest.Call, got string, from int64) {
	if c.Op != "open" || c.Flags&(vfs.O_CREAT|vfs.O_EXCL) != vfs.O_CREAT|vfs.O_EXCL || !strings.HasPrefix(got, "fd") {
		return
	}
	if dir, name, ok := r.parentObj(c.Path); ok {
		r.fs.Truth().CheckExclCreate(t, c.String(), dir, name, from)
	}
}

// parentObj resolves path's parent on the disk as it is now: the
// directory's object and the last name.
func (r diskRun) parentObj(path string) (oracle.Obj, string, bool) {
	parts := strings.FieldsFunc(path, func(c rune) bool { return c == '/' })
	if len(parts) == 0 {
		return 0, "", false
	}
	dir := oracle.Obj(diskfs.RootIno)
	for _, p := range parts[:len(parts)-1] {
		if dir = r.fs.Truth().At(dir, p); dir == oracle.None {
			return 0, "", false
		}
	}
	return dir, parts[len(parts)-1], true
}

// procRun is one run's procfs.
type procRun struct{ fs *procfs.FS }

func (procRun) Enter(*sim.Task, string) bool { return true }

// Do runs the process's and sysctl's verbs.
func (r procRun) Do(t *sim.Task, layer, verb string, args []string) string {
	switch verb {
	case "open-fd":
		return strconv.Itoa(r.fs.Proc.OpenFd(t, args[0]))
	case "close-fd":
		fd, _ := strconv.Atoi(args[0])
		return sim.ErrnoString(r.fs.Proc.CloseFd(t, fd))
	case "register":
		r.fs.Register(t, args[0])
		return "0"
	}
	return sim.ErrnoString(r.fs.Unregister(t, args[0]))
}
