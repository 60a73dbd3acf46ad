package dcache_test

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// TestR9SecondDirectoryAlias: d_instantiate of a directory inode that
// already has an alias is reported where it happens (R9); instantiating a
// regular file's second link is not.
func TestR9SecondDirectoryAlias(tt *testing.T) {
	for _, mode := range []dcache.Mode{dcache.S_IFDIR, dcache.S_IFREG} {
		prog := sim.Program{Name: "inv/r9", Setup: func(w *sim.World) {
			c := dcache.NewCache(w, variant.BaseToday)
			sb := c.NewSuperBlock("t", nil)
			w.Go("t", func(t *sim.Task) {
				root := sb.SRoot
				inode := sb.NewInode(t, mode)
				for _, n := range []string{"a", "b"} {
					d := dcache.DAlloc(t, root, &dcache.Qstr{Name: n, Hash: dcache.FullNameHash(root, n)})
					dcache.Ihold(t, inode)
					dcache.DInstantiate(t, d, inode)
					dcache.DRehash(t, d)
				}
			})
		}}
		out := sim.Execute(prog, sim.Config{}, nil)
		if mode.IsDir() {
			if out.Report == nil || out.Report.Rule != "R9" {
				tt.Fatalf("directory: want R9, got %v", out.Report)
			}
		} else if out.Report != nil {
			tt.Fatalf("regular file: unexpected report:\n%s", out.Report.Format())
		}
	}
}
