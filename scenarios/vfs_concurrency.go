package scenarios

// Concurrent syscalls on tmpfs: two tasks racing on one name (lookup,
// create, unlink, rename, whiteout, link, readdir...), each program also
// with memory pressure as a third task (one shrinker pass, then
// drop_caches), which makes it a program of its own, NAME+pressure.
// Cells: mainline and the v3 series without patch 12 in both regimes;
// the whole series only where a whiteout is made (patch 12 changes
// nothing else: TestV3SameAsV3No12). Every run ends with the dcache
// invariants, the leak walker, the umount check (fstest.Tmpfs) and the
// program's own check of the syscalls' results ("outcome"); ->lookup is
// checked against R4 on every call. docs/findings.md, "tmpfs and VFS
// outcomes".

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// v3No12 is the v3 series without patch 12 (shmem_whiteout with
// d_duplicate, which warns on every whiteout; docs/findings.md).
var v3No12 = variant.Define(variant.V3Today.WithoutPatch(variant.P12ShmemDuplicate),
	"the v3 series without 12/19 (shmem_whiteout with d_duplicate), today's locking")

// race is a tmpfs race: a setup script ("CALL = RESULT" lines, run by
// the setup task before the racers start), one script per racing task
// and a check of their results ("" if allowed).
type race struct {
	name  string
	doc   string
	setup []string
	tasks [][]string
	check func(res [][]string) string
	marks []string // marks a clean exploration without pressure must hit
	// expect is the outcome of a cell (nil: clean everywhere).
	expect func(v variant.Variant) Expect
	// bound is the preemption bound of the program without pressure (0:
	// raceBound).
	bound int
}

// pressureScript is the third task of the NAME+pressure programs.
var pressureScript = []string{"pressure 16", "dropcaches"}

func oneOf(got string, allowed ...string) bool { return slices.Contains(allowed, got) }

// isFd reports whether an open result is a descriptor.
func isFd(r string) bool { return strings.HasPrefix(r, "fd") }

// whiteout reports whether the race renames with RENAME_WHITEOUT, the
// only operation v3 12/19 changes.
func (rc race) whiteout() bool {
	for _, sc := range rc.tasks {
		for _, l := range sc {
			if strings.Contains(l, "whiteout") {
				return true
			}
		}
	}
	return false
}

// program builds the program of the race, with the pressure task or not.
func (rc race) program(pressure bool) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		e := fstest.Tmpfs(w, v)
		scripts := slices.Clone(rc.tasks)
		if pressure {
			scripts = append(scripts, pressureScript)
		}
		res := make([][]string, len(scripts))
		for i := range scripts {
			res[i] = make([]string, len(scripts[i]))
		}
		w.Go("setup", func(t *sim.Task) {
			ss := vfstest.NewSession(e.S)
			for _, l := range rc.setup {
				call, want, _ := strings.Cut(l, " = ")
				if got := ss.Exec(t, call); got != want {
					t.Violation(sim.KindInvariant, "setup", fmt.Sprintf("setup: %s = %s, want %s", call, got, want), "")
				}
			}
			for i, sc := range scripts {
				t.Spawn(strings.Fields(sc[0])[0], func(t *sim.Task) {
					ss := vfstest.NewSession(e.S)
					for j, l := range sc {
						res[i][j] = ss.Exec(t, l)
					}
				})
			}
		})
		w.AtEnd(func(w *sim.World) {
			if pressure && res[len(rc.tasks)][0] != "0" {
				// tmpfs keeps no unused dentry: negatives die at their
				// last dput (DCACHE_DONTCACHE), positives are pinned
				// (DCACHE_PERSISTENT). The shrinker finds an empty LRU.
				w.Violation(sim.KindInvariant, "outcome", "the shrinker took dentries off a tmpfs LRU: "+res[len(rc.tasks)][0], "")
			}
			if msg := rc.check(res[:len(rc.tasks)]); msg != "" {
				w.Violation(sim.KindInvariant, "outcome", msg, fmt.Sprintf("results %q\n%s", res, e.FS.SB.Dump()))
			}
		})
	}
}

// Exploration bounds of the race programs: two racers to two
// preemptions (some to one: race.bound), with the pressure task to one.
const (
	raceBound         = 2
	racePressureBound = 1
)

// cells lists the race's variants: mainline and v3 without 12 in both
// regimes, and v3 where a whiteout is made.
func (rc race) cells(bound int) []Cell {
	versions := []variant.Variant{variant.BaseToday, v3No12}
	if rc.whiteout() {
		versions = append(versions, variant.V3Today)
	}
	cells := regimeCells(versions, bound, rc.expect)
	for i := range cells {
		cells[i].Budget = 50_000
	}
	return cells
}

func init() {
	for _, rc := range races {
		bound := raceBound
		if rc.bound != 0 {
			bound = rc.bound
		}
		Register(&Scenario{Name: "vfs/" + rc.name, Doc: rc.doc, Setup: rc.program(false),
			Cells: rc.cells(bound), Marks: rc.marks})
		Register(&Scenario{Name: "vfs/" + rc.name + "+pressure",
			Doc:   rc.doc + " A third task runs the shrinker over the tmpfs LRU, then drop_caches: it must find nothing to free.",
			Setup: rc.program(true), Cells: rc.cells(racePressureBound)})
	}
}
