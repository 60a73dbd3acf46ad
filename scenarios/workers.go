package scenarios

import (
	"maps"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// The parts the Go race programs (overlay, procfs, disk) share: setup
// calls, named workers spawned in name order (so that task ids do not
// depend on map order), and a check of their results at the end.

// execAll runs calls in one vfstest session.
func execAll(t *sim.Task, s *vfs.System, calls []string) {
	ss := vfstest.NewSession(s)
	for _, l := range calls {
		ss.Exec(t, l)
	}
}

// spawnWorkers spawns one task per worker, in name order; each stores
// run's result under its name in res.
func spawnWorkers[W any](t *sim.Task, workers map[string]W, run func(t *sim.Task, w W) string, res map[string]string) {
	for _, n := range slices.Sorted(maps.Keys(workers)) {
		w := workers[n]
		t.Spawn(n, func(t *sim.Task) { res[n] = run(t, w) })
	}
}

// checkAtEnd reports check's complaint, if any, at the end of a run that
// no checker halted, as an invariant violation of rule.
func checkAtEnd(w *sim.World, rule string, check func() string, msg string) {
	w.AtEnd(func(w *sim.World) {
		if w.Halted() {
			return
		}
		if complaint := check(); complaint != "" {
			w.Violation(sim.KindInvariant, rule, complaint, msg)
		}
	})
}

// execJoined runs calls in one vfstest session and joins their results
// with " ".
func execJoined(t *sim.Task, s *vfs.System, calls []string) string {
	ss := vfstest.NewSession(s)
	out := make([]string, 0, len(calls))
	for _, l := range calls {
		out = append(out, ss.Exec(t, l))
	}
	return strings.Join(out, " ")
}
