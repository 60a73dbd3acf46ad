package fstest_test

import (
	"testing"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// TestDanglingPointersChecked: the dentry pointers pidfs and eventfs keep
// (the stash; ei->d_children[]) reach the oracle's dangling check. The
// programs as built are quiet: ->d_prune clears the stash and ->d_iput
// the cache entry before the dentry is freed. Each pointer put back on
// its freed dentry (as if the filesystem had not been told) is reported.
func TestDanglingPointersChecked(t *testing.T) {
	t.Run("stash", func(t *testing.T) {
		fstest.DanglingBothWays(t, func(w *sim.World, forget bool) {
			e := fstest.Stash(w, variant.BaseToday)
			w.Go("main", func(t *sim.Task) {
				d := e.FS.Open(t, e.Pid)
				e.FS.Close(t, e.Pid, d)
				if forget {
					e.Pid.Stashed.Set(d)
				}
			})
		})
	})
	t.Run("eventfs", func(t *testing.T) {
		fstest.DanglingBothWays(t, func(w *sim.World, forget bool) {
			e := fstest.Eventfs(w, variant.BaseToday)
			w.Go("main", func(t *sim.Task) {
				e.S.Stat(t, "/enable")
				d1 := e.FS.EI.DChildren[0]
				e.S.MemoryPressure(t, e.FS.SB, 1)
				if forget {
					e.FS.EI.DChildren[0] = d1
				}
			})
		})
	})
}
