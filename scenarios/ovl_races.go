package scenarios

import (
	"fmt"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/sim"
)

// Overlay races on the merge directory /m (a lower, c upper).

// wantReaddir checks the listing of /m by the worker "readdir".
func wantReaddir(res map[string]string) string {
	if got := fstest.SortedLs(res["readdir"]); got != "a:reg,c:reg" {
		return fmt.Sprintf("readdir /m returned %q, want a:reg,c:reg", got)
	}
	return ""
}

// checkReaddirAndLookup checks the listing of /m by worker "readdir"
// and that worker "lookup"'s stat of /m/a succeeded.
func checkReaddirAndLookup(e *fstest.OverlayEnv, res map[string]string) string {
	if msg := wantReaddir(res); msg != "" {
		return msg
	}
	if isErrno(res["lookup"]) {
		return "stat /m/a = " + res["lookup"]
	}
	return ""
}

// isErrno reports whether a vfstest result is an error.
func isErrno(res string) bool { return len(res) > 1 && res[0] == '-' }

var (
	ovlRinv = func(rule string) Expect { return FindsRule(sim.KindInvariant, rule) }

	ovlReaddirVsLookup = ovlProgram{
		lower: raceLower, upper: raceUpper,
		pre: []string{"stat /m"},
		workers: map[string]ovlWorker{
			"readdir": calls("ls /m"),
			"lookup":  calls("stat /m/a"),
		},
		check: checkReaddirAndLookup,
	}
	ovlRenameWhiteoutVsLookup = ovlProgram{
		lower: raceLower, upper: raceUpper,
		pre: []string{"stat /m"},
		workers: map[string]ovlWorker{
			"rename": calls("rename /m/a /m/z"),
			"lookup": calls("stat /m/a", "stat /m/z"),
		},
		check: func(e *fstest.OverlayEnv, res map[string]string) string {
			if res["rename"] != "0" {
				return "rename /m/a /m/z = " + res["rename"]
			}
			// Linearizable outcomes: both before the rename (a, not z),
			// both after (z, not a), or a before and z after (both).
			var a, z string
			fmt.Sscan(res["lookup"], &a, &z)
			if isErrno(a) && isErrno(z) {
				return fmt.Sprintf("stat /m/a = %s then stat /m/z = %s: not a linearizable outcome", a, z)
			}
			up := e.UpperTree(ovl.UpperDirName)
			if up["m/a"] != "wht" || up["m/z"] != "reg" {
				return "upper layer after the rename: " + fstest.FormatTree(up)
			}
			return ""
		},
	}
	ovlCreateVsUnlink = ovlProgram{
		lower: raceLower, upper: raceUpper,
		pre: []string{"stat /m"},
		workers: map[string]ovlWorker{
			"create": calls("open /m/a creat|wronly", "close $"),
			"unlink": calls("unlink /m/a"),
		},
		check: func(e *fstest.OverlayEnv, res map[string]string) string {
			if res["create"] != "fd0 0" || res["unlink"] != "0" {
				return fmt.Sprintf("open(O_CREAT) /m/a, close = %s; unlink /m/a = %s", res["create"], res["unlink"])
			}
			up := e.UpperTree(ovl.UpperDirName)
			if up["m/a"] != "wht" && up["m/a"] != "reg" {
				return "upper layer: " + fstest.FormatTree(up)
			}
			return ""
		},
	}
)

// ovlPressure is readdir of /m while the shrinker prunes the overlay's
// (or the upper layer's) unused dentries; the names of /m are cached
// (and unused) at the start.
func ovlPressure(upper bool) ovlProgram {
	shrink := calls("pressure 100 /")
	if upper {
		shrink = func(t *sim.Task, e *fstest.OverlayEnv) string {
			return fmt.Sprint(e.S.MemoryPressure(t, e.Upper.SB, 100))
		}
	}
	return ovlProgram{
		lower: raceLower, upper: raceUpper,
		pre:     []string{"stat /m", "stat /m/a", "stat /m/c"},
		workers: map[string]ovlWorker{"readdir": calls("ls /m"), "shrink": shrink},
		check:   func(e *fstest.OverlayEnv, res map[string]string) string { return wantReaddir(res) },
	}
}

// The race programs are explored to one preemption: bound 2 takes tens
// of thousands of runs each.
const ovlRaceBound = 1

func init() {
	Register(&Scenario{
		Name: "ovl/readdir-vs-lookup",
		Doc: "overlayfs: readdir of a merged directory races a lookup of a lower name in it. The " +
			"base primes the dcache with lookup_one under the exclusive lock of the wrapped " +
			"iterator; under pdirops that inverts the in-lookup order (lockdep). v3 09/19 and 10/19 as " +
			"posted keep an inverted !d_unhashed test that frees the in-lookup dentry they own " +
			"without d_lookup_done (R5, no race needed), and 10/19 re-splices a dentry the lookup " +
			"cached first (R8); the fixed variants look the name up when it is unhashed and test " +
			"d_alloc_name for NULL.",
		Marks: []string{"->lookup"},
		Cells: ovlCells(ovlRaceBound, readdirVersions, map[string]Expect{
			"mainline/pdirops": FindsRule(sim.KindLockdep, "circular"),
			"01-09":            ovlRinv("R5"),
			"01-10":            ovlRinv("R8"),
		}),
		Setup: ovlReaddirVsLookup.setup,
	})
	Register(&Scenario{
		Name: "ovl/rename-whiteout-vs-lookup",
		Doc: "overlayfs: rename of a lower file (copy-up, then a whiteout left in the upper layer) " +
			"races stat of the old then the new name. In a half-converted pdirops (rename's " +
			"lookup_one_qstr_excl still a plain d_alloc) the rename hashed a second dentry beside a " +
			"lookup's in-lookup one (R1); with RFC 51-53 it is clean. The whole series fires 12/19's " +
			"WARN in shmem_whiteout first.",
		Marks: []string{"ovl: copied up", "shmem: whiteout created", "ovl: rename left a whiteout in upper"},
		Cells: ovlCells(ovlRaceBound, []string{"mainline", "01-10+fix", "v3+fix=ovl-readdir"}, map[string]Expect{
			"v3+fix=ovl-readdir": FindsRule(sim.KindWarn, "WARN_ON"),
		}),
		Setup: ovlRenameWhiteoutVsLookup.setup,
	})
	Register(&Scenario{
		Name:  "ovl/create-vs-unlink",
		Doc:   "overlayfs: open(O_CREAT) of a lower file races its unlink: a whiteout or a file over it in the upper layer.",
		Marks: []string{"ovl: whiteout left in upper", "ovl: created over a whiteout"},
		Cells: ovlCells(ovlRaceBound, []string{"mainline", "01-10+fix", "v3+fix=ovl-readdir"}, nil),
		Setup: ovlCreateVsUnlink.setup,
	})
	Register(&Scenario{
		Name: "ovl/pressure-ovl-sb-during-readdir",
		Doc: "overlayfs: readdir of /m, whose names are cached and unused, while the shrinker prunes " +
			"the overlay superblock. The posted 09/19 is clean unless the shrinker prunes them first " +
			"(R5); 10/19 re-splices them at once (R8).",
		Cells: ovlCells(ovlRaceBound, readdirVersions, map[string]Expect{"01-09": ovlRinv("R5"), "01-10": ovlRinv("R8")}),
		Setup: ovlPressure(false).setup,
	})
	Register(&Scenario{
		Name: "ovl/pressure-upper-sb-during-readdir",
		Doc: "overlayfs: readdir of /m, whose names are cached, while the shrinker prunes the upper " +
			"tmpfs, which frees nothing (its dentries are DONTCACHE and never on the LRU); 10/19 " +
			"re-splices the cached names (R8).",
		Cells: ovlCells(ovlRaceBound, readdirVersions, map[string]Expect{"01-10": ovlRinv("R8")}),
		Setup: ovlPressure(true).setup,
	})
}
