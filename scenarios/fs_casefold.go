package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dcsim/dcsim/fsmodels/casefold"
	"github.com/dcsim/dcsim/fsmodels/efivarfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/oracle"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// The filesystem kinds of fsmodels/casefold and fsmodels/efivarfs for
// scenario files.

// onePath checks a verb's single absolute path.
func onePath(verb string) func(args []string) (int, string) {
	return func(args []string) (int, string) {
		switch {
		case len(args) != 1:
			return min(len(args), 1), fmt.Sprintf("want \"%s PATH\": one absolute path", verb)
		case !strings.HasPrefix(args[0], "/") || args[0] == "/":
			return 0, fmt.Sprintf("path %q is not an absolute path below the root", args[0])
		}
		return -1, ""
	}
}

func init() {
	RegisterFS(&FSKind{Name: "casefold",
		Doc:   "a case-insensitive XFS (ascii-ci) whose ->lookup calls d_add_ci; \"disk PATH\" puts a file (a directory with a trailing /) on disk unseen by the dcache; stat results are checked against the disk (oracle-lookup)",
		Verbs: []Verb{{Name: "disk", Usage: "PATH", Check: onePath("disk")}},
		New: func(w *sim.World, s *vfs.System) FSRun {
			fs := casefold.New(s, "xfs")
			s.Root = fs.Root()
			w.Roots(s.MarkReachable)
			w.Roots(fs.MarkDisk)
			return &casefoldRun{fs: fs}
		}})
	RegisterFS(&FSKind{Name: "efivarfs",
		Doc:    "efivarfs over a firmware variable store; \"init firmware set NAME\" lines fill the store before the mount, \"firmware set NAME\" changes it behind efivarfs's back, \"thaw\" resynchronises (efivarfs_unfreeze_fs)",
		Layers: []string{"firmware"},
		Verbs: []Verb{
			{Name: "firmware", Usage: "set NAME", Check: func(args []string) (int, string) {
				switch {
				case len(args) == 0 || args[0] != "set":
					return 0, "want \"firmware set NAME\""
				case len(args) != 2:
					return min(len(args), 2), "want \"firmware set NAME\": one variable name"
				case strings.Contains(args[1], "/"):
					return 1, fmt.Sprintf("variable name %q has a '/'", args[1])
				}
				return -1, ""
			}},
			{Name: "thaw", Usage: "", Results: true, Check: func(args []string) (int, string) {
				if len(args) != 0 {
					return 0, "\"thaw\" takes no words"
				}
				return -1, ""
			}},
		},
		New: func(w *sim.World, s *vfs.System) FSRun {
			fs := efivarfs.New(s, &efivarfs.Firmware{})
			s.Root = fs.Root()
			w.Roots(s.MarkReachable)
			return &efivarfsRun{fs: fs}
		}})
}

// casefoldRun is one run's case-insensitive filesystem.
type casefoldRun struct{ fs *casefold.FS }

func (r *casefoldRun) Enter(*sim.Task, string) bool { return true }

// Do runs "disk PATH".
func (r *casefoldRun) Do(t *sim.Task, layer, verb string, args []string) string {
	if err := r.fs.Populate(args[0]); err != nil {
		return "-ENOENT"
	}
	return "0"
}

// CheckCall checks a stat's result against the disk's history during the
// call (oracle.RuleLookup): the inode number it reported, or nothing for
// -ENOENT.
func (r *casefoldRun) CheckCall(t *sim.Task, layer string, c *vfstest.Call, got string, from int64) {
	if c.Op != "stat" {
		return
	}
	dir, name, ok := r.fs.ParentObj(c.Path)
	if !ok {
		return
	}
	obj := oracle.None
	if _, ino, found := strings.Cut(got, "#"); found {
		n, _ := strconv.ParseUint(ino, 10, 64)
		obj = oracle.Obj(n)
	} else if got != "-ENOENT" {
		return
	}
	r.fs.Truth.CheckLookup(t, c.String(), dir, name, obj, from)
}

// efivarfsRun is one run's efivarfs and its firmware.
type efivarfsRun struct{ fs *efivarfs.FS }

// Enter mounts efivarfs (populating it from the firmware) for "".
func (r *efivarfsRun) Enter(t *sim.Task, layer string) bool {
	if layer == "firmware" {
		return true
	}
	return r.fs.Mount(t) == 0
}

// Do runs "firmware set NAME" and "thaw".
func (r *efivarfsRun) Do(t *sim.Task, layer, verb string, args []string) string {
	if verb == "thaw" {
		return sim.ErrnoString(r.fs.Thaw(t))
	}
	r.fs.FW.Set(args[1])
	return "0"
}
