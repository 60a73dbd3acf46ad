package scenarios_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/internal/leakcheck"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

func TestRegistry(t *testing.T) {
	names := scenarios.Names()
	if len(names) == 0 || !slices.IsSorted(names) {
		t.Fatalf("Names() = %q: want a non-empty sorted list", names)
	}
	all := scenarios.All()
	if len(all) != len(names) {
		t.Fatalf("All() has %d scenarios, Names() %d", len(all), len(names))
	}
	for i, sc := range all {
		if sc.Name != names[i] {
			t.Errorf("All()[%d] = %s, Names()[%d] = %s", i, sc.Name, i, names[i])
		}
		got, err := scenarios.Lookup(sc.Name)
		if err != nil || got != sc {
			t.Errorf("Lookup(%q) = %v, %v", sc.Name, got, err)
		}
		if sc.Doc == "" || sc.Setup == nil {
			t.Errorf("%s: missing Doc or Setup", sc.Name)
		}
		if p := sc.Program(sc.Default().Variant); p.Name != sc.Name {
			t.Errorf("%s: Program().Name = %q", sc.Name, p.Name)
		}
	}
	if _, err := scenarios.Lookup(scenarios.DefaultName); err != nil {
		t.Errorf("the default scenario %q is not registered: %v", scenarios.DefaultName, err)
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, name := range []string{"demo/nope", "", "DEMO/ABBA"} {
		sc, err := scenarios.Lookup(name)
		if err == nil || sc != nil {
			t.Fatalf("Lookup(%q) = %v, %v; want an error", name, sc, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "unknown scenario") || !strings.Contains(msg, `"`+name+`"`) {
			t.Errorf("Lookup(%q): %q does not name the unknown scenario", name, msg)
		}
		if len(msg) > 200 {
			t.Errorf("Lookup(%q): %d-byte error; it should suggest, not list the catalog", name, len(msg))
		}
	}
}

func TestLookupSuggests(t *testing.T) {
	_, err := scenarios.Lookup("demo/abab")
	if err == nil || !strings.Contains(err.Error(), "did you mean demo/abba") {
		t.Errorf("Lookup(demo/abab) = %v, want a suggestion of demo/abba", err)
	}
	_, err = scenarios.Lookup("zzzzzzzzzzzzzzzzzzzz")
	if err == nil || !strings.Contains(err.Error(), "dcsim list") {
		t.Errorf("Lookup of a far name = %v, want a pointer to dcsim list", err)
	}
}

func TestRegisterDuplicatePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "duplicate") {
			t.Errorf("duplicate Register: recover() = %v", r)
		}
	}()
	scenarios.Register(&scenarios.Scenario{Name: scenarios.DefaultName})
}

// TestExploreEveryScenario: each cell of each scenario explores to the
// report it expects, hits its marks, and its first report replays. Clean
// cells explore at most 2000 runs here (with -short: every third cell,
// clean ones to one preemption and 300 runs); `dcsim check`, which CI
// runs, explores every cell to its bounds.
func TestExploreEveryScenario(t *testing.T) {
	n := 0
	for _, sc := range scenarios.All() {
		for _, cell := range sc.Cells {
			if n++; testing.Short() && n%3 != 0 {
				continue // -short: every third cell
			}
			t.Run(sc.Name+"@"+cell.Variant.String(), func(t *testing.T) {
				cs := cell.Settings()
				bound, budget := cs.Bound, cs.Budget
				full, fullBudget := bound, budget
				if cell.Expect == scenarios.Clean {
					budget = min(budget, 2000)
					if testing.Short() {
						bound, budget = min(bound, 1), min(budget, 300)
					}
				}
				prog := sc.Program(cell.Variant)
				r := explore.DFS(prog, explore.Options{MaxPreemptions: bound, Budget: budget, MaxFaults: cs.MaxFaults,
					Config: sc.Config, RequireMarks: sc.Marks, RecheckEvery: 10, Ignore: cs.Ignore})
				if r.Err != nil {
					t.Fatalf("input error: %v", r.Err)
				}
				if !cell.Expect.Met(r.First) {
					t.Fatalf("expected %s, found %s", cell.Expect, describe(r.First))
				}
				if r.First == nil {
					// A mark may need the cell's full bound, which -short cuts.
					if len(r.MissingMarks) > 0 && bound == full && budget == fullBudget {
						t.Errorf("marks never hit: %q (hit: %v)", r.MissingMarks, r.Marks)
					}
					if !r.Exhausted && budget == fullBudget {
						t.Errorf("clean, but not exhausted within bound %d and %d runs", bound, r.Runs)
					}
					return
				}
				s, err := sim.ParseSchedule(r.First.Schedule)
				if err != nil {
					t.Fatal(err)
				}
				cfg := sc.Config
				cfg.Trace = sim.TraceFull
				out := sim.Execute(prog, cfg, sim.NewPrefixReplay(s))
				if out.Err != nil || out.Report == nil || out.Report.Format() != r.First.Format() {
					t.Fatalf("schedule %s does not replay to its report: err %v, report %+v", r.First.Schedule, out.Err, out.Report)
				}
			})
		}
	}
}

// runText is one traced run rendered as the CLI prints it: the trace, then
// the report (empty when clean), then the schedule.
func runText(p sim.Program, cfg sim.Config, s sim.Strategy) (text, schedule string, err error) {
	cfg.Trace = sim.TraceFull
	out := sim.Execute(p, cfg, s)
	text = strings.Join(out.FormatTrace(), "\n") + "\n\n"
	if out.Report != nil {
		text += out.Report.Format()
	}
	return text, out.Schedule().String(), out.Err
}

// determinismRuns runs seeds 0..n-1 of the racy demos, replays each from
// its schedule string, and returns the texts in order.
func determinismRuns(t *testing.T, n int) []string {
	t.Helper()
	var texts []string
	for _, name := range []string{"demo/refcount", "demo/abba"} {
		sc, err := scenarios.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		violations, distinct := 0, map[string]bool{}
		for seed := range uint64(n) {
			first, sched, err := runText(sc.Program(sc.Default().Variant), sc.Config, sim.NewRandom(seed))
			if err != nil {
				t.Fatalf("%s seed %d: %v", name, seed, err)
			}
			s, err := sim.ParseSchedule(sched)
			if err != nil {
				t.Fatalf("%s seed %d: schedule %q: %v", name, seed, sched, err)
			}
			again, sched2, err := runText(sc.Program(sc.Default().Variant), sc.Config, sim.NewPrefixReplay(s))
			if err != nil {
				t.Fatalf("%s seed %d: replay of %s: %v", name, seed, sched, err)
			}
			if again != first || sched2 != sched {
				t.Fatalf("%s seed %d (GOMAXPROCS %d): replay of %s differs:\n--- run\n%s\n--- replay (%s)\n%s",
					name, seed, runtime.GOMAXPROCS(0), sched, first, sched2, again)
			}
			if strings.Contains(first, "=== dcsim:") {
				violations++
			}
			distinct[first] = true
			texts = append(texts, first)
		}
		if len(distinct) < 2 {
			t.Errorf("%s: %d seeds gave only %d distinct runs", name, n, len(distinct))
		}
		// The demos are racy: some seeds must find the bug (every abba
		// run records both lock orders, so lockdep fires on all of them).
		if violations == 0 || (name == "demo/abba" && violations != n) {
			t.Errorf("%s: %d of %d seeds reported a violation", name, violations, n)
		}
	}
	return texts
}

// TestDeterminism: 200 runs of the racy demos with distinct seeds, each
// replayed from its schedule string, give byte-identical traces, at
// GOMAXPROCS=1 and 2, and the same bytes under both settings.
func TestDeterminism(t *testing.T) {
	const seeds = 200
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	one := determinismRuns(t, seeds)
	runtime.GOMAXPROCS(2)
	two := determinismRuns(t, seeds)
	if len(one) != len(two) {
		t.Fatalf("%d runs at GOMAXPROCS=1, %d at 2", len(one), len(two))
	}
	for i := range one {
		if one[i] != two[i] {
			t.Fatalf("run %d differs between GOMAXPROCS=1 and 2:\n--- 1\n%s\n--- 2\n%s", i, one[i], two[i])
		}
	}
}

// describe names a report in a line: its kind, rule and schedule.
func describe(r *sim.Report) string {
	if r == nil {
		return "clean"
	}
	return fmt.Sprintf("%s [%s] %s", r.Kind, r.Rule, r.Schedule)
}
