package sim

// Start units.
//
// A task's start unit is the code its function runs before its first
// scheduling point. It records no step. When a decision D1 picks a task A
// that has never run, A runs its start unit and reaches its first point
// P; if two tasks could run there, P logs a schedule decision D2 with
// Cur A, whose default (A goes on) repeats D1's pick. D2 is marked
// Decision.RepeatsPick when, between D1 and D2, the log grew by nothing
// (no fault, signal or choice decision), no step was taken, no object was
// allocated, no task was spawned or woken (the runnable set is D1's), no
// mark was hit, nobody read the step count (World.Steps: the clock, which
// a consistency oracle reads when a call begins), and no task is bound to
// a CPU (where picking A would move it onto its CPU).
//
// Claim: for X != A, every run R2 whose log is prefix, D1=A, D2=X, ...
// has a twin R1 whose log is prefix, D1=X, ... with the same steps (so
// the same hash and the same report kind and rule), the same fault
// decisions and no more preemptions.
//
// Premise, the runtime's contract (docs/design.md, "Tasks and scheduling
// points"): model code touches shared state only in the step of a
// scheduling point, the code that follows the point. A start unit belongs
// to no step, so it reads and writes only its own task's state and the
// runtime's, and every change to the runtime's is one of those checked
// above.
//
// Proof. (1) After prefix, D1=A, start unit, D2=X the world is the one
// after prefix, D1=X but for A's own state: A stands at P in R2 and has
// not started in R1. The eligible set at D2 is D1's, so X is an option of
// D1. (2) The decisions of R2 after D2, replayed after D1=X, see the same
// options and the same running task as long as none picks A: the same
// steps follow. (3) When a decision E picks A in R2, A takes P's step at
// once. In R1, E picks A as well; A runs its start unit (the same code on
// the same state of its own: the same effect, none shared) and reaches P,
// which logs a decision D2' when two tasks could run; R1 takes A there,
// the default, and A takes P's step. From then on both runs are in the
// same state and go on alike. If no decision picks A again (R2 ends on a
// report first), R1 ends alike. (4) D2=X preempts (A could have gone
// on), so D1=A and D2=X count at least one preemption, and D1=X at most
// one; E counts the same in both runs and D2' none. Fault decisions are
// the same in both. ∎
//
// So a search that explores D1's alternatives within a preemption bound
// reaches every run of D2's other alternatives within it too: the DFS
// (package explore) skips them. The decisions stay in the log, and
// replays and other strategies may take any value there: R1 and R2 have
// different schedules (R1 has D2'), and a report of R2 shows A's stack at
// P where R1's shows A not yet started.
//
// Not marked, on purpose: the first point of a task woken from a sleep.
// Its "start unit" is the tail of the primitive it slept in, which tests
// a lock's holder, a completion's count or a seqcount again and takes
// what it waited for without a point of its own, so D2's alternatives
// are runs of their own. Nor a first point that is Task.CPURelax: there
// going on is the preemption (Decision.Preempts), so R1's D2' would cost
// one.

// startUnit is what the World recorded when a freshly picked task began
// its start unit (t nil: no start unit is being watched).
type startUnit struct {
	t        *Task
	log      int // len(w.log)
	step     int64
	nextID   ObjID
	runnable uint64
	tasks    int
	marks    int
}

// beginStartUnit is t's coroutine starting: if the decision just logged
// picked t, watch its start unit.
func (w *World) beginStartUnit(t *Task) {
	w.su.t = nil
	n := len(w.log)
	if w.pinned != 0 || n == 0 {
		return
	}
	if d := &w.log[n-1]; !d.schedules() || int(d.Value) != t.id {
		return
	}
	w.su = startUnit{t: t, log: n, step: w.step, nextID: w.nextID, runnable: w.runnable,
		tasks: len(w.tasks), marks: w.markCount}
}

// endStartUnit is t's first scheduling point: it reports whether t's
// start unit, begun by the decision just before, left the world as it
// found it, and stops watching.
func (w *World) endStartUnit(t *Task) bool {
	su := w.su
	w.su.t = nil
	return su.t == t && su.log == len(w.log) && su.step == w.step && su.nextID == w.nextID &&
		su.runnable == w.runnable && su.tasks == len(w.tasks) && su.marks == w.markCount
}
