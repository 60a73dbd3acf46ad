package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// vfsWorld sets up a tmpfs namespace under the given version and regime.
func vfsWorld(w *sim.World, p dcache.Patches, r vfs.Regime) (*vfs.System, *shmem.FS) {
	c := dcache.NewCache(w, p)
	s := vfs.NewSystem(w, c, r)
	fs := shmem.New(s, "tmp")
	s.Root = fs.Root()
	w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
	return s, fs
}

func init() {
	for _, r := range []vfs.Regime{vfs.Today, vfs.Pdirops} {
		reg := r
		expect := sim.Kind("")
		doc := "Under today's locking both tasks take the directory's i_rwsem before " +
			"d_alloc_parallel, so the order i_rwsem -> in-lookup holds everywhere: clean."
		if reg == vfs.Pdirops {
			expect = sim.KindLockdep
			doc = "Under the pdirops order a path lookup owns its in-lookup dentry before it " +
				"takes the directory lock, while a caller still written for today's locking " +
				"(lookup_one under the exclusive lock, as readdir priming does) waits in " +
				"d_alloc_parallel holding that lock: lockdep reports the inversion (rule R17)."
		}
		Register(&Scenario{
			Name: "vfs/lookup-one-under-lock/" + reg.String(),
			Doc: "A task holds a directory's i_rwsem exclusive and calls lookup_one on a name " +
				"while another task stats the same name through the path walk. " + doc,
			Expect: expect,
			Marks:  []string{"->lookup"},
			Bound:  2,
			Setup: func(w *sim.World) {
				s, fs := vfsWorld(w, dcache.Mainline, reg)
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
				_ = fs
			},
		})
	}
	for _, v := range []struct {
		name  string
		p     dcache.Patches
		fixed bool
	}{{"mainline", dcache.Mainline, false}, {"v3", dcache.V3, false}, {"v3-fixed", dcache.V3, true}} {
		p, fixed := v.p, v.fixed
		expect := sim.Kind("")
		doc := "Mainline (6.19) makes the whiteout with d_alloc and d_make_persistent: clean."
		if fixed {
			doc = "v3 12/19 with the fix for its finding: the in-lookup twin is hashed through " +
				"__d_add (i_dir_seq bracket, waiters woken) and d_duplicate's ERR_PTR is tested: clean."
		} else if p == dcache.V3 {
			expect = sim.KindWarn
			doc = "With v3 12/19 the whiteout is d_duplicate's in-lookup twin, and " +
				"d_make_persistent instantiates it while it is still in-lookup: " +
				"WARN_ON(d_in_lookup(dentry)) (docs/findings.md)."
		}
		Register(&Scenario{
			Name:   "vfs/rename-whiteout/" + v.name,
			Doc:    "rename(RENAME_WHITEOUT) on tmpfs while another task looks the old name up. " + doc,
			Expect: expect,
			Bound:  1,
			Setup: func(w *sim.World) {
				s, _ := vfsWorld(w, p, vfs.Today)
				if fixed {
					s.C.Fixes = dcache.FixShmemWhiteout
				}
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
}
