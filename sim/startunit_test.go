package sim_test

import (
	"slices"
	"testing"

	"github.com/dcsim/dcsim/sim"
)

// repeatedPicks runs setup under the decisions dec and then defaults, and
// lists the indices of the decisions marked RepeatsPick.
func repeatedPicks(t *testing.T, cfg sim.Config, dec string, setup func(w *sim.World)) []int {
	t.Helper()
	o := ptRun(cfg, ptReplay(t, dec), setup)
	if o.Err != nil || o.Report != nil {
		t.Fatalf("run %s: err %v, report %v", o.Schedule(), o.Err, o.Report)
	}
	var got []int
	for i, d := range o.Decisions {
		if d.RepeatsPick {
			got = append(got, i)
			if int(d.Cur) != d.Default() || d.Kind != sim.DecideSchedule {
				t.Errorf("decision %d %+v marked: not a schedule decision whose default goes on", i, d)
			}
		}
	}
	return got
}

// yieldAnd is a program of the task "a" (one Yield) and the task "b".
func yieldAnd(b func(t *sim.Task)) func(w *sim.World) {
	return func(w *sim.World) {
		w.Go("a", func(t *sim.Task) { t.Yield() })
		w.Go("b", b)
	}
}

func TestRepeatsPickMarksQuietStartUnits(t *testing.T) {
	yield := func(t *sim.Task) { t.Yield() }
	for _, c := range []struct {
		name  string
		cfg   sim.Config
		dec   string // then defaults
		setup func(w *sim.World)
		want  []int
	}{
		// Decision 0 picks b; b's first point repeats the pick.
		{name: "quiet", dec: "1", setup: yieldAnd(yield), want: []int{1}},
		// Decision 0 picks a, whose first point repeats it; then b
		// starts alone.
		{name: "a first", dec: "0", setup: yieldAnd(yield), want: []int{1}},
		// a's first point (marked) picks b: b's first point repeats it.
		{name: "after a preemption", dec: "0.1", setup: yieldAnd(func(t *sim.Task) { t.Yield(); t.Yield() }), want: []int{1, 2}},
		// What b's start unit does before its first point.
		{name: "allocates", dec: "1", setup: yieldAnd(func(t *sim.Task) {
			t.Alloc(&sim.Object{}, "private")
			t.Yield()
		})},
		{name: "marks", dec: "1", setup: yieldAnd(func(t *sim.Task) { t.Mark("b started"); t.Yield() })},
		// An oracle stamps the start of a call with the step count.
		{name: "reads the clock", dec: "1", setup: yieldAnd(func(t *sim.Task) { _ = t.World().Steps(); t.Yield() })},
		// c, spawned by b, starts later with a repeated pick of its own.
		{name: "spawns", dec: "1", setup: yieldAnd(func(t *sim.Task) { t.Spawn("c", yield); t.Yield() }), want: []int{3}},
		{name: "decides a fault", cfg: sim.Config{Faults: true}, dec: "1.f0", setup: yieldAnd(func(t *sim.Task) {
			t.Fault("kmalloc")
			t.Yield()
		})},
		// Going on is the preemption at a spin point; a's first point,
		// later, is marked.
		{name: "spins first", dec: "1", setup: yieldAnd(func(t *sim.Task) { t.CPURelax() }), want: []int{2}},
		{name: "bound to a CPU", dec: "1", setup: func(w *sim.World) {
			yieldAnd(yield)(w)
			w.Tasks()[1].BindCPU(1)
		}},
		// A task woken from a sleep is no fresh start. h holds the lock
		// when w, picked at h's Yield (decision 2), asks for it (3,
		// marked) and sleeps; h unlocks, and at its last Yield (4)
		// picks w, which takes the lock and reaches its Yield (5): not
		// marked.
		{name: "woken", dec: "0.0.1.1.1", setup: func(w *sim.World) {
			d := ptNew(w)
			w.Go("h", func(t *sim.Task) {
				d.spin.Lock(t)
				t.Yield()
				d.spin.Unlock(t)
				t.Yield()
			})
			w.Go("w", func(t *sim.Task) {
				d.spin.Lock(t)
				t.Yield()
				d.spin.Unlock(t)
			})
		}, want: []int{1, 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := repeatedPicks(t, c.cfg, c.dec, c.setup); !slices.Equal(got, c.want) {
				t.Errorf("decisions marked %v, want %v", got, c.want)
			}
		})
	}
}
