package sim_test

import (
	"testing"

	"github.com/dcsim/dcsim/sim"
)

// synchronize_rcu waits for a reader whose section began before it.
func TestRCUSyncWaitsForEarlierReader(t *testing.T) {
	// T0 enters its section and yields; T1's synchronize_rcu blocks; T0
	// leaves and wakes it.
	ptWaitsFor(t, func(t *sim.Task, _ *ptData) { sim.RCUReadLock(t) },
		func(t *sim.Task, _ *ptData) { sim.RCUReadUnlock(t) },
		func(t *sim.Task, _ *ptData) { sim.SynchronizeRCU(t) })
}

// synchronize_rcu does not wait for a reader that began after it: here it
// returns while a later reader is still inside its section.
func TestRCUSyncIgnoresLaterReader(t *testing.T) {
	var lateInside, syncDone bool
	// T0 (early reader) enters and yields; T1 blocks in synchronize_rcu;
	// T2 (late reader) enters and yields to T0; T0 leaves; T1 runs while
	// T2 is still inside.
	ptExact(t, sim.Config{}, "0.0.1.1.2.2.0.0.1", func(w *sim.World) {
		w.Go("early", holding(sim.RCUReadLock, sim.RCUReadUnlock))
		w.Go("sync", func(t *sim.Task) {
			sim.SynchronizeRCU(t)
			syncDone = true
		})
		var late bool
		w.Go("late", func(t *sim.Task) {
			sim.RCUReadLock(t)
			late = true
			t.Yield()
			lateInside = late && syncDone
			late = false
			sim.RCUReadUnlock(t)
		})
	})
	if !lateInside {
		t.Error("synchronize_rcu waited for a reader that began after it")
	}
}

// synchronize_rcu, exhaustively: whenever it returns, no reader that
// began before it is still inside its section.
func TestRCUSyncGracePeriodAllInterleavings(t *testing.T) {
	ptExhaust(t, 100_000, func(s sim.Strategy) *sim.Outcome {
		// enteredBefore[i]: reader i entered before synchronize_rcu was
		// called, so the grace period must cover it.
		inside := [2]bool{}
		enteredBefore := [2]bool{}
		syncCalled, bad := false, false
		o := ptRun(sim.Config{}, s, func(w *sim.World) {
			for i := range 2 {
				w.Go("reader", func(t *sim.Task) {
					sim.RCUReadLock(t)
					inside[i] = true
					enteredBefore[i] = !syncCalled
					t.Yield()
					inside[i] = false
					sim.RCUReadUnlock(t)
				})
			}
			w.Go("sync", func(t *sim.Task) {
				syncCalled = true
				sim.SynchronizeRCU(t)
				for i := range 2 {
					if inside[i] && enteredBefore[i] {
						bad = true
					}
				}
			})
		})
		ptClean(t, o)
		if bad {
			t.Fatalf("schedule %s: synchronize_rcu returned with a pre-existing reader inside", o.Schedule())
		}
		return o
	})
}

// A spinlock-held region is a reader: synchronize_rcu waits for it.
func TestRCUSpinlockIsReader(t *testing.T) {
	var readerHeld bool
	ptWaitsFor(t, func(t *sim.Task, d *ptData) {
		d.spin.Lock(t)
		readerHeld = sim.RCUReadLockHeld(t)
	}, func(t *sim.Task, d *ptData) { d.spin.Unlock(t) },
		func(t *sim.Task, _ *ptData) { sim.SynchronizeRCU(t) })
	if !readerHeld {
		t.Error("rcu_read_lock_held() is false under a spinlock")
	}
}

type rtObj struct {
	sim.Object
	val int
}

// call_rcu's callback runs only once the readers that began before it
// have left, and the object is reclaimed after it; a pre-existing reader
// may still read the object meanwhile.
func TestRCUCallRCUWaitsForReaders(t *testing.T) {
	var obj *rtObj
	var readerInside bool
	var cbRanInside, freedAtCall, freedInCb bool
	var cbStep, unlockStep int64
	cbRuns := 0
	o := ptExact(t, sim.Config{}, "0.0.1.1", func(w *sim.World) {
		obj = &rtObj{}
		w.Alloc(&obj.Object, "rcu_obj")
		w.Go("reader", func(t *sim.Task) {
			sim.RCUReadLock(t)
			readerInside = true
			t.Yield()
			t.Read(&obj.Object, "val") // allowed: began before call_rcu
			_ = obj.val
			readerInside = false
			unlockStep = t.World().Steps()
			sim.RCUReadUnlock(t)
		})
		w.Go("freer", func(t *sim.Task) {
			sim.CallRCU(t, &obj.Object, func(t *sim.Task) {
				cbRuns++
				cbRanInside = readerInside
				freedInCb = obj.Freed()
				cbStep = t.World().Steps()
				t.Mark("rcu callback")
			})
			freedAtCall = obj.Freed() || cbRuns > 0
		})
	})
	if freedAtCall {
		t.Error("call_rcu ran its callback or freed the object with a reader inside")
	}
	if cbRuns != 1 || cbRanInside || freedInCb {
		t.Errorf("callback ran %d times, inside a pre-existing reader=%v, object freed before it=%v", cbRuns, cbRanInside, freedInCb)
	}
	if cbStep <= unlockStep {
		t.Errorf("callback at step %d, not after the reader's rcu_read_unlock (step %d)", cbStep, unlockStep+1)
	}
	if o.Marks["rcu callback"] != 1 {
		t.Errorf("marks %v", o.Marks)
	}
	if !obj.Freed() {
		t.Error("the object was not reclaimed after its grace period")
	}
}

// A reader that began after call_rcu does not hold the callback back.
func TestRCUCallRCUIgnoresLaterReader(t *testing.T) {
	var obj *rtObj
	var lateInside bool
	var cbLate = -1
	ptExact(t, sim.Config{}, "0.0.1.1.1.2.2.0.0", func(w *sim.World) {
		obj = &rtObj{}
		w.Alloc(&obj.Object, "rcu_obj")
		w.Go("early", holding(sim.RCUReadLock, sim.RCUReadUnlock))
		w.Go("freer", func(t *sim.Task) {
			sim.KFreeRCU(t, &obj.Object)
			sim.CallRCU(t, nil, func(t *sim.Task) { cbLate = ptB2I(lateInside) })
		})
		w.Go("late", func(t *sim.Task) {
			sim.RCUReadLock(t)
			lateInside = true
			t.Yield()
			lateInside = false
			sim.RCUReadUnlock(t)
		})
	})
	if cbLate != 1 {
		t.Errorf("callback ran with the late reader inside = %d, want 1", cbLate)
	}
	if !obj.Freed() {
		t.Error("kfree_rcu object not reclaimed")
	}
}

// With no reader about, call_rcu's callback runs at once.
func TestRCUCallRCUNoReaders(t *testing.T) {
	ran := false
	ptExact(t, sim.Config{}, "", func(w *sim.World) {
		w.Go("t", func(t *sim.Task) {
			sim.CallRCU(t, nil, func(*sim.Task) { ran = true })
			t.WarnOn(!ran, "call_rcu callback deferred without readers")
		})
	})
}

// Touching an object after call_rcu from outside any reader section is a
// use of a freed object (rule R25 while the grace period runs).
func TestRCUAccessAfterCallRCUOutsideReader(t *testing.T) {
	o := ptRun(sim.Config{}, ptReplay(t, "0.0.1.1"), func(w *sim.World) {
		obj := &rtObj{}
		w.Alloc(&obj.Object, "rcu_obj")
		w.Go("reader", holding(sim.RCUReadLock, sim.RCUReadUnlock))
		w.Go("freer", func(t *sim.Task) {
			sim.KFreeRCU(t, &obj.Object)
			t.Read(&obj.Object, "val")
		})
	})
	ptReport(t, o, sim.KindKASAN, "R25")
}

func TestRCUReadUnlockUnbalanced(t *testing.T) {
	o := ptRun(sim.Config{}, nil, func(w *sim.World) {
		w.Go("t", func(t *sim.Task) { sim.RCUReadUnlock(t) })
	})
	ptReport(t, o, sim.KindLockdep, "rcu-unbalanced")
}

func TestRCUSyncInsideReaderIsSleepInAtomic(t *testing.T) {
	o := ptRun(sim.Config{}, nil, func(w *sim.World) {
		w.Go("t", func(t *sim.Task) {
			sim.RCUReadLock(t)
			sim.SynchronizeRCU(t)
			sim.RCUReadUnlock(t)
		})
	})
	ptReport(t, o, sim.KindLockdep, "sleep-in-atomic")

	o = ptRun(sim.Config{}, nil, func(w *sim.World) {
		d := ptNew(w)
		w.Go("t", func(t *sim.Task) {
			d.spin.Lock(t)
			sim.SynchronizeRCU(t)
			d.spin.Unlock(t)
		})
	})
	ptReport(t, o, sim.KindLockdep, "sleep-in-atomic")
}

func TestRCUExitInsideReader(t *testing.T) {
	o := ptRun(sim.Config{}, nil, func(w *sim.World) {
		w.Go("t", func(t *sim.Task) { sim.RCUReadLock(t) })
	})
	ptReport(t, o, sim.KindLockdep, "rcu-at-exit")
}

// The classic RCU protocol, exhaustively: readers that found the object
// published may use it until their rcu_read_unlock; the updater
// unpublishes it and frees it with call_rcu. No interleaving is a use
// after free, the callback never runs while a reader that saw the object
// is inside, and the object is always reclaimed by the end.
func TestRCUPublishUnpublishAllInterleavings(t *testing.T) {
	runs := ptExhaust(t, 100_000, func(s sim.Strategy) *sim.Outcome {
		var obj *rtObj
		holding := 0
		early := false
		o := ptRun(sim.Config{}, s, func(w *sim.World) {
			var home sim.Object
			w.NewStatic(&home, "home")
			var ptr sim.AtomicPtr[*rtObj]
			ptr.Init(&home, "ptr")
			d := ptNew(w)
			obj = &rtObj{}
			w.Alloc(&obj.Object, "rcu_obj")
			ptr.Set(obj)
			w.Go("reader", func(t *sim.Task) {
				sim.RCUReadLock(t)
				if p := ptr.Load(t); p != nil {
					holding++
					t.Read(&p.Object, "val")
					holding--
				}
				sim.RCUReadUnlock(t)
			})
			// A reader through a spinlock-held region.
			w.Go("locked reader", func(t *sim.Task) {
				d.spin.Lock(t)
				if p := ptr.Load(t); p != nil {
					holding++
					t.Read(&p.Object, "val")
					holding--
				}
				d.spin.Unlock(t)
			})
			w.Go("updater", func(t *sim.Task) {
				// Unpublish and queue the free in one step (the gap
				// between rcu_assign_pointer and call_rcu is irrelevant).
				old := ptr.Value()
				ptr.Set(nil)
				sim.CallRCU(t, &old.Object, func(*sim.Task) { early = early || holding > 0 })
			})
		})
		ptClean(t, o)
		if early || !obj.Freed() {
			t.Fatalf("schedule %s: callback with a reader holding the object=%v, reclaimed=%v", o.Schedule(), early, obj.Freed())
		}
		return o
	})
	if runs < 20 {
		t.Fatalf("only %d interleavings", runs)
	}
}
