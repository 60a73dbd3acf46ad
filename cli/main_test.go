package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/internal/leakcheck"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// dcsim runs the CLI in-process and fails the test if it panics.
func dcsim(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("dcsim %q panicked: %v", args, r)
			}
		}()
		code = run(args, &o, &e)
	}()
	return code, o.String(), e.String()
}

// traceSection is the trace of `run`/`replay` output: what lies between
// the "scenario NAME" header and the blank line before the result.
func traceSection(t *testing.T, out string) string {
	t.Helper()
	parts := strings.SplitN(out, "\n\n", 3)
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "scenario ") {
		t.Fatalf("output has no trace section:\n%s", out)
	}
	return parts[1]
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string // substring of stdout
		stderr string // substring of stderr
	}{
		{[]string{"run"}, 1, "=== dcsim: lockdep [circular]", ""},
		{[]string{"run", "--scenario", "demo/abba", "--seed", "7"}, 1, "=== dcsim: lockdep", ""},
		{[]string{"run", "--scenario", "demo/abba-ordered"}, 0, "clean: ", ""},
		{[]string{"run", "-q", "--scenario", "demo/abba-ordered"}, 0, "clean: ", ""},
		{[]string{"run", "--scenario", "demo/abba-ordered", "--max-steps", "3"}, 1, "livelock", ""},
		{[]string{"explore", "--scenario", "demo/abba-ordered"}, 0, "no violation found", ""},
		{[]string{"explore", "--scenario", "demo/lost-wakeup"}, 1, "violation: deadlock", ""},
		// A required mark never reached is its own outcome (exit 1), not "no violation found".
		{[]string{"explore", "--scenario", "dcache/parallel-lookup", "--preemptions", "0", "--budget", "1"}, 1,
			"\nincomplete: required mark \"d_alloc_parallel: waited on in-lookup\" never reached in 1 runs\n", ""},
		{[]string{"explore", "--scenario", "demo/refcount", "--strategy", "random", "--seed", "5"}, 1, "violation: kasan", ""},
		{[]string{"help"}, 0, "usage: dcsim <command>", ""},
		{[]string{"run", "-h"}, 0, "\n  -seed string\n", ""},
		{[]string{"explore", "--help"}, 0, "\n  -preemptions int\n", ""},

		{nil, 2, "", "usage: dcsim <command>"},
		{[]string{"frob"}, 2, "", `unknown command "frob"`},
		{[]string{"--scenario"}, 2, "", `unknown command "--scenario"`},
		{[]string{"run", "--frob"}, 2, "", "flag provided but not defined: -frob"},
		{[]string{"explore", "--frob=1"}, 2, "", "flag provided but not defined: -frob"},
		{[]string{"replay", "--frob", "x"}, 2, "", "flag provided but not defined"},
		{[]string{"list", "--frob"}, 2, "", "flag provided but not defined"},
		{[]string{"bench", "--frob"}, 2, "", "flag provided but not defined"},
		{[]string{"run", "--seed"}, 2, "", "flag needs an argument"},
		{[]string{"run", "--scenario", "nope"}, 2, "", `unknown scenario "nope"`},
		{[]string{"explore", "--scenario", "nope"}, 2, "", `unknown scenario "nope"`},
		{[]string{"bench", "--scenario", "nope"}, 2, "", `unknown scenario "nope"`},
		{[]string{"replay", "v2:nope:-:00000000:0.1"}, 2, "", `unknown scenario "nope"`},
		{[]string{"run", "--seed", "3", "--schedule", "v2:demo/abba:-:00000000:0"}, 2, "", "--seed and --schedule are exclusive"},
		{[]string{"run", "--schedule", "v2:demo/abba@mainline/today:-:db02a243:0..1"}, 2, "", "schedule:1:42: empty decision"},
		{[]string{"run", "--schedule", "v2:demo/abba@mainline/today:-:db02a243:0.x"}, 2, "", "schedule:1:42: bad decision"},
		{[]string{"run", "--schedule", "garbage"}, 2, "", "is neither a schedule string"},
		{[]string{"run", "--schedule", "v2:demo/abba@mainline/today:-:db02a243:0"}, 2, "", "schedule ended after 1 decisions"},
		{[]string{"replay", "v2:demo/abba@nope/today:-:00000000:0"}, 2, "", "bad patch number"},
		{[]string{"replay", "v2:" + "demo/abba@mainline/today:-:00000000:" + strings.Repeat("0*4194304.", 3) + "1"}, 2, "", "expands to more than"},
		{[]string{"run", "--schedule", "v9:demo/abba:0"}, 2, "", "schedule:1:2: schedule version 9"},
		{[]string{"replay", "v2:demo/abba:-:00000000:0.1*x"}, 2, "", "schedule:1:"},
		{[]string{"replay", "v2:demo/abba@mainline/today:-:db02a243:0*500"}, 2, "", "schedule does not fit"},
		{[]string{"run", "--schedule", "v2:demo/abba@mainline/today:-:db02a243:7"}, 2, "", "schedule does not fit"},
		{[]string{"run", "--scenario", "demo/refcount", "--schedule", "v2:demo/abba:-:00000000:0"}, 2, "", "does not match"},
		{[]string{"run", "--scenario", scenarios.DefaultName, "--schedule", "v2:demo/refcount:-:00000000:0"}, 2, "", "does not match"},
		{[]string{"run", "--seed", "-1"}, 2, "", "not a non-negative integer"},
		{[]string{"run", "--seed", "x"}, 2, "", "not a non-negative integer"},
		{[]string{"run", "extra"}, 2, "", `unexpected argument "extra"`},
		{[]string{"run", "--max-steps", "-1"}, 2, "", "--max-steps must not be negative"},
		{[]string{"explore", "extra"}, 2, "", `unexpected argument "extra"`},
		{[]string{"explore", "--strategy", "bfs"}, 2, "", "--strategy must be dfs, dpor, dpor-conservative, random, pct or pos"},
		{[]string{"explore", "--budget", "0"}, 2, "", "--budget must be positive"},
		{[]string{"explore", "--preemptions", "-1"}, 2, "", "must not be negative"},
		{[]string{"explore", "--seed", "abc"}, 2, "", `--seed "abc"`},
		{[]string{"bench", "--runs", "0"}, 2, "", "--runs must be positive"},
		{[]string{"replay"}, 2, "", "want one schedule string or report file, got 0 arguments"},
		{[]string{"replay", "a", "b"}, 2, "", "got 2 arguments"},
		{[]string{"replay", filepath.Join(t.TempDir(), "missing.txt")}, 2, "", "is neither a schedule string"},
	}
	for _, tc := range tests {
		code, stdout, stderr := dcsim(t, tc.args...)
		if code != tc.code {
			t.Errorf("dcsim %q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, stdout, stderr)
			continue
		}
		if !strings.Contains(stdout, tc.stdout) {
			t.Errorf("dcsim %q: stdout lacks %q:\n%s", tc.args, tc.stdout, stdout)
		}
		if !strings.Contains(stderr, tc.stderr) {
			t.Errorf("dcsim %q: stderr lacks %q:\n%s", tc.args, tc.stderr, stderr)
		}
		if code == 2 && len(tc.args) > 0 {
			// One clear line naming the command, no Go panic or stack.
			if !strings.HasPrefix(stderr, "dcsim") || strings.Contains(stderr+stdout, "goroutine ") {
				t.Errorf("dcsim %q: stderr %q", tc.args, stderr)
			}
		}
		if code != 2 && stderr != "" {
			t.Errorf("dcsim %q: exit %d with stderr %q", tc.args, code, stderr)
		}
	}
}

func TestRunThenReplayIsIdentical(t *testing.T) {
	for _, name := range []string{"demo/abba", "demo/refcount", "demo/lost-wakeup", "demo/refcount-rcu"} {
		for seed := range 8 {
			args := []string{"run", "--scenario", name, "--seed", fmt.Sprint(seed)}
			code, out, _ := dcsim(t, args...)
			if code != 0 && code != 1 {
				t.Fatalf("dcsim %q: exit %d\n%s", args, code, out)
			}
			sched, ok := sim.ScheduleFromReport(out)
			if !ok || !strings.HasPrefix(sched, "v2:"+name+"@") {
				t.Fatalf("dcsim %q: no schedule line in\n%s", args, out)
			}
			code2, out2, errOut := dcsim(t, "replay", sched)
			if code2 != code {
				t.Fatalf("replay %q: exit %d, run gave %d\n%s", sched, code2, code, errOut)
			}
			if traceSection(t, out2) != traceSection(t, out) {
				t.Fatalf("replay %q: trace differs from the run's:\n--- run\n%s\n--- replay\n%s", sched, out, out2)
			}
			if out2 != out {
				t.Errorf("replay %q: output differs from the run's:\n--- run\n%s\n--- replay\n%s", sched, out, out2)
			}
			// run --schedule is the same replay.
			if code3, out3, _ := dcsim(t, "run", "--schedule", sched); code3 != code || out3 != out {
				t.Errorf("run --schedule %q: exit %d, output differs:\n%s", sched, code3, out3)
			}
			// -q drops the trace but keeps the result.
			_, q, _ := dcsim(t, "replay", "-q", sched)
			if strings.Contains(q, traceSection(t, out)) || !strings.Contains(q, "schedule: "+sched) {
				t.Errorf("replay -q %q:\n%s", sched, q)
			}
		}
	}
}

func TestReplayReportFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "report.txt")
	code, out, errOut := dcsim(t, "explore", "--scenario", "demo/lost-wakeup", "-o", file)
	if code != 1 || !strings.Contains(out, "report written to "+file) {
		t.Fatalf("explore -o: exit %d\n%s\n%s", code, out, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	report := string(data)
	if !strings.Contains(out, report) || !strings.HasPrefix(report, "=== dcsim: deadlock") {
		t.Fatalf("saved report is not the printed one:\n%s", report)
	}

	code, out, errOut = dcsim(t, "replay", file)
	if code != 1 || !strings.HasSuffix(out, report) {
		t.Fatalf("replay %s: exit %d, stderr %q; want the saved report byte for byte at the end of:\n%s", file, code, errOut, out)
	}
	sched, _ := sim.ScheduleFromReport(report)
	if _, out2, _ := dcsim(t, "replay", sched); out2 != out {
		t.Errorf("replay of the file and of its schedule string differ")
	}

	// Corrupt the schedule line: the error points at file:line:col.
	lines := strings.Split(report, "\n")
	at := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "schedule: ") {
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("no schedule line in\n%s", report)
	}
	s := strings.TrimPrefix(lines[at], "schedule: ")
	lines[at] = "schedule: " + s[:strings.LastIndexByte(s, ':')+1] + "1.zz.0"
	col := strings.Index(lines[at], "zz") + 1
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = dcsim(t, "replay", bad)
	want := fmt.Sprintf("%s:%d:%d: bad decision", bad, at+1, col)
	if code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("replay of a corrupted report: exit %d, stderr %q; want %q", code, errOut, want)
	}

	// A file that is not a report.
	notReport := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notReport, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := dcsim(t, "replay", notReport); code != 2 || !strings.Contains(errOut, `no "schedule:" line`) {
		t.Errorf("replay of a non-report: exit %d, stderr %q", code, errOut)
	}
}

func TestExploreAllRefers(t *testing.T) {
	code, _, errOut := dcsim(t, "explore", "--scenario", "all")
	if code != 2 || !strings.Contains(errOut, "dcsim check explores the whole catalog") {
		t.Errorf("explore --scenario all: exit %d, stderr %q", code, errOut)
	}
}

func TestList(t *testing.T) {
	code, out, errOut := dcsim(t, "list")
	if code != 0 || errOut != "" {
		t.Fatalf("list: exit %d, stderr %q", code, errOut)
	}
	for _, sc := range scenarios.All() {
		if !strings.Contains(out, sc.Name+"  ("+sc.Source+")\n") {
			t.Errorf("list lacks %s:\n%s", sc.Name, out)
		}
		for _, c := range sc.Cells {
			past := "" // a cell past ignored rules says so
			if len(c.Ignore) > 0 {
				past = ", ignore=" + strings.Join(c.Ignore, ",")
			}
			if !strings.Contains(out, fmt.Sprintf("    @%-34s expects %s%s\n", c.Variant, c.Expect, past)) {
				t.Errorf("list lacks the cell %s@%s", sc.Name, c.Name())
			}
		}
		if w := strings.Fields(sc.Doc); !strings.Contains(out, "    "+w[0]) {
			t.Errorf("list lacks the doc of %s", sc.Name)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 76 && strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "    @") {
			t.Errorf("doc line longer than 76 columns: %q", l)
		}
	}
}

func TestBench(t *testing.T) {
	code, out, errOut := dcsim(t, "bench", "--runs", "200")
	if code != 0 || errOut != "" {
		t.Fatalf("bench: exit %d, stderr %q\n%s", code, errOut, out)
	}
	if !strings.Contains(out, "scenario "+scenarios.DefaultName+"@mainline/today: 200 runs") || !strings.Contains(out, "runs/s") {
		t.Errorf("bench output:\n%s", out)
	}
	if code, out, _ := dcsim(t, "bench", "--runs", "50", "--scenario", "demo/refcount-rcu"); code != 0 || !strings.Contains(out, ": 50 runs") {
		t.Errorf("bench refcount-rcu: exit %d\n%s", code, out)
	}
}

// A missing mark prints the incomplete outcome and nothing that reads
// as clean; with the mark reached the same scenario is clean.
func TestExploreIncomplete(t *testing.T) {
	code, out, _ := dcsim(t, "explore", "--scenario", "dcache/parallel-lookup", "--preemptions", "0", "--budget", "1")
	if code != 1 || !strings.Contains(out, "incomplete: required mark") || strings.Contains(out, "no violation found") {
		t.Errorf("missing mark: exit %d:\n%s", code, out)
	}
	code, out, _ = dcsim(t, "explore", "--scenario", "dcache/parallel-lookup", "--preemptions", "1")
	if code != 0 || strings.Contains(out, "incomplete") || !strings.Contains(out, "no violation found") {
		t.Errorf("mark reached: exit %d:\n%s", code, out)
	}
}

// Setup steps fold into one line; -v shows them. Output is the same
// byte for byte on every replay, folded or not.
func TestVerboseUnfoldsSetup(t *testing.T) {
	const sched = "v2:ovl/readdir-vs-lookup@01-09/today:-:d0d3c771:1*141"
	folded := regexp.MustCompile(`^  1-(\d+)  setup  \((\d+) steps folded; -v shows them\)\n +(\d+)  d1-2  T1 `)
	for _, cmd := range [][]string{{"replay"}, {"run", "--schedule"}} {
		code, out, _ := dcsim(t, append(cmd, sched)...)
		tr := traceSection(t, out)
		m := folded.FindStringSubmatch(tr)
		if code != 1 || m == nil || m[1] != m[2] || strings.Contains(tr, "T0 setup") {
			t.Fatalf("%q: exit %d, folded trace begins:\n%.300s", cmd, code, tr)
		}
		n, _ := strconv.Atoi(m[1])
		if next, _ := strconv.Atoi(m[3]); next != n+1 {
			t.Errorf("%q: the step after the folded setup is %d, want %d", cmd, next, n+1)
		}
		if _, again, _ := dcsim(t, append(cmd, sched)...); again != out {
			t.Errorf("%q: a second replay prints different output", cmd)
		}
		vcmd := append(append([]string{cmd[0], "-v"}, cmd[1:]...), sched)
		code, vout, _ := dcsim(t, vcmd...)
		vtr := traceSection(t, vout)
		if code != 1 || strings.Contains(vtr, "folded") || !strings.HasPrefix(vtr, "    1        T0 setup ") ||
			strings.Count(vtr, " T0 setup ") < n || !strings.Contains(vtr, fmt.Sprintf("\n%5d        T0 setup ", n)) {
			t.Errorf("%q: exit %d, verbose trace begins:\n%.300s", vcmd, code, vtr)
		}
		if _, again, _ := dcsim(t, vcmd...); again != vout {
			t.Errorf("%q: a second replay prints different output", vcmd)
		}
	}
	// explore -v prints the same report as replay -v.
	code, out, _ := dcsim(t, "explore", "-v", "--scenario", "demo/abba")
	_, rout, _ := dcsim(t, "replay", "-v", "v2:demo/abba@mainline/today:-:db02a243:0*5")
	if code != 1 || !strings.Contains(out, strings.SplitN(rout, "\n\n", 3)[2]) {
		t.Errorf("explore -v report differs from replay -v:\n%s\n---\n%s", out, rout)
	}
}
