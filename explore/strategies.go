package explore

import "github.com/dcsim/dcsim/sim"

// Strategies are the explorers by the names the command line
// (--strategy) and package dcsimtest take them by.
var Strategies = map[string]func(sim.Program, Options) *Result{
	"dfs":    DFS,
	"dpor":   DPOR,
	"random": Random,
	"pct":    PCT,
	"pos":    POS,
}

// Sampling reports whether strategy name samples runs from a seed
// (random, pct, pos), so that its seed matters.
func Sampling(name string) bool { return name == "random" || name == "pct" || name == "pos" }
