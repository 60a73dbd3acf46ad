package sim_test

import (
	"iter"
	"math/bits"
	"testing"

	"github.com/dcsim/dcsim/sim"
)

var benchClass = sim.NewLockClass("bench_lock")

// alternate switches to another runnable task at every scheduling point.
type alternate struct{}

func (alternate) Decide(_ *sim.World, d *sim.Decision) int {
	if d.Kind != sim.DecideSchedule {
		return 0
	}
	if other := d.Runnable &^ (1 << uint(d.Cur)); d.Cur >= 0 && other != 0 {
		return bits.TrailingZeros64(other)
	}
	return d.Default()
}

type benchObj struct {
	sim.Object
	lock sim.SpinLock
}

// pointsPerRun is the size of the runs the point benchmarks time: runs as
// long as a typical scenario's, so that per-run costs (creating the world,
// growing the decision log) are counted at a realistic rate.
const pointsPerRun = 1000

// benchWorld times b.N scheduling points of kind op, taken by two tasks in
// runs of pointsPerRun points.
// Each op takes perOp points.
func benchWorld(b *testing.B, s sim.Strategy, perOp int, op func(t *sim.Task, o *benchObj)) {
	b.ReportAllocs()
	for done := 0; done < b.N; done += pointsPerRun {
		n := min(pointsPerRun, b.N-done) / 2 / perOp
		prog := sim.Program{Name: "bench", Setup: func(w *sim.World) {
			for range 2 {
				o := &benchObj{}
				w.NewStatic(&o.Object, "obj")
				o.lock.Init(&o.Object, "lock", benchClass)
				w.Go("loop", func(t *sim.Task) {
					for range n {
						op(t, o)
					}
				})
			}
		}}
		out := sim.Execute(prog, sim.Config{}, s)
		if out.Report != nil || out.Err != nil {
			b.Fatalf("bench run failed: %v %v", out.Report, out.Err)
		}
		out.Release()
	}
}

func read(t *sim.Task, o *benchObj) { t.Read(&o.Object, "field") }

// lockUnlock is two scheduling points with lockdep on.
func lockUnlock(t *sim.Task, o *benchObj) { o.lock.Lock(t); o.lock.Unlock(t) }

// BenchmarkPointNoSwitch: a field access (KASAN check, step hash) where
// the strategy is consulted and keeps the running task.
func BenchmarkPointNoSwitch(b *testing.B) { benchWorld(b, sim.DefaultStrategy{}, 1, read) }

// BenchmarkPointSwitch: every access switches to the other task.
func BenchmarkPointSwitch(b *testing.B) { benchWorld(b, alternate{}, 1, read) }

// BenchmarkLockNoSwitch: spin_lock and spin_unlock points with lockdep.
func BenchmarkLockNoSwitch(b *testing.B) { benchWorld(b, sim.DefaultStrategy{}, 2, lockUnlock) }

// BenchmarkLockSwitch: spin_lock and spin_unlock points, switching at
// every one.
func BenchmarkLockSwitch(b *testing.B) { benchWorld(b, alternate{}, 2, lockUnlock) }

// BenchmarkRawIterPull is the floor: one iter.Pull round trip (two
// coroutine switches) per iteration.
func BenchmarkRawIterPull(b *testing.B) {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; ; i++ {
			if !yield(i) {
				return
			}
		}
	})
	defer stop()
	b.ResetTimer()
	for range b.N {
		next()
	}
}

// BenchmarkChannelPingPong is the goroutine hand-off alternative.
func BenchmarkChannelPingPong(b *testing.B) {
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
		close(pong)
	}()
	b.ResetTimer()
	for range b.N {
		ping <- struct{}{}
		<-pong
	}
	close(ping)
	<-pong
}

// BenchmarkRawIterPullTwo is the floor of this scheduler's design: a loop
// resuming two coroutines alternately, one switch away and back per
// iteration, as the scheduler does when tasks alternate.
func BenchmarkRawIterPullTwo(b *testing.B) {
	var nexts [2]func() (int, bool)
	for i := range nexts {
		next, stop := iter.Pull(func(yield func(int) bool) {
			for j := 0; ; j++ {
				if !yield(j) {
					return
				}
			}
		})
		defer stop()
		nexts[i] = next
	}
	b.ResetTimer()
	for i := range b.N {
		nexts[i&1]()
	}
}
