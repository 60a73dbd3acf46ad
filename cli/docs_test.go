package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// Every schedule printed in the docs replays, through the same code path
// as `dcsim replay`, to the report the doc states beside it. A line that
// shows a schedule says what it gives: "clean", or the report's kind with
// its rule in brackets ("invariant [R5]"), as the report's first line does.
// With -update, a schedule that no longer gives its stated report (after a
// model change) is found again by exploring its scenario@variant and
// rewritten in place.

var updateDocs = flag.Bool("update", false, "TestDocsSchedulesReplay: re-explore and rewrite doc schedules that no longer replay as stated")

var (
	// v2:SCENARIO@VARIANT:SETTINGS:FINGERPRINT:DECISIONS; a variant may
	// hold '+', '=' and ',' (v3+fix=ovl-readdir, 01-11,13-19), settings
	// are '-' or a comma list (faults,signals,steps=N).
	scheduleRE = regexp.MustCompile(`v2:[A-Za-z0-9_/.+=,@-]+:(?:-|[a-z]+(?:=[0-9]+)?(?:,[a-z]+(?:=[0-9]+)?)*):[0-9a-f]{8}:[0-9a-z.*]*`)
	staleRE    = regexp.MustCompile(`\bv1:[a-z]`)
	stateRE    = regexp.MustCompile(`\b(deadlock|lockdep|kasan|leak|warn|bug|oops|livelock|panic|invariant|consistency|nondeterminism) \[([^\]]+)\]|\bclean\b`)
	headerRE   = regexp.MustCompile(`(?m)^=== dcsim: (\S+) \[([^\]]+)\]`)
)

// exampleSchedules starts the schedules of the example module's scenarios
// (docs/extending.md): this module's catalog does not have them, and
// example/foldfs's TestDocsSchedules replays them with its own.
const exampleSchedules = "v2:foldfs/"

// docFiles are the files whose schedules the test replays.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := filepath.Glob("../docs/*/*.md") // docs/rules/
	if err != nil {
		t.Fatal(err)
	}
	return append(append(files, sub...), "../README.md")
}

type docSchedule struct {
	file       string
	line       int // 1-based
	schedule   string
	kind, rule string // kind "clean" for a clean run
}

func (d docSchedule) where() string { return filepath.Base(d.file) + ":" + strconv.Itoa(d.line) }

func (d docSchedule) stated() string {
	if d.kind == "clean" {
		return "clean"
	}
	return d.kind + " [" + d.rule + "]"
}

// docSchedules lists the schedules of the files with the report each
// line states. Of several statements on a line, a schedule takes the
// nearest one between it and its neighbouring schedules.
func docSchedules(t *testing.T, files []string) []docSchedule {
	t.Helper()
	var out []docSchedule
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			where := fmt.Sprintf("%s:%d", filepath.Base(f), i+1)
			if staleRE.MatchString(line) {
				t.Errorf("%s: a v1 schedule; schedules are v2 now: %s", where, line)
			}
			locs := scheduleRE.FindAllStringIndex(line, -1)
			states := stateRE.FindAllStringSubmatchIndex(line, -1)
			for j, loc := range locs {
				lo, hi := 0, len(line)
				if j > 0 {
					lo = locs[j-1][1]
				}
				if j+1 < len(locs) {
					hi = locs[j+1][0]
				}
				best, dist := -1, len(line)+1
				for k, m := range states {
					if m[0] < lo || m[1] > hi {
						continue
					}
					dk := m[0] - loc[1]
					if m[1] <= loc[0] {
						dk = loc[0] - m[1]
					}
					if dk < dist {
						best, dist = k, dk
					}
				}
				s := line[loc[0]:loc[1]]
				if strings.HasPrefix(s, exampleSchedules) {
					continue // replayed by the example module's own test
				}
				if best < 0 {
					t.Errorf("%s: schedule %s without the report it gives (write \"kind [rule]\" or \"clean\" on its line)", where, s)
					continue
				}
				m := states[best]
				d := docSchedule{file: f, line: i + 1, schedule: s, kind: "clean"}
				if m[2] >= 0 {
					d.kind, d.rule = line[m[2]:m[3]], line[m[4]:m[5]]
				}
				out = append(out, d)
			}
		}
	}
	return out
}

// replayProblem replays d through the CLI and says what is wrong with
// it, or "" when it gives the stated report on an unchanged program.
func replayProblem(t *testing.T, d docSchedule) string {
	t.Helper()
	code, out, errOut := dcsim(t, "replay", "-q", d.schedule)
	m := headerRE.FindStringSubmatch(out)
	switch {
	case strings.Contains(errOut, "warning: the program"):
		return "recorded on a program that has changed since: " + strings.TrimSpace(errOut)
	case code == 2:
		return "dcsim replay: " + strings.TrimSpace(errOut)
	case d.kind == "clean" && (code != 0 || m != nil):
		return fmt.Sprintf("the doc says clean, replay exits %d:\n%s", code, out)
	case d.kind != "clean" && (m == nil || m[1] != d.kind || m[2] != d.rule):
		return fmt.Sprintf("the doc says %s, replay gives %v (exit %d)", d.stated(), m, code)
	}
	return ""
}

func TestDocsSchedulesReplay(t *testing.T) {
	ds := docSchedules(t, docFiles(t))
	if len(ds) == 0 {
		t.Fatal("no schedule found in docs/")
	}
	var stale []docSchedule
	for _, d := range ds {
		if p := replayProblem(t, d); p != "" {
			if !*updateDocs {
				t.Errorf("%s: %s: %s", d.where(), d.schedule, p)
			}
			stale = append(stale, d)
		}
	}
	if len(stale) > 0 && !*updateDocs {
		t.Log("after a model change: go test ./cli -run TestDocsSchedulesReplay -update")
	}
	if *updateDocs {
		for _, d := range refreshDocs(t, stale) {
			t.Logf("%s: rewrote %s", d.where(), d.schedule)
		}
	}
	t.Logf("%d schedules in the docs replay as stated", len(ds)-len(stale))
}

// refreshDocs finds each stale schedule again and rewrites it in its
// file, then replays the new one; it returns the schedules rewritten.
func refreshDocs(t *testing.T, stale []docSchedule) []docSchedule {
	t.Helper()
	var done []docSchedule
	for _, d := range stale {
		s, err := refind(d)
		if err != nil {
			t.Errorf("%s: cannot refresh %s: %v", d.where(), d.schedule, err)
			continue
		}
		if err := rewriteLine(d, s); err != nil {
			t.Fatal(err)
		}
		nd := d
		nd.schedule = s
		if p := replayProblem(t, nd); p != "" {
			t.Errorf("%s: refreshed %s: %s", d.where(), s, p)
			continue
		}
		done = append(done, nd)
	}
	return done
}

// refind explores d's scenario@variant with the DFS within its cell's
// bounds and the schedule's settings until it meets the stated report,
// passing over the rules found before it.
func refind(d docSchedule) (string, error) {
	if d.kind == "clean" {
		return "", fmt.Errorf("a clean schedule cannot be found by exploring; write it by hand")
	}
	old, err := sim.ParseSchedule(d.schedule)
	if err != nil {
		return "", err
	}
	tg, err := scheduleTarget(old, "", io.Discard)
	if err != nil {
		return "", err
	}
	cs := tg.cell.Settings()
	bound, budget, faults := cs.Bound, cs.Budget, cs.MaxFaults
	if !tg.cfg.Faults && !tg.cfg.Signals {
		faults = 0
	}
	ignore := slices.Clone(cs.Ignore)
	for {
		r := explore.DFS(tg.program(), explore.Options{Budget: budget, MaxPreemptions: bound,
			MaxFaults: faults, Config: tg.cfg, Ignore: ignore})
		switch {
		case r.Err != nil:
			return "", r.Err
		case r.First == nil:
			return "", fmt.Errorf("%s not found in %d runs (bound %d, ignoring %v)", d.stated(), r.Runs, bound, ignore)
		case string(r.First.Kind) == d.kind && r.First.Rule == d.rule:
			return r.First.Schedule, nil
		case slices.Contains(ignore, r.First.Rule):
			return "", fmt.Errorf("the exploration reported ignored rule %s", r.First.Rule)
		}
		ignore = append(ignore, r.First.Rule)
	}
}

// rewriteLine replaces d's schedule with s on d's line of its file.
func rewriteLine(d docSchedule, s string) error {
	data, err := os.ReadFile(d.file)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	l := lines[d.line-1]
	i := strings.Index(l, d.schedule)
	if i < 0 {
		return fmt.Errorf("%s: %s is no longer on its line", d.where(), d.schedule)
	}
	lines[d.line-1] = l[:i] + s + l[i+len(d.schedule):]
	return os.WriteFile(d.file, []byte(strings.Join(lines, "\n")), 0o644)
}

// TestDocsScheduleRefresh runs the refresh on a copy of a doc with stale
// schedules: one that no longer fits its program, and one whose stated
// rule is not the first the exploration finds (WARN_ON hides the
// ERR_PTR oops).
func TestDocsScheduleRefresh(t *testing.T) {
	f := filepath.Join(t.TempDir(), "stale.md")
	// A schedule that is current: what explore finds today.
	_, out, _ := dcsim(t, "explore", "--scenario", "dcache/addci-vs-exact", "--variant", "v3")
	current, ok := sim.ScheduleFromReport(out)
	if !ok {
		t.Fatalf("explore printed no schedule:\n%s", out)
	}
	unchanged := "Unchanged: `" + current + "`, lockdep [unbalanced-up_read]."
	doc := "# Stale\n\n" +
		"The relock: `v2:dcache/addci-relock@v3/today:-:12345678:0*5` gives lockdep [circular].\n" +
		"| oops [err-ptr-deref] | `v2:shmem/rename-whiteout-enomem@v3/today:faults:00000000:f0*7` |\n" +
		unchanged + "\n"
	if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	ds := docSchedules(t, []string{f})
	var stale []docSchedule
	for _, d := range ds {
		if replayProblem(t, d) != "" {
			stale = append(stale, d)
		}
	}
	if len(ds) != 3 || len(stale) != 2 {
		t.Fatalf("%d schedules, %d stale; want 3 and 2", len(ds), len(stale))
	}
	if done := refreshDocs(t, stale); len(done) != 2 {
		t.Fatalf("refreshed %d of 2", len(done))
	}
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	// The refreshed schedules replay as their lines state; the rest of
	// the doc is untouched. (Their exact strings move with the model.)
	after := docSchedules(t, []string{f})
	if len(after) != 3 {
		t.Fatalf("%d schedules after the refresh, want 3", len(after))
	}
	for _, d := range after {
		if p := replayProblem(t, d); p != "" {
			t.Errorf("after the refresh, %s: %s", d.schedule, p)
		}
	}
	lines := strings.Split(string(data), "\n")
	if !strings.Contains(string(data), unchanged) ||
		!strings.HasPrefix(lines[2], "The relock: `v2:dcache/addci-relock@v3/today:-:") || !strings.HasSuffix(lines[2], "` gives lockdep [circular].") {
		t.Errorf("refreshed doc changed more than its schedules:\n%s", data)
	}
}
