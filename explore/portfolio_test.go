package explore_test

import (
	"fmt"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// Workers hand runs to the fold in chunks of up to 32, summing the runs
// that report nothing: with budgets large enough for full chunks, with
// violations inside chunks, with an ignored rule (its runs are summed)
// and with OnRun (every run travels whole), the result is the one worker's.
func TestChunkedSamplingMatchesOneWorker(t *testing.T) {
	sc, v := scenarioCell(t, "dcache/unhash-same-bucket", "mainline+mut=no-unhash-lock/today")
	budget := 1500
	if testing.Short() {
		budget = 400
	}
	type mode struct {
		name      string
		keepGoing bool
		ignore    []string
		onRun     bool
	}
	for _, m := range []mode{{"first", false, nil, false}, {"all", true, nil, false},
		{"ignored", false, []string{"R1"}, false}, {"onrun", true, nil, true}} {
		var seen int
		opts := func(workers int) explore.Options {
			o := explore.Options{Seed: 5, Budget: budget, Config: sc.Config, RequireMarks: sc.Marks,
				KeepGoing: m.keepGoing, Ignore: m.ignore, RecheckEvery: 97, Workers: workers}
			if m.onRun {
				o.OnRun = func(*sim.Outcome) { seen++ }
			}
			return o
		}
		one := explore.Random(sc.Program(v), opts(1))
		for _, w := range []int{2, 3} {
			seen = 0
			r := explore.Random(sc.Program(v), opts(w))
			sameResult(t, fmt.Sprintf("%s workers=%d", m.name, w), one, r)
			if m.onRun && seen != r.Runs {
				t.Errorf("%s workers=%d: OnRun saw %d runs of %d", m.name, w, seen, r.Runs)
			}
		}
	}
}
