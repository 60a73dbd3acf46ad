package explore_test

import (
	"testing"

	"github.com/dcsim/dcsim/explore"
)

// DPOR is sound only over accesses the steps record. Two catalog cells
// it used to report clean while the DFS found their race within the same
// bound, both for an access no step recorded:
//   - dcache/dput-vs-find-alias: the find racer read d->d_inode with no
//     step (1 DPOR run, "exhausted");
//   - dcache/unhash-same-bucket, mutant no-unhash-lock: the stale store
//     into the in-lookup chain was a step on the dentry, not the chain,
//     so it commuted with the insertion it overwrites (2,374 runs).
//
// Each must now be found by DPOR, and faster than by the DFS.
func TestDPORFindsWhatStepsRecord(t *testing.T) {
	for _, c := range []struct {
		scenario, v string
		bound       int
	}{
		{"dcache/dput-vs-find-alias", "mainline+mut=no-kill-recheck/today", 1},
		{"dcache/unhash-same-bucket", "mainline+mut=no-unhash-lock/today", 2},
	} {
		p, cfg := catalogProgram(t, c.scenario, c.v)
		o := explore.Options{MaxPreemptions: c.bound, Budget: 50_000, Config: cfg}
		dfs := explore.DFS(p, o)
		dpor := explore.DPOR(p, o)
		if dfs.First == nil {
			t.Fatalf("%s@%s: the DFS found nothing within bound %d", c.scenario, c.v, c.bound)
		}
		if dpor.First == nil || dpor.First.Kind != dfs.First.Kind {
			t.Errorf("%s@%s: DPOR %v in %d runs (%s), DFS %s in %d runs", c.scenario, c.v, dpor.First, dpor.Runs, dpor.Coverage(), dfs.First.Kind, dfs.Runs)
			continue
		}
		if dpor.Runs >= dfs.Runs {
			t.Errorf("%s@%s: DPOR needed %d runs, the DFS %d", c.scenario, c.v, dpor.Runs, dfs.Runs)
		}
		t.Logf("%s@%s: DFS %d runs, DPOR %d runs (%s)", c.scenario, c.v, dfs.Runs, dpor.Runs, dpor.First.Kind)
	}
}
