package dcache_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// lookupPairProgram is the catalog's dcache/owner-and-waiter: two lookups
// of "foo" through d_alloc_parallel, the owner d_adds NULL.
func lookupPairProgram(v variant.Variant) sim.Program {
	return dcachetest.Program("view/pair", v, nil, func(e *dcachetest.Env) {
		e.W.Go("owner", dcachetest.LookupTask(e.C, e.RootFn(), "foo", dcachetest.FateAdd))
		e.W.Go("waiter", dcachetest.LookupTask(e.C, e.RootFn(), "foo", dcachetest.FateAdd))
	})
}

// waiterSleeps runs the owner into the in-lookup state, then the waiter
// until it sleeps on the dentry, then the owner on: the owner ends the
// lookup (and wakes the waiter, or not).
func waiterSleeps(tb testing.TB) *sim.Replay {
	s, err := sim.ParseSchedule("v2:view/pair:-:00000000:0*16.1*18")
	if err != nil {
		tb.Fatal(err)
	}
	return sim.NewPrefixReplay(s)
}

// TestLostWakeupNamesTheOwner: without v3 04/19's DCACHE_LOCK_WAITER the
// waiter sleeps forever, and the deadlock report names the owner that
// ended the in-lookup state and the end_dir_add that should have woken
// it; with it, the same schedule is clean.
func TestLostWakeupNamesTheOwner(tt *testing.T) {
	mut := variant.V3Today.With(dcache.MutNoLockWaiter)
	out := dcachetest.Run(tt, lookupPairProgram(mut), sim.Config{}, waiterSleeps(tt))
	dcachetest.Want(tt, out, sim.KindDeadlock, "deadlock", "every unfinished task is blocked")
	for _, s := range []string{"wake-up: lost: T0 owner, which should have woken it", "(__d_lookup_unhash)", "at step 44 (end_dir_add)", "DCACHE_LOCK_WAITER was clear"} {
		if !strings.Contains(out.Report.Message, s) {
			tt.Errorf("deadlock report lacks %q:\n%s", s, out.Report.Message)
		}
	}
	dcachetest.Clean(tt, dcachetest.Run(tt, lookupPairProgram(variant.V3Today), sim.Config{}, waiterSleeps(tt)))
}

// viewAt records the dcache view and the waiter's wakers after every
// line of a run.
type viewAt struct {
	model  []string
	wakers []string
}

func (v *viewAt) Observe(w *sim.World, s *sim.Step) {
	for _, x := range w.Views() {
		v.model = append(v.model, x.State()...)
	}
	v.wakers = append(v.wakers, w.Tasks()[1].Wakers()...)
}
func (v *viewAt) Marked(*sim.Task, string) {}
func (v *viewAt) Ended(*sim.World)         {}

// TestViewShowsOwnerAndWaiter: while the waiter sleeps, the view lists
// the in-lookup dentry with its owner and waiter, and names the owner as
// the task that will wake it; the i_dir_seq section shows while open; a
// wake-up on its way is never called lost. A run with one lookup only
// never shows a waiter.
func TestViewShowsOwnerAndWaiter(tt *testing.T) {
	v := &viewAt{}
	cfg := sim.Config{Trace: sim.TraceFull, Observer: v}
	dcachetest.Clean(tt, dcachetest.Run(tt, lookupPairProgram(variant.V3Today), cfg, waiterSleeps(tt)))
	all := strings.Join(v.model, "\n")
	for _, s := range []string{`owner T0 owner; waiting: T1 waiter`, `i_dir_seq of inode`, `T0 owner is between start_dir_add`} {
		if !strings.Contains(all, s) {
			tt.Errorf("view never showed %q", s)
		}
	}
	if len(v.wakers) == 0 || !strings.HasPrefix(v.wakers[0], "T0 owner should wake it, as the owner of in-lookup") {
		tt.Errorf("the sleeping waiter's waker: %q", v.wakers)
	}
	// A wake-up that is on its way is never called lost, in v3 or in
	// mainline (whose owner wakes d_wait at end_dir_add, after the unhash).
	for _, vr := range []variant.Variant{variant.V3Today, variant.BaseToday} {
		w := &viewAt{}
		dcachetest.Clean(tt, dcachetest.Run(tt, lookupPairProgram(vr), sim.Config{Trace: sim.TraceFull, Observer: w}, waiterSleeps(tt)))
		for _, k := range w.wakers {
			if strings.HasPrefix(k, "lost") {
				tt.Errorf("%s: a clean run's waiter called lost: %s", vr, k)
			}
		}
		if len(w.wakers) == 0 {
			tt.Errorf("%s: the waiter never slept", vr)
		}
	}

	one := &viewAt{}
	prog := dcachetest.Program("view/one", variant.V3Today, nil, func(e *dcachetest.Env) {
		e.W.Go("owner", dcachetest.LookupTask(e.C, e.RootFn(), "foo", dcachetest.FateAdd))
		e.W.Go("other", func(t *sim.Task) {})
	})
	dcachetest.Clean(tt, dcachetest.Run(tt, prog, sim.Config{Trace: sim.TraceFull, Observer: one}, nil))
	if s := strings.Join(one.model, "\n"); strings.Contains(s, "waiting:") || !strings.Contains(s, "in-lookup") {
		tt.Errorf("one lookup: view shows a waiter, or never the in-lookup dentry:\n%s", s)
	}
	if len(one.wakers) != 0 {
		tt.Errorf("one lookup: wakers %q for a task that never waits", one.wakers)
	}
}
