package sim

import (
	"fmt"
	"runtime"
	"strings"
)

type taskState uint8

const (
	taskRunnable taskState = iota
	taskBlocked
	taskDone
)

// Task is a simulated kernel thread. Model code receives its task as the
// first argument, the way kernel code has "current".
type Task struct {
	w      *World
	id     int
	name   string
	fn     func(t *Task)
	daemon bool
	state  taskState

	co    *coro // borrowed for the run, from the first time the task runs
	yield func(struct{}) bool
	abort bool // teardown: unwind the task's code at its next switch

	dumpReq bool
	stack   []string
	final   string // state when the run ended, for reports

	// Blocking: what the task waits on, for the wait-for graph. Its
	// description is formatted only when a report or trace needs it.
	waitOn holderSet
	woken  bool

	held          []heldLock
	heldReal      []heldLock // LockMap.MightWait: held locks lockdep's view drops for a moment
	preempt       int        // preempt_count: raw spinlocks, preempt_disable, and spinlock_t unless PREEMPT_RT
	rtLocks       int        // spinlock_t held under PREEMPT_RT (sleeping locks: RCU readers, preemptible)
	preemptStart  int64      // step at which preempt+rtLocks went 0 -> 1
	cpu           int8       // 1 + the CPU the task is bound to (BindCPU); 0: a CPU of its own
	preempted     bool       // bound, and kept off its CPU by a task that preempted it (cpu.go)
	spinning      bool       // blocked in a spin (a seqcount reader): it keeps its CPU
	rcuDepth      int
	rcuStart      int64
	inRCUCallback bool
	signalled     bool

	setupDepth int   // inside Task.Setup
	blockStart int64 // step at which the task first blocked in its current wait

	pending Pending // the point the task is stopped at (sim/pending.go)
}

// ID is the task's number, its name in schedules.
func (t *Task) ID() int { return t.id }

// World is the run the task belongs to.
func (t *Task) World() *World { return t.w }

func (t *Task) String() string { return fmt.Sprintf("T%d %s", t.id, t.name) }

func (t *Task) stateString() string {
	switch t.state {
	case taskRunnable:
		return "runnable"
	case taskBlocked:
		if what := t.waitWhat(); what != "" {
			return "blocked on " + what
		}
		return "blocked"
	}
	if t.w.report != nil && t.w.report.Task == t.id {
		return "reporting"
	}
	return "exited"
}

// body is the coroutine: it runs the task's function and turns panics into
// reports, so that model bugs never crash the explorer.
func (t *Task) body(yield func(struct{}) bool) {
	t.yield = yield
	defer t.recoverPanic()
	if t.dumpReq { // stack dump of a task that never ran
		t.dumpReq = false
		return
	}
	t.fn(t)
	t.exit()
}

func (t *Task) recoverPanic() {
	r := recover()
	t.state = taskDone
	t.w.runnable &^= 1 << uint(t.id)
	if r == nil {
		return
	}
	if _, ok := r.(haltRun); ok {
		return
	}
	w := t.w
	rep := &Report{Kind: KindPanic, Rule: "go-panic", Title: fmt.Sprint(r)}
	if err, ok := r.(runtime.Error); ok && strings.Contains(err.Error(), "nil pointer") {
		rep.Kind, rep.Rule, rep.Title = KindOops, "null-deref", "NULL pointer dereference"
	}
	stack := t.captureStack(3)
	rep.Message = "Go stack:\n" + strings.Join(stack, "\n")
	if w.report == nil {
		rep.Step, rep.Task = w.step, t.id
		w.report = rep
		t.stack = stack
	}
	w.halted = true
}

func (t *Task) exit() {
	w := t.w
	if len(t.held) > 0 {
		w.lockdepReport(t, "held-at-exit", fmt.Sprintf("task exited with %d lock(s) held", len(t.held)), t.heldString())
	}
	if t.rcuDepth > 0 {
		w.raise(t, &Report{Kind: KindLockdep, Rule: "rcu-at-exit", Title: "task exited inside an RCU read-side section"})
	}
	t.state = taskDone
	w.runnable &^= 1 << uint(t.id)
	if w.pinned != 0 {
		w.offCPU(t)
	}
	w.pickNext(t)
}

// switchOut gives the CPU to w.cur and returns when this task is resumed.
// A task being torn down unwinds instead, without switching.
func (t *Task) switchOut() {
	for {
		if t.abort || !t.yield(struct{}{}) || t.abort {
			panic(haltRun{})
		}
		if t.dumpReq {
			t.dumpReq = false
			t.stack = t.captureStack(3)
			continue
		}
		return
	}
}

// point is a scheduling point: the strategy may run another task first;
// then the step is executed and recorded.
func (t *Task) point(op Op, id ObjID, o *Object, field string, acc Access) {
	w := t.w
	if w.halted {
		panic(haltRun{})
	}
	t.pending = Pending{op, id, acc}
	repeats := w.su.t != nil && w.endStartUnit(t)
	if r := w.eligible(); r&(r-1) != 0 {
		if v := w.decideOn(Decision{Kind: DecideSchedule, Cur: int8(t.id), RepeatsPick: repeats}, ""); v != t.id {
			w.cur = w.tasks[v]
			t.switchOut()
		}
	}
	if o == nil && id == 0 && op >= OpSpinLock && op <= opLockMapRelease {
		w.raise(t, &Report{Kind: KindOops, Rule: "uninitialised-lock",
			Title: op.String() + " on a lock that was never initialised (inside an ERR_PTR, or uninitialised memory)"})
	}
	w.check(t, o, field, op, acc)
	w.step++
	w.hash = (w.hash ^ (uint64(id)<<24 | uint64(op)<<8 | uint64(t.id))) * 1099511628211
	if w.cfg.Trace != TraceOff {
		w.record(t, op, id, o, field, acc, "")
	}
	if w.step > w.cfg.MaxSteps {
		w.livelock(t)
	}
}

func (w *World) record(t *Task, op Op, id ObjID, o *Object, field string, acc Access, note string) {
	s := Step{N: w.step, Task: t.id, Op: op, ID: id, Acc: acc}
	if w.cfg.Trace == TraceFull {
		s.Obj, s.Field, s.Note = o, field, note
		s.Site = callSite()
		w.tagStep(t, &s)
	}
	w.trace = append(w.trace, s)
	w.observe()
}

// event records a trace line that is no scheduling point (full tracing
// only): it takes no step number and does not enter the run's hash, so
// step numbers and hashes are the same in every trace mode.
func (w *World) event(t *Task, op Op, o *Object, field, note string) {
	if w.cfg.Trace != TraceFull {
		return
	}
	s := Step{N: w.step, Task: t.id, Op: op, Event: true, Obj: o, Field: field, Note: note, Site: callSite()}
	if o != nil {
		s.ID = o.id
	}
	w.tagStep(t, &s)
	w.trace = append(w.trace, s)
	w.observe()
}

// tagStep fills in the presentation-only fields of a full trace line: the
// decision that produced it (the newest decision not yet shown on a line)
// and whether it belongs to a setup phase.
func (w *World) tagStep(t *Task, s *Step) {
	if n := int32(len(w.log)); n > w.decShown {
		s.Dec, s.Decs = n, uint8(min(n-w.decShown, 255))
		w.decShown = n
	}
	if t.name != "setup" {
		w.setupOver = true
	}
	s.Setup = t.setupDepth > 0 || (t.name == "setup" && !w.setupOver)
}

// Setup runs fn as a setup phase of the task: building the directory tree
// and objects the concurrent part of a scenario starts from. Full traces
// fold the steps of setup phases into one line unless printed verbosely.
// The steps a task named "setup" takes before any other task has taken a
// step are setup steps without this call.
func (t *Task) Setup(fn func()) {
	t.setupDepth++
	defer func() { t.setupDepth-- }()
	fn()
}

// Annotate adds a note to the step just taken (full tracing only): a value
// read, a flag set, the result of a cmpxchg.
func (t *Task) Annotate(format string, args ...any) {
	w := t.w
	if w.cfg.Trace == TraceFull && len(w.trace) > 0 && w.trace[len(w.trace)-1].Task == t.id {
		s := &w.trace[len(w.trace)-1]
		n := fmt.Sprintf(format, args...)
		if s.Note != "" {
			s.Note += "; " + n
		} else {
			s.Note = n
		}
	}
}

// Tracing reports whether the run records full traces, so that model code
// can skip formatting work otherwise.
func (t *Task) Tracing() bool { return t.w.cfg.Trace == TraceFull }

// Read is a scheduling point for a modeled read of a shared field that
// another task may write concurrently (a lockless d_flags test, say).
func (t *Task) Read(o *Object, field string) { t.point(opRead, o.id, o, field, AccRead) }

// Write is a scheduling point for a modeled store to a shared field.
func (t *Task) Write(o *Object, field string) { t.point(opWrite, o.id, o, field, AccWrite) }

// Yield is a bare scheduling point (cond_resched).
func (t *Task) Yield() { t.point(opRead, 0, nil, "cond_resched", AccRead) }

// CPURelax is the scheduling point of a task that spins: cpu_relax in a
// retry loop, or a "goto retry" that will find the same state until
// another task acts. Letting another task run is the default here, so
// explorers that keep the running task by default still make progress.
func (t *Task) CPURelax() {
	w := t.w
	if w.halted {
		panic(haltRun{})
	}
	t.pending = Pending{Op: opYield}
	w.su.t = nil
	r := w.eligible()
	if w.pinned != 0 {
		w.noteSpin(t, r)
	}
	if r&(r-1) != 0 {
		if v := w.decide(DecideYield, t.id, 0, ""); v != t.id {
			w.cur = w.tasks[v]
			t.switchOut()
		}
	}
	w.step++
	w.hash = (w.hash ^ (uint64(opYield)<<8 | uint64(t.id))) * 1099511628211
	if w.cfg.Trace != TraceOff {
		w.record(t, opYield, 0, nil, "", AccRead, "")
	}
	if w.step > w.cfg.MaxSteps {
		w.livelock(t)
	}
}

// waitWhat describes what a blocked task waits on ("" if nothing).
func (t *Task) waitWhat() string {
	if t.waitOn == nil {
		return ""
	}
	return t.waitOn.String()
}

// block parks the task until a waker makes it runnable again. The caller
// has queued it where the waker will find it, and set waitOn.
func (t *Task) block() {
	w := t.w
	t.state = taskBlocked
	w.runnable &^= 1 << uint(t.id)
	if w.pinned != 0 && !t.spinning {
		w.offCPU(t)
	}
	w.pickNext(t)
	if w.halted {
		panic(haltRun{})
	}
	if w.cur == nil { // the run is over: only daemons are left waiting
		t.switchOut()
		panic(haltRun{})
	}
	t.switchOut()
}

func (w *World) wake(t *Task) {
	if t.state == taskBlocked {
		t.state = taskRunnable
		w.runnable |= 1 << uint(t.id)
	}
	t.woken = true
}

// Fault asks whether a fallible step fails here: allocation failure
// injection. It is a decision only when the run enables faults.
func (t *Task) Fault(label string) bool {
	if !t.w.cfg.Faults {
		return false
	}
	fail := t.w.decide(DecideFault, t.id, 2, label) == 1
	if t.w.cfg.Trace == TraceFull {
		note := "-> succeeds"
		if fail {
			note = "-> fails"
		}
		t.w.event(t, opFault, nil, label, note)
	}
	return fail
}

// Choose picks one of n outcomes (a simulated server's reply). It is
// always a decision when n > 1.
func (t *Task) Choose(label string, n int) int {
	if n <= 1 {
		return 0
	}
	if n > 1<<16 {
		panic("sim: Choose among more than 65536 outcomes")
	}
	v := t.w.decide(DecideChoice, t.id, n, label)
	switch t.w.cfg.Trace {
	case TraceCompact:
		t.w.record(t, opChoose, 0, nil, label, AccRead, "")
	case TraceFull:
		t.w.event(t, opChoose, nil, label, fmt.Sprintf("-> %d of %d", v, n))
	}
	return v
}

// signalArrives decides whether a fatal signal is delivered now, in a
// killable wait. Once delivered it stays pending.
func (t *Task) signalArrives(label string) bool {
	if t.signalled {
		return true
	}
	if !t.w.cfg.Signals {
		return false
	}
	if t.w.decide(DecideSignal, t.id, 2, label) == 1 {
		t.signalled = true
	}
	if t.w.cfg.Trace == TraceFull {
		note := "-> not delivered"
		if t.signalled {
			note = "-> fatal signal delivered"
		}
		t.w.event(t, opSignal, nil, label, note)
	}
	return t.signalled
}

// FatalSignalPending is fatal_signal_pending(current).
func (t *Task) FatalSignalPending() bool { return t.signalled }

// Violation reports a broken invariant from inside a task.
func (t *Task) Violation(kind Kind, rule, title, msg string) {
	t.w.raise(t, &Report{Kind: kind, Rule: rule, Title: title, Message: msg})
}

// WarnOn is WARN_ON(cond): when cond holds it reports a warning. It returns
// cond so that it reads like the C.
func (t *Task) WarnOn(cond bool, what string) bool {
	if cond {
		t.w.raise(t, &Report{Kind: KindWarn, Rule: "WARN_ON", Title: "WARN_ON(" + what + ")"})
	}
	return cond
}

// WarnOnOnce is WARN_ON_ONCE(cond). The run halts at the first report, so
// "once" and "every time" coincide.
func (t *Task) WarnOnOnce(cond bool, what string) bool {
	if cond {
		t.w.raise(t, &Report{Kind: KindWarn, Rule: "WARN_ON_ONCE", Title: "WARN_ON_ONCE(" + what + ")"})
	}
	return cond
}

// BugOn is BUG_ON(cond).
func (t *Task) BugOn(cond bool, what string) {
	if cond {
		t.w.raise(t, &Report{Kind: KindBug, Rule: "BUG_ON", Title: "kernel BUG: BUG_ON(" + what + ")"})
	}
}

func (w *World) livelock(t *Task) {
	msg := fmt.Sprintf("the run passed its bound of %d steps", w.cfg.MaxSteps)
	if p := repeatingTail(w.trace); p > 0 {
		msg += fmt.Sprintf("; the last %d steps repeat:\n", p)
		for i := len(w.trace) - p; i < len(w.trace); i++ {
			msg += w.trace[i].Format(w) + "\n"
		}
	}
	w.raise(t, &Report{Kind: KindLivelock, Rule: "step-bound", Title: "livelock: no progress within the step bound", Message: msg})
}

// repeatingTail finds the shortest period p (up to 64) with which the end
// of the trace repeats at least three times.
func repeatingTail(tr []Step) int {
	same := func(a, b *Step) bool { return a.Task == b.Task && a.Op == b.Op && a.ID == b.ID }
	for p := 1; p <= 64 && 3*p <= len(tr); p++ {
		ok := true
		n := len(tr)
		for i := n - 2*p; i < n && ok; i++ {
			ok = same(&tr[i], &tr[i-p])
		}
		if ok {
			return p
		}
	}
	return 0
}

// captureStack returns the model-level frames of the calling goroutine:
// the runtime's own frames are left out. Closures are named by the
// function they are written in; the task's own function is labelled with
// the task's name.
func (t *Task) captureStack(skip int) []string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(skip, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var out []string
	last := -1 // the last model frame seen
	for {
		f, more := frames.Next()
		switch {
		case isModelFrame(f.Function):
			name, closure := cleanFunc(f.Function)
			if closure {
				name = "closure in " + name
			}
			out = append(out, fmt.Sprintf("%s (%s:%d)", name, shortFile(f.File), f.Line))
			last = len(out) - 1
		case f.Function == simPkg+"(*Task).body" && last >= 0:
			out[last] = fmt.Sprintf("task %q: %s", t.name, out[last])
		}
		if !more {
			break
		}
	}
	return out
}

// callSite is the innermost model frame of the running task: function and
// line, or for a closure in a package initialiser, file and line.
func callSite() string {
	var pcs [24]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if isModelFrame(f.Function) {
			name, closure := cleanFunc(f.Function)
			if closure && (strings.HasSuffix(name, ".init") || strings.HasSuffix(name, ".glob")) {
				return fmt.Sprintf("%s:%d", shortFile(f.File), f.Line)
			}
			return fmt.Sprintf("%s:%d", name, f.Line)
		}
		if !more {
			return ""
		}
	}
}

const simPkg = "github.com/dcsim/dcsim/sim."

func isModelFrame(fn string) bool {
	return fn != "" && !strings.HasPrefix(fn, simPkg) && !strings.HasPrefix(fn, "runtime.") &&
		!strings.HasPrefix(fn, "iter.") && !strings.HasPrefix(fn, "testing.")
}

func shortFunc(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	return fn
}

// cleanFunc turns a Go symbol into the name of the function a person
// wrote: "scenarios.init.2.ovlReaddirVsLookup.func1.2.1" (a closure in a
// closure, inlined into an init function) is a closure in
// "scenarios.ovlReaddirVsLookup". The package path is dropped; so are
// "funcN", the numbers of nested closures and init functions, and the
// init function a named function was inlined into. closure reports
// whether the frame is a function literal.
func cleanFunc(fn string) (name string, closure bool) {
	fn = shortFunc(fn)
	pkg, rest, ok := strings.Cut(fn, ".")
	if !ok {
		return fn, false
	}
	segs := strings.Split(rest, ".")
	var named []string
	for _, sg := range segs {
		switch {
		case isFuncN(sg) || sg == "gowrap1" || sg == "deferwrap1":
			closure = true
		case sg == "" || isNumber(sg):
			// an init function's or a nested closure's number; "glob.."
		default:
			named = append(named, sg)
		}
	}
	// The function written last encloses the frame (those before it are
	// functions it was inlined into); a receiver "(*T)" goes with its
	// method.
	if len(named) == 0 {
		return pkg, closure
	}
	k := len(named) - 1
	if k > 0 && strings.HasPrefix(named[k-1], "(") {
		k--
	}
	return pkg + "." + strings.Join(named[k:], "."), closure
}

func isFuncN(s string) bool { return strings.HasPrefix(s, "func") && len(s) > 4 && isNumber(s[4:]) }

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func shortFile(f string) string {
	parts := strings.Split(f, "/")
	if len(parts) >= 2 {
		return strings.Join(parts[len(parts)-2:], "/")
	}
	return f
}
