package cli

import (
	"strings"
	"testing"
)

// TestBenchRaces: the race table has a row for every race case (a cell
// found only with a preemption: the two-preemption mutant and the
// PREEMPT_RT cells among them) and none for a cell found without one, with
// every strategy's column. (The native baseline is left out: its hung
// executions leave goroutines blocked, which the leak check reports.)
func TestBenchRaces(t *testing.T) {
	if testing.Short() {
		t.Skip("explores every violation cell of the catalog (about 2 s)")
	}
	code, out, errs := dcsim(t, "bench", "--races", "--cap", "20", "--runs", "20", "--native=false")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var missing []string
	for _, want := range []string{
		"random", "PCT", "POS", "DFS", "DPOR", "allocs/run", "2w runs/s", "native plain", "native jitter", "native -race",
		"dcache/unhash-same-bucket@mainline+mut=no-unhash-lock/today    2",
		"rt/dir-seq-same-cpu@mainline+mut=no-preempt-disable-nested/today    1",
		"race cases",
	} {
		if !strings.Contains(out, want) {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the table lacks %q:\n%s", missing, out)
	}
	if strings.Contains(out, "demo/abba@") {
		t.Errorf("demo/abba (found without a preemption) is not a race case:\n%s", out)
	}
}
