// Command dcsim runs, explores and replays dcsim scenarios.
//
//	dcsim run      [flags]            one run of a scenario, with its trace
//	dcsim explore  [flags]            search a scenario's interleavings
//	dcsim replay   SCHEDULE|FILE      replay a schedule or a saved report
//	dcsim list                        the scenarios
//	dcsim bench    [flags]            measure exploration speed
//
// Exit codes: 0 clean, 1 a checker reported a violation, 2 bad usage or
// input.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// usageError is bad input: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errViolation means a checker fired: exit code 1 (already printed).
var errViolation = errors.New("violation")

const topUsage = `usage: dcsim <command> [flags]

commands:
  run       one run of a scenario, printing its trace (by --seed or --schedule)
  explore   search a scenario's interleavings (random walk or bounded DFS)
  replay    replay a schedule string or a saved report, exactly
  list      list the built-in scenarios
  bench     measure exploration speed on a scenario

"dcsim <command> -h" describes a command's flags.
exit codes: 0 clean, 1 violation reported, 2 usage or input error
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return 2
	}
	cmds := map[string]func([]string, io.Writer) error{
		"run": cmdRun, "explore": cmdExplore, "replay": cmdReplay, "list": cmdList, "bench": cmdBench,
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Fprint(stdout, topUsage)
		return 0
	}
	cmd, ok := cmds[name]
	if !ok {
		fmt.Fprintf(stderr, "dcsim: unknown command %q\n\n%s", name, topUsage)
		return 2
	}
	err := cmd(args[1:], stdout)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errViolation):
		return 1
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "dcsim %s: %s\n", name, ue.msg)
		return 2
	default:
		fmt.Fprintf(stderr, "dcsim %s: %v\n", name, err)
		return 2
	}
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name, usage string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: dcsim %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses and turns flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	// Flags may come after positional arguments ("replay SCHEDULE -q"):
	// parse, set the positional aside, and parse the rest again.
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fs.Usage()
			return err
		}
		if err != nil {
			return usagef("%v (see dcsim %s -h)", err, fs.Name())
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	// Leave the positionals where fs.Args() finds them.
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return usagef("%v", err)
	}
	return nil
}
