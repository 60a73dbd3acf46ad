package fstest

import (
	"testing"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// DanglingBothWays tests that a filesystem's dentry pointers reach the
// oracle's dangling-pointer check: setup builds a one-task program, and
// with forget set the task puts a freed dentry back into one of the
// filesystem's structures (as if it had never been told of the dentry's
// end). The run as built must be quiet, the forgetful one must end on
// consistency [oracle-dangling].
func DanglingBothWays(tb testing.TB, setup func(w *sim.World, forget bool)) {
	tb.Helper()
	for _, forget := range []bool{false, true} {
		out := sim.Execute(sim.Program{Name: tb.Name(), Setup: func(w *sim.World) { setup(w, forget) }}, sim.Config{}, nil)
		r := out.Report
		switch {
		case forget && (r == nil || r.Kind != sim.KindConsistency || r.Rule != oracle.RuleDangling):
			tb.Errorf("a freed dentry left in a filesystem structure: want consistency [%s], got %v", oracle.RuleDangling, r)
		case !forget && r != nil:
			tb.Errorf("the program as built: want clean, got %v", r)
		}
		out.Release()
	}
}
