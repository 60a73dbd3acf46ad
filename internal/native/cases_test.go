package native

import (
	"runtime"
	"testing"
	"time"
)

// TestFixedNeverReports: the native version of each case's clean cell
// ends right in every execution, plainly and with jitter, and leaves no
// goroutine behind (it never hangs).
func TestFixedNeverReports(t *testing.T) {
	execs := 3000
	if testing.Short() {
		execs = 100
	}
	lim := Limits{MaxExecs: execs, MaxTime: time.Minute, Hang: 5 * time.Second}
	before := runtime.NumGoroutine()
	for _, c := range Cases {
		if c.Fixed == nil {
			continue
		}
		for _, m := range []Mode{Plain, Jitter} {
			if st := Measure(Case{Cell: c.FixedCell, Exec: c.Fixed}, m, lim); st.Found != OK || st.Execs != execs {
				t.Errorf("%s %s: %v after %d executions", c.FixedCell, m, st.Found, st.Execs)
			}
		}
	}
	waitGoroutines(t, before)
}

// TestJitterDetects: jitter shows each case's bug within a generous cap
// (splice-publication takes up to ~35,000 executions),
// except where the case says it cannot; a case that cannot finds nothing.
// Cases that hang are left to TestNativeRace (a hung execution's
// goroutines stay blocked).
func TestJitterDetects(t *testing.T) {
	if testing.Short() {
		t.Skip("up to a few thousand executions per case")
	}
	before := runtime.NumGoroutine()
	for _, c := range Cases {
		if c.Fixed == nil && c.Invisible == "" {
			continue
		}
		lim := Limits{MaxExecs: 200_000, MaxTime: 8 * time.Second, Hang: 5 * time.Second}
		if c.Invisible != "" {
			lim.MaxExecs = 2000
		}
		if c.Rare != "" {
			// Too rare to wait for here: it runs without hanging, and
			// whatever it reports is the bug (its clean version never
			// reports: TestFixedNeverReports).
			if st := Measure(c, Jitter, Limits{MaxExecs: 2000, MaxTime: 5 * time.Second, Hang: 5 * time.Second}); st.Found == Hang {
				t.Errorf("%s: hung", c.Cell)
			}
			continue
		}
		st := Measure(c, Jitter, lim)
		t.Logf("%s: %d executions, %v, %v", c.Cell, st.Execs, st.Elapsed.Round(time.Microsecond), st.Found)
		switch {
		case c.Invisible != "" && st.Found != OK:
			t.Errorf("%s: %v, but the case says the bug is invisible natively", c.Cell, st.Found)
		case c.Invisible == "" && st.Found != Wrong:
			t.Errorf("%s: not detected in %d executions", c.Cell, st.Execs)
		}
	}
	waitGoroutines(t, before)
}

// waitGoroutines fails unless the goroutine count falls back to n (the
// executions' goroutines may still be exiting).
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	for range 100 {
		if runtime.NumGoroutine() <= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Errorf("%d goroutines left, %d before", runtime.NumGoroutine(), n)
}
