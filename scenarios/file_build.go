package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// RuleResult is the rule of the invariant report a call raises when its
// result is not one its line expects.
const RuleResult = "result"

// Build makes the scenario the description describes.
func (d *Desc) Build() *Scenario {
	sc := &Scenario{Name: d.Name, Doc: d.Doc, Marks: d.Marks, Source: d.Pos,
		Config: sim.Config{Faults: d.Faults, Signals: d.Signals, MaxSteps: d.MaxSteps}}
	for _, c := range d.Cells {
		if c.MaxFaults == 0 {
			c.MaxFaults = d.MaxFaults
		}
		sc.Cells = append(sc.Cells, c)
	}
	sc.Setup = d.setup
	return sc
}

// setup builds one run: the filesystems, then a task named "setup" that
// runs the init lines (its steps fold in traces) and spawns the tasks.
func (d *Desc) setup(w *sim.World, v variant.Variant) {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
	r := &fileRun{s: s}
	if d.FS == "overlay" {
		r.lower, r.upper = shmem.New(s, "lower"), shmem.New(s, "upper")
		r.ovl = ovl.New(s, r.upper, r.lower, "ovl")
	} else {
		s.Root = shmem.New(s, "tmp").Root()
	}
	w.Go("setup", func(t *sim.Task) {
		var ss *vfstest.Session
		layer := "?"
		for _, st := range d.Init {
			if st.Layer != layer {
				if layer, ss = st.Layer, vfstest.NewSession(s); !r.enter(t, layer) {
					return
				}
			}
			if !r.step(t, ss, st) {
				return
			}
		}
		if r.ovl != nil && layer != "" && !r.enter(t, "") {
			return
		}
		for _, tk := range d.Tasks {
			t.Spawn(tk.Name, func(t *sim.Task) {
				ss := vfstest.NewSession(s)
				for _, st := range tk.Steps {
					if !r.step(t, ss, st) {
						return
					}
				}
			})
		}
	})
}

// fileRun is one run of a file's scenario.
type fileRun struct {
	s            *vfs.System
	lower, upper *shmem.FS
	ovl          *ovl.FS
	upperMade    bool
}

// enter points the namespace root at an overlay layer ("lower" or
// "upper") or, for "", mounts the overlay and roots the namespace in it.
// It reports false when the mount fails (an injected fault).
func (r *fileRun) enter(t *sim.Task, layer string) bool {
	switch {
	case r.ovl == nil:
	case layer == "lower":
		r.s.Root = r.lower.Root()
	case layer == "upper":
		r.s.Root = r.upper.Root()
		if !r.upperMade {
			r.s.Mkdir(t, "/"+ovl.UpperDirName)
			r.upperMade = true
		}
	default:
		if r.ovl.Mount(t) != 0 {
			return false
		}
		r.s.Root = r.ovl.Root()
	}
	return true
}

// step runs one line; a result its line does not allow is an invariant
// violation (and ends the task).
func (r *fileRun) step(t *sim.Task, ss *vfstest.Session, st Step) bool {
	if st.Opaque != "" {
		if d, err := r.s.Lookup(t, upperPath(st.Opaque)); err == 0 {
			r.ovl.SetOpaqueXattr(t, d)
			dcache.Dput(t, d)
		}
		return true
	}
	call := st.Call
	if st.Layer == "upper" {
		c := *call
		c.Path = upperPath(c.Path)
		if c.Op == "link" || c.Op == "rename" {
			c.Arg = upperPath(c.Arg)
		}
		call = &c
	}
	got := ss.Run(t, call)
	if len(st.Want) > 0 && !slices.ContainsFunc(st.Want, func(w string) bool { return resultMatches(w, got) }) {
		t.Violation(sim.KindInvariant, RuleResult,
			fmt.Sprintf("%s = %s, expected %s", st.Call, got, wantString(st.Want)),
			fmt.Sprintf("%s: the call returned %s; its line allows %s", st.Pos, got, wantString(st.Want)))
		return false
	}
	return true
}

// resultMatches reports whether a call's result matches an expected
// one: equal, or for "TYPE#*", a TYPE with any inode number.
func resultMatches(want, got string) bool {
	if typ, ok := strings.CutSuffix(want, "#*"); ok {
		return strings.HasPrefix(got, typ+"#")
	}
	return want == got
}

// upperPath is a path of the upper layer as a path of the upper tmpfs.
func upperPath(p string) string {
	if p == "" {
		return p
	}
	return strings.TrimSuffix("/"+ovl.UpperDirName+p, "/")
}

func wantString(w []string) string {
	out := make([]string, len(w))
	for i, x := range w {
		if x == "" {
			x = `""`
		}
		out[i] = x
	}
	return strings.Join(out, "|")
}
