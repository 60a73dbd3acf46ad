// Package dcsimtest checks dcsim programs from an ordinary `go test`.
//
//	func TestLostWakeup(t *testing.T) {
//		dcsimtest.Check(t, "demo/lost-wakeup-fixed", variant.BaseToday)
//	}
//
// Check explores a catalog scenario under a variant (CheckProgram: any
// sim.Program) with the default strategy, the DFS deepened to the cell's
// preemption bound within its run budget, and fails the test when a checker
// reports. The failure shows the shrunk report and ONE line that reruns
// exactly that schedule:
//
//	rerun: go test ./mypkg -run '^TestLostWakeup$' -dcsim.schedule='v2:demo/lost-wakeup@mainline/today:-:…'
//
// and saves the schedule in a fail file under
// testdata/dcsim/TEST_NAME/HASH.fail. Later runs replay every fail file of
// the test first, as pgregory.net/rapid does with its fail files: the
// check fails again at once while the bug is there, and a fail file that
// replays clean is reported in the test log (delete it once the fix is in).
//
// Flags of the test binary (after `go test ... -args` or among go test's
// own flags), each with an environment variable that sets its default:
//
//	-dcsim.schedule S   DCSIM_SCHEDULE   replay S instead of exploring (in checks of S's program)
//	-dcsim.seed N       DCSIM_SEED       seed of the sampling strategies (random, pct, pos)
//	-dcsim.strategy X   DCSIM_STRATEGY   dfs (default), dpor, dpor-conservative, random, pct or pos
//	-dcsim.nofailfile   DCSIM_NOFAILFILE do not write fail files
//
// With rapid, draw the program and call Find, which explores without
// flags or fail files and returns the shrunk failure (rapid's own fail
// file then replays the draw):
//
//	rapid.Check(t, func(rt *rapid.T) {
//		if f := dcsimtest.Find(drawProgram(rt)); f != nil {
//			rt.Fatal(f)
//		}
//	})
package dcsimtest
