package explain

import (
	"fmt"

	"github.com/dcsim/dcsim/sim"
)

// Run is one recorded run, everything the renderers need.
type Run struct {
	Title    string   `json:"title"`    // "scenario@variant"
	Schedule string   `json:"schedule"` // the schedule that replays it
	Replay   string   `json:"replay"`   // the command that replays it
	Tasks    []string `json:"tasks"`    // "T0 owner", in id order
	Lines    []Line   `json:"lines"`    // the full trace, one line each
	Report   *Report  `json:"report"`   // nil: clean
	Deps     []Dep    `json:"deps"`     // lockdep's lock-order graph
	// Closing is, for a lockdep circular report, the dependency the
	// reporting task tried to add and lockdep refused: it closes a cycle.
	Closing  []Dep    `json:"closing,omitempty"`
	Marks    []string `json:"marks"` // coverage marks hit, sorted, with counts
	Steps    int64    `json:"steps"`
	Finished bool     `json:"finished"` // every task ended (end-of-run checks ran)
}

// Line is one trace line and the state after it.
type Line struct {
	N      int64    `json:"n"`     // step number (an event carries the step before it)
	Event  bool     `json:"event"` // no scheduling point: blocks on, wakes from, fault, ...
	Setup  bool     `json:"setup"`
	Task   int      `json:"task"`
	Op     string   `json:"op"`
	Target string   `json:"target"`
	Note   string   `json:"note,omitempty"`
	Site   string   `json:"site,omitempty"`
	Acc    string   `json:"acc"`  // R, W, A (acquire), L (release)
	Text   string   `json:"text"` // as dcsim replay -v prints it
	Marks  []string `json:"marks,omitempty"`
	State  State    `json:"state"`
}

// State is what a reader needs to know at one point of the run.
type State struct {
	Tasks []TaskState `json:"tasks"`
	Model []string    `json:"model"` // the models' views (sim.View.State)
}

// TaskState is one task at one point.
type TaskState struct {
	Name    string   `json:"name"`
	State   string   `json:"state"` // runnable, blocked on ..., exited
	Held    []string `json:"held"`
	Holders []string `json:"holders,omitempty"` // who holds what it is blocked on
	Wakers  []string `json:"wakers,omitempty"`  // who should wake it (sim.View.Waker)
}

// Report is the run's violation.
type Report struct {
	Kind    string `json:"kind"`
	Rule    string `json:"rule"`
	Title   string `json:"title"`
	Message string `json:"message"`
	Task    int    `json:"task"` // -1: end of run or deadlock
	Step    int64  `json:"step"`
	Line    int    `json:"line"` // index in Lines of the line it was reported at
	Text    string `json:"text"` // the report as dcsim replay prints it
}

// Dep is one edge of the lock-order graph.
type Dep struct {
	From      string   `json:"from"`
	To        string   `json:"to"`
	Type      string   `json:"type"` // lockdep's -(EN)-> and so on
	Task      string   `json:"task"`
	Step      int64    `json:"step"`
	Invisible []string `json:"invisible,omitempty"` // classes a lockdep kernel does not track
}

// Record runs p once under cfg and strategy s (a replay) with full
// tracing, snapshotting the state after every line. title names the
// program for people ("scenario@variant").
func Record(title string, p sim.Program, cfg sim.Config, s sim.Strategy) (*Run, error) {
	rec := &recorder{}
	cfg.Trace = sim.TraceFull
	cfg.Observer = rec
	o := sim.Execute(p, cfg, s)
	defer o.Release()
	if o.Err != nil {
		return nil, o.Err
	}
	r := &Run{Title: title, Steps: o.Steps}
	for _, t := range o.Tasks() {
		r.Tasks = append(r.Tasks, t.String())
	}
	texts := o.FormatTraceWith(sim.FormatOptions{Verbose: true})
	for i := range o.Trace {
		st := &o.Trace[i]
		l := Line{N: st.N, Event: st.Event, Setup: st.Setup, Task: st.Task, Op: st.Op.String(),
			Target: st.Target(), Note: st.Note, Site: st.Site, Acc: st.Acc.String()}
		if i < len(texts) {
			l.Text = texts[i]
		}
		if i < len(rec.states) {
			l.State = rec.states[i]
		} else if i > 0 {
			l.State = r.Lines[i-1].State
		}
		r.Lines = append(r.Lines, l)
	}
	for _, m := range rec.marks {
		if m.line >= 0 && m.line < len(r.Lines) {
			r.Lines[m.line].Marks = append(r.Lines[m.line].Marks, m.text)
		}
	}
	for _, n := range o.MarkNames() {
		r.Marks = append(r.Marks, fmt.Sprintf("%s (%d)", n, o.Marks[n]))
	}
	for _, d := range o.LockDeps() {
		r.Deps = append(r.Deps, Dep{From: d.From, To: d.To, Type: d.Dep, Task: o.TaskName(d.Task), Step: d.Step, Invisible: d.Invisible})
	}
	r.Finished = rec.finished
	r.Closing = closing(r.Deps, rec.attempt)
	sched := o.Schedule().String()
	r.Schedule, r.Replay = sched, "dcsim replay '"+sched+"'"
	if rep := o.Report; rep != nil {
		r.Report = &Report{Kind: string(rep.Kind), Rule: rep.Rule, Title: rep.Title, Message: rep.Message,
			Task: rep.Task, Step: rep.Step, Line: reportLine(r.Lines, rep), Text: rep.Format()}
	}
	return r, nil
}

// closing keeps the attempted dependencies that close a cycle: those
// whose target already reaches their source in the graph.
func closing(deps []Dep, attempt []Dep) []Dep {
	var out []Dep
	for _, a := range attempt {
		seen := map[string]bool{a.To: true}
		queue := []string{a.To}
		for len(queue) > 0 && !seen[a.From] {
			n := queue[0]
			queue = queue[1:]
			for _, d := range deps {
				if d.From == n && !seen[d.To] {
					seen[d.To] = true
					queue = append(queue, d.To)
				}
			}
		}
		if seen[a.From] {
			a.Type = "closes a cycle"
			out = append(out, a)
		}
	}
	return out
}

// reportLine is the index of the line a report was made at: the last line
// of the reporting task at the report's step, else the last line there.
func reportLine(lines []Line, rep *sim.Report) int {
	last := -1
	for i, l := range lines {
		if l.N > rep.Step {
			break
		}
		if rep.Task < 0 || l.Task == rep.Task || last < 0 {
			last = i
		}
	}
	return last
}

// recorder is the sim.Observer of Record. The state after line i is
// taken when line i+1 is recorded (the model code of line i's step has
// then run), and when the run ends.
type recorder struct {
	n        int
	states   []State
	marks    []markAt
	finished bool
	attempt  []Dep // lockdep circular: held classes -> the class being taken
}

type markAt struct {
	line int
	text string
}

func (r *recorder) Observe(w *sim.World, s *sim.Step) {
	if r.n > 0 {
		r.states = append(r.states, snapshot(w))
	}
	r.n++
}

func (r *recorder) Marked(t *sim.Task, name string) {
	r.marks = append(r.marks, markAt{r.n - 1, t.String() + ": " + name})
}

func (r *recorder) Ended(w *sim.World) {
	r.finished = !w.Halted()
	if rep := w.Report(); rep != nil && rep.Kind == sim.KindLockdep && rep.Rule == "circular" && rep.Task >= 0 {
		t := w.Tasks()[rep.Task]
		if held := t.HeldLocks(); len(held) > 1 {
			next := held[len(held)-1] // pushed before lockdep's check
			for _, prev := range held[:len(held)-1] {
				r.attempt = append(r.attempt, Dep{From: prev.Class, To: next.Class, Task: t.String(), Step: next.Step})
			}
		}
	}
	if r.n > 0 {
		r.states = append(r.states, snapshot(w))
	}
}

func snapshot(w *sim.World) State {
	var st State
	for _, t := range w.Tasks() {
		ts := TaskState{Name: t.String(), State: t.State(), Held: []string{}}
		for _, h := range t.HeldLocks() {
			ts.Held = append(ts.Held, h.String())
		}
		for _, h := range t.WaitHolders() {
			ts.Holders = append(ts.Holders, h.String())
		}
		ts.Wakers = t.Wakers()
		st.Tasks = append(st.Tasks, ts)
	}
	st.Model = []string{}
	for _, v := range w.Views() {
		st.Model = append(st.Model, v.State()...)
	}
	return st
}
