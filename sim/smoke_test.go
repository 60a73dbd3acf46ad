package sim_test

import (
	"fmt"
	"testing"

	"github.com/dcsim/dcsim/sim"
)

var classA = sim.NewLockClass("lockA")
var classB = sim.NewLockClass("lockB")

type pair struct {
	sim.Object
	a, b sim.SpinLock
}

func abba(w *sim.World) {
	p := &pair{}
	w.NewStatic(&p.Object, "pair")
	p.a.Init(&p.Object, "a", classA)
	p.b.Init(&p.Object, "b", classB)
	w.Go("ab", func(t *sim.Task) { p.a.Lock(t); p.b.Lock(t); p.b.Unlock(t); p.a.Unlock(t) })
	w.Go("ba", func(t *sim.Task) { p.b.Lock(t); p.a.Lock(t); p.a.Unlock(t); p.b.Unlock(t) })
}

func TestSmoke(t *testing.T) {
	for seed := uint64(0); seed < 5; seed++ {
		o := sim.Execute(sim.Program{Name: "abba", Setup: abba}, sim.Config{Trace: sim.TraceFull}, sim.NewRandom(seed))
		fmt.Println(seed, o.Steps, o.Schedule())
		if o.Report != nil {
			fmt.Println(o.Report.Format())
		}
		for _, l := range o.FormatTrace() {
			fmt.Println(l)
		}
	}
}
