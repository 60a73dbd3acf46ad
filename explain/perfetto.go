package explain

import (
	"encoding/json"
	"fmt"
	"io"
)

// TraceEvent is one event of the Chrome trace-event format (the JSON
// that ui.perfetto.dev and chrome://tracing load). Time is in
// microseconds; here one step is one microsecond, so the time axis is
// the step number.
type TraceEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat,omitempty"`
	Ph   string         `json:"ph"` // X complete slice, i instant, M metadata
	Ts   int64          `json:"ts"`
	Dur  *int64         `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	S    string         `json:"s,omitempty"` // instant scope: t thread, g global
	Args map[string]any `json:"args,omitempty"`
}

// TraceFile is the JSON object form of a trace.
type TraceFile struct {
	TraceEvents     []TraceEvent      `json:"traceEvents"`
	DisplayTimeUnit string            `json:"displayTimeUnit"`
	OtherData       map[string]string `json:"otherData"`
}

// Tracks: task k runs on thread 1+k*tidStride; its lock holds on the
// threads after it, one per nesting level (holds need not nest, so each
// overlapping hold gets the lowest free level).
const (
	pid       = 1
	tidStride = 100
)

// Perfetto builds the run's trace events: per task a track of steps and
// blocked periods (slices "blocked on ..."), tracks of lock holds
// (slices named by the lock), instants for marks and the violation.
func (r *Run) Perfetto() TraceFile {
	ev := []TraceEvent{{Name: "process_name", Ph: "M", Pid: pid, Args: map[string]any{"name": r.Title}}}
	levels := make([][]int64, len(r.Tasks)) // per task, per level: busy until
	named := map[int]bool{}
	name := func(tid int, n string, sort int) {
		if !named[tid] {
			named[tid] = true
			ev = append(ev, TraceEvent{Name: "thread_name", Ph: "M", Pid: pid, Tid: tid, Args: map[string]any{"name": n}},
				TraceEvent{Name: "thread_sort_index", Ph: "M", Pid: pid, Tid: tid, Args: map[string]any{"sort_index": sort}})
		}
	}
	for k, t := range r.Tasks {
		name(taskTid(k), t, taskTid(k))
	}
	end := r.Steps + 1
	for _, h := range r.holds() {
		lv := 0
		for ; lv < len(levels[h.task]) && levels[h.task][lv] > h.from; lv++ {
		}
		if lv == len(levels[h.task]) {
			levels[h.task] = append(levels[h.task], 0)
		}
		levels[h.task][lv] = h.to
		tid := taskTid(h.task) + 1 + lv
		track := r.Tasks[h.task] + " locks"
		if lv > 0 {
			track += fmt.Sprintf(" (nested %d)", lv)
		}
		name(tid, track, tid)
		ev = append(ev, slice(h.lock, "lock", tid, h.from, h.to, map[string]any{"taken at": h.from}))
	}
	for _, b := range r.blocks(end) {
		ev = append(ev, slice("blocked on "+b.what, "wait", taskTid(b.task), b.from, b.to, map[string]any{"why": b.why}))
	}
	for i, l := range r.Lines {
		if l.Setup || l.Event {
			continue
		}
		ev = append(ev, TraceEvent{Name: l.Op, Cat: "step", Ph: "i", S: "t", Ts: l.N, Pid: pid, Tid: taskTid(l.Task),
			Args: map[string]any{"step": l.N, "target": l.Target, "site": l.Site, "line": i}})
		for _, m := range l.Marks {
			ev = append(ev, TraceEvent{Name: "mark: " + m, Cat: "mark", Ph: "i", S: "t", Ts: l.N, Pid: pid, Tid: taskTid(l.Task)})
		}
	}
	if rep := r.Report; rep != nil {
		ev = append(ev, TraceEvent{Name: rep.Kind + " [" + rep.Rule + "]: " + rep.Title, Cat: "violation", Ph: "i", S: "g",
			Ts: rep.Step, Pid: pid, Tid: taskTid(max(rep.Task, 0)), Args: map[string]any{"message": rep.Message}})
	}
	return TraceFile{TraceEvents: ev, DisplayTimeUnit: "ns",
		OtherData: map[string]string{"schedule": r.Schedule, "replay": r.Replay, "time unit": "1 us = 1 step"}}
}

func taskTid(k int) int { return 1 + k*tidStride }

func slice(name, cat string, tid int, from, to int64, args map[string]any) TraceEvent {
	d := max(to-from, 1)
	return TraceEvent{Name: name, Cat: cat, Ph: "X", Ts: from, Dur: &d, Pid: pid, Tid: tid, Args: args}
}

// WritePerfetto writes the trace-event JSON.
func (r *Run) WritePerfetto(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(r.Perfetto())
}

// WriteJSON writes the recorded run.
func (r *Run) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(r)
}
