package main

import (
	"fmt"
	"io"

	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
)

// runFlags are the settings every command that runs a scenario shares.
type runFlags struct {
	scenario string
	faults   bool
	signals  bool
	maxSteps int64
}

func (f *runFlags) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
	Int64Var(*int64, string, int64, string)
}) {
	fs.StringVar(&f.scenario, "scenario", scenarios.Default, "scenario to run (see dcsim list)")
	fs.BoolVar(&f.faults, "faults", false, "make allocation failures decisions (fault injection)")
	fs.BoolVar(&f.signals, "signals", false, "let fatal signals arrive in killable waits")
	fs.Int64Var(&f.maxSteps, "max-steps", 0, "livelock bound in steps (0: the runtime default)")
}

func (f *runFlags) resolve() (*scenarios.Scenario, sim.Config, error) {
	s, err := scenarios.Lookup(f.scenario)
	if err != nil {
		return nil, sim.Config{}, usagef("%v", err)
	}
	cfg := s.Config
	cfg.Faults = cfg.Faults || f.faults
	cfg.Signals = cfg.Signals || f.signals
	if f.maxSteps < 0 {
		return nil, cfg, usagef("--max-steps must not be negative")
	}
	if f.maxSteps > 0 {
		cfg.MaxSteps = f.maxSteps
	}
	return s, cfg, nil
}

// printOutcome prints a traced run: its steps, then its result. Setup
// steps are folded into one line unless verbose.
func printOutcome(out io.Writer, o *sim.Outcome, quiet, verbose bool) error {
	opt := sim.FormatOptions{Verbose: verbose}
	if !quiet {
		for _, l := range o.FormatTraceWith(opt) {
			fmt.Fprintln(out, l)
		}
		fmt.Fprintln(out)
	}
	if o.Err != nil {
		return usagef("%v", o.Err)
	}
	if o.Report != nil {
		fmt.Fprint(out, o.Report.FormatWith(opt))
		return errViolation
	}
	fmt.Fprintf(out, "clean: %d steps, %d decisions\n", o.Steps, len(o.Decisions))
	if names := o.MarkNames(); len(names) > 0 {
		fmt.Fprintln(out, "marks:")
		for _, n := range names {
			fmt.Fprintf(out, "  %-50s %d\n", n, o.Marks[n])
		}
	}
	fmt.Fprintf(out, "schedule: %s\n", o.Schedule())
	return nil
}
