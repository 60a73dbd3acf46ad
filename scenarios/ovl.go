package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// ovlReaddirVsLookup builds a merge directory /m (a from the lower layer,
// c from the upper), mounts the overlay, and races readdir /m with
// stat /m/a.
func ovlReaddirVsLookup(w *sim.World, v variant.Variant) {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	lower, upper := shmem.New(s, "lower"), shmem.New(s, "upper")
	fs := ovl.New(s, upper, lower, "ovl")
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

func init() {
	var cells []Cell
	for _, r := range variant.Regimes {
		for _, v := range []struct {
			text   string
			expect Expect
		}{
			{"mainline", Clean},
			{"01-09", FindsRule(sim.KindInvariant, "R5")},
			{"01-09+fix", Clean},
			{"01-10", FindsRule(sim.KindInvariant, "R5")},
			{"01-10+fix", Clean},
		} {
			e := v.expect
			if v.text == "mainline" && r == variant.Pdirops {
				e = Finds(sim.KindLockdep) // the conflict 09/19 exists to remove
			}
			cells = append(cells, Cell{Variant: variant.MustParse(v.text).In(r), Expect: e, Bound: 1})
		}
	}
	Register(&Scenario{
		Name: "ovl/readdir-vs-lookup",
		Doc: "overlayfs: readdir of a merged directory races a lookup of a lower name in it. The " +
			"base primes the dcache with lookup_one under the exclusive lock of the wrapped " +
			"iterator; under pdirops that inverts the in-lookup order. v3 09/19 and 10/19 as " +
			"posted keep an inverted !d_unhashed test that frees the in-lookup dentry they own " +
			"without d_lookup_done (R5), with no race needed; the fixed variants look the name up " +
			"when it is unhashed and test d_alloc_name for NULL.",
		Cells: cells,
		Setup: ovlReaddirVsLookup,
	})
}
