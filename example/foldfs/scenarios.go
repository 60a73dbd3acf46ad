package foldfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// Variants of the patch, as the catalog cells and the tests name them.
var (
	V1Today   = variant.BaseToday.With(CaseFold)
	V1Pdirops = variant.BasePdirops.With(CaseFold)
	V2Today   = variant.BaseToday.With(CaseFoldV2)
	V2Pdirops = variant.BasePdirops.With(CaseFoldV2)
	// On v3, 04/19's d_alloc_parallel takes no wait queue.
	V2OnV3Pdirops = variant.V3Pdirops.With(CaseFoldV2)
)

// Mount makes a run's VFS with a foldfs holding names as its root, and
// registers the end-of-run checks a built-in filesystem's runs have: the
// dcache invariants, the umount check (R39) and the leak walk.
func Mount(w *sim.World, v variant.Variant, names ...string) (*vfs.System, *FS) {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	fs := New(w, s, names...)
	s.Root = fs.Root()
	w.AtEnd(func(w *sim.World) {
		c.CheckInvariants(nil)
		if !w.Halted() {
			fstest.UmountCheck(w, s, nil, fs.SB)
		}
	})
	w.Roots(s.MarkReachable)
	w.Roots(fs.Inodes)
	return s, fs
}

// The scenario registers with dcsim's catalog, so that every dcsim
// command (cmd/foldsim) and dcsimtest.Check find it by name.
func init() {
	scenarios.Register(&scenarios.Scenario{
		Name: "foldfs/stat-two-cases",
		Doc: "Two tasks stat the file foo of a foldfs, one as /FOO and one as /foo, and reading " +
			"foo's inode from disk may fail. With the case-insensitive lookup patch, /FOO's " +
			"->lookup allocates the dentry of the stored name foo in-lookup (as d_add_ci does); " +
			"v1 drops it without d_lookup_done when the read fails, so the dentry is freed while " +
			"still in-lookup (R5) or the task looking up /foo waits on it forever; v2 ends the " +
			"in-lookup state first.",
		Config: sim.Config{Faults: true},
		Cells: []scenarios.Cell{
			{Variant: variant.BaseToday},
			{Variant: V1Today, Expect: scenarios.FindsRule(sim.KindInvariant, "R5")},
			{Variant: V1Pdirops, Expect: scenarios.FindsRule(sim.KindInvariant, "R5")},
			// Bound 2 takes more than 20,000 runs; bound 1 is exhausted in about 550.
			{Variant: V2Today, Bound: 1},
			{Variant: V2Pdirops, Bound: 1},
			{Variant: V2OnV3Pdirops, Bound: 1},
		},
		Setup: func(w *sim.World, v variant.Variant) {
			s, _ := Mount(w, v, "foo")
			w.Go("stat /FOO", func(t *sim.Task) { s.Stat(t, "/FOO") })
			w.Go("stat /foo", func(t *sim.Task) { s.Stat(t, "/foo") })
		},
	})
}
