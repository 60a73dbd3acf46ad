package sim

import (
	"fmt"
	"slices"
	"strings"
)

// WaitQueue is a FIFO of blocked tasks (wait_queue_head_t).
type WaitQueue struct {
	waiters []*Task
}

func (q *WaitQueue) add(t *Task) {
	if !slices.Contains(q.waiters, t) {
		if q.waiters == nil {
			q.waiters = t.w.waiterBuf()
		}
		q.waiters = append(q.waiters, t)
	}
}

// waiterBuf hands out an empty waiter list for a queue's first waiter.
// The lists are carved from a slab the World keeps across runs: the
// queues of a run's objects die with the run.
func (w *World) waiterBuf() []*Task {
	const per = 4
	if len(w.waiterSlab)+per > cap(w.waiterSlab) {
		if w.waiterSlabs < len(w.waiterSlabsKept) {
			w.waiterSlab = w.waiterSlabsKept[w.waiterSlabs][:0]
		} else {
			w.waiterSlab = make([]*Task, 0, 64*per)
			w.waiterSlabsKept = append(w.waiterSlabsKept, w.waiterSlab)
		}
		w.waiterSlabs++
	}
	n := len(w.waiterSlab)
	w.waiterSlab = w.waiterSlab[:n+per]
	return w.waiterSlab[n : n : n+per]
}

func (q *WaitQueue) remove(t *Task) {
	if i := slices.Index(q.waiters, t); i >= 0 {
		q.waiters = slices.Delete(q.waiters, i, i+1)
	}
}

// wakeAll makes every waiter runnable and empties the queue.
func (q *WaitQueue) wakeAll(w *World) {
	for _, t := range q.waiters {
		w.wake(t)
	}
	q.waiters = q.waiters[:0]
}

// Active is waitqueue_active.
func (q *WaitQueue) Active() bool { return len(q.waiters) > 0 }

// holderSet says who a blocked task waits for, for the wait-for graph.
type holderSet interface {
	holders() []*Task
	String() string
}

// blockOn parks t until it is woken; h names what it waits for. A full
// trace shows the task blocking (and whom it waits for); the primitive
// shows, with unblocked, when the task got what it waited for.
func (t *Task) blockOn(h holderSet) {
	if t.blockStart == 0 {
		t.blockStart = t.w.step
	}
	if t.w.cfg.Trace == TraceFull {
		note := ""
		if hs := h.holders(); len(hs) > 0 {
			names := make([]string, len(hs))
			for i, u := range hs {
				names[i] = u.String()
			}
			note = "held by " + strings.Join(names, ", ")
		}
		t.w.event(t, opBlocks, nil, h.String(), note)
	}
	t.waitOn = h
	t.block()
	t.waitOn = nil
}

// unblocked ends a wait that blocked: op is opAcquires for a lock,
// opWakes for a wait.
func (t *Task) unblocked(op Op, h holderSet) {
	if t.w.cfg.Trace == TraceCompact {
		t.w.noteAcquired(t, op, h)
	}
	if t.w.cfg.Trace == TraceFull {
		t.w.event(t, op, nil, h.String(), fmt.Sprintf("blocked since step %d", t.blockStart))
	}
	t.blockStart = 0
}

func (w *World) deadlock(t *Task) {
	var b strings.Builder
	b.WriteString("no task can run; wait-for graph:\n")
	for _, u := range w.tasks {
		if u.state != taskBlocked {
			continue
		}
		fmt.Fprintf(&b, "  %s waits for %s", u, u.waitWhat())
		if u.waitOn != nil {
			if hs := u.waitOn.holders(); len(hs) > 0 {
				names := make([]string, len(hs))
				for i, h := range hs {
					names[i] = h.String()
				}
				fmt.Fprintf(&b, ", held by %s", strings.Join(names, ", "))
			}
		}
		if u.daemon {
			b.WriteString(" (daemon)")
		}
		b.WriteByte('\n')
		for _, h := range w.wakerHints(u) {
			b.WriteString(indent("wake-up: " + h))
		}
		if len(u.held) > 0 {
			b.WriteString(indent(u.heldString()))
		}
	}
	if c := w.waitCycle(); c != "" {
		b.WriteString("cycle: " + c + "\n")
	}
	w.raise(t, &Report{Kind: KindDeadlock, Rule: "deadlock", Title: "deadlock: every unfinished task is blocked", Message: b.String()})
}

// waitCycle follows first holders from each blocked task to find a cycle.
func (w *World) waitCycle() string {
	for _, start := range w.tasks {
		seen := map[*Task]int{}
		var path []*Task
		for u := start; u != nil && u.state == taskBlocked && u.waitOn != nil; {
			if i, ok := seen[u]; ok {
				var parts []string
				for _, p := range path[i:] {
					parts = append(parts, fmt.Sprintf("T%d", p.id))
				}
				return strings.Join(append(parts, fmt.Sprintf("T%d", u.id)), " -> ")
			}
			seen[u] = len(path)
			path = append(path, u)
			hs := u.waitOn.holders()
			if len(hs) == 0 {
				break
			}
			u = hs[0]
		}
	}
	return ""
}

// varKey identifies a variable waited on with wait_var_event or
// wait_on_bit: the kernel hashes its address; here it is the object, the
// field and the bit (-1 for a whole variable).
type varKey struct {
	o     *Object
	field string
	bit   int
}

func (k varKey) String() string {
	s := k.o.String() + "." + k.field
	if k.bit >= 0 {
		s += fmt.Sprintf(" bit %d", k.bit)
	}
	return s
}

type varWait struct {
	key varKey
	fn  string
}

func (v varWait) holders() []*Task { return nil }
func (v varWait) String() string   { return v.fn + "(" + v.key.String() + ")" }

func (w *World) varQueue(k varKey) *WaitQueue {
	if w.waitVars == nil {
		w.waitVars = map[varKey]*WaitQueue{}
	}
	q := w.waitVars[k]
	if q == nil {
		q = &WaitQueue{}
		w.waitVars[k] = q
	}
	return q
}

// waitEvent is the kernel's ___wait_event loop: queue, test, sleep unless
// woken since queueing. A wake between the test and the sleep is never
// lost, exactly as with prepare_to_wait_event/schedule.
func (t *Task) waitEvent(q *WaitQueue, what holderSet, cond func() bool, beforeSleep, afterSleep func()) {
	slept := false
	for {
		t.woken = false
		q.add(t)
		if cond() {
			q.remove(t)
			if slept {
				t.unblocked(opWakes, what)
			}
			return
		}
		if beforeSleep != nil {
			beforeSleep()
		}
		if !t.woken {
			t.MightSleep("schedule")
			t.blockOn(what)
			slept = true
		}
		q.remove(t)
		if afterSleep != nil {
			afterSleep()
		}
	}
}

// WaitVarEvent is wait_var_event(&o->field, cond): sleep until cond holds.
// cond is model code and should read shared state through Task.Read (or
// primitives) so that its reads are scheduling points.
func WaitVarEvent(t *Task, o *Object, field string, cond func() bool) {
	t.MightSleep("wait_var_event")
	if cond() {
		return
	}
	k := varKey{o, field, -1}
	t.point(opWait, o.id, o, field, AccRead)
	t.waitEvent(t.w.varQueue(k), varWait{k, "wait_var_event"}, cond, nil, nil)
}

// WaitVarEventSpinlock is wait_var_event_spinlock(&o->field, cond, lock):
// cond is tested with lock held; the lock is dropped while sleeping and
// held again on return.
func WaitVarEventSpinlock(t *Task, o *Object, field string, cond func() bool, lock *SpinLock) {
	if cond() {
		return
	}
	k := varKey{o, field, -1}
	t.point(opWait, o.id, o, field, AccRead)
	t.waitEvent(t.w.varQueue(k), varWait{k, "wait_var_event_spinlock"}, cond,
		func() { lock.Unlock(t) }, func() { lock.Lock(t) })
}

// WakeUpVar is wake_up_var(&o->field).
func WakeUpVar(t *Task, o *Object, field string) {
	t.point(opWake, o.id, o, field, AccWrite)
	if q := t.w.waitVars[varKey{o, field, -1}]; q != nil {
		q.wakeAll(t.w)
	}
}

// WakeUpVarLocked is wake_up_var_locked(&o->field, lock): the waker holds
// the lock the waiters test their condition under.
func WakeUpVarLocked(t *Task, o *Object, field string, lock *SpinLock) {
	lock.LockdepAssertHeld(t)
	WakeUpVar(t, o, field)
}

// WaitOnBit is wait_on_bit(&o->field, bit): sleep while test() (the bit is
// set) holds.
func WaitOnBit(t *Task, o *Object, field string, bit int, test func() bool) {
	t.MightSleep("wait_on_bit")
	t.point(opWait, o.id, o, field, AccRead)
	k := varKey{o, field, bit}
	t.waitEvent(t.w.varQueue(k), varWait{k, "wait_on_bit"}, func() bool { return !test() }, nil, nil)
}

// WakeUpBit is wake_up_bit(&o->field, bit).
func WakeUpBit(t *Task, o *Object, field string, bit int) {
	t.point(opWake, o.id, o, field, AccWrite)
	if q := t.w.waitVars[varKey{o, field, bit}]; q != nil {
		q.wakeAll(t.w)
	}
}
