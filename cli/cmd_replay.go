package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dcsim/dcsim/sim"
)

func cmdReplay(e *env, args []string) error {
	fs := newFlags("replay", "replay [-q] [-v] [-o FILE] [--trace-json FILE] [--file SCENARIO-FILE] SCHEDULE|REPORT-FILE", e.stdout)
	file := fs.String("file", "", "the scenario file that defines the schedule's scenario (docs/scenarios.md)")
	quiet := fs.Bool("q", false, "print the result only, not the trace")
	verbose := fs.Bool("v", false, "show every step (setup steps are folded otherwise)")
	output := fs.String("o", "", "also write the output (trace, result and schedule line) to this file")
	traceJSON := fs.String("trace-json", "", "also write the run as Chrome/Perfetto trace-event JSON to this file (docs/explain.md)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one schedule string or report file, got %d arguments", fs.NArg())
	}
	s, err := loadSchedule(fs.Arg(0))
	if err != nil {
		return err
	}
	f, err := createOutput(*output)
	if err != nil {
		return err
	}
	out := teeOutput(e.stdout, f)
	tg, err := scheduleTarget(s, *file, e.stderr)
	if err != nil {
		return closeOutput(e.stdout, f, err)
	}
	if *traceJSON != "" {
		if err := writeTraceJSON(*traceJSON, s, *file, e); err != nil {
			return closeOutput(e.stdout, f, err)
		}
	}
	cfg := tg.cfg
	cfg.Trace = sim.TraceFull
	fmt.Fprintf(out, "scenario %s\n\n", tg.title())
	err = printOutcome(out, sim.Execute(tg.program(), cfg, sim.NewReplay(s)), *quiet, *verbose)
	return closeOutput(e.stdout, f, err)
}

// loadSchedule reads a schedule string, or the schedule line of a report
// file; parse errors point at file:line:col.
func loadSchedule(arg string) (*sim.Schedule, error) {
	if strings.HasPrefix(arg, "v") && strings.Contains(arg, ":") {
		if _, err := os.Stat(arg); err != nil {
			s, err := sim.ParseSchedule(arg)
			if err != nil {
				return nil, usagef("%v", err)
			}
			return s, nil
		}
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, usagef("%q is neither a schedule string (v2:SCENARIO@VARIANT:SETTINGS:FINGERPRINT:DECISIONS) nor a readable file", arg)
		}
		return nil, usagef("%v", err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "schedule:")
		if !ok {
			continue
		}
		str := strings.TrimSpace(rest)
		s, err := sim.ParseSchedule(str)
		var se *sim.ScheduleError
		if errors.As(err, &se) {
			col := strings.Index(line, str) + se.Col
			return nil, usagef("%s:%d:%d: %s", arg, i+1, col, se.Msg)
		}
		return s, err
	}
	return nil, usagef("%s: no \"schedule:\" line found (is it a dcsim report?)", arg)
}
