package sim

import (
	"slices"
	"strings"
)

// Observer watches a run line by line, for explanations of one run (dcsim
// explain): after every line of a full trace, and at every coverage mark.
// It must only read: no scheduling point, no change to model state. It is
// called with full tracing only (Config.Trace == TraceFull).
type Observer interface {
	// Observe is called after s (a step or an event) was recorded.
	Observe(w *World, s *Step)
	// Marked is called when t reaches the coverage mark name.
	Marked(t *Task, name string)
	// Ended is called once when the run stops (every task done, or a
	// report), before the tasks are unwound: the state the report saw.
	Ended(w *World)
}

// View describes part of a model's state to observers and to reports. A
// model package registers one per run with World.AddView (the dcache
// lists its in-lookup dentries and open i_dir_seq sections). Both methods
// take no scheduling point and change nothing.
type View interface {
	// State lists the model state a reader needs at this point, one
	// line each, in a deterministic order.
	State() []string
	// Waker says who is expected to wake the blocked task t and how
	// ("T0 owner should wake it, ..."), or why nobody will ("lost: ...",
	// a lost wake-up); "" when the view does not know what t waits for.
	Waker(t *Task) string
}

// AddView registers a view of model state for this run.
func (w *World) AddView(v View) { w.views = append(w.views, v) }

// Views lists the views registered for this run.
func (w *World) Views() []View { return w.views }

// observe hands a recorded line to the observer.
func (w *World) observe() {
	if w.cfg.Observer != nil && len(w.trace) > 0 {
		w.cfg.Observer.Observe(w, &w.trace[len(w.trace)-1])
	}
}

// wakerHints asks every view who should wake t.
func (w *World) wakerHints(t *Task) []string {
	var out []string
	for _, v := range w.views {
		if s := v.Waker(t); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// HeldLock is one lock a task holds, as lockdep sees it.
type HeldLock struct {
	Lock  string // the lock: object and field, `dentry#28("/").d_lock`
	Class string // its lockdep class, with the subclass: "&dentry->d_lock/1"
	Mode  string // "" exclusive, "read", "recursive read"; ", trylock" added
	Step  int64  // the step it was taken at
}

func (h HeldLock) String() string {
	s := h.Lock
	if h.Mode != "" {
		s += " (" + h.Mode + ")"
	}
	return s
}

// Name is the task's name, without its number.
func (t *Task) Name() string { return t.name }

// HeldLocks lists the locks t holds, oldest first.
func (t *Task) HeldLocks() []HeldLock {
	held := t.held
	if t.heldReal != nil {
		held = slices.Clone(t.heldReal)
		for _, h := range t.held {
			if !slices.ContainsFunc(held, func(x heldLock) bool { return x.m == h.m }) {
				held = append(held, h)
			}
		}
	}
	out := make([]HeldLock, 0, len(held))
	for i := range held {
		h := &held[i]
		var mode []string
		switch h.read {
		case lockShared:
			mode = append(mode, "read")
		case lockRecursive:
			mode = append(mode, "recursive read")
		}
		if h.trylock {
			mode = append(mode, "trylock")
		}
		out = append(out, HeldLock{Lock: h.m.String(), Class: className(h.node()), Mode: strings.Join(mode, ", "), Step: h.step})
	}
	return out
}

// State says what t is doing: "runnable", "blocked on WHAT", "exited"
// or "reporting".
func (t *Task) State() string { return t.stateString() }

// Done reports whether t has finished.
func (t *Task) Done() bool { return t.state == taskDone }

// Blocked reports whether t is blocked.
func (t *Task) Blocked() bool { return t.state == taskBlocked }

// WaitHolders lists the tasks holding what blocked t waits for (the
// holders of a lock); none for a wait on an event.
func (t *Task) WaitHolders() []*Task {
	if t.state != taskBlocked || t.waitOn == nil {
		return nil
	}
	return t.waitOn.holders()
}

// Wakers are the views' answers to who should wake blocked t (World.AddView).
func (t *Task) Wakers() []string {
	if t.state != taskBlocked {
		return nil
	}
	return t.w.wakerHints(t)
}

// LockDep is one edge of lockdep's lock-order graph: To was taken while
// From was held.
type LockDep struct {
	From, To  string // classes, with subclass ("&dentry->d_lock/1")
	Dep       string // lockdep's dependency type: "SR", "ER", "SN" or "EN" (strongest seen first)
	Task      int    // the task that first took the pair in this order
	Step      int64  // and when
	Invisible []string
}

// LockDeps lists the lock-order graph the run built, in the order the
// dependencies were first seen.
func (w *World) LockDeps() []LockDep {
	var out []LockDep
	for _, from := range w.lockdep.touched {
		for _, e := range w.lockdep.edges(from) {
			d := LockDep{From: className(from), To: className(e.to), Dep: depName(e.dep), Task: e.task, Step: e.step}
			for _, n := range []int{from, e.to} {
				if c := lockClasses[n/MaxSubclasses]; c.invisible != "" {
					d.Invisible = append(d.Invisible, className(n))
				}
			}
			out = append(out, d)
		}
	}
	return out
}

// depName names the dependency bits lockdep prints (-(EN)->).
func depName(dep uint8) string {
	var parts []string
	for _, b := range []struct {
		bit  uint8
		name string
	}{{depEN, "EN"}, {depSN, "SN"}, {depER, "ER"}, {depSR, "SR"}} {
		if dep&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	return strings.Join(parts, ",")
}

// LockDeps is the lock-order graph of the run (World.LockDeps).
func (o *Outcome) LockDeps() []LockDep { return o.world.LockDeps() }

// Tasks lists the run's tasks in id order.
func (o *Outcome) Tasks() []*Task { return o.world.tasks }

// TaskName is the printed name of task id ("T0 owner").
func (o *Outcome) TaskName(id int) string { return o.world.taskName(id) }

// Target is what the step touched, as a trace line names it:
// `dentry#28("/").d_lock`.
func (s *Step) Target() string { return s.target() }
