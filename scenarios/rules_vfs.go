package scenarios

import (
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// Programs of the rules catalogue's vfs checks (docs/rules.md).

func init() {
	Register(&Scenario{
		Name: "vfs/stat-missing-twice",
		Doc: "Two stats of a name tmpfs does not have: one lookup_slow owns the in-lookup " +
			"dentry and ->lookup hashes it negative, the other waits or finds it hashed and " +
			"revalidates it. d_revalidate only ever sees the hashed negative (R28); a mutant " +
			"__lookup_slow that revalidates its own in-lookup dentry breaks that.",
		Cells: []Cell{
			{Variant: variant.BaseToday, Bound: 1},
			{Variant: variant.V3Pdirops, Bound: 1},
			mutant(variant.BaseToday, vfs.MutRevalidateInLookup, sim.KindInvariant, "R28"),
		},
		Setup: func(w *sim.World, v variant.Variant) {
			s := fstest.Tmpfs(w, v).S
			for _, name := range []string{"stat-1", "stat-2"} {
				w.Go(name, func(t *sim.Task) { s.Stat(t, "/nx") })
			}
		},
	})
}
