package native

import (
	"testing"
	"time"
)

func TestZZFalsePositives(t *testing.T) {
	for _, c := range Cases {
		if c.Fixed == nil {
			continue
		}
		for _, m := range []Mode{Plain, Jitter} {
			st := Measure(Case{Cell: c.FixedCell, Exec: c.Fixed}, m, Limits{MaxExecs: 200000, MaxTime: 20 * time.Second, Hang: 5 * time.Second})
			t.Logf("%s %s: %d %v", c.FixedCell, m, st.Execs, st.Found)
		}
	}
}
