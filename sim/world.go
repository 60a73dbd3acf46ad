package sim

import (
	"fmt"
	"math/bits"
	"slices"
	"sync"
)

// Program is something a World can run: a name (recorded in every
// schedule) and a setup function that creates the objects and spawns the
// tasks.
type Program struct {
	Name string
	// Variant is the text form of the variant the setup builds (package
	// variant); schedules record it.
	Variant string
	Setup   func(w *World)
}

// Fingerprint identifies the program's behaviour: a hash of every step of
// its default run (each task runs until it blocks or exits, no fault, no
// signal) under cfg's faults, signals and step bound. A change to the
// model or the scenario that changes any step of that run changes it.
// Schedules carry it for catalog programs (those with a Variant); a
// program of a test's own, whose setup may capture the test's state, is
// not run again for it and records 00000000.
func (p Program) Fingerprint(cfg Config) uint32 {
	w := NewWorld(p.Name, Config{Faults: cfg.Faults, Signals: cfg.Signals, PreemptRT: cfg.PreemptRT, MaxSteps: cfg.MaxSteps}, DefaultStrategy{})
	w.prog, w.fingerprinting, w.fromRun = p, true, true
	if p.Setup != nil {
		p.Setup(w)
	}
	out := w.Run()
	defer out.Release()
	return uint32(out.Hash) ^ uint32(out.Hash>>32)
}

// Config tunes a run. The zero value is usable.
type Config struct {
	// MaxSteps bounds a run; going past it is reported as a livelock.
	// 0 means DefaultMaxSteps.
	MaxSteps int64
	// Faults makes Task.Fault points decisions (else they never fail).
	Faults bool
	// Signals makes killable waits consult the log for fatal signals.
	Signals bool
	// PreemptRT runs the kernel as built with CONFIG_PREEMPT_RT: spinlock_t
	// is a sleeping lock that leaves preemption enabled (sim/preempt_rt.go).
	PreemptRT bool
	// Trace selects what the run records.
	Trace TraceMode
	// RecentSteps is how many trailing steps a report shows (full tracing).
	// 0 means 40.
	RecentSteps int
	// Fingerprint is the program's fingerprint when the caller knows it
	// (an explorer computes it once); 0: computed when a schedule is made.
	Fingerprint uint32
	// Observer, with full tracing, watches the run line by line
	// (sim/observe.go); it never changes what the run does.
	Observer Observer
}

// DefaultMaxSteps is the livelock bound when Config.MaxSteps is 0.
const DefaultMaxSteps = 200_000

// World is one run: its tasks, objects, decision log and checkers.
type World struct {
	// coroShard is the coroutine pool shard this World draws from
	// (coro.go); it stays with the World across recycling.
	coroShard uint8
	name      string
	prog      Program
	// fingerprinting: this run computes a fingerprint and makes no
	// schedule of its own.
	fingerprinting bool
	cfg            Config
	strategy       Strategy

	tasks    []*Task
	pinned   uint64         // tasks bound to a CPU (Task.BindCPU)
	cpus     [MaxCPUs]*Task // with bound tasks: the task each CPU runs (cpu.go)
	spinner  *Task          // the task spinning alone while it starves others, and its spins (cpu.go)
	spins    int
	cur      *Task // the task chosen to run
	running  *Task // the task whose coroutine is executing, nil in the loop
	runnable uint64
	scratch  Decision // the decision being made; avoids a heap copy per point
	label    string   // the label of the decision being made
	step     int64
	hash     uint64
	log      []Decision
	su       startUnit // the start unit being watched (startunit.go)

	nextID  ObjID
	objects []*Object
	canon   canonState // with tracing: canonical keys of ids (canon.go)

	report   *Report
	inputErr error
	halted   bool
	ended    bool

	marks     map[string]int
	markCount int // marks hit so far
	atEnd     []func(w *World)
	roots     []func(mark func(*Object))
	lockdep   lockdepState
	rcu       rcuState
	waitVars  map[varKey]*WaitQueue
	trace     []Step
	views     []View // model state for observers and reports (AddView)

	// Waiter lists for queues (WaitQueue.add), reused across runs.
	waiterSlab      []*Task
	waiterSlabs     int // slabs of waiterSlabsKept used this run
	waiterSlabsKept [][]*Task

	out     Outcome // what Run returns
	fromRun bool    // made by Execute: Release may recycle it

	// pools are the free lists of model objects (recycle.go), indexed by
	// pool number; recycling the World zeroes what the run used.
	pools []recycler

	// Full tracing only.
	decShown  int32 // decisions already shown on a trace line
	setupOver bool  // a task not named "setup" has taken a step
	sites     map[*Object]*objSites
}

// NewWorld makes an empty run of the program called name.
func NewWorld(name string, cfg Config, s Strategy) *World {
	if cfg.MaxSteps == 0 {
		cfg.MaxSteps = DefaultMaxSteps
	}
	if cfg.RecentSteps == 0 {
		cfg.RecentSteps = 40
	}
	if s == nil {
		s = DefaultStrategy{}
	}
	w, ok := worldPool.Get().(*World)
	if !ok {
		w = &World{coroShard: uint8(nextCoroShard.Add(1) % coroShards)}
	}
	return w.start(name, cfg, s)
}

// start readies an empty or recycled World for a run.
func (w *World) start(name string, cfg Config, s Strategy) *World {
	w.name, w.cfg, w.strategy, w.hash = name, cfg, s, 14695981039346656037
	return w
}

// worldPool recycles released Worlds: their decision log, task records
// (with held-lock stacks), object table, lockdep graph and queues keep
// their memory for the next run. A recycled World is emptied first (World.recycle), so
// reuse cannot change what a run does.
var worldPool sync.Pool

// Release hands the outcome's buffers, and the World that made it, back
// for reuse by later runs. Call it when neither the outcome nor its
// Decisions, Marks or Trace will be used again, nor any model object the
// run drew from a Pool (recycle.go): they are zeroed for the next run.
func (o *Outcome) Release() {
	if w := o.world; w != nil && w.fromRun {
		w.recycle()
		worldPool.Put(w)
	}
}

// recycle empties the World for another run, keeping its memory. Every
// field is reset: what is kept is capacity, never content.
func (w *World) recycle() {
	tasks := w.tasks[:cap(w.tasks)]
	for i, t := range tasks {
		if t != nil {
			clear(t.held[:cap(t.held)])
			tasks[i] = t
			*t = Task{held: t.held[:0]}
		}
	}
	clear(w.objects)
	clear(w.atEnd)
	clear(w.roots)
	clear(w.views)
	clear(w.marks)
	clear(w.waitVars)
	clear(w.rcu.pending)
	clear(w.rcu.syncQ.waiters)
	w.lockdep.reset()
	for _, slab := range w.waiterSlabsKept[:w.waiterSlabs] {
		clear(slab[:cap(slab)])
	}
	clear(w.trace) // full traces hold objects and strings
	clear(w.canon.subs)
	w.resetPools()
	*w = World{
		coroShard:       w.coroShard,
		pools:           w.pools,
		log:             w.log[:0],
		trace:           w.trace[:0],
		canon:           canonState{keys: w.canon.keys[:0], subs: w.canon.subs},
		waiterSlabsKept: w.waiterSlabsKept,
		tasks:           w.tasks[:0],
		objects:         w.objects[:0],
		atEnd:           w.atEnd[:0],
		roots:           w.roots[:0],
		views:           w.views[:0],
		marks:           w.marks,
		waitVars:        w.waitVars,
		lockdep:         w.lockdep,
		rcu:             rcuState{pending: w.rcu.pending[:0], syncQ: WaitQueue{waiters: w.rcu.syncQ.waiters[:0]}},
	}
}

// Execute runs p once under cfg and s.
func Execute(p Program, cfg Config, s Strategy) *Outcome {
	w := NewWorld(p.Name, cfg, s)
	w.prog, w.fromRun = p, true
	if p.Setup != nil {
		p.Setup(w)
	}
	return w.Run()
}

// Name is the program name the run records in its schedule.
func (w *World) Name() string { return w.name }

// Config returns the run's configuration.
func (w *World) Config() Config { return w.cfg }

// Steps is the number of steps executed so far. A start unit that reads
// it has read the clock, which runs on while the task waits: it is not
// quiet (sim/startunit.go).
func (w *World) Steps() int64 {
	w.su.t = nil
	return w.step
}

// Tasks lists the run's tasks in id order.
func (w *World) Tasks() []*Task { return w.tasks }

// Go adds a task that runs fn. A run ends when every task added with Go
// has returned.
func (w *World) Go(name string, fn func(t *Task)) *Task {
	return w.spawn(name, fn, false)
}

// Daemon adds a server task (a filesystem daemon, an RPC server). A run
// may end while daemons are blocked waiting for work.
func (w *World) Daemon(name string, fn func(t *Task)) *Task {
	return w.spawn(name, fn, true)
}

// Spawn adds a task while the run is under way (a kthread, an async
// worker). It becomes runnable at once.
func (t *Task) Spawn(name string, fn func(t *Task)) *Task {
	return t.w.spawn(name, fn, false)
}

func (w *World) spawn(name string, fn func(t *Task), daemon bool) *Task {
	if len(w.tasks) >= 64 {
		panic("sim: a run has at most 64 tasks")
	}
	n := len(w.tasks)
	var t *Task
	if n < cap(w.tasks) {
		t = w.tasks[:n+1][n] // a recycled World's task record
	}
	if t == nil {
		t = &Task{}
	}
	t.w, t.id, t.name, t.fn, t.daemon = w, n, name, fn, daemon
	w.tasks = append(w.tasks, t)
	w.runnable |= 1 << uint(t.id)
	return t
}

// AtEnd registers a check to run when every task has finished cleanly.
// It reports through World.Violation.
func (w *World) AtEnd(fn func(w *World)) { w.atEnd = append(w.atEnd, fn) }

// Roots registers a walker that marks the objects still reachable at the
// end of a run. Objects still live, not static and not marked by any
// walker are reported as leaks. A program that registers no walker gets no
// leak check.
func (w *World) Roots(walk func(mark func(*Object))) { w.roots = append(w.roots, walk) }

// Outcome is what a run produced.
type Outcome struct {
	Report    *Report // nil when clean
	Err       error   // the input did not fit (a bad schedule); exit code 2
	Steps     int64
	Hash      uint64 // of every step's task, op, object and access
	Decisions []Decision
	Marks     map[string]int
	Trace     []Step // with Config.Trace != TraceOff
	Leftover  int    // decisions of a Replay the run did not use
	world     *World
	fp        uint32
	fpDone    bool
}

// Schedule is the schedule that replays this run. The first call computes
// the program's fingerprint (one more run).
func (o *Outcome) Schedule() *Schedule {
	w := o.world
	if !o.fpDone {
		o.fp, o.fpDone = w.cfg.Fingerprint, true
		if o.fp == 0 && w.prog.Variant != "" {
			o.fp = w.prog.Fingerprint(w.cfg)
		}
	}
	s := &Schedule{Program: w.name, Variant: w.prog.Variant, Faults: w.cfg.Faults, Signals: w.cfg.Signals,
		PreemptRT: w.cfg.PreemptRT, Fingerprint: o.fp, Decisions: o.Decisions}
	if w.cfg.MaxSteps != DefaultMaxSteps {
		s.MaxSteps = w.cfg.MaxSteps
	}
	return s
}

// FormatTrace renders the recorded trace, one step a line, with setup
// steps folded.
func (o *Outcome) FormatTrace() []string { return o.FormatTraceWith(FormatOptions{}) }

// FormatTraceWith renders the recorded trace as opt says.
func (o *Outcome) FormatTraceWith(opt FormatOptions) []string {
	return foldTrace(o.world.traceLines(o.Trace), opt)
}

// Run executes the tasks to the end, to a report, or to an input error.
func (w *World) Run() *Outcome {
	w.pickNext(nil)
	for w.cur != nil && !w.halted {
		t := w.cur
		if t.co == nil {
			t.co = getCoro(t)
			w.beginStartUnit(t)
		}
		if w.pinned != 0 {
			w.onCPU(t)
			if t != w.spinner {
				w.spinner = nil
			}
		}
		w.running = t
		t.co.next()
		w.running = nil
	}
	if !w.halted {
		w.ended = true
		w.endChecks()
	}
	if w.cfg.Observer != nil && w.cfg.Trace == TraceFull {
		w.cfg.Observer.Ended(w)
	}
	w.teardown()
	w.out = Outcome{Report: w.report, Err: w.inputErr, Steps: w.step, Hash: w.hash,
		Decisions: w.log, Marks: w.marks, Trace: w.trace, world: w}
	out := &w.out
	if len(w.marks) == 0 {
		out.Marks = nil
	}
	if r, ok := w.strategy.(*Replay); ok {
		out.Leftover = r.Leftover()
		if r.Strict && out.Leftover > 0 && out.Err == nil {
			out.Err = fmt.Errorf("schedule does not fit: the run ended after %d decisions, but the schedule has %d more",
				len(w.log), out.Leftover)
		}
	}
	if w.report != nil && !w.fingerprinting {
		w.report.Schedule = out.Schedule().String()
	}
	return out
}

func (w *World) endChecks() {
	for _, fn := range w.atEnd {
		if w.halted {
			return
		}
		fn(w)
	}
	if !w.halted && len(w.roots) > 0 {
		w.leakCheck()
	}
}

func (w *World) teardown() {
	full := w.cfg.Trace == TraceFull && w.report != nil
	for _, t := range w.tasks {
		t.final = t.stateString()
		if t.co == nil {
			continue
		}
		if t.state != taskDone {
			if full && t.stack == nil {
				t.dumpReq = true
				w.running = t
				t.co.next()
				w.running = nil
			}
			// Unwind the task's code (its defers run, as they did
			// when the coroutine was stopped) and take the coroutine
			// back idle.
			t.abort = true
			t.co.next()
		}
		putCoro(t.co, w.coroShard)
		t.co = nil
	}
	if full {
		w.fillReport()
	}
}

// pickNext chooses who runs after t blocks or exits (t == nil: at start).
// With no runnable task left the run is over or deadlocked.
func (w *World) pickNext(t *Task) {
	w.su.t = nil
	r := w.eligible()
	if r == 0 && w.runnable != 0 {
		w.spinStarves(nil)
		return
	}
	if w.runnable == 0 {
		w.cur = nil
		for _, u := range w.tasks {
			if u.state == taskBlocked && !u.daemon {
				w.deadlock(t)
				return
			}
		}
		return
	}
	if bits.OnesCount64(r) == 1 {
		w.cur = w.tasks[bits.TrailingZeros64(r)]
		return
	}
	w.cur = w.tasks[w.decide(DecideSchedule, -1, 0, "")]
}

// decide consults the strategy and logs the decision.
func (w *World) decide(kind DecisionKind, cur int, n int, label string) int {
	return w.decideOn(Decision{Kind: kind, Cur: int8(cur), N: uint16(n)}, label)
}

// decideOn consults the strategy on the decision d, whose Kind, Cur, N
// and RepeatsPick are set, and logs it.
func (w *World) decideOn(dec Decision, label string) int {
	d := &w.scratch
	*d = dec
	if d.schedules() {
		d.Runnable = w.eligible()
	}
	w.label = label
	v := w.strategy.Decide(w, d)
	if w.inputErr != nil {
		w.halted = true
		if w.running != nil {
			panic(haltRun{})
		}
		return d.Default()
	}
	if !d.valid(v) {
		panic(fmt.Sprintf("sim: strategy %T returned %d for %s", w.strategy, v, d.describe(label)))
	}
	d.Value = int32(v)
	w.log = append(w.log, *d)
	return v
}

func (w *World) inputError(err error) {
	if w.inputErr == nil {
		w.inputErr = err
	}
}

// raise records a report and halts the run. From a task it unwinds that
// task; from an end-of-run check it just returns.
func (w *World) raise(t *Task, r *Report) {
	if w.report == nil {
		r.Step = w.step
		r.Task = -1
		if t != nil && r.Kind != KindDeadlock {
			r.Task = t.id
		}
		w.report = r
		if t != nil && w.cfg.Trace == TraceFull {
			t.stack = t.captureStack(3)
		}
	}
	w.halted = true
	if t != nil && w.running == t {
		panic(haltRun{})
	}
}

// Violation reports a broken invariant found by an end-of-run check.
func (w *World) Violation(kind Kind, rule, title, msg string) {
	w.raise(nil, &Report{Kind: kind, Rule: rule, Title: title, Message: msg})
}

// Halted reports whether the run has stopped on a report or input error.
func (w *World) Halted() bool { return w.halted }

// Report is the run's report so far, or nil.
func (w *World) Report() *Report { return w.report }

func (w *World) fillReport() {
	r := w.report
	n := len(w.trace)
	from := max(0, n-w.cfg.RecentSteps)
	r.recent = w.traceLines(w.trace[from:])
	for _, l := range r.recent {
		r.Recent = append(r.Recent, l.text)
	}
	for _, t := range w.tasks {
		r.Stacks = append(r.Stacks, TaskStack{Task: t.String(), State: t.final, Frames: t.stack})
	}
}

func (w *World) leakCheck() {
	for _, walk := range w.roots {
		walk(func(o *Object) {
			if o != nil {
				o.reached = true
			}
		})
	}
	var leaks []string
	for _, o := range w.objects {
		if o.state == objLive && !o.reached {
			leaks = append(leaks, fmt.Sprintf("%s, %s", o, w.lifeHistory(o)))
		}
		o.reached = false
	}
	if len(leaks) > 0 {
		w.Violation(KindLeak, "leak", fmt.Sprintf("%d object(s) still allocated and unreachable at the end of the run", len(leaks)),
			joinLines(leaks))
	}
}

func joinLines(l []string) string {
	out := ""
	for _, s := range l {
		out += s + "\n"
	}
	return out
}

// Mark records that model code reached a branch worth proving reached,
// such as "d_alloc_parallel: waited on in-lookup". Tests and scenarios
// require marks with Outcome.Marks or the explorer's RequireMarks.
func (t *Task) Mark(name string) {
	w := t.w
	if w.marks == nil {
		w.marks = map[string]int{}
	}
	w.marks[name]++
	w.markCount++
	if w.cfg.Observer != nil && w.cfg.Trace == TraceFull {
		w.cfg.Observer.Marked(t, name)
	}
}

// MarkNames lists the marks hit, sorted.
func (o *Outcome) MarkNames() []string {
	var n []string
	for k := range o.Marks {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}
