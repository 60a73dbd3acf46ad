package explore

import "github.com/dcsim/dcsim/sim"

// Strategies are the explorers by the names the command line
// (--strategy) and package dcsimtest take them by.
var Strategies = map[string]func(sim.Program, Options) *Result{
	"dfs":  DFS,
	"dpor": DPOR,
	// dpor-conservative is DPOR with Options.ConservativeBound: Coons et
	// al.'s BPOR (OOPSLA 2013), complete within the preemption bound, at
	// about 3.3 times the runs of dpor (docs/performance.md, "Bounded
	// sleep sets").
	"dpor-conservative": func(p sim.Program, o Options) *Result {
		o.ConservativeBound = true
		return DPOR(p, o)
	},
	"random": Random,
	"pct":    PCT,
	"pos":    POS,
}

// StrategyNames lists the strategies for messages, in a fixed order.
const StrategyNames = "dfs, dpor, dpor-conservative, random, pct or pos"

// Sampling reports whether strategy name samples runs from a seed
// (random, pct, pos), so that its seed matters.
func Sampling(name string) bool { return name == "random" || name == "pct" || name == "pos" }
