package sim_test

import (
	"testing"

	"github.com/dcsim/dcsim/sim"
)

func TestPendingRaces(t *testing.T) {
	r := sim.Pending{ID: 5, Acc: sim.AccRead}
	w := sim.Pending{ID: 5, Acc: sim.AccWrite}
	a := sim.Pending{ID: 5, Acc: sim.AccAcquire}
	other := sim.Pending{ID: 6, Acc: sim.AccWrite}
	none := sim.Pending{Acc: sim.AccWrite}
	for _, c := range []struct {
		p, q sim.Pending
		want bool
	}{{r, w, true}, {w, r, true}, {a, a, true}, {w, w, true}, {r, r, false}, {w, other, false}, {none, none, false}} {
		if got := c.p.Races(c.q); got != c.want {
			t.Errorf("%+v races %+v = %v, want %v", c.p, c.q, got, c.want)
		}
	}
}

// A strategy sees every runnable task's next step at a decision.
func TestPendingSeenAtDecisions(t *testing.T) {
	var seen []sim.Pending
	p := sim.Program{Name: "test/pending", Setup: func(w *sim.World) {
		o := &sim.Object{}
		w.NewStatic(o, "x")
		w.Go("a", func(t *sim.Task) { t.Write(o, "f") })
		w.Go("b", func(t *sim.Task) { t.Read(o, "f") })
	}}
	s := strategyFunc(func(w *sim.World, d *sim.Decision) int {
		if d.Cur == 0 {
			seen = append(seen, w.Pending(0), w.Pending(1))
		}
		return d.Default()
	})
	sim.Execute(p, sim.Config{}, s).Release()
	if len(seen) == 0 || seen[0].Acc != sim.AccWrite || seen[0].ID == 0 || seen[1] != (sim.Pending{}) {
		t.Fatalf("pending at T0's write: %+v, want T0's write and T1 not started", seen)
	}
}

type strategyFunc func(w *sim.World, d *sim.Decision) int

func (f strategyFunc) Decide(w *sim.World, d *sim.Decision) int { return f(w, d) }
