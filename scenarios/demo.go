package scenarios

import (
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The demo scenarios run on the bare primitives. They show each checker
// catching a real bug class and a fixed variant staying quiet; the dcache
// and VFS scenarios build on the same machinery.

var (
	demoLockA = sim.NewLockClass("demo_lock_a")
	demoLockB = sim.NewLockClass("demo_lock_b")
)

type demoPair struct {
	sim.Object
	a, b sim.SpinLock
}

func newDemoPair(w *sim.World) *demoPair {
	p := &demoPair{}
	w.NewStatic(&p.Object, "pair")
	p.a.Init(&p.Object, "a", demoLockA)
	p.b.Init(&p.Object, "b", demoLockB)
	return p
}

func (p *demoPair) lockAB(t *sim.Task) {
	p.a.Lock(t)
	p.b.Lock(t)
	p.b.Unlock(t)
	p.a.Unlock(t)
}

func (p *demoPair) lockBA(t *sim.Task) {
	p.b.Lock(t)
	p.a.Lock(t)
	p.a.Unlock(t)
	p.b.Unlock(t)
}

// demoCached is an object reachable through a shared cache pointer, like a
// filesystem's stashed dentry.
type demoCached struct {
	sim.Object
	ref sim.AtomicInt
}

type demoCache struct {
	sim.Object
	slot sim.AtomicPtr[*demoCached]
}

func newDemoCache(w *sim.World) *demoCache {
	c := &demoCache{}
	w.NewStatic(&c.Object, "cache")
	c.slot.Init(&c.Object, "slot")
	p := &demoCached{}
	w.Alloc(&p.Object, "obj")
	p.ref.Init(&p.Object, "refcount")
	p.ref.Set(1) // the cache's reference
	c.slot.Set(p)
	return c
}

func (c *demoCache) roots(mark func(*sim.Object)) {
	if p := c.slot.Value(); p != nil {
		mark(&p.Object)
	}
}

func demoPut(t *sim.Task, p *demoCached, rcu bool) {
	if p.ref.Add(t, -1) == 0 {
		t.Mark("demo: last reference dropped")
		if rcu {
			sim.KFreeRCU(t, &p.Object)
		} else {
			t.Free(&p.Object)
		}
	}
}

// evict drops the cache's reference, as a shrinker would.
func (c *demoCache) evict(t *sim.Task, rcu bool) {
	if p := c.slot.Xchg(t, nil); p != nil {
		demoPut(t, p, rcu)
	}
}

func (c *demoCache) evictNow(t *sim.Task) { c.evict(t, false) }
func (c *demoCache) evictRCU(t *sim.Task) { c.evict(t, true) }

// lookupUnsafe trusts the cached pointer and increments blindly.
func (c *demoCache) lookupUnsafe(t *sim.Task) {
	if p := c.slot.Load(t); p != nil {
		p.ref.Add(t, 1)
		t.Read(&p.Object, "data")
		demoPut(t, p, false)
	}
}

// lookupRCU takes a reference only if the object is not already dying.
func (c *demoCache) lookupRCU(t *sim.Task) {
	sim.RCUReadLock(t)
	p := c.slot.Load(t)
	got := false
	if p != nil {
		for v := p.ref.Load(t); v > 0 && !got; {
			got = p.ref.TryCmpXchg(t, &v, v+1)
		}
	}
	sim.RCUReadUnlock(t)
	if got {
		t.Read(&p.Object, "data")
		demoPut(t, p, true)
	}
}

// demoFlags models a "sleep until a flag clears" protocol with a waiter
// bit that lets the waker skip the wake-up when nobody waits: the shape of
// DCACHE_PAR_LOOKUP with DCACHE_LOCK_WAITER.
type demoFlags struct {
	sim.Object
	lock  sim.SpinLock
	flags int
}

const (
	demoBusy   = 1
	demoWaiter = 2
)

var demoFlagsLock = sim.NewLockClass("demo_flags_lock")

func newDemoFlags(w *sim.World) *demoFlags {
	f := &demoFlags{flags: demoBusy}
	w.NewStatic(&f.Object, "flags")
	f.lock.Init(&f.Object, "lock", demoFlagsLock)
	return f
}

func init() {
	Register(&Scenario{
		Name: "demo/abba",
		Doc: "Two tasks take two spinlocks in opposite orders. Lockdep reports the inversion " +
			"on the first interleaving that records both orders, even when that run does not " +
			"deadlock; some interleavings also deadlock.",
		Cells: []Cell{{Expect: Finds(sim.KindLockdep)}},
		Setup: func(w *sim.World, _ variant.Variant) {
			p := newDemoPair(w)
			w.Go("ab", p.lockAB)
			w.Go("ba", p.lockBA)
		},
	})
	Register(&Scenario{
		Name: "demo/abba-ordered",
		Doc:  "The fixed ABBA: both tasks take the locks in the same order. Explores clean.",
		Setup: func(w *sim.World, _ variant.Variant) {
			p := newDemoPair(w)
			w.Go("ab1", p.lockAB)
			w.Go("ab2", p.lockAB)
		},
	})
	Register(&Scenario{
		Name: "demo/refcount",
		Doc: "A lookup takes a reference on an object it found through a shared pointer with a " +
			"plain increment, while an eviction clears the pointer and drops the last reference. " +
			"The lookup can increment a freed object: a use after free. This is why a filesystem " +
			"must take references with get-not-zero under RCU rather than trust a cached pointer.",
		Cells: []Cell{{Expect: Finds(sim.KindKASAN)}},
		Marks: []string{"demo: last reference dropped"},
		Setup: func(w *sim.World, _ variant.Variant) {
			c := newDemoCache(w)
			w.Roots(c.roots)
			w.Go("lookup", c.lookupUnsafe)
			w.Go("evict", c.evictNow)
		},
	})
	Register(&Scenario{
		Name: "demo/refcount-rcu",
		Doc: "The fixed refcount demo: the lookup runs under rcu_read_lock and takes its " +
			"reference only if the count is not zero (a cmpxchg loop); the object is freed " +
			"with kfree_rcu. Explores clean.",
		Marks: []string{"demo: last reference dropped"},
		Setup: func(w *sim.World, _ variant.Variant) {
			c := newDemoCache(w)
			w.Roots(c.roots)
			w.Go("lookup", c.lookupRCU)
			w.Go("evict", c.evictRCU)
		},
	})
	Register(&Scenario{
		Name: "demo/lost-wakeup",
		Doc: "A waiter sleeps until a busy flag clears; the waker clears it and wakes only if a " +
			"waiter bit is set. The waker samples the waiter bit in one lockless step and clears " +
			"the flag in the next: a waiter that tests the flag and sets its bit in between " +
			"goes to sleep, the waker skips the wake-up, and the waiter sleeps forever.",
		Cells: []Cell{{Expect: Finds(sim.KindDeadlock)}},
		Setup: func(w *sim.World, _ variant.Variant) { lostWakeup(w, false) },
	})
	Register(&Scenario{
		Name: "demo/lost-wakeup-fixed",
		Doc: "The fixed waiter-bit protocol: the waiter tests the flag and sets the bit under the " +
			"lock, sleeping with wait_var_event_spinlock; the waker clears the flag, tests the " +
			"bit and wakes under the same lock (wake_up_var_locked). Explores clean.",
		Setup: func(w *sim.World, _ variant.Variant) { lostWakeup(w, true) },
	})
}

func lostWakeup(w *sim.World, fixed bool) {
	f := newDemoFlags(w)
	w.Go("waiter", func(t *sim.Task) {
		if fixed {
			f.lock.Lock(t)
			sim.WaitVarEventSpinlock(t, &f.Object, "flags", func() bool {
				if f.flags&demoBusy != 0 {
					f.flags |= demoWaiter
					return false
				}
				return true
			}, &f.lock)
			f.lock.Unlock(t)
			return
		}
		// Buggy: the test of the flag and the setting of the waiter bit are
		// separate lockless steps.
		sim.WaitVarEvent(t, &f.Object, "flags", func() bool {
			t.Read(&f.Object, "flags")
			if f.flags&demoBusy == 0 {
				return true
			}
			t.Write(&f.Object, "flags")
			f.flags |= demoWaiter
			return false
		})
	})
	w.Go("waker", func(t *sim.Task) {
		if fixed {
			f.lock.Lock(t)
			f.flags &^= demoBusy
			if f.flags&demoWaiter != 0 {
				f.flags &^= demoWaiter
				sim.WakeUpVarLocked(t, &f.Object, "flags", &f.lock)
			}
			f.lock.Unlock(t)
			return
		}
		// Buggy: the waiter bit is sampled before, not together with,
		// clearing the busy flag.
		t.Read(&f.Object, "flags")
		waiters := f.flags&demoWaiter != 0
		t.Write(&f.Object, "flags")
		f.flags &^= demoBusy | demoWaiter
		if waiters {
			sim.WakeUpVar(t, &f.Object, "flags")
		}
	})
}
