package sim

import "strconv"

// PREEMPT_RT (Config.PreemptRT). On a PREEMPT_RT kernel spinlock_t is a
// sleeping lock built on rt_mutex (kernel/locking/spinlock_rt.c, v6.18):
// rt_spin_lock does rcu_read_lock and migrate_disable but leaves
// preemption enabled, so its holder may be preempted and a contended
// acquirer sleeps. Lockdep tracks it as before. raw_spinlock_t and bit
// spinlocks (LockClass.Raw) still disable preemption, and preempt_disable
// is explicit state (Task.PreemptDisable), no longer a side effect of
// holding a spinlock_t. Without PreemptRT a spinlock_t disables
// preemption as a raw one does.
//
// What changes for the checks:
//
//   - might_sleep: still a bug under a spinlock_t (its rcu_read_lock
//     counts in the RCU nest depth, as in __might_resched), and under a raw
//     lock or preempt_disable;
//   - spin_lock itself is rtlock_might_resched: acquiring a spinlock_t
//     with preemption disabled (under a raw lock or preempt_disable) is
//     "sleeping function called from invalid context"; acquiring it under
//     another spinlock_t or inside rcu_read_lock is allowed;
//   - lockdep_assert_preemption_disabled fails under a spinlock_t alone.
//
// Divergence: a contended spinlock_t always sleeps here. The kernel's
// rtlock_slowlock_locked (kernel/locking/rtmutex.c, v6.18) first spins in
// rtmutex_spin_on_owner while the owner is on a CPU, it is the top waiter
// and nothing needs its CPU (need_resched), and sleeps in schedule_rtlock
// otherwise. The spin only keeps lower-priority tasks of its own CPU off
// it for as long as the owner runs elsewhere, so it orders nothing that a
// preemption of the owner (which ends the spin) cannot also produce:
// modelling it as a sleep adds no reachable state and saves a step per
// spin iteration.

// Raw marks the class as raw_spinlock_t or a bit spinlock: under
// PREEMPT_RT its locks still disable preemption. It returns c, for use
// in a package-level var.
func (c *LockClass) Raw() *LockClass {
	c.raw = true
	return c
}

// sleeping reports whether the spinlock is a sleeping lock in this run.
func (l *SpinLock) sleeping(t *Task) bool {
	return t.w.cfg.PreemptRT && (l.class == nil || !l.class.raw)
}

// PreemptRT reports whether the run models a PREEMPT_RT kernel.
func (t *Task) PreemptRT() bool { return t.w.cfg.PreemptRT }

// PreemptDisable is preempt_disable(). It takes no step: it touches no
// shared state.
func (t *Task) PreemptDisable() { t.atomicEnter(&t.preempt) }

// PreemptEnable is preempt_enable().
func (t *Task) PreemptEnable() {
	if t.preempt == 0 {
		t.w.raise(t, &Report{Kind: KindWarn, Rule: "preempt-count-underflow",
			Title: "preempt_enable() with preemption enabled (DEBUG_PREEMPT: preempt count underflow)"})
		return
	}
	t.atomicExit(&t.preempt)
}

// PreemptDisableNested is preempt_disable_nested() (include/linux/preempt.h,
// v6.18): on PREEMPT_RT a preempt_disable; otherwise the caller already
// runs with preemption disabled (it holds a spinlock), which lockdep
// asserts.
func (t *Task) PreemptDisableNested(what string) {
	if t.w.cfg.PreemptRT {
		t.PreemptDisable()
		return
	}
	t.LockdepAssertPreemptionDisabled(what)
}

// PreemptEnableNested is preempt_enable_nested().
func (t *Task) PreemptEnableNested() {
	if t.w.cfg.PreemptRT {
		t.PreemptEnable()
	}
}

// rtlockMightResched is rtlock_might_resched() in rt_spin_lock: taking a
// sleeping spinlock_t with preemption disabled is a bug; RCU nesting (a
// spinlock_t held, rcu_read_lock) is allowed.
func (t *Task) rtlockMightResched(l *SpinLock) {
	if t.preempt > 0 {
		t.w.raise(t, &Report{Kind: KindLockdep, Rule: "sleep-in-atomic",
			Title:   "BUG: sleeping function called from invalid context (rt_spin_lock " + l.lockMeta.String() + ")",
			Message: "PREEMPT_RT: spinlock_t is a sleeping lock; preempt_count: " + strconv.Itoa(t.preempt) + "\n" + t.heldString()})
	}
}

// spinAcquired is what holding a spinlock does to the task: disable
// preemption, or under PREEMPT_RT for a spinlock_t, rcu_read_lock and
// migrate_disable.
func (l *SpinLock) spinAcquired(t *Task) {
	if l.sleeping(t) {
		t.atomicEnter(&t.rtLocks)
		return
	}
	t.atomicEnter(&t.preempt)
}

func (l *SpinLock) spinReleased(t *Task) {
	if l.sleeping(t) {
		t.atomicExit(&t.rtLocks)
		return
	}
	t.atomicExit(&t.preempt)
}

// atomicEnter raises one of the counts that make the task an RCU reader
// (preempt_count, or the spinlock_t count under PREEMPT_RT).
func (t *Task) atomicEnter(n *int) {
	if t.preempt+t.rtLocks == 0 {
		// Inside rcu_read_lock the reader section goes on: it began
		// when the RCU section did.
		if t.rcuDepth > 0 {
			t.preemptStart = t.rcuStart
		} else {
			t.preemptStart = t.w.step
		}
	}
	*n++
}

func (t *Task) atomicExit(n *int) {
	*n--
	if t.preempt+t.rtLocks == 0 && t.rcuDepth == 0 {
		t.w.rcuReaderExit(t)
	}
}
