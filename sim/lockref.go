package sim

import "fmt"

// Lockref is struct lockref: a spinlock and a count updated together. Its
// lockless fast paths (CMPXCHG_LOOP in lib/lockref.c) only work while the
// lock is free; otherwise each operation falls back to taking the lock, so
// a holder of Lock sees the count stable, as in the kernel.
//
// Divergence: the kernel's fast path is one cmpxchg on the combined
// lock+count word; here it is one step that checks the lock and updates the
// count, which is the same atomicity.
type Lockref struct {
	Lock  SpinLock
	count int
}

// deadCount is the value lockref_mark_dead stores.
const deadCount = -128

// Init initialises the lock (spin_lock_init) with the count at n.
func (l *Lockref) Init(o *Object, field string, c *LockClass, n int) {
	l.Lock.Init(o, field, c)
	l.count = n
}

func (l *Lockref) fast(t *Task, what string) bool {
	t.point(opLockref, l.Lock.id, l.Lock.obj, l.Lock.field, AccWrite)
	if t.Tracing() { // the arguments would be boxed even untraced
		t.Annotate("%s count=%d", what, l.count)
	}
	return l.Lock.holder == nil
}

// Count is d_count / lockref count read under the lock (or racily).
func (l *Lockref) Count() int { return l.count }

// SetCount stores the count; the caller holds Lock (dget_dlock and
// friends do this directly in C).
func (l *Lockref) SetCount(t *Task, n int) {
	l.Lock.LockdepAssertHeld(t)
	l.count = n
}

// Get is lockref_get.
func (l *Lockref) Get(t *Task) {
	if l.fast(t, "lockref_get") {
		l.count++
		return
	}
	l.Lock.Lock(t)
	l.count++
	l.Lock.Unlock(t)
}

// GetNotZero is lockref_get_not_zero.
func (l *Lockref) GetNotZero(t *Task) bool {
	if l.fast(t, "lockref_get_not_zero") {
		if l.count <= 0 {
			return false
		}
		l.count++
		return true
	}
	l.Lock.Lock(t)
	ok := l.count > 0
	if ok {
		l.count++
	}
	l.Lock.Unlock(t)
	return ok
}

// GetNotDead is lockref_get_not_dead.
func (l *Lockref) GetNotDead(t *Task) bool {
	if l.fast(t, "lockref_get_not_dead") {
		if l.count < 0 {
			return false
		}
		l.count++
		return true
	}
	l.Lock.Lock(t)
	ok := l.count >= 0
	if ok {
		l.count++
	}
	l.Lock.Unlock(t)
	return ok
}

// PutReturn is lockref_put_return: the new count, or -1 if the fast path
// cannot be used (lock held, or count already <= 0) and the caller must
// take the lock.
func (l *Lockref) PutReturn(t *Task) int {
	if !l.fast(t, "lockref_put_return") || l.count <= 0 {
		return -1
	}
	l.count--
	return l.count
}

// PutOrLock is lockref_put_or_lock: true if the count was decremented and
// stayed above zero; false with Lock held if it is 1 or less.
func (l *Lockref) PutOrLock(t *Task) bool {
	if l.fast(t, "lockref_put_or_lock") && l.count > 1 {
		l.count--
		return true
	}
	l.Lock.Lock(t)
	if l.count <= 1 {
		return false
	}
	l.count--
	l.Lock.Unlock(t)
	return true
}

// MarkDead is lockref_mark_dead; the caller holds Lock.
func (l *Lockref) MarkDead(t *Task) {
	l.Lock.AssertSpinLocked(t)
	l.count = deadCount
}

// IsDead is __lockref_is_dead.
func (l *Lockref) IsDead() bool { return l.count < 0 }

func (l *Lockref) String() string { return fmt.Sprintf("lockref{count=%d}", l.count) }
