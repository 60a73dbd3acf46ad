package cli

import (
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/dcsim/dcsim/sim"
)

func cmdRun(e *env, args []string) error {
	fs := newFlags("run", "run [--scenario NAME] [--variant V] [--seed N | --schedule S] [--faults] [--signals] [--rt] [-q] [-v] [-o FILE]", e.stdout)
	var rf runFlags
	rf.register(fs)
	seed := fs.String("seed", "1", "seed of the random scheduler")
	schedule := fs.String("schedule", "", "replay this schedule instead of a seeded run")
	quiet := fs.Bool("q", false, "print the result only, not the trace")
	verbose := fs.Bool("v", false, "show every step (setup steps are folded otherwise)")
	output := fs.String("o", "", "also write the output (trace, result and schedule line) to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (flags go before it? see dcsim run -h)", fs.Arg(0))
	}
	f, err := createOutput(*output)
	if err != nil {
		return err
	}
	out := teeOutput(e.stdout, f)
	err = runOutcome(fs, &rf, out, e.stderr, *seed, *schedule, *quiet, *verbose)
	return closeOutput(e.stdout, f, err)
}

// runOutcome resolves what to run, runs it traced and prints it.
func runOutcome(fs *flag.FlagSet, rf *runFlags, out, warn io.Writer, seed, schedule string, quiet, verbose bool) error {
	var strategy sim.Strategy
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var tg *target
	if schedule != "" {
		for _, f := range []string{"seed", "variant", "faults", "signals", "rt", "max-steps"} {
			if set[f] {
				return usagef("--%s and --schedule are exclusive (the schedule records it)", f)
			}
		}
		s, err := loadSchedule(schedule)
		if err != nil {
			return err
		}
		if set["scenario"] && rf.file == "" && isScenarioFile(rf.scenario) {
			rf.file, rf.scenario = rf.scenario, s.Program
		}
		if set["scenario"] && rf.scenario != s.Program {
			return usagef("--scenario %s does not match the schedule's scenario %s", rf.scenario, s.Program)
		}
		if tg, err = scheduleTarget(s, rf.file, warn); err != nil {
			return err
		}
		strategy = sim.NewReplay(s)
	} else {
		n, err := strconv.ParseUint(seed, 0, 64)
		if err != nil {
			return usagef("--seed %q is not a non-negative integer", seed)
		}
		strategy = sim.NewRandom(n)
		if tg, err = rf.resolve(); err != nil {
			return err
		}
	}
	cfg := tg.cfg
	cfg.Trace = sim.TraceFull
	fmt.Fprintf(out, "scenario %s\n\n", tg.title())
	return printOutcome(out, sim.Execute(tg.program(), cfg, strategy), quiet, verbose)
}
