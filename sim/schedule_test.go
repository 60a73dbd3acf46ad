package sim_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/dcsim/dcsim/sim"
)

// stToken is one decision as the schedule syntax writes it.
func stToken(d sim.Decision) string {
	return strings.TrimPrefix((&sim.Schedule{Program: "p", Decisions: []sim.Decision{d}}).String(), "v2:p:-:00000000:")
}

// stDecisionGen generates a decision of any kind with a value the syntax
// can carry.
var stDecisionGen = rapid.Custom(func(t *rapid.T) sim.Decision {
	switch rapid.IntRange(0, 3).Draw(t, "kind") {
	case 0:
		return sim.Decision{Kind: sim.DecideSchedule, Value: int32(rapid.IntRange(0, 63).Draw(t, "task"))}
	case 1:
		return sim.Decision{Kind: sim.DecideFault, Value: int32(rapid.IntRange(0, 1).Draw(t, "fault"))}
	case 2:
		return sim.Decision{Kind: sim.DecideSignal, Value: int32(rapid.IntRange(0, 1).Draw(t, "signal"))}
	}
	return sim.Decision{Kind: sim.DecideChoice, Value: int32(rapid.IntRange(0, 1<<16-1).Draw(t, "choice"))}
})

// stRunsGen generates decision lists with long runs, so that the string
// form uses "x*k".
var stRunsGen = rapid.Custom(func(t *rapid.T) []sim.Decision {
	var out []sim.Decision
	for range rapid.IntRange(0, 8).Draw(t, "runs") {
		d := stDecisionGen.Draw(t, "decision")
		for range rapid.IntRange(1, 70).Draw(t, "length") {
			out = append(out, d)
		}
	}
	return out
})

var stProgramGen = rapid.StringMatching(`[a-zA-Z0-9_/.-]{1,16}`)

var stVariantGen = rapid.StringMatching(`([a-z0-9+=/,-]{1,12})?`)

func stKV(ds []sim.Decision) []sim.Decision {
	out := make([]sim.Decision, len(ds))
	for i, d := range ds {
		out[i] = sim.Decision{Kind: d.Kind, Value: d.Value}
	}
	return out
}

func TestScheduleRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := &sim.Schedule{Program: stProgramGen.Draw(t, "program"), Variant: stVariantGen.Draw(t, "variant"),
			Faults: rapid.Bool().Draw(t, "faults"), Signals: rapid.Bool().Draw(t, "signals"),
			MaxSteps: rapid.Int64Range(0, 1e6).Draw(t, "steps"), Fingerprint: rapid.Uint32().Draw(t, "fp")}
		if s.MaxSteps == sim.DefaultMaxSteps {
			s.MaxSteps = 0
		}
		if rapid.Bool().Draw(t, "runs") {
			s.Decisions = stRunsGen.Draw(t, "decisions")
		} else {
			s.Decisions = rapid.SliceOfN(stDecisionGen, 0, 40).Draw(t, "decisions")
		}
		str := s.String()
		got, err := sim.ParseSchedule(str)
		if err != nil {
			t.Fatalf("ParseSchedule(%q): %v", str, err)
		}
		if got.Program != s.Program || got.Variant != s.Variant || got.Faults != s.Faults ||
			got.Signals != s.Signals || got.MaxSteps != s.MaxSteps || got.Fingerprint != s.Fingerprint {
			t.Fatalf("%q: header %+v came back as %+v", str, s, got)
		}
		if !slices.Equal(stKV(got.Decisions), stKV(s.Decisions)) {
			t.Fatalf("%q: decisions %v came back as %v", str, s.Decisions, got.Decisions)
		}
		if again := got.String(); again != str {
			t.Fatalf("not canonical: %q re-serialised as %q", str, again)
		}
		// Run-length encoding: no two adjacent tokens are the same, and
		// "*k" appears exactly for runs longer than one.
		body := str[strings.LastIndexByte(str, ':')+1:]
		if body == "" {
			if len(s.Decisions) != 0 {
				t.Fatalf("%q: empty body for %d decisions", str, len(s.Decisions))
			}
			return
		}
		prev := ""
		for _, tok := range strings.Split(body, ".") {
			base, count, rle := strings.Cut(tok, "*")
			if base == prev {
				t.Fatalf("%q: token %q repeats the previous one instead of extending its run", str, base)
			}
			if n, err := strconv.Atoi(count); rle && (err != nil || n < 2) {
				t.Fatalf("%q: bad run length in %q", str, tok)
			}
			prev = base
		}
	})
}

// Hand-written, non-canonical run-length forms parse to the expanded
// list and re-serialise canonically.
func TestScheduleRLEParseProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var toks []string
		var want []sim.Decision
		for range rapid.IntRange(1, 10).Draw(t, "tokens") {
			d := stDecisionGen.Draw(t, "decision")
			tok := stToken(d)
			n := 1
			if rapid.Bool().Draw(t, "rle") {
				n = rapid.IntRange(1, 50).Draw(t, "k")
				tok += "*" + strconv.Itoa(n)
			}
			toks = append(toks, tok)
			for range n {
				want = append(want, d)
			}
		}
		str := "v2:prog:-:00000000:" + strings.Join(toks, ".")
		got, err := sim.ParseSchedule(str)
		if err != nil {
			t.Fatalf("ParseSchedule(%q): %v", str, err)
		}
		if !slices.Equal(stKV(got.Decisions), want) {
			t.Fatalf("%q parsed as %v, want %v", str, got.Decisions, want)
		}
		canon := (&sim.Schedule{Program: "prog", Decisions: want}).String()
		if got.String() != canon {
			t.Fatalf("%q re-serialised as %q, want %q", str, got.String(), canon)
		}
	})
}

func TestScheduleStringExample(t *testing.T) {
	d := func(k sim.DecisionKind, v int32, n int) []sim.Decision {
		return slices.Repeat([]sim.Decision{{Kind: k, Value: v}}, n)
	}
	s := &sim.Schedule{Program: "demo/abba", Decisions: slices.Concat(
		d(sim.DecideSchedule, 0, 7), d(sim.DecideSchedule, 1, 4), d(sim.DecideSchedule, 0, 2),
		d(sim.DecideFault, 1, 1), d(sim.DecideChoice, 2, 1), d(sim.DecideSignal, 0, 3), d(sim.DecideChoice, 12, 2))}
	const want = "v2:demo/abba:-:00000000:0*7.1*4.0*2.f1.c2.s0*3.c12*2"
	if got := s.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (&sim.Schedule{Program: "p"}).String(); got != "v2:p:-:00000000:" {
		t.Errorf("empty schedule = %q", got)
	}
	p, err := sim.ParseSchedule("  " + want + "\n")
	if err != nil || p.String() != want {
		t.Errorf("ParseSchedule with surrounding space: %v, %v", p, err)
	}
}

func TestScheduleParseErrors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		col  int
	}{
		{"missing version", "demo:0.1", 1},
		{"empty input", "", 1},
		{"missing version number", "v:demo:0", 2},
		{"bad version", "vx:demo:0", 2},
		{"old version", "v1:demo:0", 2},
		{"unsupported version", "v9:demo:0", 2},
		{"no colon after version", "v2", 3},
		{"too few fields", "v2:demo:0", 10},
		{"empty program", "v2::-:00000000:0", 4},
		{"empty variant", "v2:p@:-:00000000:0", 6},
		{"bad setting", "v2:p:fault:00000000:0", 6},
		{"bad step bound", "v2:p:faults,steps=0:00000000:0", 13},
		{"short fingerprint", "v2:p:-:0000:0", 8},
		{"bad fingerprint", "v2:p:-:0000000g:0", 8},
		{"empty decision", "v2:p:-:00000000:0..1", 19},
		{"trailing dot", "v2:p:-:00000000:0.", 19},
		{"not a decision", "v2:p:-:00000000:x", 17},
		{"zero repeat", "v2:p:-:00000000:1*0", 19},
		{"zero repeat later", "v2:p:-:00000000:0.1*0", 21},
		{"bad repeat", "v2:p:-:00000000:1*x", 19},
		{"huge repeat", "v2:p:-:00000000:1*4194305", 19},
		{"missing repeat", "v2:p:-:00000000:1*", 19},
		{"fault out of range", "v2:p:-:00000000:f2", 17},
		{"signal out of range", "v2:p:-:00000000:0.s2", 19},
		{"task out of range", "v2:p:-:00000000:64", 17},
		{"negative choice", "v2:p:-:00000000:c-1", 17},
		{"bare fault", "v2:p:-:00000000:f", 17},
		{"repeat of nothing", "v2:p:-:00000000:*3", 17},
		{"repeat of nothing later", "v2:p:-:00000000:0.*2", 19},
		{"leading space", "  v2:p:-:00000000:x", 19},
		{"decision cap", "v2:p:-:00000000:" + strings.Repeat("0*4194304.", 2) + "1", 27},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s *sim.Schedule
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("ParseSchedule(%q) panicked: %v", c.in, r)
					}
				}()
				s, err = sim.ParseSchedule(c.in)
			}()
			var se *sim.ScheduleError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSchedule(%q) = %v, %v; want a *sim.ScheduleError", c.in, s, err)
			}
			if se.Col != c.col {
				t.Errorf("ParseSchedule(%q): column %d, want %d (%v)", c.in, se.Col, c.col, err)
			}
			if !strings.HasPrefix(err.Error(), "schedule:1:"+strconv.Itoa(c.col)+": ") {
				t.Errorf("error text %q", err.Error())
			}
		})
	}
}

// stProgram is a small 3-task program touching most primitives; it takes
// schedule, fault and choice decisions.
func stProgram() sim.Program {
	return sim.Program{Name: "st/three", Setup: func(w *sim.World) {
		d := ptNew(w)
		obj := &rtObj{}
		w.Alloc(&obj.Object, "rcu_obj")
		w.Go("locker", func(t *sim.Task) {
			for range 2 {
				d.spin.Lock(t)
				t.Read(&d.Object, "v")
				d.v++
				t.Write(&d.Object, "v")
				d.spin.Unlock(t)
			}
			if !t.Fault("kmalloc") {
				d.ai.Add(t, 1)
			}
		})
		w.Go("rwsem", func(t *sim.Task) {
			d.sem.DownWrite(t)
			d.v += t.Choose("reply", 3)
			t.Write(&d.Object, "v")
			d.sem.DowngradeWrite(t)
			sim.RCUReadLock(t)
			t.Read(&obj.Object, "val")
			sim.RCUReadUnlock(t)
			d.sem.UpRead(t)
		})
		w.Go("updater", func(t *sim.Task) {
			d.sem.DownRead(t)
			d.ai.Add(t, 1)
			d.sem.UpRead(t)
			d.spin.Lock(t)
			d.spin.Unlock(t)
			sim.SynchronizeRCU(t)
			d.comp.CompleteAll(t)
		})
	}}
}

func TestScheduleDeterminism(t *testing.T) {
	cfg := sim.Config{Trace: sim.TraceFull, Faults: true}
	// One Program value for every run: trace lines name the model's
	// functions, and each inlined copy of stProgram's closures has its own.
	prog := stProgram()
	hashes := map[uint64]bool{}
	for seed := range uint64(25) {
		a := sim.Execute(prog, cfg, sim.NewRandom(seed))
		b := sim.Execute(prog, cfg, sim.NewRandom(seed))
		ptClean(t, a)
		ptClean(t, b)
		if a.Hash != b.Hash || a.Steps != b.Steps {
			t.Fatalf("seed %d: hash %x/%x steps %d/%d", seed, a.Hash, b.Hash, a.Steps, b.Steps)
		}
		if !slices.Equal(a.FormatTrace(), b.FormatTrace()) {
			t.Fatalf("seed %d: traces differ:\n%s\n---\n%s", seed,
				strings.Join(a.FormatTrace(), "\n"), strings.Join(b.FormatTrace(), "\n"))
		}
		if !slices.Equal(a.Decisions, b.Decisions) {
			t.Fatalf("seed %d: decision logs differ", seed)
		}
		if len(a.FormatTrace()) == 0 {
			t.Fatalf("seed %d: empty trace", seed)
		}
		hashes[a.Hash] = true

		// Replaying the schedule, directly and through its string form,
		// reproduces the run.
		str := a.Schedule().String()
		parsed, err := sim.ParseSchedule(str)
		if err != nil {
			t.Fatalf("seed %d: ParseSchedule(%q): %v", seed, str, err)
		}
		for _, s := range []*sim.Schedule{a.Schedule(), parsed} {
			r := sim.Execute(prog, cfg, sim.NewReplay(s))
			ptClean(t, r)
			if r.Hash != a.Hash || r.Steps != a.Steps || !slices.Equal(r.Decisions, a.Decisions) {
				t.Fatalf("seed %d: replay of %s: hash %x/%x steps %d/%d decisions equal=%v", seed, str,
					r.Hash, a.Hash, r.Steps, a.Steps, slices.Equal(r.Decisions, a.Decisions))
			}
			if !slices.Equal(r.FormatTrace(), a.FormatTrace()) {
				t.Fatalf("seed %d: replay trace differs", seed)
			}
		}
		// Tracing does not change the run.
		off := sim.Execute(prog, sim.Config{Faults: true}, sim.NewReplay(a.Schedule()))
		ptClean(t, off)
		if off.Hash != a.Hash || off.Steps != a.Steps {
			t.Fatalf("seed %d: the run without tracing differs", seed)
		}
	}
	if len(hashes) < 5 {
		t.Errorf("25 seeds gave only %d distinct runs", len(hashes))
	}
}

// stTwo is two tasks that each yield once.
func stTwo() sim.Program {
	return sim.Program{Name: "st/two", Setup: func(w *sim.World) {
		for range 2 {
			w.Go("y", func(t *sim.Task) { t.Yield() })
		}
	}}
}

// stReplayPrefix replays str as a prefix (defaults past its end).
func stReplayPrefix(t *testing.T, p sim.Program, str string) *sim.Outcome {
	t.Helper()
	s, err := sim.ParseSchedule(str)
	if err != nil {
		t.Fatalf("ParseSchedule(%q): %v", str, err)
	}
	return sim.Execute(p, sim.Config{}, sim.NewPrefixReplay(s))
}

func stReplay(t *testing.T, p sim.Program, cfg sim.Config, str string) *sim.Outcome {
	t.Helper()
	s, err := sim.ParseSchedule(str)
	if err != nil {
		t.Fatalf("ParseSchedule(%q): %v", str, err)
	}
	var o *sim.Outcome
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("replay of %q panicked: %v", str, r)
			}
		}()
		o = sim.Execute(p, cfg, sim.NewReplay(s))
	}()
	return o
}

func TestScheduleStrictReplayErrors(t *testing.T) {
	// The fitting schedule: start T0, T0 yields to T1, T1 goes on past its
	// yield and exits, T0 runs alone.
	o := stReplay(t, stTwo(), sim.Config{}, "v2:st/two:-:00000000:0.1.1")
	ptClean(t, o)
	if len(o.Decisions) != 3 {
		t.Fatalf("st/two took %d decisions, want 3", len(o.Decisions))
	}

	// The first decision names a task that does not exist.
	o = stReplay(t, stTwo(), sim.Config{}, "v2:st/two:-:00000000:5")
	if o.Err == nil || !strings.Contains(o.Err.Error(), "does not fit") {
		t.Errorf("task 5 of 2: err %v", o.Err)
	}
	if o.Report != nil {
		t.Errorf("an input error produced a report:\n%s", o.Report.Format())
	}

	// At a task's scheduling point, a task that does not exist.
	o = stReplay(t, stTwo(), sim.Config{}, "v2:st/two:-:00000000:0.5")
	if o.Err == nil || !strings.Contains(o.Err.Error(), "does not fit") {
		t.Errorf("task 5 at a scheduling point: err %v", o.Err)
	}

	// Mid-run, the schedule names a task that is blocked: T1 blocks on
	// the spinlock T0 holds, and the schedule picks T1 again.
	blocked := sim.Program{Name: "st/blocked", Setup: func(w *sim.World) {
		d := ptNew(w)
		contend(w, d.spin.Lock, d.spin.Unlock, d.spin.Lock, d.spin.Unlock)
		w.Go("other", func(t *sim.Task) { t.Yield() })
	}}
	o = stReplay(t, blocked, sim.Config{}, "v2:st/blocked:-:00000000:0.0.1.1.2")
	if o.Err == nil || !strings.Contains(o.Err.Error(), "schedule ended after 5 decisions") {
		t.Errorf("a schedule that runs out before the run ends: err %v", o.Err)
	}
	o = stReplayPrefix(t, blocked, "v2:st/blocked:-:00000000:0.0.1.1.2")
	ptClean(t, o) // sanity: with T2 picked the schedule is a valid prefix
	o = stReplay(t, blocked, sim.Config{}, "v2:st/blocked:-:00000000:0.0.1.1.1")
	if o.Err == nil || !strings.Contains(o.Err.Error(), "does not fit") {
		t.Errorf("picking a blocked task: err %v", o.Err)
	}
	if o.Report != nil {
		t.Errorf("an input error produced a report:\n%s", o.Report.Format())
	}

	// A decision of the wrong kind (a fault where a task is chosen).
	o = stReplay(t, stTwo(), sim.Config{}, "v2:st/two:-:00000000:0.f1")
	if o.Err == nil || !strings.Contains(o.Err.Error(), "does not fit") {
		t.Errorf("fault token at a schedule decision: err %v", o.Err)
	}

	// Leftover decisions.
	o = stReplay(t, stTwo(), sim.Config{}, "v2:st/two:-:00000000:0.1.1.1.0.0")
	if o.Err == nil || !strings.Contains(o.Err.Error(), "does not fit") {
		t.Errorf("leftover decisions: err %v", o.Err)
	}
	if o.Leftover != 3 {
		t.Errorf("leftover %d, want 3", o.Leftover)
	}
	if o.Report != nil {
		t.Errorf("leftover decisions produced a report:\n%s", o.Report.Format())
	}

	// A lenient replay takes the same prefix and only counts the leftover.
	s, _ := sim.ParseSchedule("v2:st/two:-:00000000:0.1.1.1.0.0")
	o = sim.Execute(stTwo(), sim.Config{}, &sim.Replay{Log: s.Decisions})
	if o.Err != nil || o.Leftover != 3 {
		t.Errorf("lenient replay: err %v leftover %d", o.Err, o.Leftover)
	}
}
