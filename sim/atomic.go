package sim

// AtomicInt is atomic_t / atomic_long_t: every operation is one step.
type AtomicInt struct {
	lockMeta
	v int64
}

// Init ties the atomic to its object.
func (a *AtomicInt) Init(o *Object, field string) { a.init(o, field, nil) }

// Load is atomic_read.
func (a *AtomicInt) Load(t *Task) int64 {
	t.point(opAtomicRead, a.id, a.obj, a.field, AccRead)
	return a.v
}

// Store is atomic_set.
func (a *AtomicInt) Store(t *Task, v int64) {
	t.point(opAtomicWrite, a.id, a.obj, a.field, AccWrite)
	a.v = v
}

// Add is atomic_add_return.
func (a *AtomicInt) Add(t *Task, d int64) int64 {
	t.point(opAtomicRMW, a.id, a.obj, a.field, AccWrite)
	a.v += d
	return a.v
}

// CmpXchg is atomic_cmpxchg: returns the old value.
func (a *AtomicInt) CmpXchg(t *Task, old, new int64) int64 {
	t.point(opCmpXchg, a.id, a.obj, a.field, AccWrite)
	v := a.v
	if v == old {
		a.v = new
	}
	return v
}

// TryCmpXchg is atomic_try_cmpxchg: on failure *old is updated.
func (a *AtomicInt) TryCmpXchg(t *Task, old *int64, new int64) bool {
	if v := a.CmpXchg(t, *old, new); v != *old {
		*old = v
		return false
	}
	return true
}

// Value is the current value without a scheduling point (checkers, dumps).
func (a *AtomicInt) Value() int64 { return a.v }

// Set stores without a scheduling point: for setup, before the run.
func (a *AtomicInt) Set(v int64) { a.v = v }

// AtomicPtr is a pointer accessed with READ_ONCE/WRITE_ONCE, cmpxchg and
// xchg (a stashed dentry pointer, say). P is a pointer type.
type AtomicPtr[P comparable] struct {
	lockMeta
	v P
}

// Init ties the pointer to its object.
func (a *AtomicPtr[P]) Init(o *Object, field string) { a.init(o, field, nil) }

// Load is READ_ONCE / rcu_dereference.
func (a *AtomicPtr[P]) Load(t *Task) P {
	t.point(opAtomicRead, a.id, a.obj, a.field, AccRead)
	return a.v
}

// Store is WRITE_ONCE / rcu_assign_pointer.
func (a *AtomicPtr[P]) Store(t *Task, v P) {
	t.point(opAtomicWrite, a.id, a.obj, a.field, AccWrite)
	a.v = v
}

// CmpXchg is cmpxchg: returns the old value.
func (a *AtomicPtr[P]) CmpXchg(t *Task, old, new P) P {
	t.point(opCmpXchg, a.id, a.obj, a.field, AccWrite)
	v := a.v
	if v == old {
		a.v = new
	}
	return v
}

// TryCmpXchg is try_cmpxchg: on failure *old is updated.
func (a *AtomicPtr[P]) TryCmpXchg(t *Task, old *P, new P) bool {
	if v := a.CmpXchg(t, *old, new); v != *old {
		*old = v
		return false
	}
	return true
}

// Xchg is xchg.
func (a *AtomicPtr[P]) Xchg(t *Task, new P) P {
	t.point(opAtomicRMW, a.id, a.obj, a.field, AccWrite)
	v := a.v
	a.v = new
	return v
}

// Value is the current value without a scheduling point.
func (a *AtomicPtr[P]) Value() P { return a.v }

// Set stores without a scheduling point: for setup, before the run.
func (a *AtomicPtr[P]) Set(v P) { a.v = v }
