package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/explain"
	"github.com/dcsim/dcsim/sim"
)

// violationOf explores a catalog cell as dcsim check does and returns the
// schedule of the violation it finds.
func violationOf(t *testing.T, c checkCell) string {
	t.Helper()
	res := checkOne(context.Background(), c, &checkFlags{budgetScale: 1}, nil)
	if res.Report == nil {
		t.Fatalf("%s@%s: no violation found (%s)", c.sc.Name, c.cell.Variant, res.Found)
	}
	return res.Report.Schedule
}

// cellNamed is the one catalog cell of scenario under variant.
func cellNamed(t *testing.T, scenario, variant string) checkCell {
	t.Helper()
	cells, err := selectCells(scenario, variant)
	if err != nil || len(cells) != 1 {
		t.Fatalf("%s@%s: %d cells, %v", scenario, variant, len(cells), err)
	}
	return cells[0]
}

// explainGoldens are the catalog violations whose explanations are kept
// under testdata/explain: a lost wake-up, R1 where the second dentry is
// hashed, a lockdep inversion with its DOT graph, R17's in-lookup lock
// order in columns.
var explainGoldens = []struct{ scenario, variant, format, file string }{
	{"dcache/owner-and-waiter", "v3+mut=no-lock-waiter/today", "text", "lost-wakeup.txt"},
	{"dcache/owner-and-waiter", "mainline+mut=no-in-lookup-insert/today", "text", "r1-where-hashed.txt"},
	{"demo/abba", "mainline/today", "text", "abba.txt"},
	{"demo/abba", "mainline/today", "dot", "abba.dot"},
	{"vfs/lookup-one-under-lock", "mainline/pdirops", "columns", "lookup-one-under-lock.columns"},
}

// TestExplainGolden compares explain's output on catalog violations with
// testdata/explain; -update rewrites the files (review the diff).
func TestExplainGolden(t *testing.T) {
	for _, g := range explainGoldens {
		t.Run(g.file, func(t *testing.T) {
			sched := violationOf(t, cellNamed(t, g.scenario, g.variant))
			code, out, errOut := dcsim(t, "explain", "--format", g.format, sched)
			if code != 1 || errOut != "" {
				t.Fatalf("explain %s: exit %d, stderr %q", sched, code, errOut)
			}
			path := filepath.Join("testdata", "explain", g.file)
			if *updateDocs {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./cli -run TestExplainGolden -update writes it)", err)
			}
			if out != string(want) {
				t.Errorf("explain --format %s %s differs from %s (go test ./cli -run TestExplainGolden -update):\n%s",
					g.format, sched, path, out)
			}
		})
	}
}

// TestExplainEveryViolatingCell: explain narrates the violation of every
// catalog cell that expects one (with -short, every tenth), marking the
// step the report was made at and naming it in the result line; its
// trace-event JSON decodes with a track per task.
func TestExplainEveryViolatingCell(t *testing.T) {
	cells, err := selectCells("*", "*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cells {
		if c.cell.Expect.Met(nil) {
			continue // a clean cell
		}
		n++
		if testing.Short() && n%10 != 1 {
			continue
		}
		sched := violationOf(t, c)
		code, out, errOut := dcsim(t, "explain", sched)
		kind := c.cell.Expect.Kind
		if code != 1 || errOut != "" || !strings.Contains(out, "\nresult:  "+string(kind)+" [") ||
			!strings.Contains(out, "reported here: ") || !strings.Contains(out, "== the interleaving, one column per task") {
			t.Errorf("explain %s: exit %d, stderr %q, output:\n%s", sched, code, errOut, out)
			continue
		}
		code, out, _ = dcsim(t, "explain", "--format", "perfetto", sched)
		var tf explain.TraceFile
		if err := json.Unmarshal([]byte(out), &tf); code != 1 || err != nil || len(tf.TraceEvents) == 0 {
			t.Errorf("explain --format perfetto %s: exit %d, %v", sched, code, err)
		}
	}
	if n < 50 {
		t.Errorf("only %d violating cells in the catalog", n)
	}
}

// replay --trace-json writes the same JSON as explain --format perfetto;
// explain rejects an unknown format and a clean run exits 0.
func TestExplainFormatsAndReplayTraceJSON(t *testing.T) {
	const sched = "v2:demo/abba@mainline/today:-:db02a243:0*5"
	file := filepath.Join(t.TempDir(), "t.json")
	if code, _, errOut := dcsim(t, "replay", "-q", "--trace-json", file, sched); code != 1 || !strings.Contains(errOut, file) {
		t.Fatalf("replay --trace-json: exit %d, stderr %q", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, out, _ := dcsim(t, "explain", "--format", "perfetto", sched); out != string(data) {
		t.Error("replay --trace-json and explain --format perfetto differ")
	}
	if code, _, errOut := dcsim(t, "explain", "--format", "pdf", sched); code != 2 || !strings.Contains(errOut, `--format "pdf"`) {
		t.Errorf("explain --format pdf: exit %d, %q", code, errOut)
	}
	code, out, _ := dcsim(t, "explain", "v2:dcache/owner-and-waiter@mainline/today:-:a6b7df56:1.0*13.1*7.0*2.1.0.1*2.0.1*4.0.1*3.0*3")
	if code != 0 || !strings.Contains(out, "result:  clean") {
		t.Errorf("clean run: exit %d\n%s", code, out)
	}
}

// explain takes a scenario file's schedule with --file, as replay does,
// and its replay line names the file.
func TestExplainScenarioFile(t *testing.T) {
	_, out, _ := dcsim(t, "explore", "--scenario", outside, "--variant", "v3/today", "--preemptions", "1")
	sched, ok := sim.ScheduleFromReport(out)
	if !ok {
		t.Fatalf("explore printed no schedule:\n%s", out)
	}
	code, out, errOut := dcsim(t, "explain", "--file", outside, sched)
	if code != 1 || errOut != "" || !strings.Contains(out, "replay:  dcsim replay --file "+outside+" '"+sched+"'    # gives warn [WARN_ON]") {
		t.Errorf("explain --file: exit %d, stderr %q\n%s", code, errOut, out)
	}
}

// The examples of docs/explain.md are explain's output: every line of
// its output blocks is a line that explain prints, in some format, for
// one of the schedules the page names.
func TestExplainDocExamples(t *testing.T) {
	data, err := os.ReadFile("../docs/explain.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	printed := map[string]bool{}
	for _, s := range scheduleRE.FindAllString(doc, -1) {
		for _, f := range []string{"text", "columns", "dot"} {
			_, out, _ := dcsim(t, "explain", "--format", f, s)
			for _, l := range strings.Split(out, "\n") {
				printed[l] = true
			}
		}
	}
	blocks := strings.Split(doc, "```")
	for i := 1; i < len(blocks); i += 2 {
		lang, body, _ := strings.Cut(blocks[i], "\n")
		if lang == "sh" {
			continue // commands, not output
		}
		for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
			if !printed[l] {
				t.Errorf("docs/explain.md shows a line explain does not print (regenerate the example):\n%s", l)
			}
		}
	}
}
