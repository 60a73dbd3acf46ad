package sim

import (
	"strings"
	"testing"
)

// recObj is a model object drawn from a pool, as dcache's are.
type recObj struct {
	Object
	val int
}

var (
	recPool   = NewPool[recObj]()
	recSlices = NewSlices[int]()
)

// runRecycled runs setup in w as Execute does, then recycles w the way
// Outcome.Release does (but keeps it, where Release would hand it to a
// sync.Pool that may drop it), and returns the run's report.
func runRecycled(t *testing.T, w *World, setup func(w *World)) *Report {
	t.Helper()
	w = w.start(t.Name(), Config{MaxSteps: DefaultMaxSteps, RecentSteps: 40}, DefaultStrategy{})
	w.fromRun = true
	setup(w)
	out := w.Run()
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	rep := out.Report
	w.recycle()
	return rep
}

// A recycled object starts a fresh life in the next run: zeroed, unborn
// until allocated, with that run's id; what it was freed as in the run
// before is not held against it (the checker stays quiet). A use after
// free within a run is still caught, in the first run and after a
// recycle (the checker fires).
func TestPoolRecycledObjectLivesAgain(t *testing.T) {
	w := &World{}
	var first *recObj
	useAfterFree := func(w *World) {
		w.Go("a", func(t *Task) {
			o := recPool.New(t.w)
			first = o
			t.Alloc(&o.Object, "rec")
			o.val = 7
			t.Free(&o.Object)
			t.Read(&o.Object, "val")
		})
	}
	rep := runRecycled(t, w, useAfterFree)
	if rep == nil || rep.Kind != KindKASAN || rep.Rule != "use-after-free" {
		t.Fatalf("run 1: want a use after free, got %v", rep)
	}
	if first.state != objUnborn || first.val != 0 || first.id != 0 || first.w != nil {
		t.Fatalf("after the recycle: object not zeroed: state %d val %d id %d", first.state, first.val, first.id)
	}

	// Run 2: the same memory comes back, allocated afresh; it is used
	// while live only, and the run is clean.
	var second *recObj
	rep = runRecycled(t, w, func(w *World) {
		var other Object
		w.Alloc(&other, "setup-object") // takes id 1: the pooled object gets another id
		w.Go("a", func(t *Task) {
			o := recPool.New(t.w)
			second = o
			if o.state != objUnborn || o.val != 0 {
				t.Violation(KindInvariant, "test", "pooled object not zeroed", "")
			}
			t.Alloc(&o.Object, "rec")
			if o.id != 2 {
				t.Violation(KindInvariant, "test", "pooled object kept its old id", "")
			}
			t.Write(&o.Object, "val")
			t.Free(&o.Object)
		})
	})
	if second != first {
		t.Fatalf("the pool did not hand out the recycled object")
	}
	if rep != nil {
		t.Fatalf("run 2 (the object used while live): want clean, got\n%s", rep.Format())
	}

	// Run 3: a use after free after the recycle is still reported, with
	// this run's history only.
	rep = runRecycled(t, w, useAfterFree)
	if first != second {
		t.Fatalf("run 3 got another object")
	}
	if rep == nil || rep.Rule != "use-after-free" || !strings.Contains(rep.Title, "rec#1") ||
		!strings.Contains(rep.Message, "allocated at step 0 by T0 a\nfreed at step 1 by T0 a") {
		t.Fatalf("run 3: want a use after free of rec#1 allocated in this run, got %+v", rep)
	}
}

// Within a run every New is another object, so a freed one keeps its
// lifetime state for the checker.
func TestPoolNoReuseWithinRun(t *testing.T) {
	w := &World{}
	var a, b *recObj
	runRecycled(t, w, func(w *World) {
		w.Go("a", func(t *Task) {
			a = recPool.New(t.w)
			t.Alloc(&a.Object, "rec")
			t.Free(&a.Object)
			b = recPool.New(t.w)
			t.Alloc(&b.Object, "rec")
			t.Free(&b.Object)
		})
	})
	if a == b {
		t.Fatal("a freed object was handed out again in the same run")
	}
}

// Slices never overlap within a run (an RCU reader's old chain stays as
// it was), Append grows like append, and a recycled arena is zeroed.
func TestSlicesArena(t *testing.T) {
	w := &World{}
	var kept []int
	runRecycled(t, w, func(w *World) {
		x := recSlices.Make(w, 2, 3)
		x[0], x[1] = 1, 2
		y := recSlices.Append(w, x, 3) // in place: x had room
		z := recSlices.Append(w, y, 4) // grows into new memory
		z[0] = 9
		if x[0] != 1 || y[2] != 3 || len(z) != 4 || z[3] != 4 {
			t.Errorf("x %v y %v z %v", x, y, z)
		}
		p := recSlices.Prepend(w, 0, y)
		p[1] = 8
		if y[0] != 1 || len(p) != 4 || p[3] != 3 {
			t.Errorf("prepend shared memory: y %v p %v", y, p)
		}
		big := recSlices.Make(w, 0, sliceChunk+1)
		if cap(big) != sliceChunk+1 {
			t.Errorf("big slice cap %d", cap(big))
		}
		kept = x[:cap(x)]
	})
	runRecycled(t, w, func(w *World) {
		x := recSlices.Make(w, 0, 3)
		if &x[:1][0] != &kept[0] {
			t.Errorf("the arena was not reused")
		}
		if x := x[:3]; x[0] != 0 || x[1] != 0 || x[2] != 0 {
			t.Errorf("recycled arena not zeroed: %v", x)
		}
	})
}
