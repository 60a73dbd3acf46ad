// Package cli is the dcsim command line: cmd/dcsim is cli.Main, and a
// module that registers scenarios or changes of its own (docs/extending.md)
// gets every command on them with a main that calls cli.Main.
//
//	dcsim check    [flags]            explore every catalog cell against its expectation
//	dcsim run      [flags]            one run of a scenario, with its trace
//	dcsim explore  [flags]            search a scenario's interleavings
//	dcsim replay   SCHEDULE|FILE      replay a schedule or a saved report
//	dcsim explain  SCHEDULE|FILE      narrate a run for a learner; draw it (--format)
//	dcsim list     [NAME|GLOB...]     the scenarios (--variants: the variants)
//	dcsim bench    [flags]            measure exploration speed
//	dcsim merge    SHARD.json...      join the shards of a check
//
// Exit codes: 0 clean (for check: every cell met its expectation), 1 a
// checker reported a violation (check: a cell did not meet its
// expectation, or the check was interrupted), 2 bad usage or input.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// usageError is bad input: exit code 2. usage, when set, is the
// command's full usage, printed after the message.
type usageError struct{ msg, usage string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// errViolation means a checker fired: exit code 1 (already printed).
var errViolation = errors.New("violation")

const topUsage = `usage: dcsim <command> [flags]

commands:
  check     explore every catalog cell (scenario x variant) against what it expects
  run       one run of a scenario, printing its trace (by --seed or --schedule)
  explore   search a scenario's interleavings (random walk or bounded DFS)
  replay    replay a schedule string or a saved report, exactly
  explain   narrate a run step by step (locks, in-lookup dentries, waits); --format perfetto|dot|html
  list      list the built-in scenarios (--variants: the variants and toggles)
  bench     measure exploration speed on a scenario
  merge     join the --json outputs of the shards of one check (check --shard i/n)

"dcsim <command> -h" or "dcsim help <command>" describes a command's flags.
exit codes: 0 clean, 1 violation reported (check: a cell not as expected),
2 usage or input error
`

// env is what a command runs with: where its output goes, and a context
// an interrupt cancels.
type env struct {
	ctx    context.Context
	stdout io.Writer
	// stderr takes progress and warnings, never results.
	stderr io.Writer
}

var commands = map[string]func(*env, []string) error{
	"check": cmdCheck, "run": cmdRun, "explore": cmdExplore, "replay": cmdReplay, "list": cmdList, "bench": cmdBench,
	"merge": cmdMerge,
}

// Main runs the command line args (without the program name) on the
// process's stdout and stderr and returns the exit code. The first Ctrl-C
// stops check, explore and bench cleanly with what they have; a second
// one kills.
func Main(args []string) int {
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return runCtx(ctx, args, os.Stdout, os.Stderr)
}

// Run runs the command line args with the output on stdout and stderr,
// until done or ctx is cancelled, and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runCtx(ctx, args, stdout, stderr)
}

func run(args []string, stdout, stderr io.Writer) int {
	return runCtx(context.Background(), args, stdout, stderr)
}

func runCtx(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return 2
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		if len(args) > 1 && name == "help" {
			if _, ok := commands[args[1]]; ok {
				return runCtx(ctx, []string{args[1], "-h"}, stdout, stderr)
			}
		}
		fmt.Fprint(stdout, topUsage)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "%s\n\n%s", capLine(fmt.Sprintf("dcsim: unknown command %q", name)), topUsage)
		return 2
	}
	err := cmd(&env{ctx: ctx, stdout: stdout, stderr: stderr}, args[1:])
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errViolation):
		return 1
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, capLines("dcsim "+name+": "+ue.msg))
		if ue.usage != "" {
			fmt.Fprintf(stderr, "\n%s", ue.usage)
		}
		return 2
	default:
		fmt.Fprintln(stderr, capLines("dcsim "+name+": "+err.Error()))
		return 2
	}
}

// maxErrLine caps an error line: a schedule string or an argument can be
// megabytes long, and a person reads the start of it.
const maxErrLine = 300

// capLine shortens s to maxErrLine characters, ending in "…".
func capLine(s string) string {
	if r := []rune(s); len(r) > maxErrLine {
		return string(r[:maxErrLine-1]) + "…"
	}
	return s
}

// capLines caps every line of a message.
func capLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = capLine(l)
	}
	return strings.Join(lines, "\n")
}

// newFlags makes a flag set that reports errors instead of exiting. Its
// usage goes wherever the flag set's output points.
func newFlags(name, usage string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: dcsim %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses and turns flag errors into usage errors that carry
// the full usage. -h prints the usage once, to the flag set's output.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
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
			return withUsage(fs, err.Error())
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	// Leave the positionals where fs.Args() finds them.
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return withUsage(fs, err.Error())
	}
	return nil
}

// withUsage is a usage error followed by the command's full usage.
func withUsage(fs *flag.FlagSet, msg string) error {
	var b strings.Builder
	out := fs.Output()
	fs.SetOutput(&b)
	fs.Usage()
	fs.SetOutput(out)
	return &usageError{msg: msg, usage: b.String()}
}
