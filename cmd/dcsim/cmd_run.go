package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/dcsim/dcsim/sim"
)

func cmdRun(args []string, out io.Writer) error {
	fs := newFlags("run", "run [--scenario NAME] [--seed N | --schedule S] [--faults] [--signals] [-q] [-v]", out)
	var rf runFlags
	rf.register(fs)
	seed := fs.String("seed", "1", "seed of the random scheduler")
	schedule := fs.String("schedule", "", "replay this schedule instead of a seeded run")
	quiet := fs.Bool("q", false, "print the result only, not the trace")
	verbose := fs.Bool("v", false, "show every step (setup steps are folded otherwise)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (flags go before it? see dcsim run -h)", fs.Arg(0))
	}
	var strategy sim.Strategy
	seedSet, scenarioSet := false, false
	fs.Visit(func(f *flag.Flag) {
		seedSet = seedSet || f.Name == "seed"
		scenarioSet = scenarioSet || f.Name == "scenario"
	})
	if *schedule != "" {
		if seedSet {
			return usagef("--seed and --schedule are exclusive")
		}
		s, err := sim.ParseSchedule(*schedule)
		if err != nil {
			return usagef("--schedule: %v", err)
		}
		if scenarioSet && rf.scenario != s.Program {
			return usagef("--scenario %s does not match the schedule's scenario %s", rf.scenario, s.Program)
		}
		rf.scenario = s.Program
		strategy = sim.NewReplay(s)
	} else {
		n, err := strconv.ParseUint(*seed, 0, 64)
		if err != nil {
			return usagef("--seed %q is not a non-negative integer", *seed)
		}
		strategy = sim.NewRandom(n)
	}
	sc, cfg, err := rf.resolve()
	if err != nil {
		return err
	}
	cfg.Trace = sim.TraceFull
	fmt.Fprintf(out, "scenario %s\n\n", sc.Name)
	return printOutcome(out, sim.Execute(sc.Program(), cfg, strategy), *quiet, *verbose)
}
