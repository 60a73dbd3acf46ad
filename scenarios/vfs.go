package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/shmem"
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
			"written for today's locking (lookup_one under the exclusive lock, as overlayfs readdir " +
			"priming, ovl_cache_update, does on mainline) waits in d_alloc_parallel holding that lock: " +
			"lockdep reports the cycle i_rwsem -> in-lookup dentry -> i_rwsem (R17), the same on the " +
			"v3 series (docs/findings.md, \"The regimes differ\").",
		Marks: []string{"->lookup"},
		Cells: []Cell{
			{Variant: variant.BaseToday},
			{Variant: variant.BasePdirops, Expect: FindsRule(sim.KindLockdep, "circular")},
			{Variant: variant.V3Today},
			{Variant: variant.V3Pdirops, Expect: FindsRule(sim.KindLockdep, "circular")},
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
	Register(&Scenario{
		Name: "vfs/rename-whiteout",
		Doc: "rename(RENAME_WHITEOUT) on tmpfs while another task looks the old name up. The base " +
			"(6.19) makes the whiteout with d_alloc and d_make_persistent: clean. With v3 12/19 the " +
			"whiteout is d_duplicate's in-lookup twin, and d_make_persistent instantiates it while " +
			"it is still in-lookup: WARN_ON(d_in_lookup(dentry)) (docs/findings.md). The fixed " +
			"variant hashes the twin through __d_add and tests d_duplicate's ERR_PTR: clean.",
		Cells: []Cell{
			{Variant: variant.BaseToday, Bound: 1},
			{Variant: variant.V3Today, Expect: Finds(sim.KindWarn), Bound: 1},
			{Variant: variant.V3Today.With(shmem.FixWhiteout), Bound: 1},
		},
		Setup: func(w *sim.World, v variant.Variant) {
			s := fstest.Tmpfs(w, v).S
			w.Go("rename", func(t *sim.Task) {
				s.Mkdir(t, "/a")
				if fd := s.Open(t, "/a/f", vfs.O_CREAT|vfs.O_RDWR); fd >= 0 {
					s.Close(t, fd)
				}
				s.Rename(t, "/a/f", "/a/g", vfs.RENAME_WHITEOUT)
			})
			w.Go("lookup", func(t *sim.Task) { s.Stat(t, "/a/f") })
		},
	})
}
