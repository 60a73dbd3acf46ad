package dcsimtest

import (
	"fmt"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// Failure is a violation Find found, shrunk.
type Failure struct {
	Report *sim.Report
	Result *explore.Result
}

// Error is the report with its schedule, for rt.Fatal.
func (f *Failure) Error() string {
	return fmt.Sprintf("dcsim: %s after %d runs\n%s", kindRule(f.Report), f.Result.Runs, f.Report.Format())
}

// Find explores p with the options' strategy (DFS by default) and
// returns its first violation, shrunk, or nil when it met the
// expectation (clean by default). It reads no flags and writes no fail
// files: it is for property tests (rapid) that draw the program, and for
// code that is not a test. An unknown strategy or a program whose input
// does not fit panics: both are bugs in the caller.
func Find(p sim.Program, opts ...Option) *Failure {
	st := defaults(opts)
	name, seed := st.strategy, st.seed
	if name == "" {
		name = "dfs"
	}
	if seed == 0 {
		seed = 1
	}
	res := st.explore(p, *st.config, name, seed)
	switch {
	case res == nil:
		panic(fmt.Sprintf("dcsimtest: unknown strategy %q", name))
	case res.Err != nil:
		panic(fmt.Sprintf("dcsimtest: %s: %v", p.Name, res.Err))
	case res.First == nil || st.expect.Met(res.First):
		return nil
	}
	return &Failure{Report: res.First, Result: res}
}
