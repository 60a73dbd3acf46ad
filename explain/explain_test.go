package explain_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dcsim/dcsim/explain"
	"github.com/dcsim/dcsim/sim"
)

var (
	classA = sim.NewLockClass("test A")
	classB = sim.NewLockClass("test B")
)

// abbaAfterWait: task "b" waits until "a" has taken A then B and set a
// flag; then "b" takes B then A, which lockdep reports as circular. With
// ordered, "b" takes A then B too and the run is clean.
func abbaAfterWait(ordered bool) sim.Program {
	return sim.Program{Name: "explain/abba", Setup: func(w *sim.World) {
		var o sim.Object
		w.NewStatic(&o, "locks")
		var a, b sim.SpinLock
		a.Init(&o, "A", classA)
		b.Init(&o, "B", classB)
		flag := false
		w.Go("b", func(t *sim.Task) {
			sim.WaitVarEvent(t, &o, "flag", func() bool { t.Read(&o, "flag"); return flag })
			first, second := &b, &a
			if ordered {
				first, second = &a, &b
			}
			first.Lock(t)
			second.Lock(t)
			second.Unlock(t)
			first.Unlock(t)
		})
		w.Go("a", func(t *sim.Task) {
			a.Lock(t)
			b.Lock(t)
			t.Mark("a holds both")
			b.Unlock(t)
			a.Unlock(t)
			t.Write(&o, "flag")
			flag = true
			sim.WakeUpVar(t, &o, "flag")
		})
	}}
}

func record(t *testing.T, ordered bool) *explain.Run {
	t.Helper()
	r, err := explain.Record("explain/abba", abbaAfterWait(ordered), sim.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestNarration: the narration says who takes and releases each lock,
// that "b" blocks and becomes runnable again, marks, and where the
// violation was reported; the clean run has no ">>>" line.
func TestNarration(t *testing.T) {
	var buf bytes.Buffer
	record(t, false).WriteText(&buf, explain.TextOptions{})
	out := buf.String()
	for _, s := range []string{
		"result:  lockdep [circular] at step",
		"T1 a takes locks#1.A",
		"T1 a releases locks#1.B",
		"T0 b is blocked on wait_var_event(locks#1.flag)",
		"T0 b is runnable again",
		"mark: T1 a: a holds both",
		">>> lockdep [circular] reported here",
		"lockdep                    (at every lock acquisition): FIRED",
		"test A -(EN)-> test B  by T1 a at step",
		"== the interleaving, one column per task",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("narration lacks %q:\n%s", s, out)
		}
	}
	buf.Reset()
	clean := record(t, true)
	clean.WriteText(&buf, explain.TextOptions{})
	if strings.Contains(buf.String(), "reported here") || !strings.Contains(buf.String(), "result:  clean") {
		t.Errorf("clean run narrated as a violation:\n%s", buf.String())
	}
}

// TestRecordIsDeterministic: two recordings render byte for byte alike.
func TestRecordIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	record(t, false).WriteText(&a, explain.TextOptions{Verbose: true})
	record(t, false).WriteText(&b, explain.TextOptions{Verbose: true})
	if a.String() != b.String() {
		t.Fatal("two recordings of one program differ")
	}
}

// schema is the trace-event format's JSON schema (testdata).
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/trace-event.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://dcsim.invalid/trace-event.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPerfettoIsValidTraceEventJSON: the export validates against the
// trace-event schema, has a named track per task and one for lock holds,
// a slice per lock hold and for the blocked period, the mark and the
// violation as instants; the schema rejects a malformed event (an X
// slice without its duration).
func TestPerfettoIsValidTraceEventJSON(t *testing.T) {
	sch := schema(t)
	for _, ordered := range []bool{false, true} {
		var buf bytes.Buffer
		if err := record(t, ordered).WritePerfetto(&buf); err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Fatalf("not valid trace-event JSON: %v\n%s", err, buf.String())
		}
		var tf explain.TraceFile
		if err := json.Unmarshal(buf.Bytes(), &tf); err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, e := range tf.TraceEvents {
			switch {
			case e.Ph == "M" && e.Name == "thread_name":
				count["track "+e.Args["name"].(string)]++
			case e.Ph == "X":
				count[e.Cat+" "+e.Name]++
			case e.Ph == "i" && e.Cat != "step":
				count[e.Cat]++
			}
		}
		// Each task's holds nest two deep: two lock tracks each. In the
		// circular run b holds A, in lockdep's view, when it is stopped.
		want := map[string]int{"track T0 b": 1, "track T1 a": 1, "track T0 b locks": 1, "track T1 a locks": 1,
			"track T1 a locks (nested 1)": 1, "track T0 b locks (nested 1)": 1,
			"lock locks#1.A": 2, "lock locks#1.B": 2, "wait blocked on wait_var_event(locks#1.flag)": 1, "mark": 1}
		if !ordered {
			want["violation"] = 1
		}
		for k, n := range want {
			if count[k] != n {
				t.Errorf("ordered=%v: %d of %q, want %d (all: %v)", ordered, count[k], k, n, count)
			}
		}
	}
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"traceEvents":[{"name":"x","ph":"X","ts":1,"pid":1,"tid":1}]}`))
	if sch.Validate(bad) == nil {
		t.Error("the schema accepts an X event without dur")
	}
}

// TestDOT: the lock-order graph has a node per class and the edge lockdep
// learned; after the inversion, the refused edge that closes the cycle
// in red. The ordered run has the one edge.
func TestDOT(t *testing.T) {
	edge := regexp.MustCompile(`(?m)^  "([^"]+)" -> "([^"]+)" \[label="([^"]+)"(, color=red.*)?\];$`)
	for _, c := range []struct {
		ordered bool
		edges   []string
	}{{false, []string{"test A->test B", "test B->test A red"}}, {true, []string{"test A->test B"}}} {
		var buf bytes.Buffer
		record(t, c.ordered).WriteDOT(&buf)
		out := buf.String()
		if !strings.Contains(out, "digraph lockdep {") || !strings.HasSuffix(out, "}\n") || strings.Count(out, "{") != strings.Count(out, "}") {
			t.Fatalf("not a DOT digraph:\n%s", out)
		}
		var got []string
		for _, m := range edge.FindAllStringSubmatch(out, -1) {
			got = append(got, m[1]+"->"+m[2]+map[bool]string{true: " red"}[m[4] != ""])
		}
		if strings.Join(got, ",") != strings.Join(c.edges, ",") {
			t.Errorf("ordered=%v: edges %v, want %v\n%s", c.ordered, got, c.edges, out)
		}
	}
}

// TestHTMLIsSelfContained: the page embeds its data and script, loads
// nothing from the network, and escapes what could close the script.
func TestHTMLIsSelfContained(t *testing.T) {
	var buf bytes.Buffer
	r := record(t, false)
	r.Title = "</script><b>x</b>"
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"http://", "https://", "src=", "<link", "</script><b>"} {
		if strings.Contains(out, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, s := range []string{`id="run-data"`, `id="timeline"`, `id="replay"`, `id="violation"`, `id="state"`} {
		if !strings.Contains(out, s) {
			t.Errorf("page lacks %s", s)
		}
	}
}

// A report of a kind no checker row names still shows as fired.
func TestCheckersOtherKind(t *testing.T) {
	prog := sim.Program{Name: "explain/other", Setup: func(w *sim.World) {
		w.Go("t", func(t *sim.Task) { t.Violation(sim.KindMark, "required-mark", "a mark was never reached", "") })
	}}
	r, err := explain.Record("explain/other", prog, sim.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	r.WriteText(&buf, explain.TextOptions{})
	if !strings.Contains(buf.String(), "FIRED: mark [required-mark] a mark was never reached") {
		t.Errorf("the report's checker is not shown as fired:\n%s", buf.String())
	}
}
