package dcsimtest_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcsimtest"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// recorder is a testing.TB that records failures instead of failing
// the test, so that a test can check what a check says.
type recorder struct {
	testing.TB
	failed bool
	out    strings.Builder
}

func (r *recorder) Helper() {}

func (r *recorder) Error(args ...any) { r.failed = true; fmt.Fprintln(&r.out, args...) }

func (r *recorder) Errorf(format string, args ...any) { r.Error(fmt.Sprintf(format, args...)) }

func (r *recorder) Logf(format string, args ...any) { fmt.Fprintf(&r.out, format+"\n", args...) }

func TestCheckExpectations(t *testing.T) {
	deadlock := dcsimtest.Expect(scenarios.Finds(sim.KindDeadlock))
	cases := []struct {
		name     string
		scenario string
		opts     []dcsimtest.Option
		fails    bool
		says     string
	}{
		{"clean as expected", "demo/lost-wakeup-fixed", nil, false, ""},
		{"found as expected", "demo/lost-wakeup", []dcsimtest.Option{deadlock}, false, "found deadlock, as expected"},
		{"found by random", "demo/lost-wakeup", []dcsimtest.Option{deadlock, dcsimtest.Strategy("random"), dcsimtest.Budget(2000)}, false, "as expected"},
		{"unexpected violation", "demo/lost-wakeup", nil, true, "deadlock found by dfs"},
		{"expected but clean", "demo/lost-wakeup-fixed", []dcsimtest.Option{deadlock}, true, "expected deadlock, but exploring with dfs"},
		{"unknown scenario", "demo/lost-wakeupp", nil, true, "demo/lost-wakeup"},
		{"unknown strategy", "demo/lost-wakeup", []dcsimtest.Option{dcsimtest.Strategy("bfs")}, true, `unknown strategy "bfs"`},
		{"missing mark", "demo/lost-wakeup-fixed", []dcsimtest.Option{dcsimtest.RequireMarks("never")}, true, "incomplete"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			r := &recorder{TB: t}
			dcsimtest.Check(r, c.scenario, variant.BaseToday, append(c.opts, dcsimtest.FailDir(dir))...)
			if r.failed != c.fails || !strings.Contains(r.out.String(), c.says) {
				t.Errorf("failed %v (want %v), said:\n%s\nwant it to say %q", r.failed, c.fails, r.out.String(), c.says)
			}
			entries, _ := os.ReadDir(dir)
			if saved := len(entries) > 0; saved != (c.says == "deadlock found by dfs") {
				t.Errorf("fail file written: %v", saved)
			}
		})
	}
}

// setFlag sets a -dcsim.* flag for one test.
func setFlag(t *testing.T, name, value string) {
	t.Helper()
	old := flag.Lookup(name).Value.String()
	if err := flag.Set(name, value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flag.Set(name, old) })
}

func TestScheduleFlag(t *testing.T) {
	cases := []struct {
		name, schedule string
		fails          bool
		says           string
	}{
		{"another program's", "v2:demo/abba@mainline/today:-:00000000:0*5", false, "-dcsim.schedule names demo/abba@mainline/today, not demo/lost-wakeup-fixed@mainline/today: exploring"},
		{"malformed", "v2:demo/lost-wakeup-fixed@mainline/today:-:zz", true, "-dcsim.schedule: schedule:1:"},
		{"not fitting", "v2:demo/lost-wakeup-fixed@mainline/today:-:00000000:7", true, "does not replay on demo/lost-wakeup-fixed@mainline/today"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			setFlag(t, "dcsim.schedule", c.schedule)
			r := &recorder{TB: t}
			dcsimtest.Check(r, "demo/lost-wakeup-fixed", variant.BaseToday, dcsimtest.FailDir(t.TempDir()))
			if r.failed != c.fails || !strings.Contains(r.out.String(), c.says) {
				t.Errorf("failed %v (want %v), said:\n%s\nwant it to say %q", r.failed, c.fails, r.out.String(), c.says)
			}
		})
	}
}
