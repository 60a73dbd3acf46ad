package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

func init() {
	Register(&Scenario{
		Name: "vfs/lookup-one-under-lock",
		Doc: "A task holds a directory's i_rwsem exclusive and calls lookup_one on a name " +
			"while another task stats the same name through the path walk. Under today's locking " +
			"both tasks take the directory's i_rwsem before d_alloc_parallel, so the order " +
			"i_rwsem -> in-lookup holds everywhere: clean. Under the pdirops order a path lookup " +
			"owns its in-lookup dentry before it takes the directory lock, while a caller still " +
			"written for today's locking (lookup_one under the exclusive lock, as readdir priming " +
			"does) waits in d_alloc_parallel holding that lock: lockdep reports the inversion (R17).",
		Marks: []string{"->lookup"},
		Cells: []Cell{
			{Variant: variant.BaseToday},
			{Variant: variant.BasePdirops, Expect: Finds(sim.KindLockdep)},
		},
		Setup: func(w *sim.World, v variant.Variant) {
			s := fstest.Tmpfs(w, v).S
			w.Go("setup-then-lookup_one", func(t *sim.Task) {
				s.Mkdir(t, "/d")
				dir, err := s.Lookup(t, "/d")
				if err != 0 {
					return
				}
				vfs.InodeLock(t, dir.DInode)
				q := dcache.Qstr{Name: "x", Hash: dcache.FullNameHash(dir, "x")}
				if d := s.LookupOne(t, &q, dir); !sim.IsErr(d) {
					dcache.Dput(t, d)
				}
				vfs.InodeUnlock(t, dir.DInode)
				dcache.Dput(t, dir)
			})
			w.Go("stat", func(t *sim.Task) { s.Stat(t, "/d/x") })
		},
	})
}
