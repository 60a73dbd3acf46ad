package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// Access says what a step does to the object it touches. Two steps of
// different tasks commute unless they touch the same object and at least
// one of them is not a read.
type Access uint8

const (
	AccRead Access = iota
	AccWrite
	AccAcquire
	AccRelease
)

func (a Access) String() string {
	switch a {
	case AccRead:
		return "R"
	case AccWrite:
		return "W"
	case AccAcquire:
		return "A"
	case AccRelease:
		return "L"
	}
	return "?"
}

// Op is the kind of a step. The built-in ops cover the primitives; model
// packages register their own with NewOp (once, at package init).
type Op uint16

var opNames = []string{"?"}

// NewOp registers a step kind by its kernel name ("d_flags read" or
// "lockref_get"). Call it from a package-level var initialiser only, so
// that op numbers are the same in every run.
func NewOp(name string) Op {
	opNames = append(opNames, name)
	return Op(len(opNames) - 1)
}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op%d", o)
}

// Built-in step kinds, used by the primitives in this package; model
// packages register their own with NewOp. OpSpinLock is exported so that
// a test can find a lock acquisition in a trace.
var (
	opStart          = NewOp("start")
	opExit           = NewOp("exit")
	opRead           = NewOp("read")
	opWrite          = NewOp("write")
	opFree           = NewOp("kfree")
	opCallRCU        = NewOp("call_rcu")
	opRCUFree        = NewOp("rcu reclaim")
	OpSpinLock       = NewOp("spin_lock")
	opSpinTrylock    = NewOp("spin_trylock")
	opSpinUnlock     = NewOp("spin_unlock")
	opDownRead       = NewOp("down_read")
	opDownWrite      = NewOp("down_write")
	opDownReadTry    = NewOp("down_read_trylock")
	opDownWriteTry   = NewOp("down_write_trylock")
	opUpRead         = NewOp("up_read")
	opUpWrite        = NewOp("up_write")
	opDowngrade      = NewOp("downgrade_write")
	opSeqBegin       = NewOp("read_seqcount_begin")
	opSeqRetry       = NewOp("read_seqcount_retry")
	opSeqWriteBegin  = NewOp("write_seqcount_begin")
	opSeqWriteEnd    = NewOp("write_seqcount_end")
	opSeqInvalidate  = NewOp("write_seqcount_invalidate")
	opAtomicRead     = NewOp("atomic_read")
	opAtomicWrite    = NewOp("atomic_set")
	opAtomicRMW      = NewOp("atomic_rmw")
	opCmpXchg        = NewOp("cmpxchg")
	opWait           = NewOp("wait")
	opWake           = NewOp("wake_up")
	opComplete       = NewOp("complete")
	opWaitCompletion = NewOp("wait_for_completion")
	opRCULock        = NewOp("rcu_read_lock")
	opRCUUnlock      = NewOp("rcu_read_unlock")
	opSyncRCU        = NewOp("synchronize_rcu")
	opLockref        = NewOp("lockref")
	opLockMapAcquire = NewOp("lock_map_acquire")
	opLockMapRelease = NewOp("lock_map_release")
	opMark           = NewOp("mark")
	opChoose         = NewOp("choose")
	opYield          = NewOp("cpu_relax")

	// Trace events: lines of a full trace that are not scheduling points
	// and take no step number (so step numbers are the same in every
	// trace mode). They show decisions other than the next task, and
	// where a task blocked and when it got what it waited for.
	opFault    = NewOp("fault")
	opSignal   = NewOp("signal")
	opBlocks   = NewOp("blocks on")
	opAcquires = NewOp("acquires")
	opWakes    = NewOp("wakes from")
)

// Step is one executed scheduling point. Exploration keeps only N, Task,
// Op, ID and Acc (compact tracing); full tracing adds the object, field and
// the model function that took the step.
type Step struct {
	N    int64
	Task int
	Op   Op
	ID   ObjID
	Acc  Access
	// Full tracing only. Event: a trace line that is no scheduling point
	// (a fault, signal or choice decided, a task blocking or getting what
	// it blocked on); it carries the number of the step before it.
	// Setup: taken in a setup phase (Task.Setup, or by a task named
	// "setup" before any other task took a step). Dec: the 1-based index
	// in the decision log of the decision that produced this line, 0 when
	// none did; Decs: how many decisions led to it (Dec the last), as
	// when the first task is chosen and then decides at its first point
	// to go on. These fit in padding: a Step is no larger for them.
	Event bool
	Setup bool
	Decs  uint8
	Dec   int32
	Obj   *Object
	Field string
	Site  string // innermost model frame, "dcache.DAllocParallel:123"
	Note  string
}

func (s *Step) target() string {
	var b strings.Builder
	if s.Obj != nil {
		b.WriteString(s.Obj.String())
		if s.Field != "" {
			b.WriteByte('.')
			b.WriteString(s.Field)
		}
	} else if s.Field != "" {
		b.WriteString(s.Field)
	}
	return b.String()
}

// Format renders the step as one trace line: step number ("+" after it
// for an event, which takes no step number of its own), the decision that
// produced it ("d12": the 12th token of the schedule), task, op, target,
// note and model call site.
func (s *Step) Format(w *World) string {
	ev, dec := byte(' '), ""
	if s.Event {
		ev = '+'
	}
	if s.Dec > 0 {
		dec = "d" + strconv.Itoa(int(s.Dec))
		if s.Decs > 1 {
			dec = "d" + strconv.Itoa(int(s.Dec)-int(s.Decs)+1) + "-" + strconv.Itoa(int(s.Dec))
		}
	}
	line := fmt.Sprintf("%5d%c %-5s %-12s %-22s %s", s.N, ev, dec, w.taskName(s.Task), s.Op, s.target())
	if s.Note != "" {
		line += "  " + s.Note
	}
	if s.Site != "" {
		line += "  @" + s.Site
	}
	return strings.TrimRight(line, " ")
}

// TraceMode selects how much a run records.
type TraceMode uint8

const (
	// TraceOff records nothing but a running hash of the steps.
	TraceOff TraceMode = iota
	// TraceCompact records every step's task, op, object and access.
	TraceCompact
	// TraceFull also records objects, fields, model call sites and stacks.
	TraceFull
)

// FormatOptions tune how traces and reports are rendered.
type FormatOptions struct {
	// Verbose shows every step; otherwise consecutive setup steps are
	// folded into one line.
	Verbose bool
}

// traceLine is a formatted trace line with what folding needs.
type traceLine struct {
	n     int64
	event bool
	setup bool
	text  string
}

func (w *World) traceLines(tr []Step) []traceLine {
	out := make([]traceLine, len(tr))
	for i := range tr {
		s := &tr[i]
		out[i] = traceLine{n: s.N, event: s.Event, setup: s.Setup, text: s.Format(w)}
	}
	return out
}

// foldTrace renders lines, folding each run of consecutive setup lines
// into one unless verbose.
func foldTrace(lines []traceLine, opt FormatOptions) []string {
	out := make([]string, 0, len(lines))
	for i := 0; i < len(lines); {
		if opt.Verbose || !lines[i].setup {
			out = append(out, lines[i].text)
			i++
			continue
		}
		j, steps := i, 0
		for ; j < len(lines) && lines[j].setup; j++ {
			if !lines[j].event {
				steps++
			}
		}
		first, last := lines[i].n, lines[j-1].n
		if lines[i].event {
			first++ // an event carries the number of the step before it
		}
		rng := strconv.FormatInt(first, 10)
		if last > first {
			rng += "-" + strconv.FormatInt(last, 10)
		}
		out = append(out, fmt.Sprintf("%7s  setup  (%d steps folded; -v shows them)", rng, steps))
		i = j
	}
	return out
}
