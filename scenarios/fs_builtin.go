package scenarios

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

func init() {
	RegisterFS(&FSKind{Name: "tmpfs", Doc: "one tmpfs (mm/shmem.c) as the root",
		New: func(w *sim.World, s *vfs.System) FSRun {
			s.Root = shmem.New(s, "tmp").Root()
			return tmpfsRun{}
		}})
	RegisterFS(&FSKind{Name: "overlay", Doc: "overlayfs over two tmpfs layers; init lines may build the lower and upper layers first",
		Layers: []string{"lower", "upper"},
		Verbs: []Verb{{Name: "opaque", Usage: "PATH", Layers: []string{"upper"},
			Check: func(args []string) (int, string) {
				switch {
				case len(args) != 1:
					return min(len(args), 1), "want \"opaque PATH\": one absolute path"
				case !strings.HasPrefix(args[0], "/"):
					return 0, fmt.Sprintf("path %q is not absolute", args[0])
				}
				return -1, ""
			}}},
		New: func(w *sim.World, s *vfs.System) FSRun {
			r := &overlayRun{s: s, lower: shmem.New(s, "lower"), upper: shmem.New(s, "upper")}
			r.ovl = ovl.New(s, r.upper, r.lower, "ovl")
			return r
		}})
}

type tmpfsRun struct{}

func (tmpfsRun) Enter(*sim.Task, string) bool                  { return true }
func (tmpfsRun) Do(*sim.Task, string, string, []string) string { return "" }

// overlayRun is an overlay over two tmpfs layers.
type overlayRun struct {
	s            *vfs.System
	lower, upper *shmem.FS
	ovl          *ovl.FS
	upperMade    bool
}

// Enter points the namespace root at a layer or, for "", mounts the
// overlay and roots the namespace in it.
func (r *overlayRun) Enter(t *sim.Task, layer string) bool {
	switch layer {
	case "lower":
		r.s.Root = r.lower.Root()
	case "upper":
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

// Do runs "opaque PATH": trusted.overlay.opaque=y on an upper directory.
func (r *overlayRun) Do(t *sim.Task, layer, verb string, args []string) string {
	d, err := r.s.Lookup(t, upperPath(args[0]))
	if err != 0 {
		return sim.ErrnoString(err)
	}
	r.ovl.SetOpaqueXattr(t, d)
	dcache.Dput(t, d)
	return "0"
}

// RewriteCall maps an upper layer line's paths under the upper
// directory of the upper tmpfs.
func (r *overlayRun) RewriteCall(layer string, call *vfstest.Call) *vfstest.Call {
	if layer != "upper" {
		return call
	}
	c := *call
	c.Path = upperPath(c.Path)
	if c.Op == "link" || c.Op == "rename" {
		c.Arg = upperPath(c.Arg)
	}
	return &c
}

// upperPath is a path of the upper layer as a path of the upper tmpfs.
func upperPath(p string) string {
	if p == "" {
		return p
	}
	return strings.TrimSuffix("/"+ovl.UpperDirName+p, "/")
}
