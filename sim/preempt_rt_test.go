package sim_test

import (
	"testing"

	"github.com/dcsim/dcsim/sim"
)

// The PREEMPT_RT model (sim/preempt_rt.go) and bound CPUs (sim/cpu.go),
// each checked both ways: under rt and without it, or with and without
// the protection that keeps the checker quiet.

var (
	rtCfg      = sim.Config{PreemptRT: true}
	rtRawClass = sim.NewLockClass("rt_raw_lock").Raw()
)

// prtObj has a spinlock_t (a), a raw spinlock (raw), an rwsem and a
// counter that a writer makes odd.
type prtObj struct {
	sim.Object
	a, b sim.SpinLock
	raw  sim.SpinLock
	sem  sim.RWSem
	seq  sim.AtomicInt
}

func newPRT(w *sim.World) *prtObj {
	o := &prtObj{}
	w.NewStatic(&o.Object, "rt")
	o.a.Init(&o.Object, "a", ckClassA)
	o.b.Init(&o.Object, "b", ckClassB)
	o.raw.Init(&o.Object, "raw", rtRawClass)
	o.sem.Init(&o.Object, "sem", ckClassSem)
	o.seq.Init(&o.Object, "seq")
	return o
}

func rtOne(name string, body func(t *sim.Task, o *prtObj)) sim.Program {
	return ckProg("rt/"+name, func(w *sim.World) {
		o := newPRT(w)
		w.Go("t", func(t *sim.Task) { body(t, o) })
	})
}

// A spinlock_t holder is preemptible under rt only: a task bound to its
// CPU can run while it holds the lock.
func TestRTSpinlockPreemptible(t *testing.T) {
	for _, rt := range []bool{false, true} {
		ranInside := false
		n := ptExhaust(t, 1000, func(s sim.Strategy) *sim.Outcome {
			return sim.Execute(ckProg("rt/preemptible", func(w *sim.World) {
				o := newPRT(w)
				inside := false
				w.Go("holder", func(t *sim.Task) {
					o.a.Lock(t)
					inside = true
					t.Yield()
					inside = false
					o.a.Unlock(t)
				}).BindCPU(0)
				w.Go("other", func(t *sim.Task) {
					t.Yield()
					ranInside = ranInside || inside
				}).BindCPU(0)
			}), sim.Config{PreemptRT: rt}, s)
		})
		if ranInside != rt {
			t.Errorf("rt=%v: a task on the holder's CPU ran inside the spinlock_t section: %v, want %v (%d runs)", rt, ranInside, rt, n)
		}
	}
}

// rtlock_might_resched: a spinlock_t taken with preemption disabled (under
// a raw lock, or after preempt_disable) sleeps in atomic context under rt;
// under another spinlock_t, and without rt, it does not.
func TestRTSpinlockUnderRawLock(t *testing.T) {
	nested := func(outer func(t *sim.Task, o *prtObj), outerEnd func(t *sim.Task, o *prtObj)) func(t *sim.Task, o *prtObj) {
		return func(t *sim.Task, o *prtObj) {
			outer(t, o)
			o.a.Lock(t)
			o.a.Unlock(t)
			outerEnd(t, o)
		}
	}
	underRaw := rtOne("under-raw", nested(func(t *sim.Task, o *prtObj) { o.raw.Lock(t) }, func(t *sim.Task, o *prtObj) { o.raw.Unlock(t) }))
	underPD := rtOne("under-preempt-disable", nested(func(t *sim.Task, _ *prtObj) { t.PreemptDisable() }, func(t *sim.Task, _ *prtObj) { t.PreemptEnable() }))
	underSpin := rtOne("under-spinlock_t", nested(func(t *sim.Task, o *prtObj) { o.b.Lock(t) }, func(t *sim.Task, o *prtObj) { o.b.Unlock(t) }))
	rep := ckFire(t, underRaw, rtCfg, nil, sim.KindLockdep, "sleep-in-atomic",
		"BUG: sleeping function called from invalid context (rt_spin_lock rt#1.a)")
	ckContains(t, "report", rep.Format(), "preempt_count: 1")
	ckFire(t, underPD, rtCfg, nil, sim.KindLockdep, "sleep-in-atomic",
		"BUG: sleeping function called from invalid context (rt_spin_lock rt#1.a)")
	ckQuiet(t, underRaw, sim.Config{}, nil)
	ckQuiet(t, underPD, sim.Config{}, nil)
	ckQuiet(t, underSpin, rtCfg, nil)
}

// might_sleep under a spinlock_t is still a bug under rt: its
// rcu_read_lock counts in the RCU nest depth.
func TestRTMightSleepUnderSpinlock(t *testing.T) {
	prog := rtOne("sleep-under-spinlock_t", func(t *sim.Task, o *prtObj) {
		o.a.Lock(t)
		o.sem.DownRead(t)
		o.sem.UpRead(t)
		o.a.Unlock(t)
	})
	for _, cfg := range []sim.Config{{}, rtCfg} {
		rep := ckFire(t, prog, cfg, nil, sim.KindLockdep, "sleep-in-atomic",
			"BUG: sleeping function called from invalid context (down_read)")
		want := "in_atomic(): 1, preempt_count: 1, RCU nest depth: 0"
		if cfg.PreemptRT {
			want = "in_atomic(): 0, preempt_count: 0, RCU nest depth: 1"
		}
		ckContains(t, "report", rep.Format(), want)
	}
	ckQuiet(t, rtOne("sleep-after-spinlock_t", func(t *sim.Task, o *prtObj) {
		o.a.Lock(t)
		o.a.Unlock(t)
		o.sem.DownRead(t)
		o.sem.UpRead(t)
	}), rtCfg, nil)
}

// Lockdep still tracks spinlock_t under rt.
func TestRTLockdepTracksSpinlock(t *testing.T) {
	prog := ckProg("rt/abba", func(w *sim.World) {
		o := newPRT(w)
		w.Go("ab", func(t *sim.Task) { o.a.Lock(t); o.b.Lock(t); o.b.Unlock(t); o.a.Unlock(t) })
		w.Go("ba", func(t *sim.Task) { o.b.Lock(t); o.a.Lock(t); o.a.Unlock(t); o.b.Unlock(t) })
	})
	ckFire(t, prog, rtCfg, nil, sim.KindLockdep, "circular", "possible circular locking dependency detected")
}

// preempt_enable without preempt_disable is a preempt count underflow;
// the nested pair is an assertion without rt and a real disable with it.
func TestRTPreemptCount(t *testing.T) {
	ckFire(t, rtOne("underflow", func(t *sim.Task, _ *prtObj) { t.PreemptEnable() }), sim.Config{},
		nil, sim.KindWarn, "preempt-count-underflow", "preempt_enable() with preemption enabled (DEBUG_PREEMPT: preempt count underflow)")
	nested := rtOne("nested", func(t *sim.Task, o *prtObj) {
		o.a.Lock(t)
		t.PreemptDisableNested("nested")
		t.PreemptEnableNested()
		o.a.Unlock(t)
	})
	ckQuiet(t, nested, sim.Config{}, nil)
	ckQuiet(t, nested, rtCfg, nil)
	ckFire(t, rtOne("nested-unlocked", func(t *sim.Task, _ *prtObj) { t.PreemptDisableNested("nested"); t.PreemptEnableNested() }),
		sim.Config{}, nil, sim.KindLockdep, "assert-preemption-disabled", "lockdep_assert_preemption_disabled() failed in nested")
}

// seqWriterReader is a writer that makes o.seq odd under lock (with
// preempt_disable_nested when pd) and a reader that spins while it is
// odd, both bound to CPU 0 when bound. The reader gives up after
// SpinLimit spins, so that every interleaving can be enumerated; the
// livelock is reported at the SpinLimit-th spin that cannot end.
func seqWriterReader(pd, bound bool) sim.Program {
	return seqWriterReaderSpins(pd, bound, sim.SpinLimit)
}

// seqWriterReaderSpins is seqWriterReader with a reader that gives up
// after spins spins.
func seqWriterReaderSpins(pd, bound bool, spins int) sim.Program {
	return ckProg("rt/seq-writer-reader", func(w *sim.World) {
		o := newPRT(w)
		wr := w.Go("writer", func(t *sim.Task) {
			o.a.Lock(t)
			if pd {
				t.PreemptDisableNested("writer")
			}
			o.seq.Store(t, 1)
			t.Yield()
			o.seq.Store(t, 2)
			if pd {
				t.PreemptEnableNested()
			}
			o.a.Unlock(t)
		})
		rd := w.Go("reader", func(t *sim.Task) {
			for i := 0; i < spins && o.seq.Load(t)&1 != 0; i++ {
				t.CPURelax()
			}
		})
		if bound {
			wr.BindCPU(0)
			rd.BindCPU(0)
		}
	})
}

// A reader spinning on the writer's CPU after preempting it inside its
// write section is a livelock, found at once; not without rt, not with
// preempt_disable_nested, not on CPUs of their own.
func TestRTSpinOnPreempted(t *testing.T) {
	// The writer stores 1 (decision 0: writer at its spin_lock, then
	// at the store), is preempted at its yield, and the reader spins.
	rep := ckFire(t, seqWriterReader(false, true), rtCfg, ckReplay(t, seqWriterReader(false, true), "0*3.1"),
		sim.KindLivelock, "spin-on-preempted", "livelock: T1 reader spins on CPU 0 waiting for a task it keeps off that CPU")
	ckContains(t, "report", rep.Format(), "T0 writer is runnable on CPU 0, preempted by T1 reader", "cpu_relax, 8 times in a row")
	// One spin fewer is no livelock: a retry may relax once and succeed.
	ckQuiet(t, seqWriterReaderSpins(false, true, sim.SpinLimit-1), rtCfg, ckReplay(t, seqWriterReader(false, true), "0*3.1"))
	for _, c := range []struct {
		name      string
		rt        bool
		pd, bound bool
	}{
		{"no rt", false, false, true},
		{"preempt_disable_nested", true, true, true},
		{"own CPUs", true, false, false},
	} {
		n := ptExhaust(t, 5000, func(s sim.Strategy) *sim.Outcome {
			o := sim.Execute(seqWriterReader(c.pd, c.bound), sim.Config{PreemptRT: c.rt}, s)
			if o.Report != nil {
				t.Fatalf("%s: %s", c.name, o.Report.Format())
			}
			return o
		})
		if n < 2 {
			t.Errorf("%s: %d interleavings, want several", c.name, n)
		}
	}
}

// A schedule records the rt setting and replays it; schedules without it
// parse as before.
func TestRTScheduleSetting(t *testing.T) {
	for str, rt := range map[string]bool{
		"v2:x@mainline/today:rt:00000000:0":                        true,
		"v2:x@mainline/today:faults,signals,rt,steps=9:00000000:0": true,
		"v2:x@mainline/today:faults,signals,steps=9:00000000:0":    false,
	} {
		s, err := sim.ParseSchedule(str)
		if err != nil {
			t.Fatalf("%s: %v", str, err)
		}
		if s.String() != str {
			t.Errorf("%s prints as %s", str, s)
		}
		if s.Config().PreemptRT != rt {
			t.Errorf("%s: Config().PreemptRT = %v", str, s.Config().PreemptRT)
		}
	}
	if _, err := sim.ParseSchedule("v2:x:rtx:00000000:0"); err == nil {
		t.Error("an unknown setting parsed")
	}
}

// seqcountWriterReader is a writer of a seqcount (plain, or associated
// with its spinlock when locked) that makes it odd under the spinlock and
// yields inside the write section, and a reader that samples it with
// read_seqcount_begin; both bound to CPU 0.
func seqcountWriterReader(locked bool) sim.Program {
	return ckProg("rt/seqcount-writer-reader", func(w *sim.World) {
		o := newPRT(w)
		var sc sim.SeqCount
		if locked {
			sc.InitLocked(&o.Object, "sc", &o.a)
		} else {
			sc.Init(&o.Object, "sc")
		}
		w.Go("writer", func(t *sim.Task) {
			o.a.Lock(t)
			sc.WriteBegin(t)
			t.Yield()
			sc.WriteEnd(t)
			o.a.Unlock(t)
		}).BindCPU(0)
		w.Go("reader", func(t *sim.Task) {
			s := sc.ReadBegin(t)
			sc.Retry(t, s)
		}).BindCPU(0)
	})
}

// A read_seqcount_begin reader that preempts the writer inside its write
// section spins on the writer's CPU for ever under rt; a
// seqcount_spinlock_t reader sleeps on the writer's lock instead, and
// without rt the writer cannot be preempted.
func TestRTSeqcountReaderStarvesWriter(t *testing.T) {
	plain := seqcountWriterReader(false)
	// writer: spin_lock, write_seqcount_begin, then preempted at its yield.
	rep := ckFire(t, plain, rtCfg, ckReplay(t, plain, "0*3.1"), sim.KindLivelock, "spin-on-preempted",
		"livelock: T1 reader spins on CPU 0 waiting for a task it keeps off that CPU")
	ckContains(t, "report", rep.Format(), "T1 reader spins (seqcount(", "T0 writer is runnable on CPU 0, preempted by T1 reader")
	for _, c := range []struct {
		name   string
		rt     bool
		locked bool
	}{{"no rt", false, false}, {"seqcount_spinlock_t", true, true}} {
		ptExhaust(t, 1000, func(s sim.Strategy) *sim.Outcome {
			o := sim.Execute(seqcountWriterReader(c.locked), sim.Config{PreemptRT: c.rt}, s)
			if o.Report != nil {
				t.Fatalf("%s: %s", c.name, o.Report.Format())
			}
			return o
		})
	}
}
