package ovl

import (
	"fmt"
	"os"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// The concurrent programs use a small pair of layers: /m is a merge
// directory with "a" from the lower layer and "c" from the upper one.
var (
	raceLower = layer{"m/", "m/a"}
	raceUpper = layer{"m/", "m/c"}
)

// scenario is a concurrent program: what the setup task does after the
// mount, the workers, and the end-of-run check of their results (an
// empty string when they are right).
type scenario struct {
	name    string
	pre     func(t *sim.Task, e *env)
	workers map[string]func(t *sim.Task, e *env)
	check   func(e *env) string
	// marks must be hit by a clean exploration (proof that the paths of
	// interest ran).
	marks []string
}

func cacheM(t *sim.Task, e *env) { e.s.Stat(t, "/m") }

func cacheMAll(t *sim.Task, e *env) {
	e.s.Stat(t, "/m")
	e.s.Stat(t, "/m/a")
	e.s.Stat(t, "/m/c")
}

func readdirWorker(t *sim.Task, e *env) {
	ents, err := readdir(t, e.s, "/m")
	e.res["readdir"] = fmt.Sprintf("[%s] %s", names(ents), sim.ErrnoString(err))
}

func wantReaddir(e *env) string {
	if got := e.res["readdir"]; got != "[a c] 0" {
		return fmt.Sprintf("readdir /m returned %s, want [a c] 0", got)
	}
	return ""
}

var (
	scReaddirLookup = scenario{
		name: "readdir-vs-lookup",
		pre:  cacheM,
		workers: map[string]func(*sim.Task, *env){
			"readdir": readdirWorker,
			"lookup": func(t *sim.Task, e *env) {
				_, _, err := e.s.Stat(t, "/m/a")
				e.res["lookup"] = sim.ErrnoString(err)
			},
		},
		check: func(e *env) string {
			if msg := wantReaddir(e); msg != "" {
				return msg
			}
			if e.res["lookup"] != "0" {
				return "stat /m/a = " + e.res["lookup"]
			}
			return ""
		},
		marks: []string{"->lookup"},
	}
	scRenameLookup = scenario{
		name: "rename-whiteout-vs-lookup",
		pre:  cacheM,
		workers: map[string]func(*sim.Task, *env){
			"rename": func(t *sim.Task, e *env) {
				e.res["rename"] = sim.ErrnoString(e.s.Rename(t, "/m/a", "/m/z", 0))
			},
			"lookup": func(t *sim.Task, e *env) {
				_, _, err := e.s.Stat(t, "/m/a")
				e.res["lookup a"] = sim.ErrnoString(err)
				_, _, err = e.s.Stat(t, "/m/z")
				e.res["lookup z"] = sim.ErrnoString(err)
			},
		},
		check: func(e *env) string {
			if e.res["rename"] != "0" {
				return "rename /m/a /m/z = " + e.res["rename"]
			}
			// Linearizable outcomes: both before the rename (0, -ENOENT),
			// both after (-ENOENT, 0), or a before and z after (0, 0).
			switch a, z := e.res["lookup a"], e.res["lookup z"]; {
			case a == "0" && z == "-ENOENT", a == "-ENOENT" && z == "0", a == "0" && z == "0":
			default:
				return fmt.Sprintf("stat /m/a = %s then stat /m/z = %s: not a linearizable outcome", a, z)
			}
			up := under(tree(e.upper.SB), UpperDirName)
			if up["m/a"] != "wht" || up["m/z"] != "reg" {
				return "upper layer after the rename: " + fmtTree(up)
			}
			return ""
		},
		marks: []string{"ovl: copied up", "shmem: whiteout created", "ovl: rename left a whiteout in upper"},
	}
	scCreateUnlink = scenario{
		name: "create-vs-unlink",
		pre:  cacheM,
		workers: map[string]func(*sim.Task, *env){
			"create": func(t *sim.Task, e *env) {
				fd := e.s.Open(t, "/m/a", vfs.O_CREAT|vfs.O_WRONLY)
				if fd >= 0 {
					e.s.Close(t, fd)
					fd = 0
				}
				e.res["create"] = sim.ErrnoString(fd)
			},
			"unlink": func(t *sim.Task, e *env) {
				e.res["unlink"] = sim.ErrnoString(e.s.Unlink(t, "/m/a"))
			},
		},
		check: func(e *env) string {
			if e.res["create"] != "0" || e.res["unlink"] != "0" {
				return fmt.Sprintf("open(O_CREAT) /m/a = %s, unlink /m/a = %s", e.res["create"], e.res["unlink"])
			}
			up := under(tree(e.upper.SB), UpperDirName)
			if up["m/a"] != "wht" && up["m/a"] != "reg" {
				return "upper layer: " + fmtTree(up)
			}
			return ""
		},
		marks: []string{"ovl: whiteout left in upper", "ovl: created over a whiteout"},
	}
)

// scPressure is readdir of /m while the shrinker prunes the overlay's
// (or the upper layer's) unused dentries; the names of /m are cached
// (and unused) at the start.
func scPressure(upper bool) scenario {
	name := "pressure-ovl-sb-during-readdir"
	if upper {
		name = "pressure-upper-sb-during-readdir"
	}
	return scenario{
		name: name,
		pre:  cacheMAll,
		workers: map[string]func(*sim.Task, *env){
			"readdir": readdirWorker,
			"shrink": func(t *sim.Task, e *env) {
				sb := e.fs.SB
				if upper {
					sb = e.upper.SB
				}
				e.res["shrink"] = fmt.Sprint(e.s.MemoryPressure(t, sb, 100))
			},
		},
		check: wantReaddir,
	}
}

// vAll is the whole posted series (patch 12's shmem_whiteout included),
// with the readdir fix.
var vAll = version{"v3", variant.V3Today, true}

// raceCase is one combination and the outcome it must have: "clean", or
// the rule of the first report (the checker that fires).
type raceCase struct {
	sc     scenario
	v      version
	regime variant.Regime
	want   string
}

func raceCases() []raceCase {
	var cs []raceCase
	add := func(sc scenario, vs []version, want map[string]string) {
		for _, v := range vs {
			for _, r := range regimes {
				w := want[v.name+"/"+r.String()]
				if w == "" {
					w = want[v.name]
				}
				if w == "" {
					w = "clean"
				}
				cs = append(cs, raceCase{sc, v, r, w})
			}
		}
	}
	readdirVersions := []version{vMainline, v09, v09Fixed, v10, v10Fixed}
	// Mainline readdir waits on in-lookup dentries under the directory's
	// exclusive lock: fine today, an ABBA with pdirops lookups. The posted
	// 09/10 fire at once (no race needed): R5 for a name not yet cached,
	// and under 10 R8 for one that is (here the lookup runs first).
	add(scReaddirLookup, readdirVersions, map[string]string{
		"mainline/pdirops": "circular",
		"01-09":            "R5",
		"01-10":            "R8",
	})
	// Pdirops: the VFS model's rename looks the target up with
	// lookup_one_qstr_excl under lock_rename, while a lookup may own an
	// in-lookup dentry for that name (docs/findings.md, "VFS model: pdirops rename"). The
	// whole series fires patch 12's WARN in shmem_whiteout first.
	add(scRenameLookup, []version{vMainline, v10Fixed, vAll}, map[string]string{
		"mainline/pdirops":  "R1",
		"01-10+fix/pdirops": "R1",
		"v3":                "WARN_ON",
	})
	add(scCreateUnlink, []version{vMainline, v10Fixed, vAll}, nil)
	// The names of /m are cached when the readdir starts: the posted 09 is
	// clean unless the shrinker prunes them first (R5); 10 re-splices them
	// at once (R8). Pruning the upper tmpfs frees nothing (its dentries
	// are DONTCACHE and never on the LRU).
	add(scPressure(false), readdirVersions, map[string]string{
		"01-09": "R5",
		"01-10": "R8",
	})
	add(scPressure(true), readdirVersions, map[string]string{
		"01-10": "R8",
	})
	return cs
}

func (c raceCase) program() sim.Program {
	sc := c.sc
	name := fmt.Sprintf("ovl/%s/%s/%s", sc.name, c.v.name, c.regime)
	return program(name, c.v, c.regime, raceLower, raceUpper, sc.pre, sc.workers, func(w *sim.World, e *env) {
		if msg := sc.check(e); msg != "" {
			w.Violation(sim.KindInvariant, "ovl-result", msg, "")
		}
	})
}

// raceBudget is the DFS budget per combination: enough to cover
// preemption bounds 0 and 1 of every combination and part of bound 2.
// OVL_EXHAUSTIVE=1 explores bound 2 to the end (a few seconds each).
func raceBudget() int {
	if os.Getenv("OVL_EXHAUSTIVE") != "" {
		return 1_000_000
	}
	if testing.Short() {
		return 600
	}
	return 1500
}

// TestRaces explores every combination with DFS (preemption bound 2)
// and checks its outcome: clean, or the checker that fires first.
func TestRaces(t *testing.T) {
	for _, c := range raceCases() {
		t.Run(fmt.Sprintf("%s/%s/%s", c.sc.name, c.v.name, c.regime), func(t *testing.T) {
			t.Parallel()
			marks := c.sc.marks
			raced := c.sc.name == scReaddirLookup.name && c.v.fixed && c.v.patches.Patches != 0
			if raced && c.regime == variant.Pdirops {
				// the fixed code met the -EWOULDBLOCK path, and the lookup
				// that owned the in-lookup dentry found readdir's dentry
				alias := "ovl_lookup: alias found"
				if c.v.patches.Has(variant.P10NoblockReturn) {
					alias = "ovl_lookup: alias after raced readdir"
				}
				marks = append(marks, "ovl_cache_update: d_alloc_noblock would block", alias)
			}
			opts := explore.Options{MaxPreemptions: 2, Budget: raceBudget(), RecheckEvery: 97}
			if c.want == "clean" {
				opts.RequireMarks = marks
			}
			res := explore.DFS(c.program(), opts)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			got := "clean"
			sched := ""
			if res.First != nil {
				got = res.First.Rule
				sched = res.First.Schedule
			}
			t.Logf("| %s | %s | %s | %s | %d | %v | %s |", c.sc.name, c.v.name, c.regime, got, res.Runs, res.Exhausted, sched)
			if got != c.want {
				msg := ""
				if res.First != nil {
					msg = res.First.Format()
				}
				t.Errorf("outcome %s, want %s\n%s", got, c.want, msg)
			}
			if len(res.MissingMarks) > 0 {
				t.Errorf("marks not hit: %v", res.MissingMarks)
			}
			if raced && c.regime == variant.Today && res.Marks["ovl_cache_update: d_alloc_noblock would block"] > 0 {
				t.Errorf("d_alloc_noblock would block in the today regime")
			}
		})
	}
}
