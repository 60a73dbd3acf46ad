package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// The overlayfs scenarios: readdir of a merged directory racing a lookup
// of a name in it, per readdir version (mainline, v3 09/19, 10/19, and
// each with the fix for its findings) and regime.

type ovlVersion struct {
	name    string
	patches string
	fixed   bool
	doc     string
}

var ovlVersions = []ovlVersion{
	{"mainline", "mainline", false, "Mainline primes the dcache with lookup_one under the exclusive lock of the wrapped iterator."},
	{"01-09", "01-09", false, "v3 09/19 as posted: the inverted !d_unhashed test frees the in-lookup dentry it owns without d_lookup_done (R5), with no race needed."},
	{"01-09-fixed", "01-09", true, "v3 09/19 with the fix for its findings (the lookup runs for an unhashed dentry; a NULL from d_alloc_name is -ENOMEM)."},
	{"01-10", "01-10", false, "v3 10/19 as posted keeps 09/19's inverted test (R5 here, the name being uncached); with the name cached, ovl_lookup re-splices a positive dentry (R8, see docs/findings.md)."},
	{"01-10-fixed", "01-10", true, "v3 10/19 with the fix for its findings."},
}

// ovlReaddirVsLookup builds a merge directory /m (a from the lower layer,
// c from the upper), mounts the overlay, and races readdir /m with
// stat /m/a.
func ovlReaddirVsLookup(p dcache.Patches, r vfs.Regime, fixed bool) func(w *sim.World) {
	return func(w *sim.World) {
		c := dcache.NewCache(w, p)
		s := vfs.NewSystem(w, c, r)
		lower, upper := shmem.New(s, "lower"), shmem.New(s, "upper")
		fs := ovl.New(s, upper, lower, "ovl")
		fs.FixedReaddir = fixed
		w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
		w.Go("setup", func(t *sim.Task) {
			s.Root = lower.Root()
			s.Mkdir(t, "/m")
			s.Mknod(t, "/m/a", dcache.S_IFREG)
			s.Root = upper.Root()
			s.Mkdir(t, "/"+ovl.UpperDirName)
			s.Mkdir(t, "/"+ovl.UpperDirName+"/m")
			s.Mknod(t, "/"+ovl.UpperDirName+"/m/c", dcache.S_IFREG)
			if fs.Mount(t) != 0 {
				return
			}
			s.Root = fs.Root()
			s.Stat(t, "/m")
			t.Spawn("readdir", func(t *sim.Task) {
				if fd := s.Open(t, "/m", vfs.O_DIRECTORY); fd >= 0 {
					s.Getdents(t, fd)
					s.Close(t, fd)
				}
			})
			t.Spawn("stat", func(t *sim.Task) { s.Stat(t, "/m/a") })
		})
	}
}

func init() {
	for _, v := range ovlVersions {
		for _, r := range []vfs.Regime{vfs.Today, vfs.Pdirops} {
			p, err := dcache.ParsePatches(v.patches)
			if err != nil {
				panic(err)
			}
			expect := sim.Kind("")
			switch {
			case v.name == "mainline" && r == vfs.Pdirops:
				expect = sim.KindLockdep // the conflict 09/19 exists to remove
			case !v.fixed && v.name != "mainline":
				expect = sim.KindInvariant
			}
			Register(&Scenario{
				Name: "ovl/readdir-vs-lookup/" + v.name + "/" + r.String(),
				Doc: "overlayfs: readdir of a merged directory races a lookup of a lower name in it. " + v.doc +
					" Under pdirops, mainline's lookup_one under the directory lock inverts the in-lookup order.",
				Expect: expect,
				Bound:  1,
				Setup:  ovlReaddirVsLookup(p, r, v.fixed),
			})
		}
	}
}
