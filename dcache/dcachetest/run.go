package dcachetest

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Single runs for unit tests: a program run once under the default
// schedule (or a given strategy), and what it must end with.

// Program is a program named name whose setup gets a fresh Env of v with
// dop as the superblock's dentry operations.
func Program(name string, v variant.Variant, dop *dcache.DentryOperations, setup func(e *Env)) sim.Program {
	return sim.Program{Name: name, Setup: func(w *sim.World) { setup(NewOps(w, v, dop)) }}
}

// Run executes prog once; an input error fails the test at once.
func Run(tb testing.TB, prog sim.Program, cfg sim.Config, s sim.Strategy) *sim.Outcome {
	tb.Helper()
	out := sim.Execute(prog, cfg, s)
	if out.Err != nil {
		tb.Fatalf("%s: %v", prog.Name, out.Err)
	}
	return out
}

// Clean fails unless the run ended without a report.
func Clean(tb testing.TB, out *sim.Outcome) {
	tb.Helper()
	if out.Report != nil {
		tb.Fatalf("unexpected report:\n%s", out.Report.Format())
	}
}

// Want fails unless the run ended on a report of kind and rule whose
// title contains sub.
func Want(tb testing.TB, out *sim.Outcome, kind sim.Kind, rule, sub string) *sim.Report {
	tb.Helper()
	r := out.Report
	if r == nil {
		tb.Fatalf("want a %s [%s] report (%q), the run was clean", kind, rule, sub)
	}
	if r.Kind != kind || r.Rule != rule || !strings.Contains(r.Title, sub) {
		tb.Fatalf("want a %s [%s] report (%q), got:\n%s", kind, rule, sub, r.Format())
	}
	return r
}

// Body is the one task of a unit test's program.
type Body func(t *sim.Task, e *Env)

// RunBody runs body as the only task ("main") of a program on a fresh Env
// with the umount check registered, and returns the outcome and the Env.
func RunBody(tb testing.TB, v variant.Variant, dop *dcache.DentryOperations, body Body) (*sim.Outcome, *Env) {
	tb.Helper()
	var env *Env
	prog := Program(tb.Name(), v, dop, func(e *Env) {
		env = e
		e.CheckUmount()
		e.W.Go("main", func(t *sim.Task) { body(t, e) })
	})
	return Run(tb, prog, sim.Config{}, nil), env
}

// Once runs body (RunBody) and fails the test on any report.
func Once(tb testing.TB, v variant.Variant, dop *dcache.DentryOperations, body Body) *Env {
	tb.Helper()
	out, env := RunBody(tb, v, dop, body)
	if out.Report != nil {
		tb.Fatalf("unexpected report:\n%s\ndcache:\n%s", out.Report.Format(), env.SB.Dump())
	}
	return env
}

// Fires runs body (RunBody) and requires a report of kind and rule.
func Fires(tb testing.TB, v variant.Variant, dop *dcache.DentryOperations, kind sim.Kind, rule string, body Body) *sim.Report {
	tb.Helper()
	out, _ := RunBody(tb, v, dop, body)
	return Want(tb, out, kind, rule, "")
}

// FailWhileArmed is a strategy that fails every allocation while *Armed
// (Config.Faults must be on) and otherwise takes the defaults.
type FailWhileArmed struct{ Armed *bool }

func (s FailWhileArmed) Decide(w *sim.World, d *sim.Decision) int {
	if d.Kind == sim.DecideFault && *s.Armed {
		return 1
	}
	return d.Default()
}

// WantDump fails the test unless got, a dcache dump (SuperBlock.Dump),
// is want.
func WantDump(tb testing.TB, got, want string) {
	tb.Helper()
	if got != want {
		tb.Errorf("dcache:\n%s\nwant:\n%s", got, want)
	}
}

// EachDump runs body once (Once) as a subtest per variant of vs, named by
// the variant, and requires the dcache's dump to be want: the one body
// took with Snapshot, or else the one at the end of the run.
func EachDump(tt *testing.T, vs []variant.Variant, dop *dcache.DentryOperations, want string, body Body) {
	for _, v := range vs {
		tt.Run(v.String(), func(tt *testing.T) {
			e := Once(tt, v, dop, body)
			got := e.Snap
			if got == "" {
				got = e.SB.Dump()
			}
			WantDump(tt, got, want)
		})
	}
}
