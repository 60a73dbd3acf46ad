package explain

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// TextOptions tune the narration.
type TextOptions struct {
	// Verbose narrates setup steps one by one; otherwise each run of them
	// is one line followed by the state it leaves.
	Verbose bool
}

// pad is the indentation of what a step changed, under its trace line.
const pad = "            "

// WriteText narrates the run: a header, every step with what it changed,
// the state when the run stopped, what each checker saw and the
// interleaving in columns.
func (r *Run) WriteText(w io.Writer, opt TextOptions) {
	fmt.Fprintf(w, "dcsim explain: %s\n", r.Title)
	fmt.Fprintf(w, "replay:  %s    # %s\n", r.Replay, r.gives())
	fmt.Fprintf(w, "tasks:   %s\n", strings.Join(r.Tasks, ", "))
	fmt.Fprintf(w, "result:  %s\n\n", r.resultLine())
	fmt.Fprintln(w, "How to read it: each numbered line is one scheduling point (a lock, an atomic, a")
	fmt.Fprintln(w, "shared access, a wait); dN is the N-th decision of the schedule, \"+\" marks an")
	fmt.Fprintln(w, "event that takes no step. The indented lines under a step say what it changed:")
	fmt.Fprintln(w, "locks taken and released, tasks blocking (on what, held by whom, who will wake")
	fmt.Fprintln(w, "them), model state appearing (+) and going (-), marks, and the violation (>>>).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "== the run, step by step")
	r.writeSteps(w, opt)
	fmt.Fprintln(w)
	r.writeFinal(w)
	fmt.Fprintln(w)
	r.writeCheckers(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "== the interleaving, one column per task")
	r.WriteColumns(w, opt)
}

// gives is what replaying the run reports, as docs state it next to a
// schedule: "kind [rule]" or "clean".
func (r *Run) gives() string {
	if r.Report == nil {
		return "clean"
	}
	return "gives " + r.Report.Kind + " [" + r.Report.Rule + "]"
}

func (r *Run) resultLine() string {
	if r.Report == nil {
		return fmt.Sprintf("clean (%d steps)", r.Steps)
	}
	rep := r.Report
	where := fmt.Sprintf("at step %d", rep.Step)
	if rep.Task >= 0 && rep.Task < len(r.Tasks) {
		where += " in " + r.Tasks[rep.Task]
	} else if rep.Kind != "deadlock" {
		where = fmt.Sprintf("at the end of the run (step %d)", rep.Step)
	}
	return fmt.Sprintf("%s [%s] %s: %s", rep.Kind, rep.Rule, where, rep.Title)
}

func (r *Run) writeSteps(w io.Writer, opt TextOptions) {
	prev := State{}
	if len(r.Lines) > 0 {
		prev = emptyLike(r.Lines[0].State)
	}
	for i := 0; i < len(r.Lines); {
		l := &r.Lines[i]
		if l.Setup && !opt.Verbose {
			j := i
			for j < len(r.Lines) && r.Lines[j].Setup {
				j++
			}
			steps := 0
			for _, s := range r.Lines[i:j] {
				if !s.Event {
					steps++
				}
			}
			fmt.Fprintf(w, "%7s  setup  (%d steps folded; -v narrates them)\n", stepRange(r.Lines[i:j]), steps)
			last := &r.Lines[j-1]
			r.writeChanges(w, prev, last.State, nil, j-1)
			prev = last.State
			i = j
			continue
		}
		fmt.Fprintln(w, l.Text)
		r.writeChanges(w, prev, l.State, l.Marks, i)
		prev = l.State
		i++
	}
}

func stepRange(ls []Line) string {
	first, last := ls[0].N, ls[len(ls)-1].N
	if ls[0].Event {
		first++
	}
	if last > first {
		return fmt.Sprintf("%d-%d", first, last)
	}
	return fmt.Sprint(first)
}

// emptyLike is the state before anything ran: every task runnable,
// holding nothing, no model state.
func emptyLike(s State) State {
	e := State{}
	for _, t := range s.Tasks {
		e.Tasks = append(e.Tasks, TaskState{Name: t.Name, State: "runnable"})
	}
	return e
}

// writeChanges says what changed from a to b (after line i).
func (r *Run) writeChanges(w io.Writer, a, b State, marks []string, i int) {
	for k, tb := range b.Tasks {
		var ta TaskState
		if k < len(a.Tasks) {
			ta = a.Tasks[k]
		}
		for _, h := range tb.Held {
			if !slices.Contains(ta.Held, h) {
				fmt.Fprintf(w, "%s%s takes %s\n", pad, tb.Name, h)
			}
		}
		for _, h := range ta.Held {
			if !slices.Contains(tb.Held, h) {
				fmt.Fprintf(w, "%s%s releases %s\n", pad, tb.Name, h)
			}
		}
		if ta.State != tb.State || !slices.Equal(ta.Wakers, tb.Wakers) {
			writeTaskState(w, tb, ta.State)
		}
	}
	for _, m := range a.Model {
		if !slices.Contains(b.Model, m) {
			fmt.Fprintf(w, "%s- %s\n", pad, m)
		}
	}
	for _, m := range b.Model {
		if !slices.Contains(a.Model, m) {
			fmt.Fprintf(w, "%s+ %s\n", pad, m)
		}
	}
	for _, m := range marks {
		fmt.Fprintf(w, "%smark: %s\n", pad, m)
	}
	if r.Report != nil && r.Report.Line == i {
		fmt.Fprintf(w, "%s>>> %s [%s] reported here: %s\n", pad, r.Report.Kind, r.Report.Rule, r.Report.Title)
	}
}

func writeTaskState(w io.Writer, t TaskState, before string) {
	switch {
	case strings.HasPrefix(t.State, "blocked"):
		s := fmt.Sprintf("%s%s is %s", pad, t.Name, t.State)
		if len(t.Holders) > 0 {
			s += ", held by " + strings.Join(t.Holders, ", ")
		}
		fmt.Fprintln(w, s)
		for _, k := range t.Wakers {
			fmt.Fprintf(w, "%s  wake-up: %s\n", pad, k)
		}
	case t.State == "runnable" && strings.HasPrefix(before, "blocked"):
		fmt.Fprintf(w, "%s%s is runnable again\n", pad, t.Name)
	case t.State == "exited" || t.State == "reporting":
		fmt.Fprintf(w, "%s%s has %s\n", pad, t.Name, map[string]string{"exited": "exited", "reporting": "stopped on the report"}[t.State])
	}
}

// final is the state the run stopped in.
func (r *Run) final() State {
	if len(r.Lines) == 0 {
		return State{}
	}
	return r.Lines[len(r.Lines)-1].State
}

func (r *Run) writeFinal(w io.Writer) {
	fmt.Fprintf(w, "== the state when the run stopped (step %d)\n", r.Steps)
	st := r.final()
	for _, t := range st.Tasks {
		fmt.Fprintf(w, "  %s: %s\n", t.Name, t.State)
		if len(t.Held) > 0 {
			fmt.Fprintf(w, "      holds %s\n", strings.Join(t.Held, ", "))
		}
		if len(t.Holders) > 0 {
			fmt.Fprintf(w, "      what it waits for is held by %s\n", strings.Join(t.Holders, ", "))
		}
		for _, k := range t.Wakers {
			fmt.Fprintf(w, "      wake-up: %s\n", k)
		}
	}
	if len(st.Model) == 0 {
		fmt.Fprintln(w, "  no in-lookup dentry, no open i_dir_seq section")
	}
	for _, m := range st.Model {
		fmt.Fprintf(w, "  %s\n", m)
	}
}

// checker is one row of "what each checker saw".
type checker struct {
	name  string
	kinds []string
	scope string
}

var checkers = []checker{
	{"deadlock detector", []string{"deadlock"}, "when no task can run"},
	{"lockdep", []string{"lockdep"}, "at every lock acquisition"},
	{"KASAN (object lifetimes)", []string{"kasan", "oops"}, "at every access"},
	{"WARN_ON / BUG_ON", []string{"warn", "bug"}, "where the kernel has them"},
	{"model invariants", []string{"invariant"}, "at the steps that can break them, and at the end"},
	{"consistency oracle", []string{"consistency"}, "the dcache against the filesystem's own namespace"},
	{"leak check", []string{"leak"}, "at the end"},
	{"livelock bound", []string{"livelock"}, "at every step"},
	{"Go panics", []string{"panic"}, "anywhere"},
}

func (r *Run) writeCheckers(w io.Writer) {
	fmt.Fprintln(w, "== what each checker saw")
	for _, c := range checkers {
		saw := "quiet"
		switch {
		case r.Report != nil && slices.Contains(c.kinds, r.Report.Kind):
			saw = fmt.Sprintf("FIRED: %s [%s] %s", r.Report.Kind, r.Report.Rule, r.Report.Title)
		case !r.Finished && (c.scope == "at the end"):
			saw = "not reached (the run stopped before its end)"
		case c.name == "lockdep":
			saw = fmt.Sprintf("quiet; it learned %d lock-order dependencies", len(r.Deps))
		}
		fmt.Fprintf(w, "  %-26s (%s): %s\n", c.name, c.scope, saw)
	}
	if rep := r.Report; rep != nil && !slices.ContainsFunc(checkers, func(c checker) bool { return slices.Contains(c.kinds, rep.Kind) }) {
		fmt.Fprintf(w, "  %-26s: FIRED: %s [%s] %s\n", rep.Kind, rep.Kind, rep.Rule, rep.Title)
	}
	if len(r.Deps) > 0 {
		fmt.Fprintln(w, "  lockdep's lock order (held -> taken, first seen):")
		for _, d := range r.Deps {
			note := ""
			if len(d.Invisible) > 0 {
				note = "  (not tracked by a lockdep kernel: " + strings.Join(d.Invisible, ", ") + ")"
			}
			fmt.Fprintf(w, "    %s -(%s)-> %s  by %s at step %d%s\n", d.From, d.Type, d.To, d.Task, d.Step, note)
		}
	}
	if len(r.Marks) > 0 {
		fmt.Fprintln(w, "  coverage marks reached:")
		for _, m := range r.Marks {
			fmt.Fprintf(w, "    %s\n", m)
		}
	}
	if r.Report != nil {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "== the report")
		fmt.Fprint(w, withoutRecent(r.Report.Text))
	}
}

// withoutRecent drops a report's "recent steps" block: the narration
// above shows every step.
func withoutRecent(text string) string {
	var b strings.Builder
	skip := false
	for _, l := range strings.SplitAfter(text, "\n") {
		switch {
		case strings.HasPrefix(l, "recent steps:"):
			skip = true
			continue
		case skip && (strings.HasPrefix(l, "  ") || l == ""):
			continue
		case skip && l == "\n":
			continue
		}
		skip = false
		b.WriteString(l)
	}
	return b.String()
}
