package eventfs_test

// Linus's order on eventfs (fstest.EventfsLookupVsPrune): prune d1,
// look the name up again (d2), and only then release d1. The catalog's
// eventfs/lookup-vs-prune explores the same program in `dcsim check`;
// these tests pin what each version does in it.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/fsmodels/eventfs"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// budget is the same for both versions: the refcounted one must explore
// clean where the caching one is caught.
const budget = 5_000

// regimes are both regimes, or today's alone under -short.
func regimes() []variant.Regime {
	if testing.Short() {
		return variant.Regimes[:1]
	}
	return variant.Regimes
}

func exploreRace(t *testing.T, v variant.Variant, bound int, onEnd func(e *fstest.EventfsEnv), ignore ...string) *explore.Result {
	t.Helper()
	var env *fstest.EventfsEnv
	prog := sim.Program{Name: "eventfs/lookup-vs-prune", Setup: func(w *sim.World) { env = fstest.EventfsLookupVsPrune(w, v) }}
	o := explore.Options{MaxPreemptions: bound, Budget: budget, Ignore: ignore}
	if onEnd != nil {
		o.OnRun = func(*sim.Outcome) { onEnd(env) }
	}
	res := explore.DFS(prog, o)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	return res
}

// TestCachedDentryIsRevived: the caching version's lookup dgets the dead
// d1 from ei->d_children[] and dputs it: the dcache's own WARN in
// fast_dput with one preemption; past that WARN, KASAN finds the dput
// touching d1 after its RCU-delayed free with two. In both regimes
// (-short: today's, and the WARN only).
func TestCachedDentryIsRevived(t *testing.T) {
	for _, r := range regimes() {
		v := variant.BaseToday.In(r)
		res := exploreRace(t, v, 2, nil)
		if f := res.First; f == nil || f.Kind != sim.KindWarn || f.Title != "WARN_ON_ONCE(dentry->d_lockref.count <= 0)" || res.FirstPreemptions != 1 {
			t.Fatalf("%s: want fast_dput's WARN with 1 preemption, got %v (%d preemptions)", v, f, res.FirstPreemptions)
		}
		if stack := stackOf(res.First, "T2 stat"); !strings.Contains(stack, "eventfsRootLookupCached") {
			t.Errorf("%s: the WARN is not under eventfs_root_lookup:\n%s", v, stack)
		}
		if testing.Short() {
			continue
		}
		res = exploreRace(t, v, 2, nil, "WARN_ON_ONCE")
		if f := res.First; f == nil || f.Kind != sim.KindKASAN || f.Rule != "use-after-free" || !strings.Contains(f.Title, `dentry`) {
			t.Fatalf("%s: past the WARN, want KASAN use-after-free of the dentry, got %v", v, f)
		}
	}
}

// TestRefcountedFsdataClean: v6.8's eventfs explores clean within the same
// bound and budget, reaches Linus's order (d1 released after d2's
// lookup), and at the end of every run the ei holds one reference per
// live file dentry beyond its base two.
func TestRefcountedFsdataClean(t *testing.T) {
	for _, r := range regimes() {
		v := variant.BaseToday.With(eventfs.ChangeGetEi).In(r)
		var bad string
		bound := 2
		if testing.Short() {
			bound = 1 // Linus's order needs one preemption
		}
		res := exploreRace(t, v, bound, func(e *fstest.EventfsEnv) {
			live := 0
			for _, d := range e.FS.SB.SRoot.Children() {
				if d.Live() && d.DFsdata == e.FS.EI {
					live++
				}
			}
			if got, want := e.FS.EI.Kref.Value(), int64(2+live); got != want && bad == "" {
				bad = fmt.Sprintf("ei->kref %d, want %d", got, want)
			}
		})
		if !res.Clean() || !res.Exhausted {
			t.Fatalf("%s: want clean and exhausted, got %v (runs %d)", v, res.First, res.Runs)
		}
		if bad != "" {
			t.Errorf("%s: %s", v, bad)
		}
		if res.Marks[eventfs.MarkReleaseAfterRelookup] == 0 {
			t.Errorf("%s: no run released d1 after looking the name up again", v)
		}
	}
}

// stackOf is the model call stack of the named task in a report.
func stackOf(r *sim.Report, task string) string {
	for _, st := range r.Stacks {
		if st.Task == task {
			return strings.Join(st.Frames, "\n")
		}
	}
	return ""
}
