package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// -h and --help print the command's usage once, to stdout, exit 0; so
// does "help COMMAND".
func TestHelpOnEveryCommand(t *testing.T) {
	for name := range commands {
		for _, args := range [][]string{{name, "-h"}, {name, "--help"}, {"help", name}} {
			code, out, errOut := dcsim(t, args...)
			if code != 0 || errOut != "" || strings.Count(out, "usage: dcsim "+name) != 1 || !strings.Contains(out, "\nflags:\n") {
				t.Errorf("dcsim %q: exit %d, stderr %q, stdout:\n%s", args, code, errOut, out)
			}
		}
	}
}

// A flag error prints the error, then the full usage, to stderr; exit 2.
func TestFlagErrorPrintsUsage(t *testing.T) {
	for name := range commands {
		code, out, errOut := dcsim(t, name, "--frob")
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "dcsim "+name+": flag provided but not defined: -frob\n\nusage: dcsim "+name) ||
			!strings.Contains(errOut, "\nflags:\n  -") {
			t.Errorf("dcsim %s --frob: exit %d, stdout %q, stderr:\n%s", name, code, out, errOut)
		}
	}
}

func TestListNames(t *testing.T) {
	code, out, _ := dcsim(t, "list", "ovl/*", "demo/abba")
	if code != 0 || !strings.HasPrefix(out, "demo/abba  (go)\n") || !strings.Contains(out, "\novl/readdir-vs-lookup  (go)\n") ||
		strings.Contains(out, "demo/refcount") || strings.Contains(out, "vfs/") {
		t.Errorf("list ovl/* demo/abba: exit %d\n%s", code, out)
	}
	for _, tc := range []struct{ arg, want string }{
		{"demo/abab", `unknown scenario "demo/abab"; did you mean demo/abba`},
		{"nothing/*", `no scenario matches "nothing/*"`},
		{"[", "bad pattern"},
	} {
		if code, out, errOut := dcsim(t, "list", tc.arg); code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("list %s: exit %d, stderr %q", tc.arg, code, errOut)
		}
	}
}

func TestListVariants(t *testing.T) {
	code, out, _ := dcsim(t, "list", "--variants")
	if code != 0 {
		t.Fatalf("list --variants: exit %d", code)
	}
	for _, n := range variant.Known() {
		if !strings.Contains(out, "  "+n.Variant.String()+" ") || !strings.Contains(out, n.Doc) {
			t.Errorf("list --variants lacks %s (%s):\n%s", n.Variant, n.Doc, out)
		}
	}
	ts := variant.Toggles(0)
	if len(ts) == 0 {
		t.Fatal("no toggles registered")
	}
	for _, tg := range ts {
		if !strings.Contains(out, "+"+tg.Toggle.String()+" ") || !strings.Contains(out, tg.Doc+" ("+tg.Package+")") {
			t.Errorf("list --variants lacks %s:\n%s", tg.Toggle, out)
		}
	}
	if code, _, errOut := dcsim(t, "list", "--variants", "demo/abba"); code != 2 || !strings.Contains(errOut, "no scenario names") {
		t.Errorf("list --variants NAME: exit %d, %q", code, errOut)
	}
}

// -o is created before any work: a path that cannot be written is bad
// input (exit 2) and nothing runs. Every mode that reports honours it.
func TestOutputFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "no-such-dir", "out.txt")
	const sched = "v2:demo/abba@mainline/today:-:db02a243:0*5"
	for _, args := range [][]string{
		{"run", "-o", bad},
		{"replay", "-o", bad, sched},
		{"explore", "-o", bad},
		{"check", "-o", bad},
	} {
		code, out, errOut := dcsim(t, args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "-o: open "+bad) {
			t.Errorf("dcsim %q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	for _, args := range [][]string{
		{"run", "--scenario", "demo/abba"},
		{"replay", sched},
		{"explore", "--scenario", "demo/abba"},
		{"check", "--scenario", "demo/abba", "--no-times"},
	} {
		file := filepath.Join(dir, args[0]+".txt")
		code, out, _ := dcsim(t, append(args, "-o", file)...)
		data, err := os.ReadFile(file)
		if err != nil || len(data) == 0 || !strings.Contains(out, string(data)) || !strings.Contains(out, file) {
			t.Errorf("dcsim %q -o: exit %d, err %v, file:\n%s\nstdout:\n%s", args, code, err, data, out)
		}
		// What run, replay and explore write replays.
		if args[0] != "check" {
			if s, ok := sim.ScheduleFromReport(string(data)); !ok || !strings.HasPrefix(s, "v2:demo/abba@mainline/today:") {
				t.Errorf("dcsim %q -o: file's schedule %q", args, s)
			}
		}
	}
	// Bad input found after the file was created leaves no file.
	file := filepath.Join(dir, "late.txt")
	if code, _, _ := dcsim(t, "run", "--scenario", "nope", "-o", file); code != 2 {
		t.Errorf("run --scenario nope: exit %d", code)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("bad input left %s behind (%v)", file, err)
	}
}

// Error lines are capped: a megabyte argument yields a readable line.
func TestErrorLinesCapped(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, args := range [][]string{
		{"run", "--scenario", long},
		{"replay", long},
		{"run", long},
		{long},
	} {
		code, _, errOut := dcsim(t, args...)
		if code != 2 || !strings.Contains(errOut, "…") {
			t.Errorf("dcsim %.20q...: exit %d, stderr %.400q", args, code, errOut)
		}
		for _, l := range strings.Split(errOut, "\n") {
			if utf8.RuneCountInString(l) > maxErrLine {
				t.Errorf("dcsim %.20q...: line of %d characters", args, utf8.RuneCountInString(l))
			}
		}
	}
}

// Unknown scenarios name the nearest ones, in every command.
func TestUnknownScenarioSuggests(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--scenario", "demo/refcont"},
		{"explore", "--scenario", "demo/refcont"},
		{"bench", "--scenario", "demo/refcont"},
		{"check", "--scenario", "demo/refcont"},
		{"list", "demo/refcont"},
	} {
		if code, _, errOut := dcsim(t, args...); code != 2 || !strings.Contains(errOut, "did you mean demo/refcount") {
			t.Errorf("dcsim %q: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// A preemption bound far past the tree's depth costs nothing: the DFS
// stops deepening once the bound cuts nothing, and says so.
func TestExploreHugeBound(t *testing.T) {
	code, out, _ := dcsim(t, "explore", "--scenario", "demo/abba-ordered", "--preemptions", "1000000000")
	if code != 0 || !strings.Contains(out, ": exhausted (all interleavings)\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = dcsim(t, "explore", "--scenario", "demo/lost-wakeup-fixed")
	if code != 0 || !strings.Contains(out, "preemption bound 2: exhausted within preemption bound 2\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
