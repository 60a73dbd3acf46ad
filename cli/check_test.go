package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dcsim/dcsim/scenarios"
)

// The demo scenarios check in milliseconds; the whole catalog is
// checked by .ci/run, not by tests.
const demoCells = "demo/*"

func TestCheckDemos(t *testing.T) {
	code, out, errOut := dcsim(t, "check", "--scenario", demoCells, "--no-times")
	if code != 0 || errOut != "" {
		t.Fatalf("check: exit %d, stderr %q\n%s", code, errOut, out)
	}
	n := 0
	for _, sc := range scenarios.All() {
		if !strings.HasPrefix(sc.Name, "demo/") {
			continue
		}
		for _, c := range sc.Cells {
			n++
			row := regexp.MustCompile(`(?m)^ok +` + regexp.QuoteMeta(sc.Name) + ` +` + regexp.QuoteMeta(c.Variant.String()) +
				` +` + regexp.QuoteMeta(c.Expect.String()) + ` `)
			if !row.MatchString(out) {
				t.Errorf("no ok row for %s@%s expecting %s", sc.Name, c.Variant, c.Expect)
			}
		}
	}
	// A clean cell says how much it covered; a violation how to replay it.
	for _, want := range []string{
		"demo/abba-ordered  ", "exhausted (all interleavings)\n", "exhausted within preemption bound 2\n",
		"      replay: dcsim replay 'v2:demo/abba@mainline/today:-:db02a243:0*5'\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, "\n"+strconv.Itoa(n)+" of "+strconv.Itoa(n)+" cells met their expectation; clean cells: 1 exhausted (all interleavings), 2 exhausted within their bounds, 0 stopped at the budget, 0 stopped at the time limit\n") {
		t.Errorf("summary:\n%s", out)
	}
	if strings.Contains(out, "time") && strings.Contains(out, "total time") {
		t.Errorf("--no-times printed a time:\n%s", out)
	}
	// The output depends on nothing but the catalog.
	if _, again, _ := dcsim(t, "check", "--scenario", demoCells, "--no-times"); again != out {
		t.Errorf("a second check prints different output:\n%s\n---\n%s", out, again)
	}
	// With times: a time column and the total.
	_, timed, _ := dcsim(t, "check", "--scenario", "demo/abba")
	if !regexp.MustCompile(`(?m)^ +scenario +variant +expected +found +runs +time +coverage\n`).MatchString(timed) ||
		!regexp.MustCompile(`\ntotal time \d+\.\ds\n$`).MatchString(timed) {
		t.Errorf("timed check:\n%s", timed)
	}
}

// A violation cell's replay command replays to the report it found.
func TestCheckReplayLine(t *testing.T) {
	_, out, _ := dcsim(t, "check", "--scenario", "demo/refcount")
	m := regexp.MustCompile(`replay: dcsim replay '(v2:[^']+)'`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no replay line:\n%s", out)
	}
	if code, rout, _ := dcsim(t, "replay", "-q", m[1]); code != 1 || !strings.Contains(rout, "=== dcsim: kasan") {
		t.Errorf("replay %s: exit %d\n%s", m[1], code, rout)
	}
}

// Each outcome a cell can have, and the exit code it leads to.
func TestCheckOutcomes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want []string // substrings of stdout
	}{
		// A budget too small to reach a required mark: incomplete, not clean.
		{[]string{"--scenario", "dcache/parallel-lookup", "--variant", "mainline/*", "--budget-scale", "0.00005"}, 1,
			[]string{"FAIL  dcache/parallel-lookup  mainline/today  clean     incomplete", "required mark never reached:", "0 of 1 cells met"}},
		// Clean at the budget meets "clean", and says so.
		{[]string{"--scenario", "demo/abba-ordered", "--budget-scale", "0.0001"}, 0,
			[]string{"ok  demo/abba-ordered", "stopped at the budget (2 runs)", "1 stopped at the budget"}},
		// A time limit is reported, never hidden.
		{[]string{"--scenario", "demo/abba-ordered", "--cell-time", "1ns"}, 0,
			[]string{"stopped at the time limit (1 runs)", "1 stopped at the time limit"}},
		// A violation expected but not reached in the budget: not met.
		{[]string{"--scenario", "demo/lost-wakeup", "--budget-scale", "0.0001"}, 1,
			[]string{"FAIL  demo/lost-wakeup  mainline/today  deadlock  clean", "stopped at the budget (2 runs)"}},
		// A variant glob without '/' matches the regime alone.
		{[]string{"--scenario", "demo/abba-ordered", "--variant", "today"}, 0, []string{"ok  demo/abba-ordered"}},
	}
	for _, tc := range tests {
		code, out, errOut := dcsim(t, append([]string{"check", "--no-times"}, tc.args...)...)
		if code != tc.code || errOut != "" {
			t.Errorf("check %q: exit %d (want %d), stderr %q\n%s", tc.args, code, tc.code, errOut, out)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("check %q: output lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}

func TestCheckBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--scenario", "demo/abab"}, `unknown scenario "demo/abab"; did you mean demo/abba`},
		{[]string{"--scenario", "nothing/*"}, `no scenario matches "nothing/*"`},
		{[]string{"--scenario", "demo/["}, "bad pattern"},
		{[]string{"--scenario", "demo/*", "--variant", "v9*"}, "no cell of the scenarios"},
		{[]string{"--budget-scale", "0"}, "--budget-scale must be a positive number"},
		{[]string{"--budget-scale", "NaN"}, "--budget-scale must be a positive number"},
		{[]string{"--max-time", "-1s"}, "must not be negative"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		code, out, errOut := dcsim(t, append([]string{"check"}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("check %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// An interrupt stops the check after the cell it cuts short and prints
// what was done; the exit code is 1 (the catalog was not checked).
func TestCheckInterrupted(t *testing.T) {
	cells, err := selectCells(demoCells, "*")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cf := checkFlags{scenario: demoCells, variant: "*", budgetScale: 1, noTimes: true,
		afterCell: func(done int) {
			if done == 2 {
				cancel()
			}
		}}
	rep := runCheck(ctx, cells, &cf, io.Discard)
	s := rep.Summary
	if s.Checked != 2 || s.Selected != len(cells) || !s.Interrupted || s.ExitCode != 1 || s.Met != 2 {
		t.Errorf("summary after an interrupt at cell 2: %+v", s)
	}
	var b strings.Builder
	printCheck(&b, rep)
	if !strings.Contains(b.String(), "\ninterrupted: 2 of "+strconv.Itoa(len(cells))+" cells checked\n") {
		t.Errorf("interrupted table:\n%s", b.String())
	}
	// Interrupted before the first cell, through the command itself.
	var o, e bytes.Buffer
	if code := runCtx(ctx, []string{"check", "--scenario", demoCells}, &o, &e); code != 1 ||
		!strings.Contains(o.String(), "interrupted: 0 of ") {
		t.Errorf("check with a cancelled context: exit %d\n%s%s", code, o.String(), e.String())
	}
}

// Progress goes to stderr as plain lines when stderr is not a terminal,
// and never to stdout.
func TestCheckProgressLines(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = time.Millisecond
	code, out, errOut := dcsim(t, "check", "--scenario", "dcache/owner-and-waiter", "--variant", "v3/today", "--no-times")
	if code != 0 || strings.Contains(out, "elapsed") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	line := regexp.MustCompile(`^check \[1/1\] dcache/owner-and-waiter@v3/today: \d+/20000 runs, [0-9.]+m?s elapsed$`)
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if errOut == "" {
		t.Fatalf("no progress line on stderr")
	}
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("progress line %q", l)
		}
	}
}

// The JSON decodes into the program's own types with no unknown field,
// re-encodes byte for byte, and docs/json.md lists exactly its fields.
func TestCheckJSON(t *testing.T) {
	code, out, _ := dcsim(t, "check", "--json", "--no-times", "--scenario", "demo/*,dcache/parallel-lookup", "--variant", "mainline/*")
	if code != 0 {
		t.Fatalf("check --json: exit %d\n%s", code, out)
	}
	var rep checkReport
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	var again bytes.Buffer
	if err := writeJSON(&again, &rep); err != nil || again.String() != out {
		t.Errorf("re-encoded JSON differs (err %v):\n%s\n---\n%s", err, out, again.String())
	}
	if rep.Schema != checkSchema || len(rep.Cells) != 7 || rep.Summary.Checked != 7 || rep.Summary.ExitCode != 0 {
		t.Errorf("report: schema %q, %d cells, summary %+v", rep.Schema, len(rep.Cells), rep.Summary)
	}
	for _, c := range rep.Cells {
		if c.Seconds != nil || !c.Met || c.MissingMarks == nil || (c.Report != nil) != (c.Replay != "") || c.Regime != "today" {
			t.Errorf("cell %+v", c)
		}
	}
	if strings.Contains(out, "seconds") {
		t.Errorf("--no-times JSON has times:\n%s", out)
	}

	// Every JSON field the program writes is in docs/json.md, and back.
	doc, err := os.ReadFile("../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	var fields []string
	for _, v := range []any{checkReport{}, cellResult{}, reportResult{}, checkSummary{}} {
		ty := reflect.TypeOf(v)
		for i := range ty.NumField() {
			fields = append(fields, strings.Split(ty.Field(i).Tag.Get("json"), ",")[0])
		}
	}
	if !slices.Equal(documented, fields) {
		t.Errorf("docs/json.md documents %q,\nthe program writes %q", documented, fields)
	}

	// -o with --json: JSON in the file, the table on stdout.
	file := filepath.Join(t.TempDir(), "check.json")
	code, tout, _ := dcsim(t, "check", "--json", "--no-times", "--scenario", "demo/*,dcache/parallel-lookup", "--variant", "mainline/*", "-o", file)
	data, _ := os.ReadFile(file)
	if code != 0 || string(data) != out || !strings.Contains(tout, "7 of 7 cells met") || !strings.Contains(tout, "written to "+file) {
		t.Errorf("check --json -o: exit %d, file:\n%s\nstdout:\n%s", code, data, tout)
	}
}
