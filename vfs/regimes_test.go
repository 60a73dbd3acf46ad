package vfs_test

// The two locking regimes really differ, and rule R4 holds in correct
// runs and is caught when broken.
//
// TestRegimesDiffer: a caller that holds a directory's i_rwsem exclusive
// and calls lookup_one (overlayfs readdir priming, ovl_cache_update on
// mainline, does exactly this) waits in d_alloc_parallel while holding
// the lock. A plain path lookup of the same name races it. Under "today"
// both tasks order i_rwsem before the in-lookup dentry, and every
// interleaving is clean. Under "pdirops" the plain lookup owns the
// in-lookup dentry before it takes i_rwsem, so the two orders form a
// cycle, which lockdep reports (docs/findings.md, "The regimes differ").
//
// TestR4: ->lookup never runs twice at once for one name, in any regime
// or version, with three tasks looking the name up; and the check fires
// when two tasks misuse lookup_one_qstr_excl (which d_allocs outside the
// in-lookup protocol, trusting an exclusive lock) under a shared lock.

import (
	"os"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

func qstr(parent *dcache.Dentry, name string) *dcache.Qstr {
	return &dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
}

// lockedLookupOne is what overlayfs readdir priming does on mainline
// (ovl_cache_update -> lookup_one under the directory's lock): lock the
// directory exclusive, lookup_one the name, put the result, unlock.
func lockedLookupOne(t *sim.Task, e *env, name string) {
	dir := e.s.Root
	vfs.InodeLock(t, dir.DInode)
	d := e.s.LookupOne(t, qstr(dir, name), dir)
	if !sim.IsErr(d) {
		dcache.Dput(t, d)
	}
	vfs.InodeUnlock(t, dir.DInode)
}

func regimesProgram(p variant.Variant, r variant.Regime) sim.Program {
	return sim.Program{Name: "vfs/locked-lookup_one-vs-lookup/" + r.String(), Setup: func(w *sim.World) {
		e := newEnv(w, p, r)
		var res string
		w.Go("lookup_one under i_rwsem", func(t *sim.Task) { lockedLookupOne(t, e, "n") })
		w.Go("stat", func(t *sim.Task) { res = e.runLine(t, "stat /n", new(int)) })
		w.AtEnd(func(w *sim.World) {
			if res != "-ENOENT" {
				w.Violation(sim.KindInvariant, "outcome", "stat /n = "+res, "")
			}
		})
	}}
}

func TestRegimesDiffer(t *testing.T) {
	for _, v := range []version{{"mainline", variant.BaseToday}, {"v3", variant.V3Today}} {
		t.Run(v.name, func(t *testing.T) {
			opts := explore.Options{MaxPreemptions: 2, RecheckEvery: 97}
			today := explore.DFS(regimesProgram(v.p, variant.Today), opts)
			if !today.Clean() || !today.Exhausted {
				t.Fatalf("today: %s, exhausted %v after %d runs\n%v", outcomeOf(today), today.Exhausted, today.Runs, today.First)
			}
			pd := explore.DFS(regimesProgram(v.p, variant.Pdirops), opts)
			rep := pd.First
			if rep == nil || rep.Kind != sim.KindLockdep || rep.Rule != "circular" {
				t.Fatalf("pdirops: want a lockdep circular dependency, got %s after %d runs", outcomeOf(pd), pd.Runs)
			}
			// The cycle is i_rwsem -> in-lookup dentry -> i_rwsem.
			for _, want := range []string{"i_mutex_dir_key", "in-lookup dentry (tmpfs)"} {
				if !strings.Contains(rep.Message, want) {
					t.Errorf("report does not name %q:\n%s", want, rep.Format())
				}
			}
			if pd.FirstPreemptions != 1 {
				t.Errorf("minimal schedule %s has %d preemptions, want 1", rep.Schedule, pd.FirstPreemptions)
			}
			t.Logf("today: clean, %d runs, exhausted; pdirops: %s[%s] after %d runs, schedule %s (%d preemption)",
				today.Runs, rep.Kind, rep.Rule, pd.Runs, rep.Schedule, pd.FirstPreemptions)
			// The schedule replays to the same report.
			sched, err := sim.ParseSchedule(rep.Schedule)
			if err != nil {
				t.Fatal(err)
			}
			again := sim.Execute(regimesProgram(v.p, variant.Pdirops), sim.Config{}, sim.NewPrefixReplay(sched))
			defer again.Release()
			if again.Report == nil || again.Report.Title != rep.Title {
				t.Errorf("replay: %v, want %s", again.Report, rep.Title)
			}
		})
	}
}

// TestR4 checks rule R4 both ways.
func TestR4(t *testing.T) {
	t.Run("three-lookups-clean", func(t *testing.T) {
		for _, v := range []version{{"mainline", variant.BaseToday}, {"v3", variant.V3Today}} {
			for _, r := range regimes {
				prog := sim.Program{Name: "vfs/r4/three-lookups", Setup: func(w *sim.World) {
					e := newEnv(w, v.p, r)
					for _, n := range []string{"A", "B", "C"} {
						w.Go(n, func(t *sim.Task) { e.runLine(t, "stat /n", new(int)) })
					}
				}}
				// Exhaustive at bound 1 (about 1,350 runs); bound 2 (well
				// over 20,000 runs) with DCSIM_LONG.
				bound, budget := 1, 5000
				if os.Getenv("DCSIM_LONG") != "" {
					bound, budget = 2, 300000
				}
				res := explore.DFS(prog, explore.Options{MaxPreemptions: bound, Budget: budget,
					RequireMarks: []string{"->lookup", "d_alloc_parallel: waited on in-lookup"}})
				if !res.Clean() || !res.Exhausted {
					t.Errorf("%s/%s: %s, missing marks %v\n%v", v.name, r, outcomeOf(res), res.MissingMarks, res.First)
				}
				t.Logf("%s/%s: clean, %d runs, exhausted %v (bound %d)", v.name, r, res.Runs, res.Exhausted, bound)
			}
		}
	})
	t.Run("excl-lookup-under-shared-lock-fires", func(t *testing.T) {
		for _, r := range regimes {
			prog := sim.Program{Name: "vfs/r4/lookup_one_qstr_excl-under-shared-lock/" + r.String(), Setup: func(w *sim.World) {
				e := newEnv(w, variant.BaseToday, r)
				for _, n := range []string{"A", "B"} {
					w.Go(n, func(t *sim.Task) {
						dir := e.s.Root
						vfs.InodeLockShared(t, dir.DInode) // misuse: the function needs the lock exclusive
						d := e.s.LookupOneQstrExcl(t, qstr(dir, "n"), dir, 0)
						if !sim.IsErr(d) {
							dcache.Dput(t, d)
						}
						vfs.InodeUnlockShared(t, dir.DInode)
					})
				}
			}}
			res := explore.DFS(prog, explore.Options{MaxPreemptions: 2})
			if rep := res.First; rep == nil || rep.Rule != "R4" {
				t.Fatalf("%s: want R4, got %s after %d runs", r, outcomeOf(res), res.Runs)
			}
			t.Logf("%s: R4 after %d runs, schedule %s (%d preemptions)", r, res.Runs, res.First.Schedule, res.FirstPreemptions)
		}
	})
}
