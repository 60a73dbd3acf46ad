package sim

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// DecisionKind says what a decision chooses.
type DecisionKind uint8

const (
	// DecideSchedule chooses the task that runs next; its value is a task id.
	DecideSchedule DecisionKind = iota
	// DecideFault chooses whether an allocation (or other fallible step)
	// fails: 1 fails.
	DecideFault
	// DecideSignal chooses whether a fatal signal arrives while a task is in
	// a killable wait: 1 delivers it.
	DecideSignal
	// DecideChoice chooses one of N outcomes (a simulated server's reply).
	DecideChoice
	// DecideYield chooses the task that runs next at a point where the
	// running task spins (Task.Yield): letting another task run is the
	// default there, and is not a preemption. Its schedule token is the
	// same as DecideSchedule's.
	DecideYield
)

// Decision is one entry of the decision log. Alongside the value it keeps
// the options that were open, so explorers can enumerate alternatives.
//
// A Decision is 24 bytes with no pointers: a run logs one at every
// scheduling point where more than one task could run, so the log must be
// cheap to grow and invisible to the garbage collector.
type Decision struct {
	// Runnable is the set of tasks that could run (schedule decisions).
	Runnable uint64
	Value    int32
	// N is the number of options (fault and signal: 2; choice: N).
	N uint16
	// Cur is the task that was running at the point (-1 if it had blocked
	// or exited, so any choice is free of preemption).
	Cur  int8
	Kind DecisionKind
	// RepeatsPick marks the first scheduling point of a task that the
	// decision just before picked, when its start unit changed nothing
	// (sim/startunit.go): every value but Cur gives a run that the
	// previous decision gives by picking that value, with no more
	// preemptions. The value here is free as at any other decision; an
	// exhaustive search may skip the alternatives.
	RepeatsPick bool
}

// Preempts reports whether a schedule decision switched away from a task
// that could have gone on.
//
// At a spin point (DecideYield) the fair choice is the next task in
// round-robin order; any other choice (keeping the spinner, or passing
// over a waiting task) counts as a preemption, so that bounded explorers
// cannot extend a spin loop for free.
func (d *Decision) Preempts() bool {
	switch d.Kind {
	case DecideSchedule:
		return d.Cur >= 0 && d.Value != int32(d.Cur)
	case DecideYield:
		return int(d.Value) != d.Default()
	}
	return false
}

// Options lists the values the decision could have taken, lowest first.
func (d *Decision) Options() []int {
	if !d.schedules() {
		o := make([]int, int(d.N))
		for i := range o {
			o[i] = i
		}
		return o
	}
	var o []int
	for m := d.Runnable; m != 0; m &= m - 1 {
		o = append(o, bits.TrailingZeros64(m))
	}
	return o
}

// Default is the value a run takes when no strategy says otherwise: the
// current task goes on; if it cannot, the lowest-numbered runnable task;
// no fault, no signal, the first choice.
func (d *Decision) Default() int {
	if d.Kind == DecideYield {
		// Round robin: the next runnable task after the spinning one.
		if d.Cur >= 0 {
			if later := d.Runnable &^ (1<<uint(d.Cur+1) - 1); later != 0 {
				return bits.TrailingZeros64(later)
			}
		}
		return bits.TrailingZeros64(d.Runnable)
	}
	if d.Kind == DecideSchedule {
		if d.Cur >= 0 && d.Runnable&(1<<uint(d.Cur)) != 0 {
			return int(d.Cur)
		}
		return bits.TrailingZeros64(d.Runnable)
	}
	return 0
}

// schedules reports whether the decision picks a task.
func (d *Decision) schedules() bool { return d.Kind == DecideSchedule || d.Kind == DecideYield }

func (d *Decision) valid(v int) bool {
	if d.schedules() {
		return v >= 0 && v < 64 && d.Runnable&(1<<uint(v)) != 0
	}
	return v >= 0 && v < int(d.N)
}

func (d *Decision) describe(label string) string {
	switch d.Kind {
	case DecideSchedule, DecideYield:
		return fmt.Sprintf("a choice of the next task among %v", d.Options())
	case DecideFault:
		return fmt.Sprintf("a fault decision at %q", label)
	case DecideSignal:
		return fmt.Sprintf("a signal decision at %q", label)
	}
	return fmt.Sprintf("a choice among %d outcomes at %q", d.N, label)
}

// Strategy makes the decisions of a run. Decide returns the value for d;
// it must be one of d's options.
type Strategy interface {
	Decide(w *World, d *Decision) int
}

// DefaultStrategy takes every decision's Default: run each task until it
// blocks or exits, never fail, never signal.
type DefaultStrategy struct{}

func (DefaultStrategy) Decide(_ *World, d *Decision) int { return d.Default() }

// Random makes decisions with its own seeded generator: a uniformly random
// runnable task at each scheduling point, and faults and signals with
// probability 1/FaultOneIn when the run enables them. It is the only place
// randomness enters a run, and everything it decides is in the log.
type Random struct {
	rng        rand.Rand
	pcg        rand.PCG
	FaultOneIn int
}

// NewRandom returns a random strategy seeded with seed. The generator
// lives inside the strategy: one allocation per run.
func NewRandom(seed uint64) *Random {
	r := &Random{FaultOneIn: 8}
	r.pcg.Seed(seed, seed^0x9e3779b97f4a7c15)
	r.rng = *rand.New(&r.pcg)
	return r
}

func (r *Random) Decide(_ *World, d *Decision) int {
	switch d.Kind {
	case DecideSchedule, DecideYield:
		n := bits.OnesCount64(d.Runnable)
		k := r.rng.IntN(n)
		m := d.Runnable
		for ; k > 0; k-- {
			m &= m - 1
		}
		return bits.TrailingZeros64(m)
	case DecideFault, DecideSignal:
		if r.rng.IntN(r.FaultOneIn) == 0 {
			return 1
		}
		return 0
	}
	return r.rng.IntN(int(d.N))
}

// Replay replays a decision log. Past its end it takes defaults, so a
// prefix is a valid replay (explorers use this); Strict makes leftover,
// missing or ill-fitting decisions an input error instead.
type Replay struct {
	Log    []Decision
	pos    int
	Strict bool
	// Prefix lets a strict replay run on past its log with defaults.
	Prefix bool
	short  bool
}

// NewReplay replays the decisions of s strictly: every decision must fit,
// and the run must use exactly the decisions the schedule has.
func NewReplay(s *Schedule) *Replay { return &Replay{Log: s.Decisions, Strict: true} }

// NewPrefixReplay replays the decisions of s as a prefix: they must fit,
// and past them the run takes defaults (each task runs until it blocks),
// as hand-written schedules in tests rely on.
func NewPrefixReplay(s *Schedule) *Replay {
	return &Replay{Log: s.Decisions, Strict: true, Prefix: true}
}

func (r *Replay) Decide(w *World, d *Decision) int {
	if r.pos >= len(r.Log) {
		if r.Strict && !r.Prefix && !r.short {
			r.short = true
			w.inputError(fmt.Errorf("schedule ended after %d decisions, but the run asks for more (decision %d is %s)",
				len(r.Log), r.pos+1, d.describe(w.label)))
		}
		return d.Default()
	}
	want := r.Log[r.pos]
	r.pos++
	if !sameKind(want.Kind, d.Kind) || !d.valid(int(want.Value)) {
		if r.Strict {
			w.inputError(fmt.Errorf("schedule does not fit: decision %d is %s, but the schedule gives %s",
				r.pos, d.describe(w.label), tokenFor(want)))
		}
		return d.Default()
	}
	return int(want.Value)
}

// Leftover is the number of decisions not used by the run.
func (r *Replay) Leftover() int { return len(r.Log) - r.pos }

// sameKind treats schedule and yield decisions as one kind: schedule
// strings do not tell them apart.
func sameKind(a, b DecisionKind) bool {
	if a == DecideYield {
		a = DecideSchedule
	}
	if b == DecideYield {
		b = DecideSchedule
	}
	return a == b
}
