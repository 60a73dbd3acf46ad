package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// runFlags are the settings every command that runs a scenario shares.
type runFlags struct {
	scenario string
	file     string
	variant  string
	faults   bool
	signals  bool
	rt       optBool
	maxSteps int64
}

// optBool is a boolean flag that knows whether it was given, so that
// --rt=false can turn off a scenario's own rt setting.
type optBool struct{ v, set bool }

func (b *optBool) String() string   { return strconv.FormatBool(b.v) }
func (b *optBool) IsBoolFlag() bool { return true }
func (b *optBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.v, b.set = v, true
	return nil
}

func (f *runFlags) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
	Int64Var(*int64, string, int64, string)
	Var(flag.Value, string, string)
}) {
	fs.StringVar(&f.scenario, "scenario", scenarios.DefaultName, "scenario to run (see dcsim list), or the path of a scenario file (docs/scenarios.md)")
	fs.StringVar(&f.file, "file", "", "scenario file to take the scenario from (--scenario then names one of its scenarios)")
	fs.StringVar(&f.variant, "variant", "", "variant, e.g. v3/pdirops or 01-09+fix/today (default: the scenario's first cell)")
	fs.BoolVar(&f.faults, "faults", false, "make allocation failures decisions (fault injection)")
	fs.BoolVar(&f.signals, "signals", false, "let fatal signals arrive in killable waits")
	fs.Var(&f.rt, "rt", "model a PREEMPT_RT kernel: spinlock_t sleeps and leaves preemption enabled (--rt=false: not even for an rt/ scenario)")
	fs.Int64Var(&f.maxSteps, "max-steps", 0, "livelock bound in steps (0: the runtime default)")
}

// target is a scenario under one variant with its run settings.
type target struct {
	sc   *scenarios.Scenario
	cell scenarios.Cell
	cfg  sim.Config
}

func (t *target) program() sim.Program { return t.sc.Program(t.cell.Variant) }

func (t *target) title() string { return t.sc.Name + "@" + t.cell.Variant.String() }

func (f *runFlags) resolve() (*target, error) {
	name := f.scenario
	if f.file != "" && name == scenarios.DefaultName {
		name = "" // the file's only scenario
	}
	sc, err := findScenario(name, f.file)
	if err != nil {
		return nil, err
	}
	cell := sc.Default()
	if f.variant != "" {
		v, err := variant.Parse(f.variant)
		if err != nil {
			return nil, usagef("--variant: %v", err)
		}
		cell, _ = sc.Cell(v)
	}
	cfg := sc.Config
	cfg.Faults = cfg.Faults || f.faults
	cfg.Signals = cfg.Signals || f.signals
	if f.rt.set {
		cfg.PreemptRT = f.rt.v
	}
	if f.maxSteps < 0 {
		return nil, usagef("--max-steps must not be negative")
	}
	if f.maxSteps > 0 {
		cfg.MaxSteps = f.maxSteps
	}
	return &target{sc: sc, cell: cell, cfg: cfg}, nil
}

// scheduleTarget resolves the scenario, variant and settings a schedule
// names, and says when the program has changed since it was recorded. A
// schedule of a scenario file's scenario needs that file.
func scheduleTarget(s *sim.Schedule, file string, warn io.Writer) (*target, error) {
	sc, err := findScenario(s.Program, file)
	if err != nil {
		if file == "" {
			return nil, usagef("%v (a scenario from a file? pass --file PATH)", err)
		}
		return nil, err
	}
	cell := sc.Default()
	if s.Variant != "" {
		v, err := variant.Parse(s.Variant)
		if err != nil {
			return nil, usagef("schedule: %v", err)
		}
		cell, _ = sc.Cell(v)
	}
	cfg := sc.Config
	cfg.Faults, cfg.Signals, cfg.PreemptRT = s.Faults, s.Signals, s.PreemptRT
	if s.MaxSteps > 0 {
		cfg.MaxSteps = s.MaxSteps
	}
	tg := &target{sc: sc, cell: cell, cfg: cfg}
	if fp := tg.program().Fingerprint(cfg); fp != s.Fingerprint {
		fmt.Fprintf(warn, "warning: the program %s has changed since this schedule was recorded (fingerprint %08x, now %08x); the replay may not reproduce it\n",
			tg.title(), s.Fingerprint, fp)
	}
	return tg, nil
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

// createOutput creates -o's file before any work is done, so that a path
// that cannot be written fails at once, as bad input (exit 2).
func createOutput(path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, usagef("-o: %v", err)
	}
	return f, nil
}

// teeOutput writes to stdout and, when there is one, to the -o file.
func teeOutput(stdout io.Writer, f *os.File) io.Writer {
	if f == nil {
		return stdout
	}
	return io.MultiWriter(stdout, f)
}

// closeOutput closes the -o file, says where the output went and keeps
// the command's error (a failed close is an error of its own). Bad input
// found after the file was created removes it: there is no output.
func closeOutput(stdout io.Writer, f *os.File, err error) error {
	if f == nil {
		return err
	}
	var ue *usageError
	if errors.As(err, &ue) {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if cerr := f.Close(); cerr != nil && (err == nil || errors.Is(err, errViolation)) {
		return cerr
	}
	fmt.Fprintf(stdout, "written to %s\n", f.Name())
	return err
}
