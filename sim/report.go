package sim

import (
	"fmt"
	"strings"
)

// Kind is the checker family a report comes from.
type Kind string

const (
	KindDeadlock  Kind = "deadlock"
	KindLockdep   Kind = "lockdep"
	KindKASAN     Kind = "kasan"
	KindLeak      Kind = "leak"
	KindWarn      Kind = "warn"
	KindBug       Kind = "bug"
	KindOops      Kind = "oops"
	KindLivelock  Kind = "livelock"
	KindPanic     Kind = "panic"
	KindInvariant Kind = "invariant"
	// KindConsistency is a failure of meaning: the dcache or a syscall
	// disagrees with the namespace the filesystem really has (see
	// package vfs/oracle).
	KindConsistency Kind = "consistency"
	KindMark        Kind = "mark"
	KindNondeterm   Kind = "nondeterminism"
)

// Report is one violation: what fired, where, the interleaving that led
// there, and the schedule that replays it.
type Report struct {
	Kind    Kind
	Rule    string // rule id: "R3", "circular", "use-after-free", ...
	Title   string // one line
	Message string // detail, may be several lines
	Task    int    // reporting task, -1 for end-of-run checks
	Step    int64

	// Filled in by the runtime.
	Schedule string
	Stacks   []TaskStack // every task's model call stack (full tracing)
	Recent   []string    // recent steps, formatted (full tracing), none folded
	recent   []traceLine // the same, for folding
}

// TaskStack is one task's model-level call stack when the report was made.
type TaskStack struct {
	Task   string
	State  string
	Frames []string
}

// Format renders the report for people, setup steps folded. The last
// line is the replay line.
func (r *Report) Format() string { return r.FormatWith(FormatOptions{}) }

// FormatWith renders the report as opt says.
func (r *Report) FormatWith(opt FormatOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "=== dcsim: %s", r.Kind)
	if r.Rule != "" {
		fmt.Fprintf(&b, " [%s]", r.Rule)
	}
	fmt.Fprintf(&b, ": %s\n", r.Title)
	switch {
	case r.Kind == KindNondeterm:
		// A property of the program, not of one step: no location.
	case r.Task >= 0:
		fmt.Fprintf(&b, "at step %d in task %d\n", r.Step, r.Task)
	case r.Kind == KindDeadlock:
		fmt.Fprintf(&b, "at step %d\n", r.Step)
	default:
		fmt.Fprintf(&b, "at the end of the run (step %d)\n", r.Step)
	}
	if r.Message != "" {
		b.WriteString(indent(r.Message))
	}
	if len(r.Recent) > 0 {
		b.WriteString("\nrecent steps:\n")
		lines := r.Recent
		if r.recent != nil {
			lines = foldTrace(r.recent, opt)
		}
		for _, l := range lines {
			b.WriteString("  " + l + "\n")
		}
	}
	if len(r.Stacks) > 0 {
		b.WriteString("\ntasks:\n")
		for _, s := range r.Stacks {
			fmt.Fprintf(&b, "  %s (%s)\n", s.Task, s.State)
			for _, f := range s.Frames {
				b.WriteString("      " + f + "\n")
			}
		}
	}
	if r.Schedule != "" {
		fmt.Fprintf(&b, "\nschedule: %s\nreplay:   dcsim replay '%s'\n", r.Schedule, r.Schedule)
	}
	return b.String()
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// ScheduleFromReport finds the schedule line in a saved report.
func ScheduleFromReport(text string) (string, bool) {
	for _, l := range strings.Split(text, "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(l), "schedule:"); ok {
			return strings.TrimSpace(s), true
		}
	}
	return "", false
}

// haltRun unwinds the running task after a report or an input error.
type haltRun struct{}
