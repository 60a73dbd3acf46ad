package ovl

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// version is a readdir version of the overlay: the patches in effect and
// whether the fixed ovl_cache_update is used (with the fixed v3 02/19
// __d_add, without which an RCU-walk stat of a name readdir is
// instantiating can return -ENOENT: docs/findings.md, "v3 02/19").
type version struct {
	name    string
	patches variant.Variant
	fixed   bool
}

var (
	vMainline = version{"mainline", variant.BaseToday, false}
	v09       = version{"01-09", mustPatches("01-09"), false}
	v09Fixed  = version{"01-09+fix", mustPatches("01-09"), true}
	v10       = version{"01-10", mustPatches("01-10"), false}
	v10Fixed  = version{"01-10+fix", mustPatches("01-10"), true}
)

var regimes = []variant.Regime{variant.Today, variant.Pdirops}

func mustPatches(s string) variant.Variant {
	p, err := variant.ParsePatches(s)
	if err != nil {
		panic(err)
	}
	return variant.Of(p)
}

// env is one run's overlay and its layers.
type env struct {
	w            *sim.World
	c            *dcache.Cache
	s            *vfs.System
	fs           *FS
	upper, lower *shmem.FS
	// res holds the workers' results, by worker name, for the end-of-run
	// check.
	res map[string]string
}

// layer describes a tree to build in a layer: paths ending in "/" are
// directories, "!name" is a whiteout, "+dir/" an opaque directory.
type layer []string

// fixture is the default pair of layers.
var (
	fixtureLower = layer{
		"d/", "d/a", "d/b", "d/sub/", "d/sub/s",
		"lo/", "lo/x",
		"f", "w",
		"op/", "op/hidden",
		"m/", "m/a",
	}
	fixtureUpper = layer{
		"d/", "d/c",
		"!w",
		"+op/", "op/vis",
		"up/", "up/u",
		"m/", "m/c",
	}
)

// build populates the layers from the setup task, through the syscalls
// with the namespace root pointed at each layer in turn, then mounts the
// overlay and makes it the namespace root.
func (e *env) build(t *sim.Task, lower, upper layer) {
	mk := func(root *dcache.Dentry, prefix string, l layer) {
		e.s.Root = root
		for _, p := range l {
			var r int
			switch {
			case strings.HasPrefix(p, "!"):
				r = e.s.Mknod(t, prefix+p[1:], dcache.S_IFWHT)
			case strings.HasPrefix(p, "+"):
				r = e.s.Mkdir(t, prefix+strings.TrimSuffix(p[1:], "/"))
				if r == 0 {
					d, err := e.s.Lookup(t, prefix+strings.TrimSuffix(p[1:], "/"))
					if err != 0 {
						panic(err)
					}
					e.fs.SetOpaqueXattr(t, d)
					dcache.Dput(t, d)
				}
			case strings.HasSuffix(p, "/"):
				r = e.s.Mkdir(t, prefix+strings.TrimSuffix(p, "/"))
			default:
				r = e.s.Mknod(t, prefix+p, dcache.S_IFREG)
			}
			if r != 0 {
				panic(fmt.Sprintf("building %s%s: %s", prefix, p, sim.ErrnoString(r)))
			}
		}
	}
	mk(e.lower.Root(), "/", lower)
	e.s.Root = e.upper.Root()
	if r := e.s.Mkdir(t, "/"+UpperDirName); r != 0 {
		panic(r)
	}
	mk(e.upper.Root(), "/"+UpperDirName+"/", upper)
	if r := e.fs.Mount(t); r != 0 {
		panic(r)
	}
	e.s.Root = e.fs.Root()
}

// program makes a program whose setup task builds the layers, mounts the
// overlay, runs pre (single-task), then spawns the workers. check runs
// at the end of the run (no task).
func program(name string, v version, regime variant.Regime, lower, upper layer,
	pre func(t *sim.Task, e *env), workers map[string]func(t *sim.Task, e *env), check func(w *sim.World, e *env)) sim.Program {
	return sim.Program{Name: name, Setup: func(w *sim.World) {
		e := &env{w: w, res: map[string]string{}}
		e.c = dcache.NewCache(w, v.patches.In(regime))
		e.s = vfs.NewSystem(w, e.c)
		e.upper = shmem.New(e.s, "upper")
		e.lower = shmem.New(e.s, "lower")
		e.fs = New(e.s, e.upper, e.lower, "overlay")
		if v.fixed {
			e.c.V = e.c.V.With(FixReaddir).With(dcache.FixAddPublishLast)
		}
		names := make([]string, 0, len(workers))
		for n := range workers {
			names = append(names, n)
		}
		slices.Sort(names)
		w.Go("setup", func(t *sim.Task) {
			e.build(t, lower, upper)
			if pre != nil {
				pre(t, e)
			}
			for _, n := range names {
				fn := workers[n]
				t.Spawn(n, func(t *sim.Task) { fn(t, e) })
			}
		})
		w.AtEnd(func(w *sim.World) {
			e.c.CheckInvariants(nil)
			if !w.Halted() {
				e.checkOvlInvariants(w)
			}
			if !w.Halted() && check != nil {
				check(w, e)
			}
		})
		w.Roots(e.roots)
	}}
}

// roots marks what stays reachable: the three dentry trees with their
// inodes, the overlay's inode cache, and the open files.
func (e *env) roots(mark func(*sim.Object)) {
	var rec func(d *dcache.Dentry)
	rec = func(d *dcache.Dentry) {
		mark(&d.Object)
		if d.DInode != nil {
			mark(&d.DInode.Object)
		}
		for _, ch := range d.Children() {
			rec(ch)
		}
	}
	for _, sb := range []*dcache.SuperBlock{e.fs.SB, e.upper.SB, e.lower.SB} {
		rec(sb.SRoot)
	}
	for _, ic := range e.fs.icache {
		mark(&ic.inode.Object)
	}
	for _, f := range e.s.OpenFiles() {
		if f != nil {
			mark(&f.Object)
		}
	}
}

// checkOvlInvariants checks, at the end of a run, that no inode lists a
// dentry twice among its aliases (a positive dentry instantiated again),
// that each overlay inode's reference count is what its aliases hold,
// and (as umount's "dentry still in use" check would) that every dentry's
// count is what its known holders account for.
func (e *env) checkOvlInvariants(w *sim.World) {
	if msg := e.auditDentryRefs(); msg != "" {
		w.Violation(sim.KindInvariant, "R39", msg, "A dentry's reference count is more than its children, its pin, "+
			"the superblock root and the overlay's references account for at the end of the run: a reference was leaked.")
		return
	}
	for _, ic := range e.fs.icache {
		inode := ic.inode
		al := inode.Aliases()
		for i, a := range al {
			if slices.Contains(al[i+1:], a) {
				w.Violation(sim.KindInvariant, "R7", fmt.Sprintf("inode %s lists alias %s twice", inode, a), "")
				return
			}
		}
		want := int64(len(al))
		if inode == e.fs.SB.SRoot.DInode {
			want = 1
		}
		if got := inode.ICount.Value(); got != want && !(got > want && inode == e.fs.SB.SRoot.DInode) {
			w.Violation(sim.KindInvariant, "ovl-i_count",
				fmt.Sprintf("overlay inode %s: i_count %d, %d alias(es) at the end of the run", inode, got, len(al)), "")
			return
		}
	}
}

// readdir opens path, reads it whole and closes it: the names, sorted,
// with their d_ino, or the error.
func readdir(t *sim.Task, s *vfs.System, path string) ([]vfs.Dirent, int) {
	fd := s.Open(t, path, vfs.O_RDONLY|vfs.O_DIRECTORY)
	if fd < 0 {
		return nil, fd
	}
	ents, err := s.Getdents(t, fd)
	s.Close(t, fd)
	slices.SortFunc(ents, func(a, b vfs.Dirent) int { return strings.Compare(a.Name, b.Name) })
	return ents, err
}

func names(ents []vfs.Dirent) string {
	var n []string
	for _, e := range ents {
		n = append(n, e.Name)
	}
	return strings.Join(n, " ")
}

// tree parses a superblock's Dump into "path: type" for its hashed
// positive dentries (type reg, dir, wht, lnk), sorted by path.
func tree(sb *dcache.SuperBlock) map[string]string {
	out := map[string]string{}
	var stack []string
	for _, line := range strings.Split(strings.TrimRight(sb.Dump(), "\n"), "\n") {
		depth := (len(line) - len(strings.TrimLeft(line, " "))) / 2
		line = strings.TrimLeft(line, " ")
		name, rest, _ := strings.Cut(line, " [")
		state, _, _ := strings.Cut(rest, "]")
		stack = append(stack[:depth], name)
		if depth == 0 {
			continue
		}
		f := strings.Fields(state)
		if !slices.Contains(f, "hashed") {
			continue
		}
		for _, x := range f {
			if typ, _, ok := strings.Cut(x, "#"); ok {
				out[strings.Join(stack[1:], "/")] = typ
			}
		}
	}
	return out
}

// under returns the entries of tr below prefix/ (prefix removed).
func under(tr map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range tr {
		if rest, ok := strings.CutPrefix(k, prefix+"/"); ok {
			out[rest] = v
		}
	}
	return out
}

func fmtTree(tr map[string]string) string {
	var k []string
	for p := range tr {
		k = append(k, p)
	}
	slices.Sort(k)
	var b strings.Builder
	for _, p := range k {
		fmt.Fprintf(&b, "%s:%s ", p, tr[p])
	}
	return strings.TrimSpace(b.String())
}

// runOnce runs a program once, failing on an input error.
func runOnce(t *testing.T, p sim.Program) *sim.Outcome {
	t.Helper()
	out := sim.Execute(p, sim.Config{Trace: sim.TraceFull}, nil)
	if out.Err != nil {
		t.Fatalf("%s: %v", p.Name, out.Err)
	}
	return out
}

// auditDentryRefs compares each dentry's count with its known holders:
// its children (each holds a reference on its parent), the persistent
// pin, s_root, and the overlay's references to real dentries (inode
// stacks, the mount's upper, lower and work directories, the shared
// whiteout). An empty string when they agree.
func (e *env) auditDentryRefs() string {
	holders := map[*dcache.Dentry]int{}
	for _, ic := range e.fs.icache {
		oi := ovlI(ic.inode)
		if oi.upper != nil {
			holders[oi.upper]++
		}
		for _, l := range oi.lower {
			holders[l]++
		}
	}
	for _, d := range []*dcache.Dentry{e.fs.upperdir, e.fs.lowerdir, e.fs.workdir, e.fs.whiteout} {
		if d != nil {
			holders[d]++
		}
	}
	var msg string
	var rec func(d *dcache.Dentry, root bool)
	rec = func(d *dcache.Dentry, root bool) {
		want := holders[d] + len(d.Children())
		if root {
			want++
		}
		if d.DFlags&dcache.DCACHE_PERSISTENT != 0 {
			want++
		}
		if got := d.DLockref.Count(); got != want && msg == "" {
			msg = fmt.Sprintf("dentry %s (%s, %s) has count %d, its holders account for %d",
				d, d.DSb, dcache.FlagString(d.DFlags), got, want)
		}
		for _, ch := range d.Children() {
			rec(ch, false)
		}
	}
	for _, sb := range []*dcache.SuperBlock{e.fs.SB, e.upper.SB, e.lower.SB} {
		rec(sb.SRoot, true)
	}
	return msg
}
