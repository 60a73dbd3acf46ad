package scenarios

import (
	"github.com/dcsim/dcsim/fsmodels/eventfs"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// eventfs: a filesystem that caches dentry pointers, and one that
// refcounts d_fsdata (fsmodels/eventfs; docs/findings.md, "eventfs").
// The refcounted cells come first: the default cell of run and explore
// is one that sampling strategies also meet, and only a preemption in a
// window of a few steps shows the cache's bug.

func init() {
	Register(&Scenario{
		Name: "eventfs/lookup-vs-prune",
		Doc: "An unused eventfs file dentry d1 is pruned under memory pressure while another task looks " +
			"the same name up. Once __dentry_kill has unhashed d1 the lookup makes d2, before eventfs " +
			"hears of d1's end. The caching eventfs (before v6.8-rc3) hands the lookup the dead d1 " +
			"from ei->d_children[]; v6.8's refcounted d_fsdata makes d2 and is clean.",
		Marks: []string{eventfs.MarkLookupFile},
		Setup: func(w *sim.World, v variant.Variant) { fstest.EventfsLookupVsPrune(w, v) },
		Cells: append(regimeCells([]variant.Variant{variant.BaseToday.With(eventfs.ChangeGetEi), variant.BaseToday}, 0,
			func(v variant.Variant) Expect {
				if v.On(eventfs.ChangeGetEi) {
					return Clean
				}
				return FindsRule(sim.KindWarn, "WARN_ON_ONCE")
			}),
			// Past fast_dput's WARN, one preemption deeper, the lookup's
			// dput writes the freed d1 (docs/findings.md, "eventfs").
			pastCells(variant.BaseToday, []string{"WARN_ON_ONCE"}, FindsRule(sim.KindKASAN, "use-after-free"))...),
	})
}
