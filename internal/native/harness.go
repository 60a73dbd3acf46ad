// Package native is the baseline dcsim is measured against: catalog race
// cases written as a Go programmer would test them without dcsim, as
// free goroutines on real sync primitives and atomics, run again and
// again until a run hangs or computes a wrong result. The first four
// cases mirror the bug shape of their catalog cell (named in Case.Cell);
// the later ones follow the model's algorithm (the same locks and
// atomics in the same order, a point wherever the model has a
// scheduling point that matters to the race) and check what the model's
// checker checks, where it checks it, as assertions a test could make.
//
// Modes: Plain runs the goroutines as they are; Jitter calls
// runtime.Gosched at random at the points where the model has scheduling
// points. Under the race detector the same cases run with
//
//	go test -race -run TestNativeRace -v ./internal/native
//
// which finds nothing: the racing accesses are atomics (READ_ONCE,
// cmpxchg in the kernel), not data races.
//
// Unlike a dcsim run, a native execution is not reproducible: the Go
// scheduler and math/rand decide. That is the point of the comparison.
package native

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"time"
)

// Mode is how the goroutines of an execution are perturbed.
type Mode int

const (
	// Plain runs the goroutines unperturbed.
	Plain Mode = iota
	// Jitter yields (runtime.Gosched) with probability 1/2 at each point.
	Jitter
)

func (m Mode) String() string {
	if m == Jitter {
		return "jitter"
	}
	return "plain"
}

// Verdict is what one execution showed.
type Verdict int

const (
	// OK: the execution ended with the right result.
	OK Verdict = iota
	// Wrong: it ended with a wrong result (the invariant the catalog
	// cell checks is broken).
	Wrong
	// Hang: it did not end within the hang timeout.
	Hang
)

func (v Verdict) String() string {
	return [...]string{"ok", "wrong result", "hang"}[v]
}

// Case is one catalog race as native goroutines.
type Case struct {
	// Cell is the catalog cell it mirrors: scenario@variant.
	Cell string
	// Exec runs one execution, calling point at its points (a no-op or
	// the mode's jitter), and returns false on a wrong result. It may
	// never return (the hang).
	Exec func(point func()) bool
	// FixedCell and Fixed are the catalog's clean cell of the same
	// program and its native version, which must never report; empty
	// for the cases that have none.
	FixedCell string
	Fixed     func(point func()) bool
	// Invisible, when set, says why no native execution can show the
	// bug (the case still runs, and finds nothing).
	Invisible string
	// Rare, when set, says why jitter needs 10^5 executions or more to
	// show the bug: the tests then only run it, and the bench measures.
	Rare string
}

// Stats is what Measure found.
type Stats struct {
	Execs   int           // executions run, the detecting one included
	Elapsed time.Duration // wall time to the first detection, or in all
	Found   Verdict       // OK when the cap was reached first
	Slow    int           // executions that outlived Hang but ended within Confirm
}

// Limits cap a measurement.
type Limits struct {
	MaxExecs int
	MaxTime  time.Duration
	// Hang is how long an execution may take before it counts as hung.
	Hang time.Duration
	// Confirm, if positive, is how much longer a timed-out execution is
	// given before the hang is believed: one that ends meanwhile was slow
	// (a loaded machine, a GC), not hung, and is counted in Stats.Slow.
	// The hang's Elapsed stops at the timeout.
	Confirm time.Duration
}

// Measure runs c in mode until an execution hangs or computes a wrong
// result, or the limits are reached. A hung execution's goroutines stay
// blocked for the life of the process (nothing can unblock a deadlocked
// sync.Mutex): Measure is for the CLI's bench, not for tests that check
// for leaks.
func Measure(c Case, mode Mode, lim Limits) Stats {
	point := func() {}
	if mode == Jitter {
		point = func() {
			if rand.IntN(2) == 0 {
				runtime.Gosched()
			}
		}
	}
	start := time.Now()
	timer := time.NewTimer(lim.Hang)
	defer timer.Stop()
	done := make(chan bool, 1)
	var st Stats
	for st.Execs < lim.MaxExecs && time.Since(start) < lim.MaxTime {
		st.Execs++
		go func() { done <- c.Exec(point) }()
		timer.Reset(lim.Hang)
		select {
		case ok := <-done:
			if !ok {
				st.Found = Wrong
			}
		case <-timer.C:
			st.Elapsed = time.Since(start)
			if ok, ended := confirm(done, lim.Confirm); !ended {
				st.Found = Hang
				return st
			} else if st.Slow++; !ok {
				st.Found = Wrong
			}
		}
		if st.Found != OK {
			break
		}
	}
	st.Elapsed = time.Since(start)
	return st
}

// run starts fns as goroutines and waits for all of them.
func run(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Go(fn)
	}
	wg.Wait()
}

// confirm waits up to d for a timed-out execution to end.
func confirm(done <-chan bool, d time.Duration) (ok, ended bool) {
	if d <= 0 {
		return false, false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case ok := <-done:
		return ok, true
	case <-t.C:
		return false, false
	}
}
