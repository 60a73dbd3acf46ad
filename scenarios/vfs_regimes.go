package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// Rule R4 both ways, and the VFS model's pdirops rename (docs/findings.md,
// "The regimes differ" and "VFS model: pdirops rename").

func qstr(parent *dcache.Dentry, name string) *dcache.Qstr {
	return &dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
}

// baseAndV3 are mainline and the v3 series in both regimes, clean.
func baseAndV3(bound int) []Cell {
	return regimeCells([]variant.Variant{variant.BaseToday, variant.V3Today}, bound, nil)
}

func init() {
	Register(&Scenario{
		Name: "vfs/r4/three-lookups",
		Doc: "Three tasks stat the same missing name: ->lookup never runs twice at once for one " +
			"name (R4), in any regime or version. Exhausted at bound 1 (bound 2 takes well over " +
			"20,000 runs).",
		Marks: []string{"->lookup", "d_alloc_parallel: waited on in-lookup"},
		Cells: baseAndV3(1),
		Setup: func(w *sim.World, v variant.Variant) {
			e := fstest.Tmpfs(w, v)
			for _, n := range []string{"A", "B", "C"} {
				w.Go(n, func(t *sim.Task) { vfstest.Exec(t, e.S, "stat /n") })
			}
		},
	})
	Register(&Scenario{
		Name: "vfs/r4/lookup_one_qstr_excl-under-shared-lock",
		Doc: "The R4 check fires: two tasks misuse lookup_one_qstr_excl (which d_allocs outside the " +
			"in-lookup protocol, trusting an exclusive lock) under the directory's lock taken shared, " +
			"and both call ->lookup for one name at once. With RFC 51/53 (the pdirops regime) " +
			"lookup_one_qstr_excl goes through d_alloc_parallel and the misuse is harmless.",
		Cells: []Cell{
			{Variant: variant.BaseToday, Expect: FindsRule(sim.KindInvariant, "R4")},
			{Variant: variant.BasePdirops},
		},
		Setup: func(w *sim.World, v variant.Variant) {
			e := fstest.Tmpfs(w, v)
			for _, n := range []string{"A", "B"} {
				w.Go(n, func(t *sim.Task) {
					dir := e.S.Root
					vfs.InodeLockShared(t, dir.DInode) // misuse: the function needs the lock exclusive
					d := e.S.LookupOneQstrExcl(t, qstr(dir, "n"), dir, 0)
					if !sim.IsErr(d) {
						dcache.Dput(t, d)
					}
					vfs.InodeUnlockShared(t, dir.DInode)
				})
			}
		},
	})
	Register(&Scenario{
		Name: "vfs/rename-vs-lookup-unlocked",
		Doc: "A lookup of \"z\" that takes no directory lock (lookup_one_unlocked) races rename " +
			"of a onto z, and then checks the dcache invariants under the directory's lock. An " +
			"earlier model reported two hashed \"z\" (R1) under pdirops: its rename d_alloc'ed the " +
			"target beside the lookup's in-lookup dentry, and its check ran unlocked, in the middle " +
			"of the rename's __d_move. With RFC 51-53 and a check under the lock, both regimes are " +
			"clean.",
		Cells: []Cell{
			{Variant: variant.BaseToday, Bound: 1},
			{Variant: variant.BasePdirops, Bound: 1},
		},
		Setup: func(w *sim.World, v variant.Variant) {
			e := fstest.Tmpfs(w, v)
			s := e.S
			w.Go("setup", func(t *sim.Task) {
				s.Mkdir(t, "/m")
				s.Mknod(t, "/m/a", dcache.S_IFREG)
				m, err := s.Lookup(t, "/m")
				if err != 0 {
					return
				}
				t.Spawn("lookup", func(t *sim.Task) {
					d := s.LookupOneUnlocked(t, &dcache.Qstr{Name: "z"}, m)
					// Check under the directory's lock, which every rename
					// in it holds: not in the middle of another task's
					// __d_move.
					vfs.InodeLock(t, m.DInode)
					e.C.CheckInvariants(t)
					vfs.InodeUnlock(t, m.DInode)
					if !sim.IsErr(d) {
						dcache.Dput(t, d)
					}
					dcache.Dput(t, m)
				})
				t.Spawn("rename", func(t *sim.Task) { s.Rename(t, "/m/a", "/m/z", 0) })
			})
		},
	})
}
