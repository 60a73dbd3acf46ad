package vfs_test

// The run environment the VFS tests share: a System over a tmpfs root,
// with the end-of-run checks (dcache invariants, leaks, references) and
// a small syscall script language for tasks.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// V3No12 is the v3 series without patch 12 (shmem_whiteout with
// d_duplicate, which warns on every whiteout; docs/findings.md "v3
// 12/19").
var V3No12 = variant.V3Today.WithoutPatch(variant.P12ShmemDuplicate)

var regimes = []variant.Regime{variant.Today, variant.Pdirops}

type version struct {
	name string
	p    variant.Variant
}

var versions = []version{
	{"mainline", variant.BaseToday},
	{"v3-no12", V3No12},
	{"v3", variant.V3Today},
}

// env is one run's VFS over a tmpfs root.
type env struct {
	c  *dcache.Cache
	s  *vfs.System
	fs *shmem.FS
}

// newEnv makes the run's VFS and registers the end-of-run checks: the
// dcache invariants, the leak walker and the reference check.
func newEnv(w *sim.World, p variant.Variant, r variant.Regime) *env {
	c := dcache.NewCache(w, p.In(r))
	s := vfs.NewSystem(w, c)
	fs := shmem.New(s, "tmp")
	s.Root = fs.Root()
	e := &env{c: c, s: s, fs: fs}
	w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
	w.AtEnd(e.umountCheck)
	w.Roots(s.MarkReachable)
	return e
}

// umountCheck is what umount (umount_check, rule R39) would find once
// every task has finished and closed its files: every dentry of the tree
// is positive, hashed and not in-lookup (tmpfs negatives die at their
// last dput, DCACHE_DONTCACHE), and its count is its children plus the
// d_make_persistent pin (plus the superblock's reference for the root).
// A count above that is a leaked reference; below, a lost one.
func (e *env) umountCheck(w *sim.World) {
	for _, f := range e.s.OpenFiles() {
		if f != nil {
			return // a task kept a file open: counts include it
		}
	}
	var bad string
	var rec func(d *dcache.Dentry)
	rec = func(d *dcache.Dentry) {
		if bad != "" {
			return
		}
		want := len(d.Children()) + 1
		switch {
		case d.DFlags&dcache.DCACHE_PAR_LOOKUP != 0:
			bad = fmt.Sprintf("dentry %s still in-lookup at the end", d)
		case d.DInode == nil:
			bad = fmt.Sprintf("negative dentry %s (%q) survived its last reference", d, d.DName.Name)
		case d != e.fs.Root() && !d.Hashed():
			bad = fmt.Sprintf("positive dentry %s (%q) unhashed at the end", d, d.DName.Name)
		case d.DLockref.Count() != want:
			bad = fmt.Sprintf("dentry %s (%q) count %d, want %d (children and pin)", d, d.DName.Name, d.DLockref.Count(), want)
		}
		for _, ch := range d.Children() {
			rec(ch)
		}
	}
	rec(e.fs.Root())
	if bad != "" {
		w.Violation(sim.KindInvariant, "R39", bad, "dcache state at the end:\n"+e.fs.SB.Dump())
	}
}

// runLine executes one script line and renders its result.
//
//	open PATH FLAGS     fdN or -errno (FLAGS: rdonly, wronly, creat, excl, directory joined by |)
//	close fdN | close $ 0 or -errno; "$" is the task's last open (skip if it failed)
//	stat PATH           TYPE#INO or -errno
//	mkdir/rmdir/unlink PATH
//	link OLD NEW, symlink TARGET PATH, mknod PATH TYPE (reg, chr)
//	rename OLD NEW [FLAGS] (noreplace, exchange, whiteout joined by |)
//	ls PATH             name:TYPE,... (open O_DIRECTORY, getdents, close) or -errno
//	pressure N          the shrinker scans N dentries of the tmpfs LRU
//	dropcaches          echo 2 > drop_caches
func (e *env) runLine(t *sim.Task, line string, lastFd *int) string {
	s := e.s
	f := strings.Fields(line)
	arg := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	rv := sim.ErrnoString
	switch f[0] {
	case "open":
		fd := s.Open(t, f[1], openFlags(arg(2)))
		*lastFd = fd
		if fd >= 0 {
			return fmt.Sprintf("fd%d", fd)
		}
		return rv(fd)
	case "close":
		n := *lastFd
		if f[1] != "$" {
			n, _ = strconv.Atoi(strings.TrimPrefix(f[1], "fd"))
		} else if n < 0 {
			return "skip"
		}
		*lastFd = -1
		return rv(s.Close(t, n))
	case "stat":
		ino, mode, err := s.Stat(t, f[1])
		if err != 0 {
			return rv(err)
		}
		return fmt.Sprintf("%s#%d", mode, ino)
	case "mkdir":
		return rv(s.Mkdir(t, f[1]))
	case "rmdir":
		return rv(s.Rmdir(t, f[1]))
	case "unlink":
		return rv(s.Unlink(t, f[1]))
	case "link":
		return rv(s.Link(t, f[1], f[2]))
	case "symlink":
		return rv(s.Symlink(t, f[1], f[2]))
	case "mknod":
		m := map[string]dcache.Mode{"reg": dcache.S_IFREG, "chr": dcache.S_IFCHR}[f[2]]
		return rv(s.Mknod(t, f[1], m))
	case "rename":
		var fl uint
		for _, x := range strings.Split(arg(3), "|") {
			fl |= map[string]uint{"": 0, "noreplace": vfs.RENAME_NOREPLACE, "exchange": vfs.RENAME_EXCHANGE,
				"whiteout": vfs.RENAME_WHITEOUT}[x]
		}
		return rv(s.Rename(t, f[1], f[2], fl))
	case "ls":
		return ls(t, s, f[1])
	case "pressure":
		n, _ := strconv.Atoi(f[1])
		return strconv.Itoa(s.MemoryPressure(t, e.fs.SB, n))
	case "dropcaches":
		s.DropCaches(t, e.fs.SB)
		return "0"
	}
	panic("bad script line " + line)
}

func openFlags(s string) int {
	fl := 0
	for _, x := range strings.Split(s, "|") {
		fl |= map[string]int{"": 0, "rdonly": vfs.O_RDONLY, "wronly": vfs.O_WRONLY, "rdwr": vfs.O_RDWR,
			"creat": vfs.O_CREAT, "excl": vfs.O_EXCL, "directory": vfs.O_DIRECTORY}[x]
	}
	return fl
}

// ls lists a directory the way ls -f does: open, getdents, close.
func ls(t *sim.Task, s *vfs.System, path string) string {
	fd := s.Open(t, path, vfs.O_DIRECTORY)
	if fd < 0 {
		return sim.ErrnoString(fd)
	}
	ents, err := s.Getdents(t, fd)
	s.Close(t, fd)
	if err != 0 {
		return sim.ErrnoString(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, fmt.Sprintf("%s:%s", e.Name, e.Mode))
	}
	return strings.Join(out, ",")
}

// runScript runs lines in one task, storing each result.
func (e *env) runScript(t *sim.Task, lines []string, out []string) {
	lastFd := -1
	for i, l := range lines {
		out[i] = e.runLine(t, l, &lastFd)
	}
}
