package dcsimtest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcsimtest"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The tests here run failing checks in a subprocess (this test binary,
// with childEnv set), read the rerun line they print and run it.

const childEnv = "DCSIMTEST_CHILD"

// wakeupProgram is a test-local program: the waiter-bit protocol of
// demo/lost-wakeup, posted or (with DCSIMTEST_FIXED set) fixed, under
// one name, as a program is before and after its bug is fixed.
func wakeupProgram() sim.Program {
	name := "demo/lost-wakeup"
	if os.Getenv("DCSIMTEST_FIXED") != "" {
		name = "demo/lost-wakeup-fixed"
	}
	sc, err := scenarios.Lookup(name)
	if err != nil {
		panic(err)
	}
	return sim.Program{Name: "dcsimtest/wakeup", Setup: func(w *sim.World) { sc.Setup(w, variant.BaseToday) }}
}

func TestChildLostWakeup(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("a failing check: TestRerunLine runs it in a subprocess")
	}
	dcsimtest.Check(t, "demo/lost-wakeup", variant.BaseToday)
}

func TestChildWakeupProgram(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("a check of a test-local program: TestFailFileReplayedFirst runs it in a subprocess")
	}
	dcsimtest.CheckProgram(t, wakeupProgram())
}

func TestChildSeeded(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("a failing sampled check: TestSeedFlagAndEnv runs it in a subprocess")
	}
	dcsimtest.Check(t, "demo/lost-wakeup", variant.BaseToday, dcsimtest.Strategy("random"), dcsimtest.Budget(2000))
}

// TestSeedFlagAndEnv: the seed of a sampled exploration comes from
// DCSIM_SEED, -dcsim.seed overrides it, and the failure says which.
func TestSeedFlagAndEnv(t *testing.T) {
	if testing.Short() {
		t.Skip("three more subprocesses; the rerun line's own test runs in -short")
	}
	out, ok := child(t, t.TempDir(), "TestChildSeeded", []string{"DCSIM_SEED=7"})
	if ok || !strings.Contains(out, "found by random after") || !strings.Contains(out, "(-dcsim.seed=7)") {
		t.Fatalf("DCSIM_SEED=7:\n%s", out)
	}
	out, ok = child(t, t.TempDir(), "TestChildSeeded", []string{"DCSIM_SEED=7"}, "-dcsim.seed=9")
	if ok || !strings.Contains(out, "(-dcsim.seed=9)") {
		t.Fatalf("DCSIM_SEED=7 -dcsim.seed=9:\n%s", out)
	}
	out, ok = child(t, t.TempDir(), "TestChildLostWakeup", nil, "-dcsim.strategy=pct", "-dcsim.seed=3")
	if ok || !strings.Contains(out, "found by pct after") || !strings.Contains(out, "(-dcsim.seed=3)") {
		t.Fatalf("-dcsim.strategy=pct -dcsim.seed=3:\n%s", out)
	}
}

// child runs test in this test binary in dir, with env and args added;
// it returns the output and whether the test passed.
func child(t *testing.T, dir, test string, env []string, args ...string) (string, bool) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"-test.run=^" + test + "$", "-test.v"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=1", "DCSIM_SCHEDULE=", "DCSIM_SEED=", "DCSIM_STRATEGY="}, env...)...)
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running %s: %v", test, err)
	}
	return string(out), err == nil
}

var rerunRE = regexp.MustCompile(`rerun:  go test (-run '[^']*') -dcsim\.schedule='([^']*)'`)

// rerun returns the -run argument and the schedule of out's rerun line.
func rerun(t *testing.T, out string) (string, string) {
	t.Helper()
	m := rerunRE.FindAllStringSubmatch(out, -1)
	if len(m) != 1 {
		t.Fatalf("want one rerun line, found %d in:\n%s", len(m), out)
	}
	return m[0][1], m[0][2]
}

// report is the dcsim report in a check's output: from its "=== dcsim:"
// title to its replay line.
func report(t *testing.T, out string) string {
	t.Helper()
	i := strings.Index(out, "=== dcsim:")
	j := strings.Index(out, "replay:   dcsim replay")
	if i < 0 || j < i {
		t.Fatalf("no report in:\n%s", out)
	}
	return out[i:j]
}

func TestRerunLine(t *testing.T) {
	dir := t.TempDir()
	out, ok := child(t, dir, "TestChildLostWakeup", nil)
	if ok || !strings.Contains(out, "dcsimtest: demo/lost-wakeup@mainline/today: deadlock found by dfs") {
		t.Fatalf("the check passed or did not say what it found:\n%s", out)
	}
	run, schedule := rerun(t, out)
	if run != `-run '^TestChildLostWakeup$'` || !strings.HasPrefix(schedule, "v2:demo/lost-wakeup@mainline/today:-:") {
		t.Fatalf("rerun line: %s -dcsim.schedule=%s", run, schedule)
	}
	// Rerun it as printed, elsewhere (no fail file to replay first).
	again, ok := child(t, t.TempDir(), "TestChildLostWakeup", nil, "-dcsim.schedule="+schedule)
	if ok || !strings.Contains(again, "deadlock replaying -dcsim.schedule") {
		t.Fatalf("the rerun did not fail on the schedule:\n%s", again)
	}
	if a, b := report(t, out), report(t, again); a != b {
		t.Errorf("the rerun's report differs:\n%s\nrerun:\n%s", a, b)
	}
	if _, s := rerun(t, again); s != schedule {
		t.Errorf("the rerun prints another schedule: %s", s)
	}
	// The replay says the same as `dcsim replay` would: the schedule names
	// a catalog scenario and variant, with its fingerprint.
	if strings.Contains(again, "has changed since") {
		t.Errorf("fingerprint mismatch on the rerun:\n%s", again)
	}
}

func TestFailFileReplayedFirst(t *testing.T) {
	dir := t.TempDir()
	out, ok := child(t, dir, "TestChildWakeupProgram", nil)
	if ok {
		t.Fatalf("the check passed:\n%s", out)
	}
	_, schedule := rerun(t, out)
	files, _ := filepath.Glob(filepath.Join(dir, "testdata", "dcsim", "TestChildWakeupProgram", "*.fail"))
	if len(files) != 1 {
		t.Fatalf("want one fail file, found %q", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil || !strings.Contains(string(data), "\n"+schedule+"\n") {
		t.Fatalf("fail file %s does not hold the schedule %s:\n%s", files[0], schedule, data)
	}
	rel, _ := filepath.Rel(dir, files[0])
	if !strings.Contains(out, "saved:  "+rel) {
		t.Errorf("the failure does not name its fail file %s:\n%s", rel, out)
	}
	// The next run replays the fail file before exploring anything.
	again, ok := child(t, dir, "TestChildWakeupProgram", nil)
	if ok || !strings.Contains(again, "deadlock replaying the fail file "+rel) || strings.Contains(again, "found by dfs") {
		t.Fatalf("the second run did not fail from the fail file alone:\n%s", again)
	}
	if a, b := report(t, out), report(t, again); a != b {
		t.Errorf("the fail file's report differs:\n%s\nreplayed:\n%s", a, b)
	}
	// Once the program is fixed the fail file replays clean: logged, and
	// the exploration decides.
	fixed, ok := child(t, dir, "TestChildWakeupProgram", []string{"DCSIMTEST_FIXED=1"})
	if !ok || !strings.Contains(fixed, "fail file "+rel+" replays clean now") {
		t.Fatalf("the fixed program's check:\n%s", fixed)
	}
}

func TestRerunLineQuoting(t *testing.T) {
	got := dcsimtest.RerunLine("TestX/it's_a.case", "v2:p:-:00000000:0*2")
	want := `go test ./dcsimtest -run '^TestX$/^it'\''s_a\.case$' -dcsim.schedule='v2:p:-:00000000:0*2'`
	if got != want {
		t.Errorf("RerunLine:\n got %s\nwant %s", got, want)
	}
}
