package main

import (
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// strategies are the explorers --strategy names, for explore and check.
var strategies = map[string]func(sim.Program, explore.Options) *explore.Result{
	"dfs":    explore.DFS,
	"random": explore.Random,
	"pct":    explore.PCT,
	"pos":    explore.POS,
}
