package explore

import "fmt"

// StopReason says why an exploration stopped short of its tree:
// StopNone when a DFS covered it; StopViolation at the first violation
// (KeepGoing unset); StopBudget when the run budget ran out; StopTime
// when Options.Context passed its deadline; StopCancelled when it was
// cancelled (an interrupt).
type StopReason uint8

// The reasons an exploration stops, in the order of stopNames.
const (
	StopNone StopReason = iota
	StopViolation
	StopBudget
	StopTime
	StopCancelled
)

var stopNames = [...]string{"none", "violation", "budget", "time", "cancelled"}

func (s StopReason) String() string { return stopNames[s] }

// Coverage says in words how much of the tree a DFS covered:
// "exhausted (all interleavings)", "exhausted within preemption bound 2",
// "stopped at the budget (20000 runs)", "stopped at the time limit (812
// runs)", "interrupted (40 runs)" or "stopped at the first violation".
func (r *Result) Coverage() string {
	switch {
	case r.Complete():
		return "exhausted (all interleavings)"
	case r.Exhausted && r.BoundCut && r.FaultsCut:
		return fmt.Sprintf("exhausted within preemption bound %d and the fault bound", r.Bound)
	case r.Exhausted && r.BoundCut:
		return fmt.Sprintf("exhausted within preemption bound %d", r.Bound)
	case r.Exhausted:
		return "exhausted within the fault bound (all interleavings)"
	}
	switch r.Stopped {
	case StopBudget:
		return fmt.Sprintf("stopped at the budget (%d runs)", r.Runs)
	case StopTime:
		return fmt.Sprintf("stopped at the time limit (%d runs)", r.Runs)
	case StopCancelled:
		return fmt.Sprintf("interrupted (%d runs)", r.Runs)
	case StopViolation:
		return "stopped at the first violation"
	}
	return fmt.Sprintf("%d runs", r.Runs)
}
