package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/dcsim/dcsim/internal/native"
	"github.com/dcsim/dcsim/scenarios"
)

// TestNativeCells: every native case names a catalog cell that expects a
// violation, and its fixed version a clean cell of the same scenario, so
// that the race table's native columns sit on the right rows.
func TestNativeCells(t *testing.T) {
	for _, c := range native.Cases {
		if e, ok := catalogExpect(t, c.Cell); ok && e == scenarios.Clean {
			t.Errorf("%s: a native bug case on a clean cell", c.Cell)
		}
		if c.Fixed == nil {
			continue
		}
		if strings.Split(c.FixedCell, "@")[0] != strings.Split(c.Cell, "@")[0] {
			t.Errorf("%s: fixed cell %s is another scenario", c.Cell, c.FixedCell)
		}
		if e, ok := catalogExpect(t, c.FixedCell); ok && e != scenarios.Clean {
			t.Errorf("%s: the fixed version's cell %s expects %v", c.Cell, c.FixedCell, e)
		}
	}
	if _, ok := native.Of("demo/abba@mainline/today"); !ok {
		t.Error("native.Of misses a case")
	}
	if _, ok := native.Of("demo/abba@v3/today"); ok {
		t.Error("native.Of finds a cell that has no case")
	}
}

// catalogExpect is the expectation of the catalog cell named
// scenario@variant, as the race table names it.
func catalogExpect(t *testing.T, name string) (scenarios.Expect, bool) {
	t.Helper()
	scName, _, _ := strings.Cut(name, "@")
	sc, err := scenarios.Lookup(scName)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return scenarios.Expect{}, false
	}
	for _, c := range sc.Cells {
		if sc.Name+"@"+c.Name() == name {
			return c.Expect, true
		}
	}
	t.Errorf("%s: no such cell", name)
	return scenarios.Expect{}, false
}

// TestNativeSummary: one measurement prints as before; repeats print the
// median [min-max] of executions and times, a miss counted at its cap,
// and how many found the bug; slow executions are said.
func TestNativeSummary(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		sts  []native.Stats
		want string
	}{
		{[]native.Stats{{Execs: 7, Elapsed: 2 * ms, Found: native.Wrong}}, "7 in 2.0ms (wrong result)"},
		{[]native.Stats{{Execs: 9, Elapsed: 3 * ms, Slow: 1}}, "none in 9 (3.0ms; 1 slow, not hung)"},
		{[]native.Stats{
			{Execs: 5, Elapsed: 1 * ms, Found: native.Hang},
			{Execs: 100, Elapsed: 9 * ms},
			{Execs: 2, Elapsed: 4 * ms, Found: native.Hang},
		}, "5 [2-100] in 4.0ms [1.0ms-9.0ms] (hang 2/3)"},
		{[]native.Stats{{Execs: 3, Elapsed: ms}, {Execs: 4, Elapsed: ms}}, "4 [3-4] in 1.0ms [1.0ms-1.0ms] (none 0/2)"},
	} {
		if got := nativeSummary(c.sts); got != c.want {
			t.Errorf("nativeSummary(%v) = %q, want %q", c.sts, got, c.want)
		}
	}
}

func TestMatchAnyGlob(t *testing.T) {
	for _, c := range []struct {
		pats, name string
		want       bool
	}{
		{"stashed/*,nfs/mkdir-vs-lookup", "stashed/dying-dentry", true},
		{"stashed/*,nfs/mkdir-vs-lookup", "nfs/mkdir-vs-lookup", true},
		{"stashed/*,nfs/mkdir-vs-lookup", "nfs/create-vs-lookup", false},
	} {
		if got := matchAnyGlob(c.pats, c.name); got != c.want {
			t.Errorf("matchAnyGlob(%q, %q) = %v", c.pats, c.name, got)
		}
	}
}

// TestBenchRacesNative: --scenario restricts the table to one race case,
// whose native columns are measured --native-repeat times and set
// against dcsim's; a bad glob is a usage error. (rcu-walk-vs-kill never
// hangs natively, so no goroutine is left blocked.)
func TestBenchRacesNative(t *testing.T) {
	code, out, errs := dcsim(t, "bench", "--races", "--scenario", "vfs/rcu-walk-vs-kill", "--cap", "20", "--runs", "20",
		"--native-time", "200ms", "--native-repeat", "2")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"vfs/rcu-walk-vs-kill@mainline+mut=no-walk-restart/today", "(wrong result 2/2)",
		"native jitter vs dcsim: vfs/rcu-walk-vs-kill@", "1 race cases", "each native mode measured 2 times"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "stashed/") {
		t.Errorf("--scenario let another scenario in:\n%s", out)
	}
	if code, _, errs := dcsim(t, "bench", "--races", "--scenario", "["); code != 2 || !strings.Contains(errs, "syntax error in pattern") {
		t.Errorf("bad glob: exit %d, %q", code, errs)
	}
}
