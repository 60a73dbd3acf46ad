package sim_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/sim"
)

// Full traces and reports for people: setup folded, decisions named per
// line, faults/signals/choices and blocking as lines of their own, clean
// frames, KASAN naming the access. Each is tested where it must show and
// where it must not.

func fullRun(t *testing.T, prog sim.Program, cfg sim.Config, decisions string) *sim.Outcome {
	t.Helper()
	cfg.Trace = sim.TraceFull
	var s sim.Strategy
	if decisions != "" {
		s = ckReplay(t, prog, decisions)
	}
	out := sim.Execute(prog, cfg, s)
	if out.Err != nil {
		t.Fatalf("%s: %v", prog.Name, out.Err)
	}
	return out
}

func joined(lines []string) string { return strings.Join(lines, "\n") + "\n" }

// setupThenWorker: a task named "setup" takes two steps, spawns a worker,
// and takes two more. With schedule "1.1" the worker runs at the setup
// task's third point, so steps 1-2 are setup and step 4 is not.
var setupThenWorker = sim.Program{Name: "trace/setup", Setup: func(w *sim.World) {
	w.Go("setup", func(t *sim.Task) {
		t.Yield()
		t.Yield()
		t.Spawn("worker", func(t *sim.Task) { t.Yield() })
		t.Yield()
	})
}}

func TestTraceSetupFolded(t *testing.T) {
	out := fullRun(t, setupThenWorker, sim.Config{}, "1.1")
	folded := joined(out.FormatTrace())
	// A closure in a package-level initialiser is named by file and line.
	want := "    1-2  setup  (2 steps folded; -v shows them)\n" +
		"    3  d1-2  T1 worker    read                   cond_resched  @sim/trace_test.go:"
	if !strings.HasPrefix(folded, want) {
		t.Errorf("folded trace:\n%s\nwant it to begin:\n%s", folded, want)
	}
	// The setup task's step after the worker began is not setup.
	ckContains(t, "folded trace", folded, "\n    4        T0 setup ")
	if strings.Count(folded, "\n") != 3 {
		t.Errorf("folded trace has %d lines, want 3:\n%s", strings.Count(folded, "\n"), folded)
	}
	verbose := joined(out.FormatTraceWith(sim.FormatOptions{Verbose: true}))
	if strings.Contains(verbose, "folded") || strings.Count(verbose, "\n") != 4 {
		t.Errorf("verbose trace folds:\n%s", verbose)
	}
	ckContains(t, "verbose trace", verbose, "    1        T0 setup ", "    2        T0 setup ")

	// No setup task, no Setup call: nothing is folded.
	plain := ckOne("no-setup", func(t *sim.Task, o *ckObj) { t.Yield(); t.Yield() })
	if tr := joined(fullRun(t, plain, sim.Config{}, "").FormatTrace()); strings.Contains(tr, "setup") {
		t.Errorf("trace of a program without setup folds:\n%s", tr)
	}

	// An explicit setup phase in any task, and in a report's recent steps.
	explicit := ckOne("explicit-setup", func(t *sim.Task, o *ckObj) {
		t.Setup(func() {
			o.a.Lock(t)
			o.a.Unlock(t)
		})
		t.Yield()
		t.WarnOn(true, "after setup")
	})
	out = fullRun(t, explicit, sim.Config{}, "")
	ckContains(t, "trace", joined(out.FormatTrace()), "    1-2  setup  (2 steps folded; -v shows them)\n    3        T0 t ")
	rep := out.Report
	ckContains(t, "report", rep.Format(), "recent steps:\n      1-2  setup  (2 steps folded; -v shows them)\n      3 ")
	ckContains(t, "verbose report", rep.FormatWith(sim.FormatOptions{Verbose: true}), "recent steps:\n      1        T0 t         spin_lock")
}

// Stack frames name the functions written, not Go's closure symbols, and
// the task's own function carries the task's name.
func TestTraceStackFrames(t *testing.T) {
	prog := ckProg("frames", func(w *sim.World) {
		w.Go("warner", func(t *sim.Task) {
			inner := func() { t.WarnOn(true, "x") }
			t.Yield()
			inner()
		})
	})
	rep := fullRun(t, prog, sim.Config{}, "").Report
	if rep == nil || len(rep.Stacks) != 1 {
		t.Fatalf("want a report with one stack, got %v", rep)
	}
	frames := rep.Stacks[0].Frames
	text := strings.Join(frames, "\n")
	if strings.Contains(text, ".func") || regexp.MustCompile(`\.\d+[ .]`).MatchString(text) {
		t.Errorf("frames have Go closure names:\n%s", text)
	}
	if len(frames) != 2 || !strings.HasPrefix(frames[0], "closure in sim_test.TestTraceStackFrames (sim/trace_test.go:") ||
		!strings.HasPrefix(frames[1], `task "warner": closure in sim_test.TestTraceStackFrames (sim/trace_test.go:`) {
		t.Errorf("frames:\n%s", text)
	}
	for _, l := range rep.Recent {
		if strings.Contains(l, ".func") {
			t.Errorf("trace site has a Go closure name: %s", l)
		}
	}
	// A named method keeps its receiver and name.
	rep = fullRun(t, ckABBA("frames-abba", false), sim.Config{}, "0.1").Report
	if rep == nil || !strings.Contains(rep.Format(), "\n      task \"") {
		t.Errorf("ABBA report has no task frame:\n%v", rep)
	}
}

// Faults, signals and choices decided are lines of the trace, whether or
// not the fault fails or the signal arrives.
func TestTraceDecisionEvents(t *testing.T) {
	prog := ckOne("fault", func(t *sim.Task, o *ckObj) {
		t.Yield()
		if t.Fault("kmem_cache_alloc") {
			return
		}
		t.Yield()
	})
	cfg := sim.Config{Faults: true}
	fails := joined(fullRun(t, prog, cfg, "f1").FormatTrace())
	ckContains(t, "failing fault", fails, "    1+ d1    T0 t         fault                  kmem_cache_alloc  -> fails  @sim_test.")
	ok := joined(fullRun(t, prog, cfg, "f0").FormatTrace())
	ckContains(t, "fault that does not fail", ok, "    1+ d1    T0 t         fault                  kmem_cache_alloc  -> succeeds", "\n    2 ")
	// Without fault injection, Fault is no decision and no line.
	if off := joined(fullRun(t, prog, sim.Config{}, "").FormatTrace()); strings.Contains(off, "fault") {
		t.Errorf("fault line without fault injection:\n%s", off)
	}

	choose := ckOne("choose", func(t *sim.Task, o *ckObj) { t.Choose("reply", 3) })
	ckContains(t, "choice", joined(fullRun(t, choose, sim.Config{}, "c2").FormatTrace()),
		"    0+ d1    T0 t         choose                 reply  -> 2 of 3")

	sig := ckProg("signal", func(w *sim.World) {
		o := newCk(w)
		w.Go("waiter", func(t *sim.Task) { o.done.WaitKillable(t) })
		w.Go("completer", func(t *sim.Task) { o.done.Complete(t) })
	})
	cfg = sim.Config{Signals: true}
	ckContains(t, "delivered signal", joined(fullRun(t, sig, cfg, "0.0.s1").FormatTrace()),
		"T0 waiter    signal                 wait_for_completion_killable  -> fatal signal delivered")
	notDelivered := joined(fullRun(t, sig, cfg, "0.0.s0").FormatTrace())
	ckContains(t, "signal not delivered", notDelivered,
		"T0 waiter    signal                 wait_for_completion_killable  -> not delivered",
		"T0 waiter    blocks on              completion(ckobj#1.done)",
		"T0 waiter    wakes from             completion(ckobj#1.done)  blocked since step 1")
}

// A task that must wait for a lock shows blocking (and on whom), then the
// acquisition as its own line; without contention neither shows.
func TestTraceBlocking(t *testing.T) {
	prog := ckProg("contended", func(w *sim.World) {
		o := newCk(w)
		w.Go("a", func(t *sim.Task) {
			holding(o.a.Lock, o.a.Unlock)(t)
			holding(o.sem.DownWrite, o.sem.UpWrite)(t)
		})
		w.Go("b", func(t *sim.Task) {
			o.a.Lock(t)
			o.a.Unlock(t)
			o.sem.DownRead(t)
			o.sem.UpRead(t)
		})
	})
	// T0 takes a; at its yield T1 runs and blocks on a.
	tr := joined(fullRun(t, prog, sim.Config{}, "0.0.1.1").FormatTrace())
	ckContains(t, "contended trace", tr,
		"    2  d3-4  T1 b         spin_lock              ckobj#1.a",
		"\n    2+       T1 b         blocks on              spin_lock(ckobj#1.a)  held by T0 a  @sim_test.TestTraceBlocking:",
		"\n    7+       T1 b         acquires               spin_lock(ckobj#1.a)  blocked since step 2  @",
		"\n    8        T1 b         spin_unlock ")
	if i, j := strings.Index(tr, "blocks on              spin_lock"), strings.Index(tr, "T0 a         spin_unlock"); i < 0 || j < i {
		t.Errorf("block does not precede the holder's unlock:\n%s", tr)
	}
	// Default schedule: T0 runs to the end first, nothing blocks.
	if tr := joined(fullRun(t, prog, sim.Config{}, "").FormatTrace()); strings.Contains(tr, "blocks on") || strings.Contains(tr, "acquires") {
		t.Errorf("uncontended trace shows blocking:\n%s", tr)
	}
	// The rwsem: T1 down_read while T0 holds it for write.
	tr = joined(fullRun(t, prog, sim.Config{}, "0.0.0.0.0.1").FormatTrace())
	ckContains(t, "rwsem trace", tr, "blocks on              rwsem(ckobj#1.sem)  held by T0 a", "acquires               rwsem(ckobj#1.sem)")
}

// KASAN names the faulting access next to where the object was freed and
// allocated, with model call sites when tracing in full.
func TestTraceKASANAccess(t *testing.T) {
	two := ckProg("uaf-access", func(w *sim.World) {
		v := &ckObj{}
		w.Alloc(&v.Object, "victim")
		v.initPrims()
		w.Go("freer", func(t *sim.Task) { t.Free(&v.Object) })
		w.Go("user", func(t *sim.Task) {
			t.Read(&v.Object, "d_name")
			v.a.Lock(t)
			v.a.Unlock(t)
		})
	})
	rep := fullRun(t, two, sim.Config{}, "").Report
	if rep == nil || rep.Rule != "use-after-free" {
		t.Fatalf("want a use after free, got %v", rep)
	}
	ckContains(t, "KASAN message", rep.Message,
		"read of victim#1.d_name (read) by T1 user at step 2 @sim_test.TestTraceKASANAccess:",
		"allocated at step 0 by setup @sim_test.TestTraceKASANAccess:",
		"freed at step 1 by T0 freer @sim_test.TestTraceKASANAccess:")
	// A write: the lock of a freed object (T1 reads first, then T0 frees).
	rep = fullRun(t, two, sim.Config{}, "1.1.0").Report
	if rep == nil {
		t.Fatal("want a use after free of the lock")
	}
	ckContains(t, "KASAN message", rep.Message, "write of victim#1.a (spin_lock) by T1 user at step 3 @", "freed at step 2 by T0 freer @")
	// Untraced runs name the access too, without sites.
	out := sim.Execute(two, sim.Config{}, nil)
	ckContains(t, "untraced KASAN message", out.Report.Message, "read of victim#1.d_name (read) by T1 user at step 2\n")
	if strings.Contains(out.Report.Message, "@") {
		t.Errorf("untraced report has sites:\n%s", out.Report.Message)
	}
	// No use after free, no report: T1 runs to the end before the free.
	if out := fullRun(t, two, sim.Config{}, "1.1.1"); out.Report != nil {
		t.Errorf("clean order reported:\n%s", out.Report.Format())
	}
}

var decCol = regexp.MustCompile(`^ *\d+[ +] d(\d+)(?:-(\d+))? `)

// Every decision of a run is shown on exactly one trace line, in order, so
// a line can be found from its schedule token and back; lines no
// decision produced show none.
func TestTraceDecisionColumn(t *testing.T) {
	prog := ckProg("decisions", func(w *sim.World) {
		o := newCk(w)
		for i := range 3 {
			w.Go(fmt.Sprintf("t%d", i), func(t *sim.Task) {
				o.a.Lock(t)
				t.Yield()
				o.a.Unlock(t)
				if t.Fault("alloc") {
					return
				}
				o.sem.DownRead(t)
				o.sem.UpRead(t)
			})
		}
	})
	for seed := range uint64(20) {
		out := sim.Execute(prog, sim.Config{Trace: sim.TraceFull, Faults: true}, sim.NewRandom(seed))
		if out.Report != nil || out.Err != nil {
			t.Fatalf("seed %d: %v %v", seed, out.Report, out.Err)
		}
		next := 1
		for _, l := range out.FormatTraceWith(sim.FormatOptions{Verbose: true}) {
			m := decCol.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			lo, _ := strconv.Atoi(m[1])
			hi := lo
			if m[2] != "" {
				hi, _ = strconv.Atoi(m[2])
			}
			if lo != next || hi < lo {
				t.Fatalf("seed %d: line %q shows decisions %d-%d, want from %d", seed, l, lo, hi, next)
			}
			next = hi + 1
		}
		if next-1 != len(out.Decisions) {
			t.Errorf("seed %d: lines show %d decisions, the run made %d", seed, next-1, len(out.Decisions))
		}
	}
	// A run of one task makes no decision and shows none.
	out := fullRun(t, ckOne("one", func(t *sim.Task, o *ckObj) { t.Yield() }), sim.Config{}, "")
	if slices.ContainsFunc(out.FormatTrace(), decCol.MatchString) {
		t.Errorf("decision column without decisions: %q", out.FormatTrace())
	}
}
