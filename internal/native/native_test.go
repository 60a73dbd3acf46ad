package native

import (
	"testing"
	"time"
)

// TestNativeRace runs every case in both modes, for the race detector:
// go test -race -run TestNativeRace -v ./internal/native. Without -race
// it checks that the harness runs and logs what each mode found. A hung
// execution's goroutines stay blocked until the test binary exits.
func TestNativeRace(t *testing.T) {
	lim := Limits{MaxExecs: 2000, MaxTime: time.Second, Hang: 100 * time.Millisecond}
	if testing.Short() {
		lim.MaxExecs, lim.MaxTime = 50, 100*time.Millisecond
	}
	for _, c := range Cases {
		for _, m := range []Mode{Plain, Jitter} {
			st := Measure(c, m, lim)
			if st.Execs == 0 {
				t.Errorf("%s %s: no execution", c.Cell, m)
			}
			t.Logf("%s %s: %d executions, %v, %v", c.Cell, m, st.Execs, st.Elapsed.Round(time.Millisecond), st.Found)
		}
	}
}
