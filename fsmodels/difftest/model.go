package difftest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// modelSide is the model's syscalls, as task t on s. ovl is set for an
// overlay (for its xattrs).
type modelSide struct {
	t   *sim.Task
	s   *vfs.System
	ovl *ovl.FS
}

func (m *modelSide) open(path string, flags int) (int, int) {
	fd := m.s.Open(m.t, path, flags)
	if fd < 0 {
		return 0, fd
	}
	return fd, 0
}

func (m *modelSide) close(fd int) int { return m.s.Close(m.t, fd) }

func (m *modelSide) stat(path string) (string, uint64, int) {
	ino, mode, err := m.s.Stat(m.t, path)
	return mode.String(), ino, err
}

func (m *modelSide) lstat(path string) (string, uint64, int) {
	ino, mode, err := m.s.Lstat(m.t, path)
	return mode.String(), ino, err
}

func (m *modelSide) mkdir(path string) int              { return m.s.Mkdir(m.t, path) }
func (m *modelSide) rmdir(path string) int              { return m.s.Rmdir(m.t, path) }
func (m *modelSide) unlink(path string) int             { return m.s.Unlink(m.t, path) }
func (m *modelSide) link(old, new string) int           { return m.s.Link(m.t, old, new) }
func (m *modelSide) symlink(target, path string) int    { return m.s.Symlink(m.t, target, path) }
func (m *modelSide) rename(old, new string, fl int) int { return m.s.Rename(m.t, old, new, uint(fl)) }

func (m *modelSide) mknod(path string, mode dcache.Mode) int { return m.s.Mknod(m.t, path, mode) }

func (m *modelSide) ls(path string) ([]dirent, int) {
	fd := m.s.Open(m.t, path, vfs.O_DIRECTORY)
	if fd < 0 {
		return nil, fd
	}
	ents, err := m.s.Getdents(m.t, fd)
	m.s.Close(m.t, fd)
	var out []dirent
	for _, e := range ents {
		out = append(out, dirent{e.Name, e.Mode.String()})
	}
	return out, err
}

func (m *modelSide) entry(path string) (Entry, int) {
	d, err := m.s.KernPath(m.t, path, 0) // as lstat: a symlink is described itself
	if err != 0 {
		return Entry{}, err
	}
	defer dcache.Dput(m.t, d)
	i := d.DInode
	e := Entry{Path: path, Type: i.IMode.String(), Ino: i.IIno, Nlink: i.INlink}
	if m.ovl != nil {
		e.Opaque, e.Origin = m.ovl.IsOpaque(i), m.ovl.HasOrigin(i)
	}
	return e, 0
}

func (m *modelSide) setOpaque(path string) int {
	d, err := m.s.Lookup(m.t, path)
	if err != 0 {
		return err
	}
	m.ovl.SetOpaqueXattr(m.t, d)
	dcache.Dput(m.t, d)
	return 0
}

// Model runs calls on the model's tmpfs (lower and upper nil) or on its
// overlay over two tmpfs layers, on the base variant, as one task. An
// error is a checker's report or a layer that could not be built.
func Model(lower, upper Layer, overlay bool, calls []*vfstest.Call, o TreeOpts) (Result, error) {
	var res Result
	var buildErr error
	prog := sim.Program{Name: "difftest", Setup: func(w *sim.World) {
		c := dcache.NewCache(w, variant.BaseToday)
		s := vfs.NewSystem(w, c)
		w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
		w.Roots(s.MarkReachable)
		if !overlay {
			s.Root = shmem.New(s, "tmp").Root()
			w.Go("calls", func(t *sim.Task) { res = run(&modelSide{t: t, s: s}, calls, o) })
			return
		}
		lo, up := shmem.New(s, "lower"), shmem.New(s, "upper")
		fs := ovl.New(s, up, lo, "overlay")
		w.Roots(func(mark func(*sim.Object)) { // the layers are reachable through their mounts
			dcache.MarkTree(lo.Root(), mark)
			dcache.MarkTree(up.Root(), mark)
		})
		w.Go("calls", func(t *sim.Task) {
			m := &modelSide{t: t, s: s, ovl: fs}
			s.Root = lo.Root()
			if buildErr = build(m, "/", lower); buildErr != nil {
				return
			}
			s.Root = up.Root()
			if buildErr = build(m, "/", Layer{ovl.UpperDirName + "/"}); buildErr != nil {
				return
			}
			if buildErr = build(m, "/"+ovl.UpperDirName+"/", upper); buildErr != nil {
				return
			}
			if err := fs.Mount(t); err != 0 {
				buildErr = fmt.Errorf("mount: %s", sim.ErrnoString(err))
				return
			}
			s.Root = fs.Root()
			res = run(m, calls, o)
			s.Root = up.Root()
			res.Upper = renderTree(walk(m, "/"+ovl.UpperDirName), inoMap{}, TreeOpts{Nlink: true, DirNlink: true, Xattrs: true, DirOrigin: o.DirOrigin})
			s.Root = fs.Root()
		})
	}}
	out := sim.Execute(prog, sim.Config{}, sim.DefaultStrategy{})
	defer out.Release()
	if out.Report != nil {
		return res, fmt.Errorf("model: %s", out.Report.Format())
	}
	return res, buildErr
}

// Calls parses a sequence written one call per line (tests, docs).
func Calls(lines ...string) []*vfstest.Call {
	var out []*vfstest.Call
	for _, l := range lines {
		out = append(out, vfstest.MustParse(l))
	}
	return out
}

// Format renders calls one per line, numbered.
func Format(calls []*vfstest.Call) string {
	var b strings.Builder
	for i, c := range calls {
		b.WriteString(strconv.Itoa(i) + ": " + c.String() + "\n")
	}
	return b.String()
}
