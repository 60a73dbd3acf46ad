// Command dcsim checks, runs, explores and replays dcsim scenarios.
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
//
// The commands live in package cli, so that a module with models of its
// own can build the same command over them (docs/extending.md).
package main

import (
	"os"

	"github.com/dcsim/dcsim/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
