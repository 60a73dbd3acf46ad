package sim_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/sim"
)

// --- SpinLock ---

func TestPrimSpinLockMutualExclusion(t *testing.T) {
	const tasks = 3
	runs := ptExhaust(t, 100_000, func(s sim.Strategy) *sim.Outcome {
		var d *ptData
		inside := 0
		overlap := false
		o := ptRun(sim.Config{}, s, func(w *sim.World) {
			d = ptNew(w)
			for range tasks {
				w.Go("inc", func(t *sim.Task) {
					d.spin.Lock(t)
					inside++
					overlap = overlap || inside > 1
					t.Read(&d.Object, "v")
					tmp := d.v
					t.Write(&d.Object, "v")
					d.v = tmp + 1
					inside--
					d.spin.Unlock(t)
				})
			}
		})
		ptClean(t, o)
		if overlap || d.v != tasks {
			t.Fatalf("schedule %s: overlap=%v v=%d, want v=%d", o.Schedule(), overlap, d.v, tasks)
		}
		return o
	})
	if runs < 100 {
		t.Fatalf("only %d interleavings explored", runs)
	}
}

func TestPrimSpinTryLock(t *testing.T) {
	var d *ptData
	var tryHeld, tryFree bool
	// T0 locks and yields to T1, whose trylock must fail; T0 then
	// unlocks and tries again, which must succeed.
	o := ptExact(t, sim.Config{}, "0.0.1.1", func(w *sim.World) {
		d = ptNew(w)
		w.Go("holder", func(t *sim.Task) {
			d.spin.Lock(t)
			t.Yield()
			d.spin.Unlock(t)
			tryFree = d.spin.TryLock(t)
			if tryFree {
				d.spin.Unlock(t)
			}
		})
		w.Go("try", func(t *sim.Task) {
			tryHeld = d.spin.TryLock(t)
			if tryHeld {
				d.spin.Unlock(t)
			}
		})
	})
	ptClean(t, o)
	if tryHeld {
		t.Error("spin_trylock succeeded while another task held the lock")
	}
	if !tryFree {
		t.Error("spin_trylock failed on a free lock")
	}
	if d.spin.IsLocked() {
		t.Error("lock still held at the end")
	}
}

func TestPrimSpinUnlockByNonHolder(t *testing.T) {
	o := ptRun(sim.Config{}, ptReplay(t, "0.0.1.1"), func(w *sim.World) {
		d := ptNew(w)
		w.Go("holder", holding(d.spin.Lock, d.spin.Unlock))
		w.Go("intruder", func(t *sim.Task) { d.spin.Unlock(t) })
	})
	r := ptReport(t, o, sim.KindLockdep, "bad-unlock")
	if r.Task != 1 {
		t.Errorf("report blames task %d, want 1", r.Task)
	}
	if o.Leftover != 0 {
		t.Errorf("%d decisions left over", o.Leftover)
	}

	// Unlocking a lock nobody holds.
	o = ptRun(sim.Config{}, nil, func(w *sim.World) {
		d := ptNew(w)
		w.Go("t", func(t *sim.Task) { d.spin.Unlock(t) })
	})
	ptReport(t, o, sim.KindLockdep, "bad-unlock")
}

// --- RWSem ---

func TestPrimRWSemReadersShare(t *testing.T) {
	var d *ptData
	both := false
	o := ptExact(t, sim.Config{}, "0.0.1.1.1", func(w *sim.World) {
		d = ptNew(w)
		var r0 *sim.Task
		r0 = w.Go("r0", holding(d.sem.DownRead, d.sem.UpRead))
		w.Go("r1", func(t *sim.Task) {
			d.sem.DownRead(t)
			both = d.sem.HeldBy(r0) && d.sem.HeldBy(t) && !d.sem.IsWriteLocked()
			d.sem.UpRead(t)
		})
	})
	ptClean(t, o)
	if !both {
		t.Error("a second reader did not share the rwsem with the first")
	}
}

func TestPrimRWSemWriterExcludes(t *testing.T) {
	ptExhaust(t, 100_000, func(s sim.Strategy) *sim.Outcome {
		var d *ptData
		readers, writers := 0, 0
		bad := ""
		o := ptRun(sim.Config{}, s, func(w *sim.World) {
			d = ptNew(w)
			for range 2 {
				w.Go("writer", func(t *sim.Task) {
					d.sem.DownWrite(t)
					writers++
					if writers > 1 || readers > 0 {
						bad = "writer admitted alongside another holder"
					}
					t.Write(&d.Object, "v")
					d.v++
					writers--
					d.sem.UpWrite(t)
				})
			}
			w.Go("reader", func(t *sim.Task) {
				d.sem.DownRead(t)
				readers++
				if writers > 0 {
					bad = "reader admitted alongside a writer"
				}
				t.Read(&d.Object, "v")
				readers--
				d.sem.UpRead(t)
			})
		})
		ptClean(t, o)
		if bad != "" || d.v != 2 {
			t.Fatalf("schedule %s: %s (v=%d)", o.Schedule(), bad, d.v)
		}
		return o
	})
}

// A reader that arrives while a writer waits queues behind the writer
// instead of joining the readers that hold the lock.
func TestPrimRWSemFIFOReaderBehindWriter(t *testing.T) {
	var d *ptData
	var r2HeldEarly, writeLockedEarly bool
	// start T0; T0 down_read; T0 yields to T1; T1 down_write blocks; T2
	// runs; T2 down_read blocks; T0 finishes and hands off.
	o := ptExact(t, sim.Config{}, "0.0.1.1.2.2", func(w *sim.World) {
		d = ptNew(w)
		var r2 *sim.Task
		w.Go("r0", func(t *sim.Task) {
			d.sem.DownRead(t)
			t.Yield()
			r2HeldEarly = d.sem.HeldBy(r2)
			writeLockedEarly = d.sem.IsWriteLocked()
			d.log("r0 up")
			d.sem.UpRead(t)
		})
		w.Go("w1", func(t *sim.Task) {
			d.sem.DownWrite(t)
			d.log("w1 write")
			d.sem.UpWrite(t)
		})
		r2 = w.Go("r2", func(t *sim.Task) {
			d.sem.DownRead(t)
			d.log("r2 read")
			d.sem.UpRead(t)
		})
	})
	ptClean(t, o)
	if r2HeldEarly || writeLockedEarly {
		t.Errorf("while r0 read and w1 waited: r2 holds=%v, write-locked=%v; want both false", r2HeldEarly, writeLockedEarly)
	}
	d.wantOrder(t, "r0 up", "w1 write", "r2 read")
}

// up_write hands the lock to the head waiter: no one can steal it between
// the release and the waiter running.
func TestPrimRWSemUpWriteHandsOffToHead(t *testing.T) {
	var d *ptData
	var w1Holds, r2Holds, stolen bool
	o := ptExact(t, sim.Config{}, "0.0.1.1.2.2.0", func(w *sim.World) {
		d = ptNew(w)
		var w1, r2 *sim.Task
		w.Go("w0", func(t *sim.Task) {
			d.sem.DownWrite(t)
			t.Yield()
			d.sem.UpWrite(t)
			w1Holds, r2Holds = d.sem.HeldBy(w1), d.sem.HeldBy(r2)
			stolen = d.sem.DownReadTrylock(t)
			if stolen {
				d.sem.UpRead(t)
			}
		})
		w1 = w.Go("w1", func(t *sim.Task) {
			d.sem.DownWrite(t)
			d.log("w1")
			d.sem.UpWrite(t)
		})
		r2 = w.Go("r2", func(t *sim.Task) {
			d.sem.DownRead(t)
			d.log("r2")
			d.sem.UpRead(t)
		})
	})
	ptClean(t, o)
	if !w1Holds || r2Holds {
		t.Errorf("after up_write: head writer holds=%v (want true), queued reader holds=%v (want false)", w1Holds, r2Holds)
	}
	if stolen {
		t.Error("down_read_trylock stole the lock handed off to the head waiter")
	}
	d.wantOrder(t, "w1", "r2")
}

// With a reader at the head, up_write grants every queued reader, even
// those queued behind a writer.
func TestPrimRWSemWakesAllQueuedReaders(t *testing.T) {
	var d *ptData
	var h1, h2, h3 bool
	o := ptExact(t, sim.Config{}, "0.0.1.1.2.2.3.3.1.1", func(w *sim.World) {
		d = ptNew(w)
		var r1, w2, r3 *sim.Task
		w.Go("w0", func(t *sim.Task) {
			d.sem.DownWrite(t)
			t.Yield()
			d.sem.UpWrite(t)
			h1, h2, h3 = d.sem.HeldBy(r1), d.sem.HeldBy(w2), d.sem.HeldBy(r3)
		})
		r1 = w.Go("r1", func(t *sim.Task) {
			d.sem.DownRead(t)
			d.log("r1")
			d.sem.UpRead(t)
		})
		w2 = w.Go("w2", func(t *sim.Task) {
			d.sem.DownWrite(t)
			d.log("w2")
			d.sem.UpWrite(t)
		})
		r3 = w.Go("r3", func(t *sim.Task) {
			d.sem.DownRead(t)
			d.log("r3")
			d.sem.UpRead(t)
		})
	})
	ptClean(t, o)
	if !h1 || h2 || !h3 {
		t.Errorf("after up_write: r1=%v w2=%v r3=%v, want true false true", h1, h2, h3)
	}
	d.wantOrder(t, "r1", "r3", "w2")
}

func TestPrimRWSemDowngradeWrite(t *testing.T) {
	var d *ptData
	var selfRead, r1Holds, w2Holds, writeLocked bool
	o := ptExact(t, sim.Config{}, "0.0.1.1.2.2.0", func(w *sim.World) {
		d = ptNew(w)
		var r1, w2 *sim.Task
		w.Go("w0", func(t *sim.Task) {
			d.sem.DownWrite(t)
			t.Yield()
			d.sem.DowngradeWrite(t)
			selfRead, r1Holds, w2Holds = d.sem.HeldBy(t), d.sem.HeldBy(r1), d.sem.HeldBy(w2)
			writeLocked = d.sem.IsWriteLocked()
			d.sem.LockdepAssertHeldRead(t)
			d.sem.UpRead(t)
		})
		r1 = w.Go("r1", func(t *sim.Task) {
			d.sem.DownRead(t)
			d.sem.UpRead(t)
		})
		w2 = w.Go("w2", func(t *sim.Task) {
			d.sem.DownWrite(t)
			d.sem.UpWrite(t)
		})
	})
	ptClean(t, o)
	if !selfRead || !r1Holds || w2Holds || writeLocked {
		t.Errorf("after downgrade_write: self=%v r1=%v w2=%v write-locked=%v, want true true false false",
			selfRead, r1Holds, w2Holds, writeLocked)
	}
}

func TestPrimRWSemKillable(t *testing.T) {
	type downFn func(s *sim.RWSem, t *sim.Task) int
	fns := map[string]downFn{
		"down_read_killable":  (*sim.RWSem).DownReadKillable,
		"down_write_killable": (*sim.RWSem).DownWriteKillable,
		"down_write_killable_nested": func(s *sim.RWSem, t *sim.Task) int {
			return s.DownWriteKillableNested(t, 1)
		},
	}
	cases := []struct {
		signals bool
		sched   string
		want    int
	}{
		{true, "0.0.1.1.s1", -int(sim.EINTR)},
		{true, "0.0.1.1.s0", 0},
		{false, "0.0.1.1", 0},
	}
	for name, fn := range fns {
		for _, c := range cases {
			var d *ptData
			ret := 99
			var heldAfter, freeAfter bool
			o := ptRun(sim.Config{Signals: c.signals}, ptReplay(t, c.sched), func(w *sim.World) {
				d = ptNew(w)
				var k *sim.Task
				w.Go("holder", func(t *sim.Task) {
					d.sem.DownWrite(t)
					t.Yield()
					d.sem.UpWrite(t)
					if c.want != 0 {
						heldAfter = d.sem.HeldBy(k)
						freeAfter = d.sem.DownWriteTrylock(t)
						if freeAfter {
							d.sem.UpWrite(t)
						}
					}
				})
				k = w.Go("killable", func(t *sim.Task) {
					ret = fn(&d.sem, t)
					if ret == 0 {
						if d.sem.IsWriteLocked() {
							d.sem.UpWrite(t)
						} else {
							d.sem.UpRead(t)
						}
					}
				})
			})
			ptClean(t, o)
			if ret != c.want {
				t.Errorf("%s signals=%v %s: returned %d, want %d", name, c.signals, c.sched, ret, c.want)
			}
			if ret != 0 && (heldAfter || !freeAfter) {
				t.Errorf("%s: after -EINTR the waiter holds=%v, lock free after up_write=%v", name, heldAfter, freeAfter)
			}
			if c.signals {
				last := o.Decisions[len(o.Decisions)-1]
				if last.Kind != sim.DecideSignal {
					t.Errorf("%s: last decision %+v is not the killable wait's signal decision", name, last)
				}
			}
		}
	}
}

// Plain down_read/down_write are not killable: with signals enabled a
// wait still takes no signal decision.
func TestPrimRWSemNotKillable(t *testing.T) {
	ptExact(t, sim.Config{Signals: true}, "0.0.1.1", func(w *sim.World) {
		d := ptNew(w)
		contend(w, d.sem.DownWrite, d.sem.UpWrite, d.sem.DownRead, d.sem.UpRead)
	})
}

func TestPrimRWSemTrylocks(t *testing.T) {
	// Single task: no decisions at all.
	var res []bool
	o := ptExact(t, sim.Config{}, "", func(w *sim.World) {
		d := ptNew(w)
		w.Go("t", func(t *sim.Task) {
			res = append(res, d.sem.DownReadTrylock(t))  // free: ok
			res = append(res, d.sem.DownWriteTrylock(t)) // read-held: fails
			d.sem.UpRead(t)
			res = append(res, d.sem.DownWriteTrylock(t)) // free: ok
			res = append(res, d.sem.DownReadTrylock(t))  // write-held: fails
			res = append(res, d.sem.DownWriteTrylock(t)) // write-held: fails
			d.sem.UpWrite(t)
		})
	})
	ptClean(t, o)
	if want := []bool{true, false, true, false, false}; !slices.Equal(res, want) {
		t.Errorf("trylocks %v, want %v", res, want)
	}

	// A read trylock fails while a writer is queued, even though only
	// readers hold the lock; a second reader's trylock succeeds otherwise.
	var queued, shared bool
	o = ptExact(t, sim.Config{}, "0.0.1.1.2.2", func(w *sim.World) {
		d := ptNew(w)
		w.Go("r0", holding(d.sem.DownRead, d.sem.UpRead))
		w.Go("w1", func(t *sim.Task) {
			d.sem.DownWrite(t)
			d.sem.UpWrite(t)
		})
		w.Go("r2", func(t *sim.Task) {
			queued = d.sem.DownReadTrylock(t)
			if queued {
				d.sem.UpRead(t)
			}
		})
	})
	ptClean(t, o)
	if queued {
		t.Error("down_read_trylock succeeded with a writer queued")
	}
	o = ptExact(t, sim.Config{}, "0.0.1.1.1", func(w *sim.World) {
		d := ptNew(w)
		w.Go("r0", holding(d.sem.DownRead, d.sem.UpRead))
		w.Go("r1", func(t *sim.Task) {
			shared = d.sem.DownReadTrylock(t)
			if shared {
				d.sem.UpRead(t)
			}
		})
	})
	ptClean(t, o)
	if !shared {
		t.Error("down_read_trylock failed while only a reader held the lock")
	}
}

// --- SeqCount / SeqLock ---

func TestPrimSeqCountRetry(t *testing.T) {
	// Overlapping: the reader samples, the writer runs a whole section,
	// the reader must retry.
	var retry bool
	var start uint32
	ptExact(t, sim.Config{}, "0.0.1.1.1", func(w *sim.World) {
		d := ptNew(w)
		w.Go("reader", func(t *sim.Task) {
			start = d.seq.ReadBegin(t)
			t.Yield()
			retry = d.seq.Retry(t, start)
		})
		w.Go("writer", func(t *sim.Task) {
			d.seq.WriteBegin(t)
			d.seq.WriteEnd(t)
		})
	})
	if start != 0 || !retry {
		t.Errorf("overlapping reader: start=%d retry=%v, want 0 true", start, retry)
	}

	// Not overlapping: the reader finishes before the writer starts.
	retry = true
	ptExact(t, sim.Config{}, "0.0.0.0", func(w *sim.World) {
		d := ptNew(w)
		w.Go("reader", func(t *sim.Task) {
			start = d.seq.ReadBegin(t)
			t.Yield()
			retry = d.seq.Retry(t, start)
		})
		w.Go("writer", func(t *sim.Task) {
			d.seq.WriteBegin(t)
			d.seq.WriteEnd(t)
		})
	})
	if retry {
		t.Error("a reader that did not overlap a writer was told to retry")
	}
}

func TestPrimSeqCountReadBeginWaitsWhileOdd(t *testing.T) {
	var got uint32
	ptWaitsFor(t, func(t *sim.Task, d *ptData) { d.seq.WriteBegin(t) },
		func(t *sim.Task, d *ptData) { d.seq.WriteEnd(t) },
		func(t *sim.Task, d *ptData) { got = d.seq.ReadBegin(t) })
	if got != 2 {
		t.Errorf("read_seqcount_begin returned %d, want 2", got)
	}
}

func TestPrimSeqCountRawBegin(t *testing.T) {
	var got uint32
	var retry bool
	var during uint32
	ptExact(t, sim.Config{}, "0.0.1.1.1", func(w *sim.World) {
		d := ptNew(w)
		w.Go("writer", holding(d.seq.WriteBegin, d.seq.WriteEnd))
		w.Go("reader", func(t *sim.Task) {
			during = d.seq.Sequence()
			got = d.seq.RawBegin(t)
			retry = d.seq.Retry(t, got)
		})
	})
	if during&1 == 0 {
		t.Fatalf("the reader ran outside the write section (seq %d)", during)
	}
	if got&1 != 0 || !retry {
		t.Errorf("raw_seqcount_begin during a write: got %d retry=%v, want even and true", got, retry)
	}
}

func TestPrimSeqCountInvalidate(t *testing.T) {
	var d *ptData
	var retry bool
	ptExact(t, sim.Config{}, "0.0.1.1", func(w *sim.World) {
		d = ptNew(w)
		w.Go("reader", func(t *sim.Task) {
			s := d.seq.ReadBegin(t)
			t.Yield()
			retry = d.seq.Retry(t, s)
		})
		w.Go("invalidate", func(t *sim.Task) { d.seq.Invalidate(t) })
	})
	if !retry {
		t.Error("write_seqcount_invalidate did not force a retry")
	}
	if d.seq.Sequence()&1 != 0 {
		t.Errorf("invalidate left the count odd (%d)", d.seq.Sequence())
	}
}

// A seqlock reader that does not retry sees a consistent snapshot in
// every interleaving, and some interleaving makes it retry.
func TestPrimSeqLockConsistentSnapshot(t *testing.T) {
	retried := false
	runs := ptExhaust(t, 100_000, func(s sim.Strategy) *sim.Outcome {
		var d *ptData
		torn, clean := false, 0
		o := ptRun(sim.Config{}, s, func(w *sim.World) {
			d = ptNew(w)
			w.Go("writer", func(t *sim.Task) {
				d.sl.WriteSeqLock(t)
				t.Write(&d.Object, "a")
				d.a++
				t.Write(&d.Object, "b")
				d.b++
				d.sl.WriteSeqUnlock(t)
			})
			w.Go("reader", func(t *sim.Task) {
				for {
					seq := d.sl.ReadSeqBegin(t)
					t.Read(&d.Object, "a")
					a := d.a
					t.Read(&d.Object, "b")
					b := d.b
					if !d.sl.ReadSeqRetry(t, seq) {
						torn = a != b
						clean++
						return
					}
					t.Mark("retry")
				}
			})
		})
		ptClean(t, o)
		if torn || clean != 1 || d.a != 1 || d.b != 1 {
			t.Fatalf("schedule %s: torn=%v a=%d b=%d", o.Schedule(), torn, d.a, d.b)
		}
		retried = retried || o.Marks["retry"] > 0
		return o
	})
	if !retried {
		t.Errorf("none of %d interleavings made the reader retry", runs)
	}
}

// --- wait_var_event and friends ---

// ptWaitProgram is a waiter and a waker using one of the wait/wake APIs;
// correct says whether the waker publishes the condition before waking.
func ptWaitProgram(api string, correct bool, s sim.Strategy) (*sim.Outcome, bool) {
	done := false
	o := ptRun(sim.Config{}, s, func(w *sim.World) {
		d := ptNew(w)
		obj := &d.Object
		cond := func(t *sim.Task) bool {
			t.Read(obj, "flag")
			return d.flag
		}
		publish := func(t *sim.Task) {
			t.Write(obj, "flag")
			d.flag = true
		}
		switch api {
		case "wait_var_event":
			w.Go("waiter", func(t *sim.Task) {
				sim.WaitVarEvent(t, obj, "flag", func() bool { return cond(t) })
				done = true
			})
			w.Go("waker", func(t *sim.Task) {
				if correct {
					publish(t)
					sim.WakeUpVar(t, obj, "flag")
				} else {
					sim.WakeUpVar(t, obj, "flag")
					publish(t)
				}
			})
		case "wait_on_bit":
			// The bit is "busy"; the waiter waits for it to clear.
			d.flag = true
			w.Go("waiter", func(t *sim.Task) {
				sim.WaitOnBit(t, obj, "flags", 3, func() bool {
					t.Read(obj, "flags")
					return d.flag
				})
				done = true
			})
			w.Go("waker", func(t *sim.Task) {
				clear := func() {
					t.Write(obj, "flags")
					d.flag = false
				}
				if correct {
					clear()
					sim.WakeUpBit(t, obj, "flags", 3)
				} else {
					sim.WakeUpBit(t, obj, "flags", 3)
					clear()
				}
			})
		case "wait_var_event_spinlock":
			w.Go("waiter", func(t *sim.Task) {
				d.spin.Lock(t)
				sim.WaitVarEventSpinlock(t, obj, "flag", func() bool { return cond(t) }, &d.spin)
				done = d.spin.HeldBy(t)
				d.spin.Unlock(t)
			})
			w.Go("waker", func(t *sim.Task) {
				if correct {
					d.spin.Lock(t)
					publish(t)
					sim.WakeUpVarLocked(t, obj, "flag", &d.spin)
					d.spin.Unlock(t)
				} else {
					d.spin.Lock(t)
					sim.WakeUpVarLocked(t, obj, "flag", &d.spin)
					d.spin.Unlock(t)
					publish(t) // outside the lock, after the wake
				}
			})
		}
	})
	return o, done
}

func TestPrimWaitNoLostWakeup(t *testing.T) {
	for _, api := range []string{"wait_var_event", "wait_on_bit", "wait_var_event_spinlock"} {
		t.Run(api, func(t *testing.T) {
			runs := ptExhaust(t, 100_000, func(s sim.Strategy) *sim.Outcome {
				o, done := ptWaitProgram(api, true, s)
				ptClean(t, o)
				if !done {
					t.Fatalf("schedule %s: the waiter did not return (with the lock held)", o.Schedule())
				}
				return o
			})
			// The same exploration finds the lost wake-up of a waker that
			// wakes before it publishes: the checker is not vacuous.
			lost := 0
			ptExhaust(t, 100_000, func(s sim.Strategy) *sim.Outcome {
				o, _ := ptWaitProgram(api, false, s)
				if o.Report != nil {
					if o.Report.Kind != sim.KindDeadlock {
						t.Fatalf("unexpected report:\n%s", o.Report.Format())
					}
					lost++
				}
				return o
			})
			if lost == 0 {
				t.Errorf("no interleaving of %d lost the wake-up of a wake-before-publish waker", runs)
			}
		})
	}
}

// wait_var_event_spinlock drops the lock while it sleeps (another task
// takes it meanwhile) and returns with it held.
func TestPrimWaitVarEventSpinlockDropsLock(t *testing.T) {
	var d *ptData
	var inWait, tookWhileWaiting, heldOnReturn bool
	// T0 locks, tests, queues, unlocks and sleeps; T1 then runs alone
	// until its wake makes T0 runnable at T1's unlock.
	ptExact(t, sim.Config{}, "0.0.0.0.1", func(w *sim.World) {
		d = ptNew(w)
		w.Go("waiter", func(t *sim.Task) {
			d.spin.Lock(t)
			inWait = true
			sim.WaitVarEventSpinlock(t, &d.Object, "flag", func() bool { return d.flag }, &d.spin)
			inWait = false
			heldOnReturn = d.spin.HeldBy(t)
			d.spin.LockdepAssertHeld(t)
			d.spin.Unlock(t)
		})
		w.Go("waker", func(t *sim.Task) {
			d.spin.Lock(t)
			tookWhileWaiting = inWait
			d.flag = true
			sim.WakeUpVarLocked(t, &d.Object, "flag", &d.spin)
			d.spin.Unlock(t)
		})
	})
	if !tookWhileWaiting {
		t.Error("the waker could not take the lock while the waiter slept")
	}
	if !heldOnReturn {
		t.Error("wait_var_event_spinlock returned without the lock")
	}
}

// --- Completion ---

func TestPrimCompletionWait(t *testing.T) {
	var d *ptData
	ptExact(t, sim.Config{}, "0.0", func(w *sim.World) {
		d = ptNew(w)
		w.Go("waiter", func(t *sim.Task) {
			d.comp.Wait(t)
			d.log("woken")
		})
		w.Go("completer", func(t *sim.Task) {
			t.Yield()
			d.log("complete")
			d.comp.Complete(t)
		})
	})
	d.wantOrder(t, "complete", "woken")
	if d.comp.Done() {
		t.Error("completion_done after its one completion was consumed")
	}

	// In every interleaving the waiter passes only after complete().
	ptExhaust(t, 10_000, func(s sim.Strategy) *sim.Outcome {
		completed, early := false, false
		o := ptRun(sim.Config{}, s, func(w *sim.World) {
			d := ptNew(w)
			w.Go("waiter", func(t *sim.Task) {
				d.comp.Wait(t)
				early = !completed
			})
			w.Go("completer", func(t *sim.Task) {
				t.Write(&d.Object, "state")
				completed = true
				d.comp.Complete(t)
			})
		})
		ptClean(t, o)
		if early {
			t.Fatalf("schedule %s: wait_for_completion returned before complete", o.Schedule())
		}
		return o
	})
}

func TestPrimCompletionCompleteAll(t *testing.T) {
	ptExhaust(t, 100_000, func(s sim.Strategy) *sim.Outcome {
		var d *ptData
		passed := 0
		o := ptRun(sim.Config{}, s, func(w *sim.World) {
			d = ptNew(w)
			for range 2 {
				w.Go("waiter", func(t *sim.Task) {
					d.comp.Wait(t)
					passed++
				})
			}
			w.Go("completer", func(t *sim.Task) {
				d.comp.CompleteAll(t)
				// complete_all stays done: a later wait does not block.
				d.comp.Wait(t)
				passed++
			})
		})
		ptClean(t, o)
		if passed != 3 || !d.comp.Done() {
			t.Fatalf("schedule %s: %d waiters passed, done=%v", o.Schedule(), passed, d.comp.Done())
		}
		return o
	})

	// A single complete() lets one of two waiters through: some
	// interleaving leaves the other blocked, a deadlock.
	deadlocks := 0
	ptExhaust(t, 10_000, func(s sim.Strategy) *sim.Outcome {
		o := ptRun(sim.Config{}, s, func(w *sim.World) {
			d := ptNew(w)
			for range 2 {
				w.Go("waiter", func(t *sim.Task) { d.comp.Wait(t) })
			}
			w.Go("completer", func(t *sim.Task) { d.comp.Complete(t) })
		})
		if o.Report == nil || o.Report.Kind != sim.KindDeadlock {
			t.Fatalf("schedule %s: one complete() released two waiters", o.Schedule())
		}
		deadlocks++
		return o
	})
	if deadlocks == 0 {
		t.Error("no interleavings explored")
	}
}

func TestPrimCompletionWaitKillable(t *testing.T) {
	cases := []struct {
		signals bool
		sched   string
		want    int
	}{
		{true, "0.0.s1", -int(sim.EINTR)},
		{true, "0.0.s0", 0},
		{false, "0.0", 0},
	}
	for _, c := range cases {
		ret := 99
		o := ptExact(t, sim.Config{Signals: c.signals}, c.sched, func(w *sim.World) {
			d := ptNew(w)
			w.Go("waiter", func(t *sim.Task) { ret = d.comp.WaitKillable(t) })
			w.Go("completer", func(t *sim.Task) {
				t.Yield()
				d.comp.Complete(t)
			})
		})
		if ret != c.want {
			t.Errorf("signals=%v %s: wait_for_completion_killable = %d, want %d", c.signals, c.sched, ret, c.want)
		}
		if c.signals && o.Decisions[len(o.Decisions)-1].Kind != sim.DecideSignal {
			t.Errorf("%s: the last decision is not the signal decision", c.sched)
		}
	}
}

// --- Atomics ---

func TestPrimAtomicIntOps(t *testing.T) {
	var got []int64
	var oks []bool
	ptExact(t, sim.Config{}, "", func(w *sim.World) {
		d := ptNew(w)
		d.ai.Set(5)
		w.Go("t", func(t *sim.Task) {
			got = append(got, d.ai.CmpXchg(t, 5, 7)) // succeeds: 5
			got = append(got, d.ai.CmpXchg(t, 5, 9)) // fails: 7
			got = append(got, d.ai.Load(t))          // 7
			old := int64(1)
			oks = append(oks, d.ai.TryCmpXchg(t, &old, 3)) // fails, old = 7
			got = append(got, old)
			oks = append(oks, d.ai.TryCmpXchg(t, &old, 3)) // succeeds
			got = append(got, d.ai.Add(t, -1))             // 2
			d.ai.Store(t, 11)
			got = append(got, d.ai.Value())
		})
	})
	if want := []int64{5, 7, 7, 7, 2, 11}; !slices.Equal(got, want) {
		t.Errorf("values %v, want %v", got, want)
	}
	if want := []bool{false, true}; !slices.Equal(oks, want) {
		t.Errorf("try_cmpxchg %v, want %v", oks, want)
	}
}

func TestPrimAtomicPtrOps(t *testing.T) {
	x, y, z := new(int), new(int), new(int)
	var got []*int
	var oks []bool
	ptExact(t, sim.Config{}, "", func(w *sim.World) {
		d := ptNew(w)
		d.ap.Set(x)
		w.Go("t", func(t *sim.Task) {
			got = append(got, d.ap.CmpXchg(t, x, y)) // x, now y
			got = append(got, d.ap.CmpXchg(t, x, z)) // y, unchanged
			got = append(got, d.ap.Xchg(t, z))       // y, now z
			old := x
			oks = append(oks, d.ap.TryCmpXchg(t, &old, nil)) // fails, old = z
			got = append(got, old)
			oks = append(oks, d.ap.TryCmpXchg(t, &old, nil)) // succeeds
			got = append(got, d.ap.Load(t))                  // nil
			d.ap.Store(t, x)
			got = append(got, d.ap.Value())
		})
	})
	if want := []*int{x, y, y, z, nil, x}; !slices.Equal(got, want) {
		t.Errorf("pointers %v, want %v", got, want)
	}
	if want := []bool{false, true}; !slices.Equal(oks, want) {
		t.Errorf("try_cmpxchg %v, want %v", oks, want)
	}
}

// A read-modify-write split into atomic_read + atomic_set loses an update
// in some interleaving; atomic_add and a try_cmpxchg loop never do.
func TestPrimAtomicLostUpdate(t *testing.T) {
	const tasks = 3
	run := func(kind string) (lost, runs int) {
		runs = ptExhaust(t, 100_000, func(s sim.Strategy) *sim.Outcome {
			var d *ptData
			o := ptRun(sim.Config{}, s, func(w *sim.World) {
				d = ptNew(w)
				for range tasks {
					w.Go(kind, func(t *sim.Task) {
						switch kind {
						case "load+store":
							v := d.ai.Load(t)
							d.ai.Store(t, v+1)
						case "add":
							d.ai.Add(t, 1)
						case "cmpxchg":
							old := d.ai.Load(t)
							for !d.ai.TryCmpXchg(t, &old, old+1) {
							}
						}
					})
				}
			})
			ptClean(t, o)
			if d.ai.Value() != tasks {
				lost++
			}
			return o
		})
		return lost, runs
	}
	if lost, runs := run("load+store"); lost == 0 {
		t.Errorf("load+store: none of %d interleavings lost an update", runs)
	}
	for _, kind := range []string{"add", "cmpxchg"} {
		if lost, runs := run(kind); lost != 0 {
			t.Errorf("%s: %d of %d interleavings lost an update", kind, lost, runs)
		}
	}
}

// --- Lockref ---

func TestPrimLockrefFastPaths(t *testing.T) {
	type step struct {
		what  string
		ret   int
		count int
	}
	var got []step
	ptExact(t, sim.Config{}, "", func(w *sim.World) {
		d := ptNew(w) // count 1
		lr := &d.lr
		rec := func(what string, ret int) { got = append(got, step{what, ret, lr.Count()}) }
		b := func(ok bool) int {
			if ok {
				return 1
			}
			return 0
		}
		w.Go("t", func(t *sim.Task) {
			lr.Get(t)
			rec("get", 0)                            // 2
			rec("get_not_zero", b(lr.GetNotZero(t))) // 3
			rec("get_not_dead", b(lr.GetNotDead(t))) // 4
			rec("put_return", lr.PutReturn(t))       // 3
			rec("put_or_lock", b(lr.PutOrLock(t)))   // 2, true
			rec("put_or_lock", b(lr.PutOrLock(t)))   // 1, true
			// count 1: put_or_lock refuses and returns with the lock held.
			ok := lr.PutOrLock(t)
			rec("put_or_lock refused, locked", b(!ok && lr.Lock.HeldBy(t)))
			lr.SetCount(t, 0)
			lr.Lock.Unlock(t)
			rec("put_return at 0", lr.PutReturn(t))       // -1
			rec("get_not_zero at 0", b(lr.GetNotZero(t))) // false
			rec("get_not_dead at 0", b(lr.GetNotDead(t))) // true: 1
			lr.Lock.Lock(t)
			lr.MarkDead(t)
			lr.Lock.Unlock(t)
			rec("dead", b(lr.IsDead()))
			rec("get_not_dead dead", b(lr.GetNotDead(t))) // false
			rec("get_not_zero dead", b(lr.GetNotZero(t))) // false
			rec("put_return dead", lr.PutReturn(t))       // -1
		})
	})
	want := []step{
		{"get", 0, 2},
		{"get_not_zero", 1, 3},
		{"get_not_dead", 1, 4},
		{"put_return", 3, 3},
		{"put_or_lock", 1, 2},
		{"put_or_lock", 1, 1},
		{"put_or_lock refused, locked", 1, 1},
		{"put_return at 0", -1, 0},
		{"get_not_zero at 0", 0, 0},
		{"get_not_dead at 0", 1, 1},
		{"dead", 1, -128},
		{"get_not_dead dead", 0, -128},
		{"get_not_zero dead", 0, -128},
		{"put_return dead", -1, -128},
	}
	if !slices.Equal(got, want) {
		t.Errorf("lockref steps:\n got %v\nwant %v", got, want)
	}
}

// With Lock held by another task the fast paths are refused: Get takes
// the lock (and so waits for the holder, who sees the count stable), and
// PutReturn returns -1 without touching the count.
func TestPrimLockrefSlowPath(t *testing.T) {
	ops := []struct {
		name   string
		sched  string
		op     func(lr *sim.Lockref, t *sim.Task) int
		ret    int
		count  int // at the end; the count starts at 1
		locked bool
	}{
		{"get", "0.0.1.1.1", func(lr *sim.Lockref, t *sim.Task) int { lr.Get(t); return 0 }, 0, 2, true},
		{"get_not_zero", "0.0.1.1.1", func(lr *sim.Lockref, t *sim.Task) int { return ptB2I(lr.GetNotZero(t)) }, 1, 2, true},
		{"get_not_dead", "0.0.1.1.1", func(lr *sim.Lockref, t *sim.Task) int { return ptB2I(lr.GetNotDead(t)) }, 1, 2, true},
		{"put_return", "0.0.1.1", func(lr *sim.Lockref, t *sim.Task) int { return lr.PutReturn(t) }, -1, 1, false},
	}
	for _, c := range ops {
		var d *ptData
		ret := 99
		var stable bool
		o := ptExact(t, sim.Config{Trace: sim.TraceCompact}, c.sched, func(w *sim.World) {
			d = ptNew(w)
			w.Go("holder", func(t *sim.Task) {
				d.lr.Lock.Lock(t)
				before := d.lr.Count()
				t.Yield()
				stable = d.lr.Count() == before
				d.lr.Lock.Unlock(t)
			})
			w.Go("op", func(t *sim.Task) { ret = c.op(&d.lr, t) })
		})
		if ret != c.ret || d.lr.Count() != c.count || !stable {
			t.Errorf("%s against a held lock: ret=%d count=%d stable=%v, want %d %d true",
				c.name, ret, d.lr.Count(), stable, c.ret, c.count)
		}
		took := slices.ContainsFunc(o.Trace, func(s sim.Step) bool { return s.Task == 1 && s.Op == sim.OpSpinLock })
		if took != c.locked {
			t.Errorf("%s: the op took spin_lock=%v, want %v", c.name, took, c.locked)
		}
	}

	// get_not_dead waiting on the lock while the holder marks it dead fails.
	var ok = true
	var d *ptData
	ptExact(t, sim.Config{}, "0.0.1.1.1", func(w *sim.World) {
		d = ptNew(w)
		w.Go("killer", func(t *sim.Task) {
			d.lr.Lock.Lock(t)
			t.Yield()
			d.lr.MarkDead(t)
			d.lr.Lock.Unlock(t)
		})
		w.Go("getter", func(t *sim.Task) { ok = d.lr.GetNotDead(t) })
	})
	if ok || !d.lr.IsDead() {
		t.Errorf("get_not_dead after lockref_mark_dead: %v (dead=%v), want false", ok, d.lr.IsDead())
	}
}

func TestPrimLockrefMarkDeadNeedsLock(t *testing.T) {
	o := ptRun(sim.Config{}, nil, func(w *sim.World) {
		d := ptNew(w)
		w.Go("t", func(t *sim.Task) { d.lr.MarkDead(t) })
	})
	ptReport(t, o, sim.KindBug, "BUG_ON")
}

// --- Faults and choices ---

func TestPrimFault(t *testing.T) {
	prog := func(res *[]bool) func(w *sim.World) {
		return func(w *sim.World) {
			w.Go("t", func(t *sim.Task) {
				*res = append(*res, t.Fault("kmalloc"), t.Fault("kmalloc"))
			})
		}
	}
	var res []bool
	o := ptRun(sim.Config{}, sim.NewRandom(1), prog(&res))
	ptClean(t, o)
	if len(o.Decisions) != 0 || !slices.Equal(res, []bool{false, false}) {
		t.Errorf("without Config.Faults: %v, %d decisions; want never failing and no decisions", res, len(o.Decisions))
	}

	res = nil
	o = ptExact(t, sim.Config{Faults: true}, "f0.f1", prog(&res))
	if !slices.Equal(res, []bool{false, true}) {
		t.Errorf("with Config.Faults and f0.f1: %v", res)
	}
	if got := o.Schedule().String(); got != "v2:pt:faults:00000000:f0.f1" {
		t.Errorf("schedule %q, want v2:pt:faults:00000000:f0.f1", got)
	}
	for _, d := range o.Decisions {
		if d.Kind != sim.DecideFault || d.N != 2 {
			t.Errorf("decision %+v is not a two-way fault decision", d)
		}
	}

	// A fault schedule given to a run without faults does not fit.
	o = ptRun(sim.Config{}, ptReplay(t, "f1"), prog(&res))
	if o.Err == nil {
		t.Error("a fault decision replayed into a run without faults was accepted")
	}
}

func TestPrimChoose(t *testing.T) {
	prog := func(res *[]int) func(w *sim.World) {
		return func(w *sim.World) {
			w.Go("t", func(t *sim.Task) {
				*res = append(*res, t.Choose("one", 1), t.Choose("reply", 3), t.Choose("reply", 5))
			})
		}
	}
	var res []int
	o := ptExact(t, sim.Config{}, "c2.c4", prog(&res))
	if !slices.Equal(res, []int{0, 2, 4}) {
		t.Errorf("choices %v, want [0 2 4]", res)
	}
	if o.Decisions[0].Kind != sim.DecideChoice || o.Decisions[0].N != 3 || o.Decisions[1].N != 5 {
		t.Errorf("decisions %+v", o.Decisions)
	}

	// Random choices are logged and replay exactly.
	for seed := range uint64(20) {
		var first, again []int
		o := ptRun(sim.Config{}, sim.NewRandom(seed), prog(&first))
		ptClean(t, o)
		r := ptRun(sim.Config{}, sim.NewPrefixReplay(o.Schedule()), prog(&again))
		ptClean(t, r)
		if !slices.Equal(first, again) || r.Hash != o.Hash {
			t.Fatalf("seed %d: choices %v replayed as %v", seed, first, again)
		}
	}

	// An out-of-range choice does not fit.
	o = ptRun(sim.Config{}, ptReplay(t, "c3"), prog(&res))
	if o.Err == nil || !strings.Contains(o.Err.Error(), "does not fit") {
		t.Errorf("choice 3 of 3 replayed: err %v", o.Err)
	}
}
