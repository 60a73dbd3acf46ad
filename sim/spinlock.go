package sim

// SpinLock is spinlock_t (raw_spinlock_t, or a bit spinlock, when its
// class is Raw). Contention is modeled as blocking until the holder
// unlocks; taking it raises the preempt count, which makes the holder an
// RCU reader and forbids sleeping. Under PREEMPT_RT a spinlock_t is a
// sleeping lock instead (preempt_rt.go).
//
// Divergence: a spinning CPU is modeled as a blocked task, so a spin that
// can never end shows up as a deadlock rather than as a livelock.
type SpinLock struct {
	lockMeta
	holder *Task
	q      WaitQueue
}

// Init ties the lock to its object and lockdep class (spin_lock_init).
func (l *SpinLock) Init(o *Object, field string, c *LockClass) {
	if c == nil {
		panic("sim: SpinLock.Init needs a lock class")
	}
	l.init(o, field, c)
}

func (l *SpinLock) holders() []*Task {
	if l.holder == nil {
		return nil
	}
	return []*Task{l.holder}
}

func (l *SpinLock) String() string { return "spin_lock(" + l.lockMeta.String() + ")" }

// Lock is spin_lock.
func (l *SpinLock) Lock(t *Task) { l.LockNested(t, 0) }

// LockNested is spin_lock_nested with a lockdep subclass.
func (l *SpinLock) LockNested(t *Task, subclass int) {
	t.point(OpSpinLock, l.id, l.obj, l.field, AccAcquire)
	if l.sleeping(t) {
		t.rtlockMightResched(l)
	}
	t.lockAcquire(&l.lockMeta, subclass, lockExclusive, false)
	if l.holder != nil {
		for l.holder != nil {
			l.q.add(t)
			t.blockOn(l)
		}
		t.unblocked(opAcquires, l)
	}
	l.holder = t
	l.spinAcquired(t)
}

// TryLock is spin_trylock.
func (l *SpinLock) TryLock(t *Task) bool {
	t.point(opSpinTrylock, l.id, l.obj, l.field, AccAcquire)
	if l.holder != nil {
		return false
	}
	t.lockAcquire(&l.lockMeta, 0, lockExclusive, true)
	l.holder = t
	l.spinAcquired(t)
	return true
}

// Unlock is spin_unlock.
func (l *SpinLock) Unlock(t *Task) {
	t.point(opSpinUnlock, l.id, l.obj, l.field, AccRelease)
	if l.holder != t {
		t.lockRelease(&l.lockMeta) // reports the imbalance
		return
	}
	t.lockRelease(&l.lockMeta)
	l.holder = nil
	l.q.wakeAll(t.w)
	l.spinReleased(t)
}

// IsLocked is spin_is_locked.
func (l *SpinLock) IsLocked() bool { return l.holder != nil }

// HeldBy reports whether t holds the lock.
func (l *SpinLock) HeldBy(t *Task) bool { return l.holder == t }

// LockdepAssertHeld is lockdep_assert_held(lock).
func (l *SpinLock) LockdepAssertHeld(t *Task) { t.assertHeld(&l.lockMeta, -1, "lockdep_assert_held") }

// AssertSpinLocked is assert_spin_locked: held by anyone.
func (l *SpinLock) AssertSpinLocked(t *Task) {
	if l.holder == nil {
		t.BugOn(true, "!spin_is_locked("+l.lockMeta.String()+")")
	}
}

// LockdepReacquire re-annotates a spinlock the task holds, as the
// lockdep-only pair spin_release(&l->dep_map) and spin_acquire(&l->dep_map,
// subclass, trylock, ip) does: d_walk uses it when the child it locked
// nested becomes the parent of the next level. The lock stays held; only
// lockdep's record of it changes, so this is no scheduling point.
func (l *SpinLock) LockdepReacquire(t *Task, subclass int, trylock bool) {
	if l.holder != t {
		t.lockRelease(&l.lockMeta) // reports the imbalance
		return
	}
	t.lockRelease(&l.lockMeta)
	t.lockAcquire(&l.lockMeta, subclass, lockExclusive, trylock)
}

// LockdepAssertPreemptionDisabled is lockdep_assert_preemption_disabled:
// the task must be in an atomic section (holding a spinlock that disables
// preemption, or after preempt_disable).
func (t *Task) LockdepAssertPreemptionDisabled(what string) {
	if t.preempt == 0 {
		t.w.raise(t, &Report{Kind: KindLockdep, Rule: "assert-preemption-disabled",
			Title:   "lockdep_assert_preemption_disabled() failed in " + what,
			Message: t.heldString()})
	}
}
