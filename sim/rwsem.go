package sim

import (
	"fmt"
	"slices"
)

// RWSem is struct rw_semaphore: sleeping, writer-exclusive, with a FIFO of
// waiters. A reader does not overtake a queued writer, which is what makes
// taking it for read twice a deadlock risk (lockdep's non-recursive read).
// A release hands the lock to the head of the queue; when the head is a
// reader, every queued reader is granted, as rwsem_mark_wake does.
//
// Divergence: optimistic spinning and reader lock stealing are not
// modeled; they change timing, not which orders can deadlock.
type RWSem struct {
	lockMeta
	writer  *Task
	readers []*Task
	waiters []*rwWaiter
}

type rwWaiter struct {
	t       *Task
	write   bool
	granted bool
}

// Init is init_rwsem with a lockdep class.
func (s *RWSem) Init(o *Object, field string, c *LockClass) {
	if c == nil {
		panic("sim: RWSem.Init needs a lock class")
	}
	s.init(o, field, c)
}

func (s *RWSem) holders() []*Task {
	if s.writer != nil {
		return []*Task{s.writer}
	}
	return slices.Clone(s.readers)
}

func (s *RWSem) String() string { return "rwsem(" + s.lockMeta.String() + ")" }

// DownRead is down_read.
func (s *RWSem) DownRead(t *Task) { s.down(t, 0, false, false) }

// DownReadNested is down_read_nested.
func (s *RWSem) DownReadNested(t *Task, subclass int) { s.down(t, subclass, false, false) }

// DownReadKillable is down_read_killable: 0, or -EINTR if a fatal signal
// arrives while waiting.
func (s *RWSem) DownReadKillable(t *Task) int { return s.down(t, 0, false, true) }

// DownWrite is down_write.
func (s *RWSem) DownWrite(t *Task) { s.down(t, 0, true, false) }

// DownWriteNested is down_write_nested.
func (s *RWSem) DownWriteNested(t *Task, subclass int) { s.down(t, subclass, true, false) }

// DownWriteKillable is down_write_killable.
func (s *RWSem) DownWriteKillable(t *Task) int { return s.down(t, 0, true, true) }

// DownWriteKillableNested is down_write_killable_nested.
func (s *RWSem) DownWriteKillableNested(t *Task, subclass int) int {
	return s.down(t, subclass, true, true)
}

func (s *RWSem) down(t *Task, sub int, write, killable bool) int {
	op, read := opDownRead, int8(lockShared)
	if write {
		op, read = opDownWrite, lockExclusive
	}
	t.MightSleep(op.String())
	t.point(op, s.id, s.obj, s.field, AccAcquire)
	t.lockAcquire(&s.lockMeta, sub, read, false)
	if len(s.waiters) == 0 && s.free(write) {
		s.grant(t, write)
		return 0
	}
	wt := &rwWaiter{t: t, write: write}
	s.waiters = append(s.waiters, wt)
	for !wt.granted {
		if killable && t.signalArrives(op.String()+"_killable") {
			s.waiters = slices.DeleteFunc(s.waiters, func(x *rwWaiter) bool { return x == wt })
			t.lockRelease(&s.lockMeta)
			s.wakeWaiters()
			t.blockStart = 0
			return -int(EINTR)
		}
		t.blockOn(s)
	}
	t.unblocked(opAcquires, s)
	return 0
}

func (s *RWSem) free(write bool) bool {
	if write {
		return s.writer == nil && len(s.readers) == 0
	}
	return s.writer == nil
}

func (s *RWSem) grant(t *Task, write bool) {
	if write {
		s.writer = t
	} else {
		s.readers = append(s.readers, t)
	}
}

// wakeWaiters hands the lock to the head of the queue (and, for a reader
// head, to every queued reader).
func (s *RWSem) wakeWaiters() {
	if len(s.waiters) == 0 {
		return
	}
	w := s.waiters[0].t.w
	if s.waiters[0].write {
		if s.free(true) {
			wt := s.waiters[0]
			s.waiters = s.waiters[1:]
			wt.granted = true
			s.grant(wt.t, true)
			w.wake(wt.t)
		}
		return
	}
	if s.writer != nil {
		return
	}
	rest := s.waiters[:0:0]
	for _, wt := range s.waiters {
		if wt.write {
			rest = append(rest, wt)
			continue
		}
		wt.granted = true
		s.grant(wt.t, false)
		w.wake(wt.t)
	}
	s.waiters = rest
}

// DownReadTrylock is down_read_trylock: 1 on success.
func (s *RWSem) DownReadTrylock(t *Task) bool {
	t.point(opDownReadTry, s.id, s.obj, s.field, AccAcquire)
	if len(s.waiters) > 0 || !s.free(false) {
		return false
	}
	t.lockAcquire(&s.lockMeta, 0, lockShared, true)
	s.grant(t, false)
	return true
}

// DownWriteTrylock is down_write_trylock.
func (s *RWSem) DownWriteTrylock(t *Task) bool {
	t.point(opDownWriteTry, s.id, s.obj, s.field, AccAcquire)
	if !s.free(true) {
		return false
	}
	t.lockAcquire(&s.lockMeta, 0, lockExclusive, true)
	s.grant(t, true)
	return true
}

// UpRead is up_read.
func (s *RWSem) UpRead(t *Task) {
	t.point(opUpRead, s.id, s.obj, s.field, AccRelease)
	i := slices.Index(s.readers, t)
	if i < 0 {
		s.unbalanced(t, "up_read")
		return
	}
	t.lockRelease(&s.lockMeta)
	s.readers = slices.Delete(s.readers, i, i+1)
	if len(s.readers) == 0 {
		s.wakeWaiters()
	}
}

// UpWrite is up_write.
func (s *RWSem) UpWrite(t *Task) {
	t.point(opUpWrite, s.id, s.obj, s.field, AccRelease)
	if s.writer != t {
		s.unbalanced(t, "up_write")
		return
	}
	t.lockRelease(&s.lockMeta)
	s.writer = nil
	s.wakeWaiters()
}

// DowngradeWrite is downgrade_write: the writer becomes a reader and
// queued readers may join it.
func (s *RWSem) DowngradeWrite(t *Task) {
	t.point(opDowngrade, s.id, s.obj, s.field, AccRelease)
	if s.writer != t {
		s.unbalanced(t, "downgrade_write")
		return
	}
	if h := t.holds(&s.lockMeta); h != nil {
		h.read = lockShared
	}
	s.writer = nil
	s.readers = append(s.readers, t)
	s.wakeWaiters()
}

func (s *RWSem) unbalanced(t *Task, op string) {
	state := "not held"
	switch {
	case s.writer == t:
		state = "held for write by this task"
	case slices.Contains(s.readers, t):
		state = "held for read by this task"
	case s.writer != nil:
		state = "held for write by " + s.writer.String()
	case len(s.readers) > 0:
		state = fmt.Sprintf("held for read by %d other task(s)", len(s.readers))
	}
	t.w.raise(t, &Report{Kind: KindLockdep, Rule: "unbalanced-" + op,
		Title:   fmt.Sprintf("bad unlock balance: %s(%s) while %s", op, s.lockMeta.String(), state),
		Message: t.heldString()})
}

// IsLocked is rwsem_is_locked.
func (s *RWSem) IsLocked() bool { return s.writer != nil || len(s.readers) > 0 }

// IsWriteLocked reports a writer holds it (inode_is_locked exclusive).
func (s *RWSem) IsWriteLocked() bool { return s.writer != nil }

// HeldBy reports whether t holds it in any mode.
func (s *RWSem) HeldBy(t *Task) bool { return s.writer == t || slices.Contains(s.readers, t) }

// LockdepAssertHeld is lockdep_assert_held.
func (s *RWSem) LockdepAssertHeld(t *Task) { t.assertHeld(&s.lockMeta, -1, "lockdep_assert_held") }

// LockdepAssertHeldWrite is lockdep_assert_held_write.
func (s *RWSem) LockdepAssertHeldWrite(t *Task) {
	t.assertHeld(&s.lockMeta, 0, "lockdep_assert_held_write")
}

// LockdepAssertHeldRead is lockdep_assert_held_read.
func (s *RWSem) LockdepAssertHeldRead(t *Task) {
	t.assertHeld(&s.lockMeta, 1, "lockdep_assert_held_read")
}
