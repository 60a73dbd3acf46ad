package dcsimtest

import (
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
)

// Option changes how a check explores or what it expects.
type Option func(*settings)

// settings are one check's: what to explore, how, and what it must find.
type settings struct {
	strategy string
	seed     uint64
	budget   int
	bound    int
	faults   int
	workers  int
	expect   scenarios.Expect
	config   *sim.Config
	marks    []string
	failDir  string
	ignore   []string
}

// Strategy explores with one of explore.Strategies (dfs, dpor, random,
// pct, pos) instead of the DFS. -dcsim.strategy overrides it.
func Strategy(name string) Option { return func(s *settings) { s.strategy = name } }

// Seed seeds the sampling strategies. -dcsim.seed (DCSIM_SEED) overrides
// it, so that a seed from a log reproduces the whole exploration.
func Seed(n uint64) Option { return func(s *settings) { s.seed = n } }

// Budget caps the runs (default: the catalog cell's budget, else
// scenarios.DefaultBudget).
func Budget(n int) Option { return func(s *settings) { s.budget = n } }

// Bound is the DFS preemption bound, deepened from 0 (default: the
// cell's, else scenarios.DefaultBound).
func Bound(k int) Option { return func(s *settings) { s.bound = k } }

// MaxFaults bounds the injected faults per DFS run when the program's
// config enables faults (default: the cell's, else 1).
func MaxFaults(n int) Option { return func(s *settings) { s.faults = n } }

// Workers is how many goroutines the sampling strategies use (0: all
// cores; the result does not depend on it). A program whose setup shares
// mutable state between runs needs 1.
func Workers(n int) Option { return func(s *settings) { s.workers = n } }

// Expect makes the check pass when exploring finds exactly e (a kind, and
// the rule if e names one) and fail otherwise: a test that a bug is
// caught. The default is scenarios.Clean.
func Expect(e scenarios.Expect) Option { return func(s *settings) { s.expect = e } }

// Config sets the run configuration (faults, signals, step bound) of a
// CheckProgram or Find; Check takes the scenario's.
func Config(c sim.Config) Option { return func(s *settings) { s.config = &c } }

// RequireMarks lists coverage marks some run must hit; a check that
// misses one fails as incomplete. Check adds the scenario's own.
func RequireMarks(marks ...string) Option {
	return func(s *settings) { s.marks = append(s.marks, marks...) }
}

// FailDir is where fail files go, one directory per test under it
// (default testdata/dcsim, relative to the package directory).
func FailDir(dir string) Option { return func(s *settings) { s.failDir = dir } }

// Ignore passes over reports of these rules: such a run counts as clean
// and the search goes on, to find what a known finding hides.
func Ignore(rules ...string) Option {
	return func(s *settings) { s.ignore = append(s.ignore, rules...) }
}
