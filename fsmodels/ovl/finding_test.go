package ovl

import (
	"fmt"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// The findings on the posted v3 09/19 and 10/19 ovl_cache_update
// (docs/findings.md, "overlayfs"): each test finds the minimal
// schedule of one finding, checks that it replays to the same report,
// and that the fixed variant runs the same decisions clean.

// targeted is a strategy for finding a minimal schedule of one kind: it
// starts with task first, preempts the running task at the switchAt-th
// scheduling decision in favour of the lowest other runnable task, and
// fails the faultAt-th fallible step; everything else is the default.
type targeted struct {
	first, switchAt, faultAt int
	n, nf                    int
}

func (s *targeted) Decide(w *sim.World, d *sim.Decision) int {
	switch d.Kind {
	case sim.DecideSchedule, sim.DecideYield:
		s.n++
		if s.n == 1 && s.first >= 0 && d.Runnable&(1<<uint(s.first)) != 0 {
			return s.first
		}
		if s.n == s.switchAt && d.Cur >= 0 {
			for _, o := range d.Options() {
				if o != int(d.Cur) {
					return o
				}
			}
		}
	case sim.DecideFault:
		s.nf++
		if s.nf == s.faultAt {
			return 1
		}
		return 0
	}
	return d.Default()
}

// search runs p with every (switchAt, faultAt) up to the bounds and
// returns the first outcome whose report has the rule.
func search(p sim.Program, cfg sim.Config, first, maxSwitch, maxFault int, rule string) *sim.Outcome {
	for f := 0; f <= maxFault; f++ {
		for k := 0; k <= maxSwitch; k++ {
			out := sim.Execute(p, cfg, &targeted{first: first, switchAt: k, faultAt: f})
			if out.Report != nil && out.Report.Rule == rule {
				return out
			}
			out.Release()
		}
	}
	return nil
}

// replay runs the schedule again (strictly) and returns the report.
func replay(t *testing.T, p sim.Program, cfg sim.Config, sched string) *sim.Report {
	t.Helper()
	s, err := sim.ParseSchedule(sched)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Trace = sim.TraceFull
	out := sim.Execute(p, cfg, sim.NewPrefixReplay(s))
	if out.Err != nil {
		t.Fatalf("replay %s: %v", sched, out.Err)
	}
	return out.Report
}

// singleReaddir reads /m in one task; with cached, after looking up its
// names.
func singleReaddir(v version, r variant.Regime, cached bool) sim.Program {
	name := fmt.Sprintf("ovl/finding/readdir-%s/%s/%s", map[bool]string{false: "uncached", true: "cached"}[cached], v.name, r)
	return program(name, v, r, raceLower, raceUpper, func(t *sim.Task, e *env) {
		if cached {
			cacheMAll(t, e)
		}
		readdirWorker(t, e)
	}, nil, func(w *sim.World, e *env) {
		if msg := wantReaddir(e); msg != "" {
			w.Violation(sim.KindInvariant, "ovl-result", msg, "")
		}
	})
}

// TestPostedReaddirFires: a single readdir of a merge directory, no race.
// Posted 09 and 10 free their own in-lookup dentry without
// d_lookup_done (R5) when a name is not cached; posted 10 re-splices a
// cached positive dentry (R8). The fixed variants are clean.
func TestPostedReaddirFires(t *testing.T) {
	for _, r := range regimes {
		for _, c := range []struct {
			v      version
			cached bool
			want   string
		}{
			{vMainline, false, ""}, {vMainline, true, ""},
			{v09, false, "R5"}, {v09, true, ""},
			{v10, false, "R5"}, {v10, true, "R8"},
			{v09Fixed, false, ""}, {v09Fixed, true, ""},
			{v10Fixed, false, ""}, {v10Fixed, true, ""},
		} {
			p := singleReaddir(c.v, r, c.cached)
			out := runOnce(t, p)
			got := ""
			if out.Report != nil {
				got = out.Report.Rule
			}
			if got != c.want {
				msg := ""
				if out.Report != nil {
					msg = out.Report.Format()
				}
				t.Errorf("%s: got %q, want %q\n%s", p.Name, got, c.want, msg)
				continue
			}
			if got != "" {
				t.Logf("%s: %s %s (schedule %s)", p.Name, got, out.Report.Title, out.Report.Schedule)
			}
		}
	}
}

// TestPosted10ResplicePastR8 switches the R8 check off to show what the
// posted 10 goes on to do with a cached positive dentry: a regular file
// gets the same dentry twice on its inode's alias list (and a leaked
// inode reference); a directory reaches __d_move(dentry, dentry) through
// __d_unalias.
func TestPosted10ResplicePastR8(t *testing.T) {
	checkSpliceR8 = false
	defer func() { checkSpliceR8 = true }()
	for _, c := range []struct {
		lower, upper layer
		want         string
	}{
		{raceLower, raceUpper, "R7"},                          // "a": a regular file
		{layer{"m/", "m/a/"}, layer{"m/", "m/c/"}, "WARN_ON"}, // "a": a directory
	} {
		for _, r := range regimes {
			p := program("ovl/finding/10-resplice/"+r.String(), v10, r, c.lower, c.upper, func(t *sim.Task, e *env) {
				cacheMAll(t, e)
				readdirWorker(t, e)
			}, nil, nil)
			out := runOnce(t, p)
			if out.Report == nil || out.Report.Rule != c.want {
				t.Errorf("%s: want %s, got %v", p.Name, c.want, out.Report)
				continue
			}
			t.Logf("%s: %s %s", p.Name, out.Report.Rule, out.Report.Title)
		}
	}
}

// racedReaddir is readdir of /m racing a lookup of /m/a, where /m is a
// merge directory whose only entry is "a" (any other name would fire R5
// or, under 10, R8 first).
func racedReaddir(v version, r variant.Regime) sim.Program {
	return program(fmt.Sprintf("ovl/finding/raced-readdir/%s/%s", v.name, r), v, r,
		layer{"m/", "m/a"}, layer{"m/"}, cacheM, scReaddirLookup.workers, func(w *sim.World, e *env) {
			got := e.res["readdir"]
			if got != "[a] 0" {
				w.Violation(sim.KindInvariant, "ovl-result", fmt.Sprintf("readdir /m returned %s, want [a] 0", got), "")
			} else if e.res["lookup"] != "0" {
				w.Violation(sim.KindInvariant, "ovl-result", "stat /m/a = "+e.res["lookup"], "")
			}
		})
}

// Task ids in the raced programs: the setup task is 0, the workers are
// spawned in name order.
const (
	taskLookup  = 1
	taskReaddir = 2
)

// TestPostedReaddirRacedHidesEntry: with pdirops, a lookup that owns the
// in-lookup dentry of "a" while readdir holds the directory makes
// d_alloc_noblock fail with -EWOULDBLOCK; the posted code then skips the
// lookup of its d_alloc_name dentry (inverted test) and marks "a"
// stale: readdir does not list an existing file (10 also tags the other
// lookup's dentry with OVL_E_RACED_READDIR, which finds no alias). One
// preemption. The today regime cannot reach -EWOULDBLOCK.
func TestPostedReaddirRacedHidesEntry(t *testing.T) {
	for _, v := range []version{v09, v10} {
		p := racedReaddir(v, variant.Pdirops)
		out := search(p, sim.Config{}, taskReaddir, 400, 0, "ovl-result")
		if out == nil {
			t.Fatalf("%s: no single-preemption schedule hides the entry", p.Name)
		}
		sched := out.Report.Schedule
		t.Logf("%s: %s (schedule %s)", p.Name, out.Report.Title, sched)
		if rep := replay(t, p, sim.Config{}, sched); rep == nil || rep.Rule != "ovl-result" || rep.Title != out.Report.Title {
			t.Errorf("replay of %s: %v", sched, rep)
		}
		fixed := v
		fixed.fixed = true
		if rep := replay(t, racedReaddir(fixed, variant.Pdirops), sim.Config{}, sched); rep != nil {
			t.Errorf("fixed %s on %s: %s", v.name, sched, rep.Format())
		}
		if out := search(racedReaddir(v, variant.Today), sim.Config{}, taskReaddir, 400, 0, "ovl-result"); out != nil {
			t.Errorf("today regime hides an entry: %s", out.Report.Schedule)
		}
	}
}

// TestPostedReaddirNullDeref: on the same -EWOULDBLOCK path, a failed
// allocation in d_alloc_name() returns NULL, and the posted code calls
// d_unhashed(NULL). The fixed variant turns it into -ENOMEM (readdir
// fails, no oops).
func TestPostedReaddirNullDeref(t *testing.T) {
	cfg := sim.Config{Faults: true}
	for _, v := range []version{v09, v10} {
		p := racedReaddir(v, variant.Pdirops)
		out := search(p, cfg, taskReaddir, 400, 60, "null-deref")
		if out == nil {
			t.Fatalf("%s: no schedule with one preemption and one fault dereferences NULL", p.Name)
		}
		sched := out.Report.Schedule
		t.Logf("%s: %s (schedule %s)", p.Name, out.Report.Title, sched)
		if rep := replay(t, p, cfg, sched); rep == nil || rep.Rule != "null-deref" {
			t.Errorf("replay of %s: %v", sched, rep)
		}
		fixed := v
		fixed.fixed = true
		rep := replay(t, racedReaddir(fixed, variant.Pdirops), cfg, sched)
		if rep == nil || rep.Rule != "ovl-result" {
			t.Errorf("fixed %s on %s: want the readdir to fail cleanly (ovl-result), got %v", v.name, sched, rep)
		} else {
			t.Logf("fixed: %s", rep.Title)
		}
	}
}

// TestVfsPdiropsRenameR1 shows that the R1 the rename-vs-lookup programs
// hit in the pdirops regime is the VFS model's, not overlayfs's: on a
// plain tmpfs, a pdirops lookup owns an in-lookup dentry for "z" (taken
// before the directory lock) while rename's lookup_one_qstr_excl, under
// lock_rename, d_allocs and hashes another dentry for "z" and d_moves the
// source onto it; the lookup then hashes its own. Checked while the
// lookup still holds its (negative) result: two hashed "z". The today
// regime is clean.
func TestVfsPdiropsRenameR1(t *testing.T) {
	for _, r := range regimes {
		p := sim.Program{Name: "ovl/finding/vfs-pdirops-rename/" + r.String(), Setup: func(w *sim.World) {
			c := dcache.NewCache(w, variant.BaseToday.In(r))
			s := vfs.NewSystem(w, c)
			fs := shmem.New(s, "tmp")
			s.Root = fs.Root()
			w.Go("setup", func(t *sim.Task) {
				s.Mkdir(t, "/m")
				s.Mknod(t, "/m/a", dcache.S_IFREG)
				m, _ := s.Lookup(t, "/m")
				t.Spawn("lookup", func(t *sim.Task) {
					d := s.LookupOneUnlocked(t, &dcache.Qstr{Name: "z"}, m)
					c.CheckInvariants(t)
					if !sim.IsErr(d) {
						dcache.Dput(t, d)
					}
					dcache.Dput(t, m)
				})
				t.Spawn("rename", func(t *sim.Task) { s.Rename(t, "/m/a", "/m/z", 0) })
			})
			w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
		}}
		res := explore.DFS(p, explore.Options{MaxPreemptions: 2, Budget: 20000})
		got := "clean"
		if res.First != nil {
			got = res.First.Rule
			t.Logf("%s: %s (schedule %s, %d runs)", p.Name, res.First.Title, res.First.Schedule, res.Runs)
		} else {
			t.Logf("%s: clean, %d runs, exhausted %v", p.Name, res.Runs, res.Exhausted)
		}
		want := map[variant.Regime]string{variant.Today: "clean", variant.Pdirops: "R1"}[r]
		if got != want {
			t.Errorf("%s: %s, want %s", p.Name, got, want)
		}
	}
}
