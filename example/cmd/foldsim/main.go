// Command foldsim is dcsim with foldfs in its catalog: every dcsim
// command (check, run, explore, replay, list, bench, merge) runs on
// foldfs's scenarios and the versions of its patch.
//
//	go run ./cmd/foldsim check --scenario 'foldfs/*'
//	go run ./cmd/foldsim list --variants
package main

import (
	"os"

	"github.com/dcsim/dcsim/cli"

	_ "example.com/foldfs/foldfs" // registers the scenario and the patch's versions
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
