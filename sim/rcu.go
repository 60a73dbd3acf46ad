package sim

import "fmt"

// RCU model. A task is an RCU reader while it is inside rcu_read_lock or
// holds a spinlock (preemption disabled: since the RCU flavours were
// consolidated, such regions also hold off grace periods). A callback
// queued with call_rcu at step s runs once no reader that began at or
// before s is still inside its section; synchronize_rcu waits the same way.
//
// Divergence: callbacks run as soon as their grace period is over, in the
// context of the task whose unlock ended it. The kernel may run them later;
// running them as early as allowed is what exposes use-after-free.
type rcuState struct {
	pending []rcuCallback
	syncQ   WaitQueue
	busy    bool
	obj     Object
}

type rcuCallback struct {
	o    *Object
	fn   func(t *Task)
	step int64
	task int
}

func (t *Task) inRCUReader() bool { return t.rcuDepth > 0 || t.preempt+t.rtLocks > 0 }

// readerSince is the step at which the task's current reader section
// began (math.MaxInt64 if it is not a reader).
func (t *Task) readerSince() int64 {
	s := int64(1<<63 - 1)
	if t.rcuDepth > 0 {
		s = t.rcuStart
	}
	if t.preempt+t.rtLocks > 0 && t.preemptStart < s {
		s = t.preemptStart
	}
	return s
}

// gpOver reports whether every reader that began at or before step has
// left its section.
func (w *World) gpOver(step int64) bool {
	for _, u := range w.tasks {
		if u.state != taskDone && u.readerSince() <= step {
			return false
		}
	}
	return true
}

func (w *World) rcuObj() *Object {
	if w.rcu.obj.w == nil {
		w.NewStatic(&w.rcu.obj, "rcu")
	}
	return &w.rcu.obj
}

// RCUReadLock is rcu_read_lock.
func RCUReadLock(t *Task) {
	o := t.w.rcuObj()
	t.point(opRCULock, o.id, o, "", AccRead)
	if t.rcuDepth == 0 {
		// Under a spinlock the task is already a reader: the section
		// goes on from when preemption was disabled.
		if t.preempt+t.rtLocks > 0 {
			t.rcuStart = t.preemptStart
		} else {
			t.rcuStart = t.w.step
		}
	}
	t.rcuDepth++
}

// RCUReadUnlock is rcu_read_unlock.
func RCUReadUnlock(t *Task) {
	o := t.w.rcuObj()
	t.point(opRCUUnlock, o.id, o, "", AccRead)
	if t.rcuDepth == 0 {
		t.w.raise(t, &Report{Kind: KindLockdep, Rule: "rcu-unbalanced", Title: "rcu_read_unlock without rcu_read_lock"})
		return
	}
	t.rcuDepth--
	if t.rcuDepth == 0 && t.preempt+t.rtLocks == 0 {
		t.w.rcuReaderExit(t)
	}
}

// RCUReadLockHeld is rcu_read_lock_held (any reader section, including
// preemption disabled by a spinlock).
func RCUReadLockHeld(t *Task) bool { return t.inRCUReader() }

// CallRCU is call_rcu: fn runs after a grace period, and o (if not nil)
// is reclaimed after fn. Accessing o before then is allowed only from a
// reader section that began before the call.
func CallRCU(t *Task, o *Object, fn func(t *Task)) {
	ro := t.w.rcuObj()
	t.point(opCallRCU, ro.id, o, "", AccWrite)
	if o != nil {
		if !t.w.checkFreeable(t, o) {
			return
		}
		o.state = objRCUPending
		o.freeStep, o.freeTask = t.w.step, t.id
		t.w.noteSite(o, false)
	}
	t.w.rcu.pending = append(t.w.rcu.pending, rcuCallback{o: o, fn: fn, step: t.w.step, task: t.id})
	t.w.rcuRunReady(t)
}

// KFreeRCU is kfree_rcu: reclaim o after a grace period.
func KFreeRCU(t *Task, o *Object) { CallRCU(t, o, nil) }

// SynchronizeRCU is synchronize_rcu: wait until every reader that began
// before the call has finished.
func SynchronizeRCU(t *Task) {
	t.MightSleep("synchronize_rcu")
	o := t.w.rcuObj()
	t.point(opSyncRCU, o.id, o, "", AccWrite)
	target := t.w.step
	if !t.w.gpOver(target) {
		for !t.w.gpOver(target) {
			t.w.rcu.syncQ.add(t)
			t.blockOn(rcuWait{t.w, target})
		}
		t.unblocked(opWakes, rcuWait{t.w, target})
	}
}

type rcuWait struct {
	w    *World
	step int64
}

func (r rcuWait) holders() []*Task {
	var hs []*Task
	for _, u := range r.w.tasks {
		if u.state != taskDone && u.readerSince() <= r.step {
			hs = append(hs, u)
		}
	}
	return hs
}

func (r rcuWait) String() string {
	return fmt.Sprintf("synchronize_rcu (grace period from step %d)", r.step)
}

func (w *World) rcuReaderExit(t *Task) {
	w.rcu.syncQ.wakeAll(w) // waiters recheck their grace period
	w.rcuRunReady(t)
}

// rcuRunReady runs, in order, the callbacks whose grace period is over.
func (w *World) rcuRunReady(t *Task) {
	if w.rcu.busy {
		return
	}
	w.rcu.busy = true
	defer func() { w.rcu.busy = false }()
	for i := 0; i < len(w.rcu.pending); {
		cb := w.rcu.pending[i]
		if !w.gpOver(cb.step) {
			i++
			continue
		}
		w.rcu.pending = append(w.rcu.pending[:i], w.rcu.pending[i+1:]...)
		if w.cfg.Trace != TraceOff {
			w.record(t, opRCUFree, objIDOf(cb.o), cb.o, "", AccWrite, "")
			if w.cfg.Trace == TraceFull {
				w.trace[len(w.trace)-1].Event = true // takes no step number
			}
		}
		if cb.fn != nil {
			t.inRCUCallback = true
			cb.fn(t)
			t.inRCUCallback = false
		}
		if cb.o != nil {
			cb.o.state = objFreed
		}
	}
}

func objIDOf(o *Object) ObjID {
	if o == nil {
		return 0
	}
	return o.id
}
