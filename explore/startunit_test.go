package explore_test

import (
	"fmt"
	"maps"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// scenarioCell looks up a catalog scenario and parses a variant ("":
// the scenario's first cell's).
func scenarioCell(tb testing.TB, name, v string) (*scenarios.Scenario, variant.Variant) {
	tb.Helper()
	sc, err := scenarios.Lookup(name)
	if err != nil {
		tb.Fatal(err)
	}
	if v == "" {
		return sc, sc.Default().Variant
	}
	vv, err := variant.Parse(v)
	if err != nil {
		tb.Fatal(err)
	}
	return sc, vv
}

// dfsRepeats explores p with the DFS and measures, in the tree of the
// last bound (the runs before it are deepening's reruns of smaller
// bounds), the runs and how many of them repeat the step sequence of an
// earlier run of that tree. It also returns the step sequences (run
// hashes) and report kinds and rules of the whole exploration. A tree
// begins with the run that takes every default.
func dfsRepeats(p sim.Program, o explore.Options) (r *explore.Result, runs, repeats int, hashes map[uint64]bool, reports map[string]bool) {
	hashes, reports = map[uint64]bool{}, map[string]bool{}
	tree := map[uint64]bool{}
	o.KeepGoing = true
	o.OnRun = func(out *sim.Outcome) {
		first := true
		for i := range out.Decisions {
			if d := &out.Decisions[i]; int(d.Value) != d.Default() {
				first = false
				break
			}
		}
		if first {
			clear(tree)
			runs, repeats = 0, 0
		}
		runs++
		if tree[out.Hash] {
			repeats++
		}
		tree[out.Hash], hashes[out.Hash] = true, true
		if rep := out.Report; rep != nil {
			reports[fmt.Sprintf("%s [%s]", rep.Kind, rep.Rule)] = true
		}
	}
	r = explore.DFS(p, o)
	return r, runs, repeats, hashes, reports
}

// The DFS that skips repeated picks runs exactly the step sequences, and
// finds exactly the reports, of the one that keeps them, never deepens
// further, and on demo/abba-ordered (whose tasks start with a lock)
// repeats no step sequence within a tree.
func TestDFSSkipsOnlyRepeatedPicks(t *testing.T) {
	type tcase struct {
		scenario, v string
		bound       int
	}
	cases := []tcase{
		{"demo/abba-ordered", "mainline/today", 3},
		{"demo/abba", "mainline/today", 2},
		{"demo/lost-wakeup", "mainline/today", 2},
		{"dcache/owner-and-waiter", "v3/today", 1},
		{"dcache/owner-and-waiter", "v3+mut=no-lock-waiter/today", 2},
	}
	if !testing.Short() {
		cases = append(cases, tcase{"dcache/owner-and-waiter", "v3/today", 2})
	}
	for _, c := range cases {
		sc, v := scenarioCell(t, c.scenario, c.v)
		o := explore.Options{MaxPreemptions: c.bound, Budget: 100_000, Config: sc.Config}
		keep := o
		keep.KeepRepeatedPicks = true
		rk, runsK, repK, hk, kk := dfsRepeats(sc.Program(v), keep)
		rp, runsP, repP, hp, kp := dfsRepeats(sc.Program(v), o)
		name := c.scenario + "@" + c.v
		t.Logf("%s bound %d: keep %d runs (last tree %d, %d repeats), skip %d runs (last tree %d, %d repeats)",
			name, c.bound, rk.Runs, runsK, repK, rp.Runs, runsP, repP)
		if !rk.Exhausted || !rp.Exhausted || rp.Bound > rk.Bound || rp.Runs > rk.Runs {
			t.Errorf("%s: keep exhausted %v bound %d, %d runs; skip exhausted %v bound %d, %d runs",
				name, rk.Exhausted, rk.Bound, rk.Runs, rp.Exhausted, rp.Bound, rp.Runs)
		}
		if !maps.Equal(hk, hp) {
			t.Errorf("%s: %d step sequences kept, %d when skipping", name, len(hk), len(hp))
		}
		if !maps.Equal(kk, kp) {
			t.Errorf("%s: reports %v kept, %v when skipping", name, kk, kp)
		}
		if c.scenario == "demo/abba-ordered" && (repP != 0 || repK == 0) {
			t.Errorf("%s: %d repeats when skipping (want 0), %d kept (want some)", name, repP, repK)
		}
	}
}

// BenchmarkDFSRepeats measures the DFS with and without repeated picks:
// runs, and the share of the last tree's runs that repeat another's step
// sequence (docs/performance.md, "Start units: no duplicate branches").
//
//	go test ./explore -run '^$' -bench DFSRepeats -benchtime 1x
func BenchmarkDFSRepeats(b *testing.B) {
	for _, c := range []struct {
		scenario, v string
		bound       int
	}{
		{"demo/abba-ordered", "mainline/today", 2},
		{"dcache/owner-and-waiter", "v3/today", 2},
		{"dcache/parallel-lookup", "mainline/today", 1},
		{"dcache/parallel-lookup", "v3/today", 1},
		{"dcache/parallel-lookup", "mainline/today", 2},
	} {
		sc, v := scenarioCell(b, c.scenario, c.v)
		for _, keep := range []bool{true, false} {
			mode := "skip"
			if keep {
				mode = "keep"
			}
			b.Run(fmt.Sprintf("%s@%s/bound%d/%s", c.scenario, c.v, c.bound, mode), func(b *testing.B) {
				var runs, tree, repeats int
				for b.Loop() {
					r, n, rep, _, _ := dfsRepeats(sc.Program(v), explore.Options{MaxPreemptions: c.bound,
						Budget: 10_000_000, Config: sc.Config, KeepRepeatedPicks: keep})
					runs, tree, repeats = r.Runs, n, rep
				}
				b.ReportMetric(float64(runs), "runs")
				b.ReportMetric(100*float64(repeats)/float64(tree), "%repeats")
			})
		}
	}
}
