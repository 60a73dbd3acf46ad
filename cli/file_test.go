package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outside is a scenario file outside the catalog.
const outside = "../testdata/outside.dcs"

// TestScenarioFileByPath: run, explore, bench and list take a scenario
// file by path; a schedule of its scenario replays with --file.
func TestScenarioFileByPath(t *testing.T) {
	code, out, errs := dcsim(t, "run", "-q", "--scenario", outside)
	if code != 0 || !strings.Contains(out, "scenario outside/rename-whiteout-twice@mainline/today\n") {
		t.Fatalf("run by path: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = dcsim(t, "explore", "--scenario", outside, "--variant", "v3/today", "--preemptions", "1")
	if code != 1 || !strings.Contains(out, "violation: warn [WARN_ON]") {
		t.Fatalf("explore by path: exit %d\n%s%s", code, out, errs)
	}
	sched := regexp.MustCompile(`(?m)^schedule: (v2:\S*)$`).FindStringSubmatch(out)
	if sched == nil || !strings.HasPrefix(sched[1], "v2:outside/rename-whiteout-twice@v3/today:") {
		t.Fatalf("explore printed no schedule of the file's scenario:\n%s", out)
	}
	code, out, errs = dcsim(t, "replay", "-q", "--file", outside, sched[1])
	if code != 1 || !strings.Contains(out, "=== dcsim: warn [WARN_ON]") || strings.Contains(out, "warning:") {
		t.Fatalf("replay --file: exit %d\n%s%s", code, out, errs)
	}
	// run --schedule takes the file through --scenario.
	if code, out, errs = dcsim(t, "run", "-q", "--scenario", outside, "--schedule", sched[1]); code != 1 {
		t.Fatalf("run --schedule with a file: exit %d\n%s%s", code, out, errs)
	}
	// Without the file the scenario is unknown, and the error says why.
	code, _, errs = dcsim(t, "replay", sched[1])
	if code != 2 || !strings.Contains(errs, "pass --file PATH") {
		t.Fatalf("replay without --file: exit %d, stderr %q", code, errs)
	}
	if code, out, errs = dcsim(t, "bench", "--scenario", outside, "--runs", "3"); code != 0 || !strings.Contains(out, "3 runs") {
		t.Fatalf("bench by path: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = dcsim(t, "list", "--file", outside)
	if code != 0 || !strings.HasPrefix(out, "outside/rename-whiteout-twice  (../testdata/outside.dcs:5)\n") {
		t.Fatalf("list --file: exit %d\n%s", code, out)
	}
}

// TestScenarioFileErrors: a file that does not parse exits 2 with
// file:line:col; a missing file and a name the file lacks are usage
// errors too.
func TestScenarioFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.dcs")
	if err := os.WriteFile(bad, []byte("scenario x\ndoc d\ntask t\n  stat a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"run", "--scenario", bad}, bad + `:4:8: path "a" is not absolute`},
		{[]string{"explore", "--scenario", bad}, bad + ":4:8: "},
		{[]string{"list", "--file", bad}, bad + ":4:8: "},
		{[]string{"replay", "--file", bad, "v2:x@mainline/today:-:00000000:"}, bad + ":4:8: "},
		{[]string{"run", "--scenario", filepath.Join(dir, "none.dcs")}, "no such file"},
		{[]string{"run", "--file", outside, "--scenario", "nope"}, `has no scenario "nope"`},
	} {
		code, _, errs := dcsim(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.stderr) {
			t.Errorf("dcsim %q: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.stderr)
		}
	}
}
