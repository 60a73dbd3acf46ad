package explore

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/sim"
)

// Group is one distinct violation of a keep-going exploration: its kind,
// rule and location, how many runs gave it and the first of them.
type Group struct {
	Kind     sim.Kind
	Rule     string
	Location string
	Count    int
	// First is the first run's report (replayed with full tracing).
	First *sim.Report
}

// Key is the group's identity, "kind [rule] @ location".
func (g *Group) Key() string { return GroupKey(g.First) }

// GroupKey is the identity of a report's group: its kind, rule and
// location.
func GroupKey(r *sim.Report) string {
	return fmt.Sprintf("%s [%s] @ %s", r.Kind, r.Rule, Location(r))
}

// Location is where a report was made: the reporting task's innermost
// model frame (function and file:line), "end of run" for end-of-run
// checks and the deadlock detector, or the first line of the recent
// steps' last step site when no stack was captured.
func Location(r *sim.Report) string {
	if r.Task >= 0 && r.Task < len(r.Stacks) && len(r.Stacks[r.Task].Frames) > 0 {
		f := r.Stacks[r.Task].Frames[0]
		if i := strings.Index(f, ": "); i >= 0 && strings.HasPrefix(f, "task ") {
			f = f[i+2:]
		}
		return f
	}
	if r.Kind == sim.KindDeadlock {
		return "deadlock"
	}
	if r.Task < 0 {
		return "end of run"
	}
	if n := len(r.Recent); n > 0 {
		if i := strings.LastIndex(r.Recent[n-1], "@"); i >= 0 {
			return r.Recent[n-1][i+1:]
		}
	}
	return "?"
}

// group counts a violating run in its group, making the group (with the
// run's traced report) the first time.
func (e *explorer) group(rep *sim.Report) {
	key := GroupKey(rep)
	for i := range e.res.Groups {
		if e.res.Groups[i].Key() == key {
			e.res.Groups[i].Count++
			return
		}
	}
	e.res.Groups = append(e.res.Groups, Group{Kind: rep.Kind, Rule: rep.Rule, Location: Location(rep), Count: 1, First: rep})
}
