package sim

import (
	"fmt"
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
)

// Step is one executed scheduling point. Exploration keeps only N, Task,
// Op, ID and Acc (compact tracing); full tracing adds the object, field and
// the model function that took the step.
type Step struct {
	N     int64
	Task  int
	Op    Op
	ID    ObjID
	Acc   Access
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

// Format renders the step as one trace line.
func (s *Step) Format(w *World) string {
	line := fmt.Sprintf("%5d  %-12s %-22s %s", s.N, w.taskName(s.Task), s.Op, s.target())
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
