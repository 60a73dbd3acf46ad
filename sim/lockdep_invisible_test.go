package sim_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/sim"
)

// Classes lockdep in a kernel cannot see (issue 8 defect 5), and lock
// maps waited on in a subclass.

var (
	invVisA   = sim.NewLockClass("inv-visible-a")
	invVisB   = sim.NewLockClass("inv-visible-b")
	invBit    = sim.NewLockClass("inv-bit-lock").InvisibleToLockdep("a bit spinlock")
	invMap    = sim.NewLockClass("inv-map").InvisibleToLockdep("a map of the model's own")
	invMapVis = sim.NewLockClass("inv-map-visible")
)

// invLocks is one run's locks: two spinlocks of classes a and b, and two
// lock maps of class m.
type invLocks struct {
	a, b   sim.SpinLock
	m1, m2 sim.LockMap
}

// invRun runs body in one task over locks of classes a, b and m.
func invRun(a, b, m *sim.LockClass, body func(t *sim.Task, l *invLocks)) *sim.Outcome {
	return sim.Execute(sim.Program{Name: "inv", Setup: func(w *sim.World) {
		o := &sim.Object{}
		w.NewStatic(o, "locks")
		l := &invLocks{}
		l.a.Init(o, "a", a)
		l.b.Init(o, "b", b)
		l.m1.Init(o, "m1", m)
		l.m2.Init(o, "m2", m)
		w.Go("main", func(t *sim.Task) { body(t, l) })
	}}, sim.Config{}, nil)
}

// invABBA takes a then b, then b then a.
func invABBA(t *sim.Task, l *invLocks) {
	l.a.Lock(t)
	l.b.Lock(t)
	l.b.Unlock(t)
	l.a.Unlock(t)
	l.b.Lock(t)
	l.a.Lock(t)
	l.a.Unlock(t)
	l.b.Unlock(t)
}

const invNote = "note: lockdep in a kernel would not print this report"

func invWant(t *testing.T, out *sim.Outcome, rule, note string) {
	t.Helper()
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	r := out.Report
	if r == nil || r.Kind != sim.KindLockdep || r.Rule != rule {
		t.Fatalf("want lockdep [%s], got %v", rule, r)
	}
	if note == "" && strings.Contains(r.Message, invNote) {
		t.Errorf("report on visible classes carries the note:\n%s", r.Format())
	}
	if note != "" && !strings.Contains(r.Message, invNote+": "+note) {
		t.Errorf("report lacks %q:\n%s", note, r.Format())
	}
}

func TestLockdepInvisibleClassNote(t *testing.T) {
	t.Run("circular/visible", func(t *testing.T) {
		invWant(t, invRun(invVisA, invVisB, invMapVis, invABBA), "circular", "")
	})
	t.Run("circular/bit-lock", func(t *testing.T) {
		invWant(t, invRun(invVisA, invBit, invMapVis, invABBA), "circular", "inv-bit-lock is a bit spinlock")
	})
	t.Run("recursive/visible", func(t *testing.T) {
		invWant(t, invRun(invVisA, invVisA, invMapVis, func(t *sim.Task, l *invLocks) {
			l.a.Lock(t)
			l.b.Lock(t)
		}), "recursive", "")
	})
	t.Run("recursive/map", func(t *testing.T) {
		invWant(t, invRun(invVisA, invVisB, invMap, func(t *sim.Task, l *invLocks) {
			l.m1.AcquireTry(t)
			l.m2.MightWait(t)
		}), "recursive", "inv-map is a map of the model's own")
	})
	t.Run("bad-unlock/map", func(t *testing.T) {
		invWant(t, invRun(invVisA, invVisB, invMap, func(t *sim.Task, l *invLocks) {
			l.m1.Release(t)
		}), "bad-unlock", "inv-map is a map of the model's own")
	})
}

// Waiting on a second map of a held class in a subclass is no recursion;
// waiting on the held map itself is, whatever the subclass.
func TestLockMapNestedWait(t *testing.T) {
	nested := invRun(invVisA, invVisB, invMapVis, func(t *sim.Task, l *invLocks) {
		l.m1.AcquireTry(t)
		l.m2.MightWaitNested(t, 1)
		l.m1.Release(t)
	})
	if nested.Err != nil || nested.Report != nil {
		t.Fatalf("nested wait on another map: %v %v", nested.Err, nested.Report)
	}
	self := invRun(invVisA, invVisB, invMapVis, func(t *sim.Task, l *invLocks) {
		l.m1.AcquireTry(t)
		l.m1.MightWaitNested(t, 1)
	})
	invWant(t, self, "recursive", "")
	if !strings.Contains(self.Report.Message, "waits for itself") {
		t.Errorf("self-wait report does not say so:\n%s", self.Report.Format())
	}
}
