package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/dcsim/dcsim/explain"
	"github.com/dcsim/dcsim/sim"
)

func init() { commands["explain"] = cmdExplain }

// explainFormats are what --format accepts, with what each gives.
var explainFormats = []struct{ name, what string }{
	{"text", "the run narrated step by step, the final state, what each checker saw, the columns"},
	{"columns", "the interleaving only, one column per task"},
	{"perfetto", "Chrome / Perfetto trace-event JSON (ui.perfetto.dev, chrome://tracing)"},
	{"dot", "the lock-order graph lockdep built, as Graphviz DOT"},
	{"html", "a self-contained HTML report: timeline, state at the selected step"},
	{"json", "the recorded run (every line and the state after it) as JSON"},
}

func cmdExplain(e *env, args []string) error {
	fs := newFlags("explain", "explain [--format FORMAT] [-v] [-o FILE] [--file SCENARIO-FILE] SCHEDULE|REPORT-FILE", e.stdout)
	file := fs.String("file", "", "the scenario file that defines the schedule's scenario (docs/scenarios.md)")
	format := fs.String("format", "text", "text, columns, perfetto, dot, html or json (docs/explain.md)")
	verbose := fs.Bool("v", false, "narrate setup steps too (folded otherwise)")
	output := fs.String("o", "", "write the output to this file instead of stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one schedule string or report file, got %d arguments", fs.NArg())
	}
	known := false
	for _, f := range explainFormats {
		known = known || f.name == *format
	}
	if !known {
		return usagef("--format %q: want one of text, columns, perfetto, dot, html, json", *format)
	}
	s, err := loadSchedule(fs.Arg(0))
	if err != nil {
		return err
	}
	run, err := recordSchedule(s, *file, e.stderr)
	if err != nil {
		return err
	}
	out := e.stdout
	var f *os.File
	if *output != "" {
		if f, err = os.Create(*output); err != nil {
			return usagef("-o: %v", err)
		}
		out = f
	}
	if err := writeExplanation(out, run, *format, explain.TextOptions{Verbose: *verbose}); err != nil {
		if f != nil {
			f.Close()
		}
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "written to %s\n", f.Name())
	}
	if run.Report != nil {
		return errViolation
	}
	return nil
}

// recordSchedule replays s with explain's recorder.
func recordSchedule(s *sim.Schedule, file string, warn io.Writer) (*explain.Run, error) {
	tg, err := scheduleTarget(s, file, warn)
	if err != nil {
		return nil, err
	}
	run, err := explain.Record(tg.title(), tg.program(), tg.cfg, sim.NewReplay(s))
	if err != nil {
		return nil, usagef("%v", err)
	}
	if file != "" {
		run.Replay = fmt.Sprintf("dcsim replay --file %s '%s'", file, run.Schedule)
	}
	return run, nil
}

// writeTraceJSON is replay's --trace-json: the run as trace-event JSON.
func writeTraceJSON(path string, s *sim.Schedule, file string, e *env) error {
	run, err := recordSchedule(s, file, io.Discard)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return usagef("--trace-json: %v", err)
	}
	if err := run.WritePerfetto(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "trace-event JSON written to %s (open it in ui.perfetto.dev)\n", path)
	return nil
}

func writeExplanation(w io.Writer, run *explain.Run, format string, opt explain.TextOptions) error {
	switch format {
	case "columns":
		run.WriteColumns(w, opt)
	case "perfetto":
		return run.WritePerfetto(w)
	case "dot":
		run.WriteDOT(w)
	case "html":
		return run.WriteHTML(w)
	case "json":
		return run.WriteJSON(w)
	default:
		run.WriteText(w, opt)
	}
	return nil
}
