package scenarios

import (
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// v3 12/19 (shmem_whiteout with d_duplicate) in one task
// (docs/findings.md, "v3 12/19").

// whiteoutScript makes a file and renames it with RENAME_WHITEOUT.
var whiteoutScript = []string{
	"mkdir /a",
	"open /a/f creat",
	"close $",
	"rename /a/f /a/x",
	"rename /a/x /a/y whiteout",
}

func whiteoutProgram(w *sim.World, v variant.Variant) {
	e := fstest.Tmpfs(w, v)
	w.Go("sh", func(t *sim.Task) {
		ss := vfstest.NewSession(e.S)
		for _, l := range whiteoutScript {
			ss.Exec(t, l)
		}
	})
}

// whiteoutCells: mainline, v3 without 12, v3 as posted (WARN) and fixed,
// in both regimes.
func whiteoutCells() []Cell {
	vs := []variant.Variant{variant.BaseToday, v3No12, variant.V3Today, variant.V3Today.With(shmem.FixWhiteout)}
	return regimeCells(vs, 0, func(v variant.Variant) Expect {
		if v.Has(variant.P12ShmemDuplicate) && !v.On(shmem.FixWhiteout) {
			return FindsRule(sim.KindWarn, "WARN_ON")
		}
		return Clean
	})
}

func init() {
	Register(&Scenario{
		Name: "shmem/rename-whiteout",
		Doc: "One task renames a tmpfs file with RENAME_WHITEOUT. With v3 12/19 as posted the first " +
			"whiteout warns in __d_instantiate: the twin is still in-lookup when shmem_mknod's " +
			"d_make_persistent instantiates it, in one task and in both regimes. Mainline, the series " +
			"without 12 and the fixed variant are clean.",
		Marks: []string{"shmem: whiteout created"},
		Cells: whiteoutCells(),
		Setup: whiteoutProgram,
	})
	Register(&Scenario{
		Name: "shmem/rename-whiteout-enomem",
		Doc: "shmem/rename-whiteout with one injected allocation failure at each fallible step. " +
			"With v3 12/19, a failure of d_duplicate's allocation passes its ERR_PTR(-ENOMEM) to " +
			"shmem_mknod, which dereferences it (the posted \"if (!whiteout)\" test; the schedule in " +
			"docs/findings.md); exploring the posted series finds the WARN of the run without faults " +
			"first. Mainline, the series without 12 and the fixed variant fail each step with an errno.",
		Config: sim.Config{Faults: true},
		Cells:  whiteoutCells(),
		Setup:  whiteoutProgram,
	})
}
