package scenarios

import (
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
)

// The programs of the findings on the posted v3 09/19 and 10/19
// ovl_cache_update (docs/findings.md, "overlayfs").

// ovlSingleReaddir reads /m in one task; with cached, after the setup
// task looked its names up.
func ovlSingleReaddir(cached bool) ovlProgram {
	p := ovlProgram{
		lower: raceLower, upper: raceUpper,
		workers: map[string]ovlWorker{"readdir": calls("ls /m")},
		check:   func(e *fstest.OverlayEnv, res map[string]string) string { return wantReaddir(res) },
	}
	if cached {
		p.pre = []string{"stat /m", "stat /m/a", "stat /m/c"}
	}
	return p
}

// ovlRacedReaddir is readdir of /m racing a lookup of /m/a, where /m is
// a merge directory whose only entry is "a" (any other name would fire
// R5 or, under 10, R8 first). With check, the readdir must list "a"
// and the lookup find it; without, only the checkers judge (for the
// run with faults, where an -ENOMEM is a right answer).
func ovlRacedReaddir(check bool) ovlProgram {
	p := ovlProgram{faults: !check,
		lower: fstest.Tree{"m/", "m/a"}, upper: fstest.Tree{"m/"},
		pre:     []string{"stat /m"},
		workers: map[string]ovlWorker{"readdir": calls("ls /m"), "lookup": calls("stat /m/a")},
	}
	if check {
		p.check = func(e *fstest.OverlayEnv, res map[string]string) string {
			if got := res["readdir"]; got != "a:reg" {
				return "readdir /m returned " + got + ", want a:reg"
			}
			if isErrno(res["lookup"]) {
				return "stat /m/a = " + res["lookup"]
			}
			return ""
		}
	}
	return p
}

var postedReaddir = []string{"01-09", "01-09+fix", "01-10", "01-10+fix"}

// posted0910 is what exploring the raced programs finds first on the
// posted 09/19 and 10/19: the finding of one readdir with no race
// (ovl/readdir-uncached, ovl/readdir-cached), since "a" is either not
// cached yet or cached by the lookup. The findings of the race itself
// are reached by the schedules of docs/findings.md (TestFindingSchedules).
var posted0910 = map[string]Expect{"01-09": ovlRinv("R5"), "01-10": ovlRinv("R8")}

func init() {
	Register(&Scenario{
		Name: "ovl/readdir-uncached",
		Doc: "overlayfs: one readdir of a merge directory whose names are not cached, no race. " +
			"The posted 09/19 and 10/19 free the in-lookup dentry they own without d_lookup_done " +
			"(R5); mainline and the fixed variants are clean.",
		Cells: ovlCells(0, readdirVersions, map[string]Expect{"01-09": ovlRinv("R5"), "01-10": ovlRinv("R5")}),
		Setup: ovlSingleReaddir(false).setup,
	})
	Register(&Scenario{
		Name: "ovl/readdir-cached",
		Doc: "overlayfs: one readdir of a merge directory whose names were looked up first, no race. " +
			"The posted 10/19 re-splices a cached positive dentry (R8); the rest are clean.",
		Cells: ovlCells(0, readdirVersions, map[string]Expect{"01-10": ovlRinv("R8")}),
		Setup: ovlSingleReaddir(true).setup,
	})
	Register(&Scenario{
		Name: "ovl/raced-readdir",
		Doc: "overlayfs, pdirops: a lookup that owns the in-lookup dentry of \"a\" while readdir holds " +
			"the directory makes d_alloc_noblock fail with -EWOULDBLOCK; the posted 09/19 and 10/19 then " +
			"skip the lookup of their d_alloc_name dentry (inverted test) and mark \"a\" stale: readdir " +
			"does not list an existing file (ovl-result). One preemption. The today regime cannot reach " +
			"-EWOULDBLOCK; the fixed variants list it. Exploring finds the no-race R5 (09) and R8 (10) first.",
		Cells: ovlCells(ovlRaceBound, postedReaddir, posted0910),
		Setup: ovlRacedReaddir(true).setup,
	})
	Register(&Scenario{
		Name: "ovl/raced-readdir-enomem",
		Doc: "ovl/raced-readdir with one injected allocation failure and no check of the results: " +
			"on the -EWOULDBLOCK path a failed d_alloc_name() returns NULL, and the posted code calls " +
			"d_unhashed(NULL). The fixed variants turn it into -ENOMEM (readdir fails, no oops): with any one " +
			"fault and one preemption they are clean.",
		Config: sim.Config{Faults: true},
		Cells:  ovlCells(ovlRaceBound, postedReaddir, posted0910),
		Setup:  ovlRacedReaddir(false).setup,
	})
}
