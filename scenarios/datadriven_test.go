package scenarios_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// TestDataDriven runs testdata/scenarios/*.txt (go test ./scenarios
// -rewrite rewrites their outputs). Directives:
//
//	parse                 input: a scenario file; output: Format of it, or its errors
//	explore [scenario=NAME] [variant=V] [bound=N] [budget=N]
//	                      DFS of the last parsed scenario (or a catalog one); output: the result line
//	run [scenario=NAME] [variant=V] [decisions=D]
//	                      one traced run replaying D (default: none); output: folded trace
//	                      without call sites, and the report
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "../testdata/scenarios", func(t *testing.T, path string) {
		var last []*scenarios.Scenario
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "parse":
				ds, err := scenarios.ParseDescs("test.dcs", []byte(d.Input))
				if err != nil {
					return err.Error() + "\n"
				}
				last = nil
				for _, x := range ds {
					last = append(last, x.Build())
				}
				return scenarios.Format(ds)
			case "explore":
				sc, cell := ddTarget(t, d, last)
				cs := cell.Settings()
				bound := ddInt(t, d, "bound", cs.Bound)
				budget := ddInt(t, d, "budget", cs.Budget)
				r := explore.DFS(sc.Program(cell.Variant), explore.Options{MaxPreemptions: bound, Budget: budget,
					MaxFaults: cs.MaxFaults, Config: sc.Config, RequireMarks: sc.Marks, Ignore: cs.Ignore})
				return exploreLine(r)
			case "run":
				sc, cell := ddTarget(t, d, last)
				dec := ""
				if a, ok := d.Arg("decisions"); ok {
					dec = a.SingleVal(t)
				}
				str := fmt.Sprintf("v2:%s@%s:-:00000000:%s", sc.Name, cell.Variant, dec)
				s, err := sim.ParseSchedule(str)
				if err != nil {
					d.Fatalf(t, "schedule %s: %v", str, err)
				}
				cfg := sc.Config
				cfg.Trace = sim.TraceFull
				o := sim.Execute(sc.Program(cell.Variant), cfg, sim.NewPrefixReplay(s))
				// Call sites are left out: they move with every edit of the model.
				var lines []string
				for _, l := range o.FormatTrace() {
					if i := strings.Index(l, "  @"); i >= 0 {
						l = l[:i]
					}
					lines = append(lines, l)
				}
				out := strings.Join(lines, "\n") + "\n"
				switch {
				case o.Err != nil:
					out += "error: " + o.Err.Error() + "\n"
				case o.Report != nil:
					out += fmt.Sprintf("report: %s [%s] %s\n", o.Report.Kind, o.Report.Rule, o.Report.Title)
				default:
					out += fmt.Sprintf("clean: %d steps\n", o.Steps)
				}
				return out
			}
			d.Fatalf(t, "unknown directive %q", d.Cmd)
			return ""
		})
	})
}

// ddTarget is the scenario a directive names (scenario=NAME from the
// catalog, else the last parsed one) and the cell of variant=V (default:
// the first).
func ddTarget(t *testing.T, d *datadriven.TestData, last []*scenarios.Scenario) (*scenarios.Scenario, scenarios.Cell) {
	var sc *scenarios.Scenario
	if a, ok := d.Arg("scenario"); ok {
		var err error
		if sc, err = scenarios.Lookup(a.SingleVal(t)); err != nil {
			d.Fatalf(t, "%v", err)
		}
	} else if len(last) > 0 {
		sc = last[len(last)-1]
	} else {
		d.Fatalf(t, "no scenario: parse one first or say scenario=NAME")
	}
	cell := sc.Default()
	if a, ok := d.Arg("variant"); ok {
		v, err := variant.Parse(a.SingleVal(t))
		if err != nil {
			d.Fatalf(t, "%v", err)
		}
		cell, _ = sc.Cell(v)
	}
	if a, ok := d.Arg("ignore"); ok {
		// the cell of that variant that ignores these rules
		name := cell.Variant.String() + " ignore=" + a.SingleVal(t)
		i := slices.IndexFunc(sc.Cells, func(c scenarios.Cell) bool { return c.Name() == name })
		if i < 0 {
			d.Fatalf(t, "%s has no cell %s", sc.Name, name)
		}
		cell = sc.Cells[i]
	}
	return sc, cell
}

func ddInt(t *testing.T, d *datadriven.TestData, key string, def int) int {
	a, ok := d.Arg(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(a.SingleVal(t))
	if err != nil {
		d.Fatalf(t, "%s: %v", key, err)
	}
	return n
}

// exploreLine is an exploration's result in one line, plus its missing
// marks.
func exploreLine(r *explore.Result) string {
	var out string
	switch {
	case r.Err != nil:
		out = "error: " + r.Err.Error()
	case r.First != nil:
		out = fmt.Sprintf("found %s [%s] after %d runs, %d preemption(s)", r.First.Kind, r.First.Rule, r.Runs, r.FirstPreemptions)
	case r.Exhausted:
		out = fmt.Sprintf("clean, exhausted at bound %d: %d runs", r.Bound, r.Runs)
	default:
		out = fmt.Sprintf("clean, budget spent at bound %d: %d runs", r.Bound, r.Runs)
	}
	for _, m := range r.MissingMarks {
		out += fmt.Sprintf("\nmissing mark %q", m)
	}
	return out + "\n"
}
