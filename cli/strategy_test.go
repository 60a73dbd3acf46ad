package cli

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/sim"
)

// TestExploreAllDPOR: --all under DPOR lists each distinct violation of
// demo/refcount once, with a shrunk schedule that replays strictly to
// the same report.
func TestExploreAllDPOR(t *testing.T) {
	code, out, errOut := dcsim(t, "explore", "--scenario", "demo/refcount", "--strategy", "dpor", "--all", "--preemptions", "5")
	if code != 1 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out, "4 distinct violation(s):") {
		t.Fatalf("want 4 groups:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		s, ok := strings.CutPrefix(strings.TrimSpace(l), "replay: dcsim replay '")
		if !ok {
			continue
		}
		s = strings.TrimSuffix(s, "'")
		if _, err := sim.ParseSchedule(s); err != nil {
			t.Fatal(err)
		}
		if code, _, e := dcsim(t, "replay", "-q", s); code != 1 {
			t.Errorf("replay %s: exit %d %s", s, code, e)
		}
	}
}

// TestCheckStrategyDPOR: check --strategy dpor meets the expectations of
// the demo cells as the DFS does.
func TestCheckStrategyDPOR(t *testing.T) {
	code, out, errOut := dcsim(t, "check", "--scenario", "demo/*", "--strategy", "dpor", "--no-times")
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := dcsim(t, "check", "--strategy", "bfs"); code != 2 {
		t.Errorf("--strategy bfs: exit %d, want 2", code)
	}
}
