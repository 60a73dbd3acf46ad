package vfs_test

// Concurrent syscalls on tmpfs, explored under both locking regimes and
// on mainline, the v3 series without patch 12, and the whole series: two
// tasks racing on one name (lookup, create, unlink, rename, whiteout,
// link, readdir...), each alone and with memory pressure as a third task
// (one shrinker pass, then drop_caches). Each program is explored by DFS up to
// two preemptions (one under -short). Every run ends with the dcache
// invariants, the leak walker, the reference check (env.umountCheck) and
// the scenario's own check of the syscalls' results; ->lookup is checked
// against R4 on every call. The expected outcome of every combination,
// clean or the checker that fires, is in ccExpect, and the table is in
// docs/findings.md ("tmpfs and VFS outcomes"). Set
// DCSIM_OUTCOMES=FILE to write the table afresh.

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// scenario is a setup script (one task, before the racers start), one
// script per racing task, and a check of the results ("" if allowed).
type scenario struct {
	name  string
	setup []string
	tasks [][]string
	check func(res [][]string) string
	marks []string // marks some run of the exploration must hit
}

func oneOf(got string, allowed ...string) bool { return slices.Contains(allowed, got) }

// isFd reports whether an open result is a descriptor.
func isFd(r string) bool { return strings.HasPrefix(r, "fd") }

var scenarios = []scenario{
	{
		name:  "lookup-lookup",
		tasks: [][]string{{"stat /n"}, {"stat /n"}},
		check: func(r [][]string) string {
			if r[0][0] != "-ENOENT" || r[1][0] != "-ENOENT" {
				return "a lookup of a missing name did not fail with -ENOENT"
			}
			return ""
		},
		marks: []string{"->lookup", "d_alloc_parallel: waited on in-lookup"},
	},
	{
		name:  "lookup-create",
		tasks: [][]string{{"stat /n"}, {"open /n creat", "close $"}},
		check: func(r [][]string) string {
			if !oneOf(r[0][0], "-ENOENT", "reg#2") || r[1][0] != "fd0" {
				return "unexpected results"
			}
			return ""
		},
		marks: []string{"->lookup"},
	},
	{
		name:  "create-create",
		tasks: [][]string{{"open /n creat|excl", "close $"}, {"open /n creat|excl", "close $"}},
		check: func(r [][]string) string {
			if isFd(r[0][0]) == isFd(r[1][0]) || !oneOf("-EEXIST", r[0][0], r[1][0]) {
				return "O_CREAT|O_EXCL must succeed in exactly one task, the other -EEXIST"
			}
			return ""
		},
	},
	{
		name:  "create-unlink",
		tasks: [][]string{{"open /n creat", "close $"}, {"unlink /n"}},
		check: func(r [][]string) string {
			if !isFd(r[0][0]) || !oneOf(r[1][0], "0", "-ENOENT") {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name:  "unlink-unlink",
		setup: []string{"mknod /f reg = 0"},
		tasks: [][]string{{"unlink /f"}, {"unlink /f"}},
		check: func(r [][]string) string {
			if a, b := r[0][0], r[1][0]; !(a == "0" && b == "-ENOENT" || a == "-ENOENT" && b == "0") {
				return "exactly one unlink must succeed"
			}
			return ""
		},
	},
	{
		name:  "unlink-lookup",
		setup: []string{"mknod /f reg = 0"},
		tasks: [][]string{{"unlink /f"}, {"stat /f"}},
		check: func(r [][]string) string {
			if r[0][0] != "0" || !oneOf(r[1][0], "reg#2", "-ENOENT") {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name:  "mkdir-rmdir",
		tasks: [][]string{{"mkdir /s"}, {"rmdir /s"}},
		check: func(r [][]string) string {
			if r[0][0] != "0" || !oneOf(r[1][0], "0", "-ENOENT") {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name:  "rmdir-create-inside",
		setup: []string{"mkdir /s = 0"},
		tasks: [][]string{{"rmdir /s"}, {"open /s/f creat", "close $"}},
		check: func(r [][]string) string {
			ok := r[0][0] == "0" && r[1][0] == "-ENOENT" || r[0][0] == "-ENOTEMPTY" && isFd(r[1][0])
			if !ok {
				return "rmdir and a create inside must serialise"
			}
			return ""
		},
	},
	{
		name:  "rename-lookup",
		setup: []string{"mknod /a reg = 0"},
		tasks: [][]string{{"rename /a /b"}, {"stat /b", "stat /a"}},
		check: func(r [][]string) string {
			// Each stat sees the file or not; the second cannot see an
			// older state than the first (b there, then a there).
			b, a := r[1][0], r[1][1]
			if r[0][0] != "0" || !oneOf(b, "reg#2", "-ENOENT") || !oneOf(a, "reg#2", "-ENOENT") || b == "reg#2" && a == "reg#2" {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name:  "rename-cross-dirs",
		setup: []string{"mkdir /a = 0", "mkdir /b = 0", "mknod /a/x reg = 0", "mknod /b/y reg = 0"},
		tasks: [][]string{{"rename /a/x /b/x"}, {"rename /b/y /a/y"}},
		check: func(r [][]string) string {
			if r[0][0] != "0" || r[1][0] != "0" {
				return "both renames must succeed"
			}
			return ""
		},
	},
	{
		name:  "rename-dir-into-subdir",
		setup: []string{"mkdir /a = 0", "mkdir /b = 0"},
		tasks: [][]string{{"rename /a /b/a"}, {"rename /b /a/b"}},
		check: func(r [][]string) string {
			// Whichever goes first, the other would move a directory
			// into its own subtree.
			if a, b := r[0][0], r[1][0]; !(a == "0" && oneOf(b, "-EINVAL", "-ENOENT") || b == "0" && oneOf(a, "-EINVAL", "-ENOENT")) {
				return "exactly one rename must succeed"
			}
			return ""
		},
	},
	{
		name:  "exchange-lookup",
		setup: []string{"mknod /a reg = 0", "mkdir /b = 0"},
		tasks: [][]string{{"rename /a /b exchange"}, {"stat /a"}},
		check: func(r [][]string) string {
			if r[0][0] != "0" || !oneOf(r[1][0], "reg#2", "dir#3") {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name:  "whiteout-lookup",
		setup: []string{"mknod /a reg = 0"},
		tasks: [][]string{{"rename /a /b whiteout"}, {"stat /a"}},
		check: func(r [][]string) string {
			// Before, the file; after, the whiteout (a new inode, #3).
			if r[0][0] != "0" || !oneOf(r[1][0], "reg#2", "wht#3") {
				return "unexpected results"
			}
			return ""
		},
		marks: []string{"shmem: whiteout created"},
	},
	{
		name:  "link-unlink",
		setup: []string{"mknod /f reg = 0"},
		tasks: [][]string{{"link /f /g"}, {"unlink /f"}},
		check: func(r [][]string) string {
			if !oneOf(r[0][0], "0", "-ENOENT") || r[1][0] != "0" {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name:  "readdir-create",
		setup: []string{"mknod /a reg = 0"},
		tasks: [][]string{{"ls /"}, {"open /n creat", "close $"}},
		check: func(r [][]string) string {
			if !oneOf(r[0][0], "a:reg", "a:reg,n:reg") || !isFd(r[1][0]) {
				return "unexpected results"
			}
			return ""
		},
	},
}

// whiteout reports whether the scenario renames with RENAME_WHITEOUT,
// the only operation v3 12/19 changes.
func (sc scenario) whiteout() bool {
	for _, sc := range sc.tasks {
		for _, l := range sc {
			if strings.Contains(l, "whiteout") {
				return true
			}
		}
	}
	return false
}

// TestV3SameAsV3No12 checks that patch 12 changes nothing in the
// scenarios without a whiteout: explored to bound 1, the whole series and
// the series without patch 12 run the same number of runs, of distinct
// step sequences and of steps, with the same marks. The matrix therefore
// explores those scenarios on v3-no12 only.
func TestV3SameAsV3No12(t *testing.T) {
	for _, sc := range scenarios {
		if sc.whiteout() {
			continue
		}
		for _, r := range regimes {
			var got [2]string
			for i, p := range []variant.Variant{variant.V3Today, V3No12} {
				res := explore.DFS(ccProgram("same", sc, p, r, thirds[0]), explore.Options{MaxPreemptions: 1})
				got[i] = fmt.Sprintf("%s runs=%d distinct=%d steps=%d marks=%v", outcomeOf(res), res.Runs, res.Distinct, res.Steps, res.Marks)
			}
			if got[0] != got[1] {
				t.Errorf("%s/%s: v3 %s\nv3-no12 %s", sc.name, r, got[0], got[1])
			}
		}
	}
}

// third is the optional third task: memory pressure during the race.
type third struct {
	name   string
	script []string
}

var thirds = []third{
	{"", nil},
	{"pressure", []string{"pressure 16", "dropcaches"}},
}

// ccProgram builds the program of one combination. A setup task runs the
// setup script (each line must give its result) and then starts the
// racers.
func ccProgram(name string, sc scenario, p variant.Variant, r variant.Regime, th third) sim.Program {
	return sim.Program{Name: name, Setup: func(w *sim.World) {
		e := newEnv(w, p, r)
		scripts := slices.Clone(sc.tasks)
		if th.script != nil {
			scripts = append(scripts, th.script)
		}
		res := make([][]string, len(scripts))
		for i := range scripts {
			res[i] = make([]string, len(scripts[i]))
		}
		w.Go("setup", func(t *sim.Task) {
			fd := -1
			for _, l := range sc.setup {
				call, want, _ := strings.Cut(l, " = ")
				if got := e.runLine(t, call, &fd); got != want {
					t.Violation(sim.KindInvariant, "setup", fmt.Sprintf("setup: %s = %s, want %s", call, got, want), "")
				}
			}
			for i, sc := range scripts {
				t.Spawn(strings.Fields(sc[0])[0], func(t *sim.Task) { e.runScript(t, sc, res[i]) })
			}
		})
		w.AtEnd(func(w *sim.World) {
			if th.script != nil && res[len(sc.tasks)][0] != "0" {
				// tmpfs keeps no unused dentry: negatives die at their
				// last dput (DCACHE_DONTCACHE), positives are pinned
				// (DCACHE_PERSISTENT). The shrinker finds an empty LRU.
				w.Violation(sim.KindInvariant, "outcome", "the shrinker took dentries off a tmpfs LRU: "+res[len(sc.tasks)][0], "")
			}
			if msg := sc.check(res[:len(sc.tasks)]); msg != "" {
				w.Violation(sim.KindInvariant, "outcome", msg, fmt.Sprintf("results %q\n%s", res, e.fs.SB.Dump()))
			}
		})
	}}
}

// ccExpect is the outcome each combination must have: "clean", or the
// checker (kind[rule]) of the first report.
func ccExpect(sc string, v string, r variant.Regime) string {
	switch {
	case sc == "whiteout-lookup" && v == "v3":
		return "warn[WARN_ON]" // v3 12/19: d_make_persistent on the in-lookup twin
	case sc == "rename-lookup" && r == variant.Pdirops:
		// __start_renaming's lookup_one_qstr_excl d_allocs and hashes
		// the target while an unlocked lookup owns an in-lookup dentry
		// of the same name.
		return "invariant[R3]"
	}
	return "clean"
}

// ccResult is one explored combination.
type ccResult struct {
	name, expect, got string
	runs              int
	exhausted         bool
	bound             int
	schedule          string
	preemptions       int
	elapsed           time.Duration
	order             int
}

func outcomeOf(res *explore.Result) string {
	switch {
	case res.Err != nil:
		return "error: " + res.Err.Error()
	case res.First != nil:
		return fmt.Sprintf("%s[%s]", res.First.Kind, res.First.Rule)
	}
	return "clean"
}

func TestConcurrentMatrix(t *testing.T) {
	// Preemption bounds for programs of two and of three tasks, and the
	// run budget of each exploration.
	b2, b3, budget := 2, 1, 50000
	switch {
	case os.Getenv("DCSIM_LONG") != "":
		b3, budget = 2, 300000
	case testing.Short():
		b2, budget = 1, 5000
	}
	var mu sync.Mutex
	var rows []ccResult
	t.Run("all", func(t *testing.T) {
		for _, v := range versions {
			for _, r := range regimes {
				t.Run(v.name+"/"+r.String(), func(t *testing.T) {
					t.Parallel()
					for _, sc := range scenarios {
						if v.p == variant.V3Today && !sc.whiteout() {
							continue // the same program as v3-no12: TestV3SameAsV3No12
						}
						for _, th := range thirds {
							row := ccExplore(t, sc, th, v, r, b2, b3, budget)
							mu.Lock()
							rows = append(rows, row)
							mu.Unlock()
						}
					}
				})
			}
		}
	})
	slices.SortFunc(rows, func(a, b ccResult) int { return a.order - b.order })
	total := 0
	for _, r := range rows {
		total += r.runs
	}
	t.Logf("%d combinations, %d runs (bounds %d/%d, budget %d each)", len(rows), total, b2, b3, budget)
	if path := os.Getenv("DCSIM_OUTCOMES"); path != "" {
		writeOutcomes(t, path, rows)
	}
}

// ccExplore explores one combination and checks its outcome.
func ccExplore(t *testing.T, sc scenario, th third, v version, r variant.Regime, b2, b3, budget int) ccResult {
	name := ccName(sc, th, v, r)
	expect := ccExpect(sc.name, v.name, r)
	bound := b2
	if th.script != nil {
		bound = b3
	}
	opts := explore.Options{MaxPreemptions: bound, Budget: budget, RecheckEvery: 101}
	if expect == "clean" && th.name == "" {
		opts.RequireMarks = sc.marks
	}
	start := time.Now()
	res := explore.DFS(ccProgram(name, sc, v.p, r, th), opts)
	row := ccResult{name: name, expect: expect, got: outcomeOf(res), runs: res.Runs,
		exhausted: res.Exhausted, bound: res.Bound, elapsed: time.Since(start), order: ccOrder(sc, th, v, r)}
	if res.First != nil {
		row.schedule = res.First.Schedule
		row.preemptions = res.FirstPreemptions
	}
	if row.got != expect {
		msg := ""
		if res.First != nil {
			msg = res.First.Format()
		}
		t.Errorf("%s: %s, want %s\n%s", name, row.got, expect, msg)
	}
	if len(res.MissingMarks) > 0 {
		t.Errorf("%s: marks never hit: %v", name, res.MissingMarks)
	}
	if expect == "clean" && !res.Exhausted && bound == b2 && budget >= 50000 {
		t.Errorf("%s: not exhausted within %d runs at bound %d", name, res.Runs, bound)
	}
	return row
}

func ccName(sc scenario, th third, v version, r variant.Regime) string {
	n := sc.name
	if th.name != "" {
		n += "+" + th.name
	}
	return fmt.Sprintf("vfs/%s/%s/%s", n, v.name, r)
}

// ccOrder sorts the table: scenario, third task, version, regime.
func ccOrder(sc scenario, th third, v version, r variant.Regime) int {
	si := slices.IndexFunc(scenarios, func(x scenario) bool { return x.name == sc.name })
	ti := slices.IndexFunc(thirds, func(x third) bool { return x.name == th.name })
	vi := slices.IndexFunc(versions, func(x version) bool { return x.name == v.name })
	return ((si*len(thirds)+ti)*len(versions)+vi)*len(regimes) + int(r)
}

// writeOutcomes writes the outcome table for docs/findings.md: one row
// per scenario (and its memory-pressure variant), one column per version
// and regime. A cell is the outcome, the runs explored and the preemption
// bound, with "exh." when the bound was exhausted; the reports follow with
// their schedules.
func writeOutcomes(t *testing.T, path string, rows []ccResult) {
	byName := map[string]ccResult{}
	for _, r := range rows {
		byName[r.name] = r
	}
	var b strings.Builder
	b.WriteString("| scenario |")
	for _, v := range versions {
		for _, r := range regimes {
			fmt.Fprintf(&b, " %s %s |", v.name, r)
		}
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---|", len(versions)*len(regimes)))
	b.WriteString("\n")
	var reports []ccResult
	for _, sc := range scenarios {
		for _, th := range thirds {
			label := sc.name
			if th.name != "" {
				label += " + " + th.name
			}
			fmt.Fprintf(&b, "| %s |", label)
			for _, v := range versions {
				for _, r := range regimes {
					row, ok := byName[ccName(sc, th, v, r)]
					if !ok {
						b.WriteString(" = v3-no12 |")
						continue
					}
					ex := ""
					if row.exhausted {
						ex = ", exh."
					}
					fmt.Fprintf(&b, " %s (%d runs, bound %d%s) |", row.got, row.runs, row.bound, ex)
					if row.schedule != "" {
						reports = append(reports, row)
					}
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\nReports (first report of each program, fewest preemptions first):\n\n")
	for _, r := range reports {
		fmt.Fprintf(&b, "* `%s`: %s, `%s` (%d preemption(s))\n", r.name, r.got, r.schedule, r.preemptions)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}

// ccByName finds the program of a combination by its name
// ("vfs/SCENARIO[+THIRD]/VERSION/REGIME").
func ccByName(name string) (sim.Program, bool) {
	for _, sc := range scenarios {
		for _, th := range thirds {
			for _, v := range versions {
				for _, r := range regimes {
					if ccName(sc, th, v, r) == name {
						return ccProgram(name, sc, v.p, r, th), true
					}
				}
			}
		}
	}
	return sim.Program{}, false
}

// TestReplay replays the schedule in DCSIM_REPLAY (a matrix program's
// schedule string) with full tracing and prints its report.
func TestReplay(t *testing.T) {
	str := os.Getenv("DCSIM_REPLAY")
	if str == "" {
		t.Skip("set DCSIM_REPLAY to a schedule string")
	}
	sched, err := sim.ParseSchedule(str)
	if err != nil {
		t.Fatal(err)
	}
	prog, ok := ccByName(sched.Program)
	if !ok {
		t.Fatalf("no program %q", sched.Program)
	}
	out := sim.Execute(prog, sim.Config{Trace: sim.TraceFull, RecentSteps: 400}, sim.NewPrefixReplay(sched))
	defer out.Release()
	if out.Report == nil {
		t.Log("clean")
		return
	}
	t.Log(out.Report.Format())
}
