package scenarios_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
)

// TestRTCellsCleanWithoutRT: every rt/ scenario's cells, the mutants that
// PREEMPT_RT exposes included, explore clean with the rt setting off,
// exhaustively within the cell's bound (TestExploreEveryScenario explores
// them with it on, where the mutant cells find their livelock).
func TestRTCellsCleanWithoutRT(t *testing.T) {
	n := 0
	for _, sc := range scenarios.All() {
		if !strings.HasPrefix(sc.Name, "rt/") {
			continue
		}
		if !sc.Config.PreemptRT {
			t.Errorf("%s: an rt/ scenario without the rt setting", sc.Name)
		}
		cfg := sc.Config
		cfg.PreemptRT = false
		for _, cell := range sc.Cells {
			cs := cell.Settings()
			r := explore.DFS(sc.Program(cell.Variant), explore.Options{MaxPreemptions: cs.Bound, Budget: cs.Budget, Config: cfg,
				Ignore: cs.Ignore})
			if r.Err != nil || r.First != nil {
				t.Errorf("%s@%s without rt: err %v, found %s", sc.Name, cell.Variant, r.Err, describe(r.First))
			} else if !r.Exhausted {
				t.Errorf("%s@%s without rt: not exhausted in %d runs", sc.Name, cell.Variant, r.Runs)
			}
			n++
		}
	}
	if n < 4 {
		t.Errorf("%d rt cells, want the faithful and mutant cells of rt/dir-seq-same-cpu at least", n)
	}
}
