package dcsimtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Check explores the catalog scenario name under variant v and fails t
// unless the exploration meets the expectation (scenarios.Clean unless
// Expect says otherwise). The scenario's config, required marks and, if
// the catalog lists the cell, its preemption bound, run budget, fault
// bound and ignored rules apply (scenarios.Scenario.Cell picks the cell). It returns the exploration's result (nil when it replayed
// a schedule or a fail file instead, or could not start).
func Check(t testing.TB, name string, v variant.Variant, opts ...Option) *explore.Result {
	t.Helper()
	sc, err := scenarios.Lookup(name)
	if err != nil {
		t.Errorf("dcsimtest: %v", err)
		return nil
	}
	return CheckScenario(t, sc, v, opts...)
}

// CheckScenario is Check on a scenario value, registered or not (the
// schedules of an unregistered one replay only through -dcsim.schedule,
// not with `dcsim replay`).
func CheckScenario(t testing.TB, sc *scenarios.Scenario, v variant.Variant, opts ...Option) *explore.Result {
	t.Helper()
	cell, _ := sc.Cell(v)
	cs := cell.Settings()
	st := settings{bound: cs.Bound, budget: cs.Budget, faults: cs.MaxFaults, marks: sc.Marks, ignore: cs.Ignore}
	for _, o := range opts {
		o(&st)
	}
	return run(t, sc.Program(v), sc.Config, st)
}

// CheckProgram is Check on any program: a test's own, with no catalog
// entry. Its schedules name the program; without a Variant they carry
// fingerprint 00000000.
func CheckProgram(t testing.TB, p sim.Program, opts ...Option) *explore.Result {
	t.Helper()
	st := defaults(opts)
	return run(t, p, *st.config, st)
}

// defaults are the settings of a program outside the catalog.
func defaults(opts []Option) settings {
	st := settings{bound: scenarios.DefaultBound, budget: scenarios.DefaultBudget, faults: 1}
	for _, o := range opts {
		o(&st)
	}
	if st.config == nil {
		st.config = &sim.Config{}
	}
	return st
}

// run is a check: the schedule of -dcsim.schedule if it names p, else
// the test's fail files, then an exploration.
func run(t testing.TB, p sim.Program, cfg sim.Config, st settings) *explore.Result {
	t.Helper()
	if st.config != nil {
		cfg = *st.config
	}
	c := &check{t: t, prog: p, cfg: cfg, st: st}
	if flags.schedule != "" {
		s, err := sim.ParseSchedule(flags.schedule)
		if err != nil {
			t.Errorf("dcsimtest: -dcsim.schedule: %v", err)
			return nil
		}
		if c.names(s) {
			c.replayGiven(s)
			return nil
		}
		t.Logf("dcsimtest: -dcsim.schedule names %s, not %s: exploring", s.Program+atVariant(s.Variant), c.key())
	}
	if c.replayFailFiles() {
		return nil
	}
	return c.explore()
}

// check is one Check call.
type check struct {
	t    testing.TB
	prog sim.Program
	cfg  sim.Config
	st   settings
}

func atVariant(v string) string {
	if v == "" {
		return ""
	}
	return "@" + v
}

// key is the program and variant as a schedule names them.
func (c *check) key() string { return c.prog.Name + atVariant(c.prog.Variant) }

// names reports whether schedule s is of this check's program.
func (c *check) names(s *sim.Schedule) bool {
	return s.Program == c.prog.Name && s.Variant == c.prog.Variant
}

// replay runs s with full tracing, strictly (every decision must fit and
// be used) or as far as it fits; its report is nil when clean.
func (c *check) replay(s *sim.Schedule, strict bool) (*sim.Report, error) {
	cfg := c.cfg
	cfg.Trace = sim.TraceFull
	cfg.Faults, cfg.Signals = s.Faults, s.Signals
	if s.MaxSteps > 0 {
		cfg.MaxSteps = s.MaxSteps
	}
	if c.prog.Variant != "" {
		if fp := c.prog.Fingerprint(cfg); fp != s.Fingerprint {
			c.t.Logf("dcsimtest: %s has changed since the schedule was recorded (fingerprint %08x, now %08x)", c.key(), s.Fingerprint, fp)
		}
	}
	r := sim.NewReplay(s)
	r.Strict = strict
	out := sim.Execute(c.prog, cfg, r)
	return out.Report, out.Err
}

// replayGiven is the check under -dcsim.schedule: that run alone.
func (c *check) replayGiven(s *sim.Schedule) {
	c.t.Helper()
	rep, err := c.replay(s, true)
	if err != nil {
		c.t.Errorf("dcsimtest: -dcsim.schedule does not replay on %s: %v", c.key(), err)
		return
	}
	c.judge(rep, "replaying -dcsim.schedule", "")
}

// judge fails the test when rep (nil: clean) misses the expectation.
// how says where the run came from; saved is its fail file, if written.
func (c *check) judge(rep *sim.Report, how, saved string) bool {
	c.t.Helper()
	if c.st.expect.Met(rep) {
		if rep != nil {
			c.t.Logf("dcsimtest: %s: found %s, as expected (%s)", c.key(), kindRule(rep), how)
		}
		return true
	}
	if rep == nil {
		c.t.Errorf("dcsimtest: %s: expected %s, but %s was clean", c.key(), c.st.expect, how)
		return false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "dcsimtest: %s: %s %s", c.key(), kindRule(rep), how)
	if c.st.expect.Kind != "" {
		fmt.Fprintf(&b, " (expected %s)", c.st.expect)
	}
	b.WriteString("\n" + rep.Format())
	if saved != "" {
		fmt.Fprintf(&b, "saved:  %s (replayed first by later runs; delete it once fixed)\n", saved)
	}
	fmt.Fprintf(&b, "rerun:  %s", RerunLine(c.t.Name(), rep.Schedule))
	c.t.Error(b.String())
	return false
}

func kindRule(rep *sim.Report) string {
	if rep.Rule == "" || rep.Rule == string(rep.Kind) {
		return string(rep.Kind)
	}
	return fmt.Sprintf("%s [%s]", rep.Kind, rep.Rule)
}

// strategy is the strategy and seed to explore with: the flags', else
// the options', else DFS and seed 1.
func (c *check) strategy() (string, uint64) {
	name, seed := c.st.strategy, c.st.seed
	if flags.strategy != "" {
		name = flags.strategy
	}
	if flags.seed != 0 {
		seed = flags.seed
	}
	if name == "" {
		name = "dfs"
	}
	if seed == 0 {
		seed = 1
	}
	return name, seed
}

// explore searches the program's runs, shrinks the first violation and
// judges it; an unexpected one is saved as a fail file.
func (c *check) explore() *explore.Result {
	c.t.Helper()
	name, seed := c.strategy()
	res := c.st.explore(c.prog, c.cfg, name, seed)
	if res == nil {
		c.t.Errorf("dcsimtest: unknown strategy %q (want "+explore.StrategyNames+")", name)
		return nil
	}
	how := fmt.Sprintf("found by %s after %d runs", name, res.Runs)
	if explore.Sampling(name) {
		how += fmt.Sprintf(" (-dcsim.seed=%d)", seed)
	}
	switch {
	case res.Err != nil:
		c.t.Errorf("dcsimtest: %s: %v", c.key(), res.Err)
	case len(res.MissingMarks) > 0 && res.First == nil:
		c.t.Errorf("dcsimtest: %s: incomplete: required marks never reached in %d runs: %q", c.key(), res.Runs, res.MissingMarks)
	case res.First == nil:
		c.judge(nil, fmt.Sprintf("exploring with %s (%d runs, %s)", name, res.Runs, res.Coverage()), "")
	default:
		saved := ""
		if !c.st.expect.Met(res.First) {
			saved = c.saveFailFile(res.First)
		}
		c.judge(res.First, how, saved)
	}
	return res
}

// explore runs st's strategy on p and shrinks the first violation; nil
// for an unknown strategy.
func (st settings) explore(p sim.Program, cfg sim.Config, name string, seed uint64) *explore.Result {
	strategy, ok := explore.Strategies[name]
	if !ok {
		return nil
	}
	res := strategy(p, explore.Options{Seed: seed, Budget: st.budget, MaxPreemptions: st.bound,
		MaxFaults: st.faults, Config: cfg, RecheckEvery: 50, RequireMarks: st.marks, Workers: st.workers, Ignore: st.ignore})
	if res.First != nil && res.First.Kind != sim.KindNondeterm {
		if rep, pre := explore.Shrink(p, cfg, res.First); rep != nil {
			res.First, res.FirstPreemptions = rep, pre
		}
	}
	return res
}
