package scenarios

// The overlayfs programs: an overlay over two tmpfs layers
// (fstest.Overlay), built from compact layer trees, a setup phase after
// the mount, then named workers, each running vfstest calls, and a check
// of their results (rule "ovl-result"). docs/findings.md, "overlayfs".

import (
	"strings"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// ovlProgram is an overlay program.
type ovlProgram struct {
	lower, upper fstest.Tree
	// pre are the calls the setup task makes after the mount, before the
	// workers start.
	pre []string
	// workers run concurrently; they are spawned in name order.
	workers map[string]ovlWorker
	// check returns "" when the workers' results (by name) are right.
	check func(e *fstest.OverlayEnv, res map[string]string) string
	// faults: the program runs with injected faults, so the layers may
	// fail to build (the run then ends there).
	faults bool
	// upperDisk and lowerDisk make that layer a disk filesystem
	// (fsmodels/diskfs) instead of a tmpfs.
	upperDisk, lowerDisk bool
}

// ovlWorker is a worker's body; its result is what check sees.
type ovlWorker func(t *sim.Task, e *fstest.OverlayEnv) string

// calls is a worker that runs vfstest calls in one session; its result
// is theirs, joined by " ".
func calls(lines ...string) ovlWorker {
	return func(t *sim.Task, e *fstest.OverlayEnv) string { return execJoined(t, e.S, lines) }
}

// The small pair of layers of the race programs: /m is a merge directory
// with "a" from the lower layer and "c" from the upper one.
var (
	raceLower = fstest.Tree{"m/", "m/a"}
	raceUpper = fstest.Tree{"m/", "m/c"}
)

// setup is the program under a variant.
func (p ovlProgram) setup(w *sim.World, v variant.Variant) {
	e := fstest.OverlayOnDisk(w, v, p.upperDisk, p.lowerDisk)
	res := map[string]string{}
	w.Go("setup", func(t *sim.Task) {
		if p.faults {
			if e.Build(t, p.lower, p.upper) != nil {
				return
			}
		} else if !e.MustBuild(t, p.lower, p.upper) {
			return
		}
		execAll(t, e.S, p.pre)
		spawnWorkers(t, p.workers, func(t *sim.Task, fn ovlWorker) string { return fn(t, e) }, res)
	})
	if p.check != nil {
		checkAtEnd(w, "ovl-result", func() string { return p.check(e, res) }, "")
	}
}

// ovlCells lists variants × regimes with their expectations: want maps
// "VARIANT/REGIME" or "VARIANT" (the text before the regime) to the
// expected report; the rest are clean.
func ovlCells(bound int, versions []string, want map[string]Expect) []Cell {
	var vs []variant.Variant
	for _, text := range versions {
		vs = append(vs, variant.MustParse(text))
	}
	return regimeCells(vs, bound, func(v variant.Variant) Expect {
		text := strings.TrimSuffix(v.In(variant.Today).String(), "/today")
		if e, ok := want[text+"/"+v.Regime().String()]; ok {
			return e
		}
		return want[text]
	})
}

// readdirVersions are the versions of ovl_cache_update: mainline, v3
// 09/19 and 10/19 as posted and with FixReaddir.
var readdirVersions = []string{"mainline", "01-09", "01-09+fix", "01-10", "01-10+fix"}
