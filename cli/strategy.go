package cli

import (
	"fmt"
	"io"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// strategies are the explorers --strategy names, for explore and check.
var strategies = explore.Strategies

// shrinkResult minimises the first violation and every group's first
// report (explore.Shrink), so that what is printed is the simplest run
// that gives it.
func shrinkResult(p sim.Program, cfg sim.Config, r *explore.Result) {
	if r.First != nil && r.First.Kind != sim.KindNondeterm {
		if rep, pre := explore.Shrink(p, cfg, r.First); rep != nil {
			r.First, r.FirstPreemptions = rep, pre
		}
	}
	for i := range r.Groups {
		g := &r.Groups[i]
		if g.First.Kind == sim.KindNondeterm {
			continue
		}
		if rep, _ := explore.Shrink(p, cfg, g.First); rep != nil {
			g.First = rep
		}
	}
}

// printGroups prints one line per distinct violation of an --all
// exploration, with its count and first (shrunk) schedule.
func printGroups(out io.Writer, r *explore.Result) {
	if len(r.Groups) == 0 {
		return
	}
	fmt.Fprintf(out, "%d distinct violation(s):\n", len(r.Groups))
	for _, g := range r.Groups {
		fmt.Fprintf(out, "  %6d  %s\n          replay: dcsim replay '%s'\n", g.Count, g.Key(), g.First.Schedule)
	}
}
