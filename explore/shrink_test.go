package explore_test

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// TestShrinkKeepsTheReport shrinks violations found by a random walk (many
// preemptions, long runs) and by the DFS: the shrunk schedule has no more
// preemptions nor steps, gives the same report (kind, rule, location) and
// replays strictly.
func TestShrinkKeepsTheReport(t *testing.T) {
	for _, c := range []struct {
		scenario string
		v        variant.Variant
	}{
		{"demo/refcount", variant.BaseToday},
		{"demo/abba", variant.BaseToday},
		{"demo/lost-wakeup", variant.BaseToday},
		{"dcache/owner-and-waiter", variant.BaseToday.With(dcache.MutNoDirSeqRecheck)},
	} {
		sc, err := scenarios.Lookup(c.scenario)
		if err != nil {
			t.Fatal(err)
		}
		p := sc.Program(c.v)
		for _, explorer := range []func(sim.Program, explore.Options) *explore.Result{explore.Random, explore.DFS} {
			r := explorer(p, explore.Options{Seed: 3, Budget: 20000, MaxPreemptions: 2, Config: sc.Config})
			if r.First == nil {
				t.Fatalf("%s: no violation", c.scenario)
			}
			shrunk, pre := explore.Shrink(p, sc.Config, r.First)
			if shrunk == nil {
				t.Fatalf("%s: shrinking lost the report %s", c.scenario, explore.GroupKey(r.First))
			}
			if explore.GroupKey(shrunk) != explore.GroupKey(r.First) {
				t.Errorf("%s: shrunk report %s, was %s", c.scenario, explore.GroupKey(shrunk), explore.GroupKey(r.First))
			}
			if pre > r.FirstPreemptions {
				t.Errorf("%s: shrunk to %d preemptions from %d", c.scenario, pre, r.FirstPreemptions)
			}
			s, err := sim.ParseSchedule(shrunk.Schedule)
			if err != nil {
				t.Fatal(err)
			}
			cfg := s.Config()
			again := sim.Execute(p, cfg, sim.NewReplay(s))
			if again.Err != nil || again.Report == nil || again.Report.Rule != shrunk.Rule {
				t.Errorf("%s: shrunk schedule %s does not replay strictly: %v", c.scenario, shrunk.Schedule, again.Err)
			}
			t.Logf("%s: %d preemptions, step %d -> %d preemptions, step %d: %s", c.scenario, r.FirstPreemptions, r.First.Step, pre, shrunk.Step, shrunk.Schedule)
			again.Release()
		}
	}
}
