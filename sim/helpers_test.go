package sim_test

// Helpers shared by the test files of package sim: the primitives'
// fixture (ptData) and single-run checks (pt*), the checkers' fixture
// (ckObj) and report checks (ck*, assertReplays), and the two-task
// programs several files build.

import (
	"slices"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/sim"
)

// prefixReplay is a replay of the decision list dec (schedule syntax,
// "0.0.1*2.s1") for the program named name; past the end of dec the run
// takes default decisions.
func prefixReplay(t testing.TB, name, dec string) *sim.Replay {
	t.Helper()
	s, err := sim.ParseSchedule("v2:" + name + ":-:00000000:" + dec)
	if err != nil {
		t.Fatalf("replay of %q: %v", dec, err)
	}
	return sim.NewPrefixReplay(s)
}

// holding is a task that takes a lock, yields once holding it and
// releases it.
func holding(lock, unlock func(t *sim.Task)) func(t *sim.Task) {
	return func(t *sim.Task) {
		lock(t)
		t.Yield()
		unlock(t)
	}
}

// contend starts a task "holder" holding a lock across a yield (hold,
// release) and a task "waiter" that takes and releases it (take, drop):
// under the schedule 0.0.1.1 the waiter asks while the holder holds it.
func contend(w *sim.World, hold, release, take, drop func(t *sim.Task)) {
	w.Go("holder", holding(hold, release))
	w.Go("waiter", func(t *sim.Task) {
		take(t)
		drop(t)
	})
}

// ptWaitsFor runs, under the exact schedule 0.0.1.1, a task "holder"
// that enters a section (enter), yields inside it and leaves (leave), and
// a task "waiter" that calls wait while the holder is inside: wait must
// return only after the holder left.
func ptWaitsFor(t testing.TB, enter, leave, wait func(t *sim.Task, d *ptData)) {
	t.Helper()
	var d *ptData
	ptExact(t, sim.Config{}, "0.0.1.1", func(w *sim.World) {
		d = ptNew(w)
		w.Go("holder", func(t *sim.Task) {
			enter(t, d)
			t.Yield()
			d.log("leave")
			leave(t, d)
		})
		w.Go("waiter", func(t *sim.Task) {
			wait(t, d)
			d.log("waited")
		})
	})
	d.wantOrder(t, "leave", "waited")
}

// wantOrder fails unless the events logged on d are want.
func (d *ptData) wantOrder(t testing.TB, want ...string) {
	t.Helper()
	if !slices.Equal(d.order, want) {
		t.Errorf("order %v, want %v", d.order, want)
	}
}

// Lock classes for the primitive tests. Classes are global, as lockdep's
// static keys are; each run has its own dependency graph.
var (
	ptSpinClass = sim.NewLockClass("&pt->spin")
	ptRWClass   = sim.NewLockClass("&pt->rwsem")
	ptSeqClass  = sim.NewLockClass("&pt->seqlock")
	ptLRClass   = sim.NewLockClass("&pt->lockref")
)

// ptReplay is a replay of the decision list dec of the program "pt"
// (prefixReplay).
func ptReplay(t testing.TB, dec string) *sim.Replay { t.Helper(); return prefixReplay(t, "pt", dec) }

// ptExact runs setup under the strict replay of dec and fails unless every
// decision of the run came from dec: the schedule is fully explicit.
func ptExact(t testing.TB, cfg sim.Config, dec string, setup func(w *sim.World)) *sim.Outcome {
	t.Helper()
	r := ptReplay(t, dec)
	want := len(r.Log)
	o := ptRun(cfg, r, setup)
	ptClean(t, o)
	if len(o.Decisions) != want {
		t.Fatalf("schedule %q: the run took %d decisions, want exactly %d (%s)", dec, len(o.Decisions), want, o.Schedule())
	}
	return o
}

// ptRun executes setup as a program.
func ptRun(cfg sim.Config, s sim.Strategy, setup func(w *sim.World)) *sim.Outcome {
	return sim.Execute(sim.Program{Name: "pt", Setup: setup}, cfg, s)
}

// ptClean fails unless the run ended cleanly and used its whole schedule.
func ptClean(t testing.TB, o *sim.Outcome) {
	t.Helper()
	if o.Err != nil {
		t.Fatalf("input error: %v (decisions %v)", o.Err, o.Schedule())
	}
	if o.Report != nil {
		t.Fatalf("unexpected report:\n%s", o.Report.Format())
	}
	if o.Leftover != 0 {
		t.Fatalf("%d decisions left over", o.Leftover)
	}
}

// ptReport fails unless the run stopped with a report of kind and rule.
func ptReport(t testing.TB, o *sim.Outcome, kind sim.Kind, rule string) *sim.Report {
	t.Helper()
	if o.Err != nil {
		t.Fatalf("input error: %v", o.Err)
	}
	if o.Report == nil {
		t.Fatalf("want a %s [%s] report, the run was clean", kind, rule)
	}
	if o.Report.Kind != kind || o.Report.Rule != rule {
		t.Fatalf("want a %s [%s] report, got:\n%s", kind, rule, o.Report.Format())
	}
	return o.Report
}

// ptExhaust runs every interleaving (every complete decision sequence) of
// a program: a depth-first search over Replay prefixes. run must build
// fresh state for each call. It returns the number of runs.
func ptExhaust(t testing.TB, limit int, run func(s sim.Strategy) *sim.Outcome) int {
	t.Helper()
	stack := [][]sim.Decision{nil}
	n := 0
	for len(stack) > 0 {
		prefix := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		o := run(&sim.Replay{Log: prefix})
		n++
		if n > limit {
			t.Fatalf("more than %d interleavings; the program is too big for an exhaustive test", limit)
		}
		if o.Err != nil {
			t.Fatalf("input error in exploration: %v", o.Err)
		}
		for i := len(prefix); i < len(o.Decisions); i++ {
			d := o.Decisions[i]
			for _, v := range d.Options() {
				if int32(v) == d.Value {
					continue
				}
				alt := append(slices.Clone(o.Decisions[:i]), sim.Decision{Kind: d.Kind, Value: int32(v)})
				stack = append(stack, alt)
			}
		}
	}
	return n
}

// ptData is a modeled object carrying every primitive under test.
type ptData struct {
	sim.Object
	spin  sim.SpinLock
	sem   sim.RWSem
	seq   sim.SeqCount
	sl    sim.SeqLock
	comp  sim.Completion
	ai    sim.AtomicInt
	ap    sim.AtomicPtr[*int]
	lr    sim.Lockref
	v     int
	a, b  int
	flag  bool
	order []string
}

func ptNew(w *sim.World) *ptData {
	d := &ptData{}
	w.NewStatic(&d.Object, "pt")
	d.spin.Init(&d.Object, "spin", ptSpinClass)
	d.sem.Init(&d.Object, "sem", ptRWClass)
	d.seq.Init(&d.Object, "seq")
	d.sl.Init(&d.Object, "sl", ptSeqClass)
	d.comp.Init(&d.Object, "comp")
	d.ai.Init(&d.Object, "ai")
	d.ap.Init(&d.Object, "ap")
	d.lr.Init(&d.Object, "lr", ptLRClass, 1)
	return d
}

func (d *ptData) log(s string) { d.order = append(d.order, s) }

func ptB2I(b bool) int {
	if b {
		return 1
	}
	return 0
}

// assertReplays checks the contract every report carries: its Schedule
// parses, names the program, and replayed strictly with full tracing it
// reproduces the same report (kind, rule, title, task and step).
func assertReplays(t *testing.T, prog sim.Program, cfg sim.Config, rep *sim.Report) {
	t.Helper()
	if rep.Schedule == "" {
		t.Fatalf("report [%s] %q has no schedule", rep.Rule, rep.Title)
	}
	if !strings.HasPrefix(rep.Schedule, "v2:"+prog.Name+":") {
		t.Fatalf("schedule %q does not name program %q", rep.Schedule, prog.Name)
	}
	s, err := sim.ParseSchedule(rep.Schedule)
	if err != nil {
		t.Fatalf("schedule %q does not parse: %v", rep.Schedule, err)
	}
	if got := s.String(); got != rep.Schedule {
		t.Fatalf("schedule does not round-trip: %q -> %q", rep.Schedule, got)
	}
	cfg.Trace = sim.TraceFull
	out := sim.Execute(prog, cfg, sim.NewPrefixReplay(s))
	if out.Err != nil {
		t.Fatalf("replay of %q: %v", rep.Schedule, out.Err)
	}
	got := out.Report
	if got == nil {
		t.Fatalf("replay of %q was clean; want %s [%s] %q", rep.Schedule, rep.Kind, rep.Rule, rep.Title)
	}
	if got.Kind != rep.Kind || got.Rule != rep.Rule || got.Title != rep.Title || got.Task != rep.Task || got.Step != rep.Step {
		t.Fatalf("replay of %q reports %s [%s] %q (task %d, step %d); the run reported %s [%s] %q (task %d, step %d)",
			rep.Schedule, got.Kind, got.Rule, got.Title, got.Task, got.Step, rep.Kind, rep.Rule, rep.Title, rep.Task, rep.Step)
	}
	if got.Schedule != rep.Schedule {
		t.Fatalf("replay's schedule %q differs from %q", got.Schedule, rep.Schedule)
	}
	if len(got.Stacks) == 0 {
		t.Errorf("a fully traced replay has no task stacks")
	}
}

var (
	ckClassA   = sim.NewLockClass("ck_lock_a")
	ckClassB   = sim.NewLockClass("ck_lock_b")
	ckClassSem = sim.NewLockClass("ck_sem")
)

// ckObj is the checkers' model object: a few primitives, a child pointer
// and a plain field.
type ckObj struct {
	sim.Object
	a, b        sim.SpinLock
	sem         sim.RWSem
	done, done2 sim.Completion
	child       *ckObj
	val         int
}

// newCk allocates a static ckObj: when it is the run's first allocation it
// is "ckobj#1", and its primitives take ids 2 to 6.
func newCk(w *sim.World) *ckObj {
	o := &ckObj{}
	w.NewStatic(&o.Object, "ckobj")
	o.initPrims()
	return o
}

func (o *ckObj) initPrims() {
	o.a.Init(&o.Object, "a", ckClassA)
	o.b.Init(&o.Object, "b", ckClassB)
	o.sem.Init(&o.Object, "sem", ckClassSem)
	o.done.Init(&o.Object, "done")
	o.done2.Init(&o.Object, "done2")
}

func ckProg(name string, setup func(w *sim.World)) sim.Program {
	return sim.Program{Name: "checkers/" + name, Setup: setup}
}

// ckOne is a program of one task running body on a fresh static ckObj.
func ckOne(name string, body func(t *sim.Task, o *ckObj)) sim.Program {
	return ckProg(name, func(w *sim.World) {
		o := newCk(w)
		w.Go("t", func(t *sim.Task) { body(t, o) })
	})
}

// ckReplay is a replay of the decision string decisions for prog
// (prefixReplay).
func ckReplay(t *testing.T, prog sim.Program, decisions string) sim.Strategy {
	t.Helper()
	return prefixReplay(t, prog.Name, decisions)
}

// ckFire runs prog and requires the report kind/rule/title, then replays it.
func ckFire(t *testing.T, prog sim.Program, cfg sim.Config, s sim.Strategy, kind sim.Kind, rule, title string) *sim.Report {
	t.Helper()
	out := sim.Execute(prog, cfg, s)
	if out.Err != nil {
		t.Fatalf("%s: input error: %v", prog.Name, out.Err)
	}
	rep := out.Report
	if rep == nil {
		t.Fatalf("%s: want %s [%s] %q, the run was clean", prog.Name, kind, rule, title)
	}
	if rep.Kind != kind || rep.Rule != rule || rep.Title != title {
		t.Fatalf("%s: want %s [%s] %q, got %s [%s] %q\n%s", prog.Name, kind, rule, title,
			rep.Kind, rep.Rule, rep.Title, rep.Format())
	}
	assertReplays(t, prog, cfg, rep)
	return rep
}

// ckQuiet runs prog and requires a clean run.
func ckQuiet(t *testing.T, prog sim.Program, cfg sim.Config, s sim.Strategy) *sim.Outcome {
	t.Helper()
	out := sim.Execute(prog, cfg, s)
	if out.Err != nil {
		t.Fatalf("%s: input error: %v", prog.Name, out.Err)
	}
	if out.Report != nil {
		t.Fatalf("%s: want a clean run, got:\n%s", prog.Name, out.Report.Format())
	}
	return out
}

func ckContains(t *testing.T, what, text string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(text, s) {
			t.Errorf("%s lacks %q:\n%s", what, s, text)
		}
	}
}
