package sim

import "sync"

// SeqCount is seqcount_t. Writers make the count odd for the duration of
// a write section; readers sample it and retry if it moved. A reader
// that finds the count odd spins: it keeps its CPU (sim/cpu.go) while it
// waits, except for a seqcount_spinlock_t under PREEMPT_RT, whose readers
// take and release the writer's lock instead (include/linux/seqlock.h,
// __SEQ_RT), which sleeps.
type SeqCount struct {
	lockMeta
	seq    uint32
	writer *Task
	q      WaitQueue
	lock   *SpinLock // seqcount_spinlock_t: the lock writers hold
}

// Init ties the seqcount to its object.
func (s *SeqCount) Init(o *Object, field string) { s.init(o, field, nil) }

// InitLocked is seqcount_spinlock_init: a seqcount whose writers hold
// lock.
func (s *SeqCount) InitLocked(o *Object, field string, lock *SpinLock) {
	s.init(o, field, nil)
	s.lock = lock
}

func (s *SeqCount) holders() []*Task {
	if s.writer == nil {
		return nil
	}
	return []*Task{s.writer}
}

func (s *SeqCount) String() string { return "seqcount(" + s.lockMeta.String() + ") to become even" }

// ReadBegin is read_seqcount_begin: waits (spinning) while a write is in
// progress and returns the even count.
func (s *SeqCount) ReadBegin(t *Task) uint32 {
	t.point(opSeqBegin, s.id, s.obj, s.field, AccRead)
	if s.seq&1 != 0 {
		spin := s.lock == nil || !s.lock.sleeping(t)
		for s.seq&1 != 0 {
			s.q.add(t)
			t.spinning = spin
			t.blockOn(s)
			t.spinning = false
		}
		t.unblocked(opWakes, s)
	}
	return s.seq
}

// RawBegin is raw_seqcount_begin: does not wait; an odd count is rounded
// down so that the following retry fails.
func (s *SeqCount) RawBegin(t *Task) uint32 {
	t.point(opSeqBegin, s.id, s.obj, s.field, AccRead)
	return s.seq &^ 1
}

// Retry is read_seqcount_retry: true if the section must be retried.
func (s *SeqCount) Retry(t *Task, start uint32) bool {
	t.point(opSeqRetry, s.id, s.obj, s.field, AccRead)
	return s.seq != start
}

// Sequence is the current count without a scheduling point (for asserts).
func (s *SeqCount) Sequence() uint32 { return s.seq }

// WriteBegin is write_seqcount_begin.
func (s *SeqCount) WriteBegin(t *Task) {
	t.point(opSeqWriteBegin, s.id, s.obj, s.field, AccWrite)
	if s.seq&1 != 0 { // the message is built only when it is needed: this is a hot path
		t.WarnOn(true, "write_seqcount_begin on an odd seqcount ("+s.lockMeta.String()+")")
	}
	s.seq++
	s.writer = t
}

// WriteEnd is write_seqcount_end.
func (s *SeqCount) WriteEnd(t *Task) {
	t.point(opSeqWriteEnd, s.id, s.obj, s.field, AccWrite)
	if s.seq&1 == 0 {
		t.WarnOn(true, "write_seqcount_end on an even seqcount ("+s.lockMeta.String()+")")
	}
	s.seq++
	s.writer = nil
	s.q.wakeAll(t.w)
}

// Invalidate is write_seqcount_invalidate: every reader that sampled the
// count before now will retry.
func (s *SeqCount) Invalidate(t *Task) {
	t.point(opSeqInvalidate, s.id, s.obj, s.field, AccWrite)
	s.seq += 2
}

// SeqLock is seqlock_t: a seqcount whose writers serialise on a spinlock.
type SeqLock struct {
	Seq  SeqCount
	Lock SpinLock
}

// Init is seqlock_init.
func (l *SeqLock) Init(o *Object, field string, c *LockClass) {
	names, ok := seqLockNames.Load(field)
	if !ok {
		names, _ = seqLockNames.LoadOrStore(field, &[2]string{field + ".seqcount", field + ".lock"})
	}
	n := names.(*[2]string)
	l.Seq.InitLocked(o, n[0], &l.Lock)
	l.Lock.Init(o, n[1], c)
}

// seqLockNames caches the field names of a seqlock's two halves, so that
// a run's seqlocks cost no string building (field -> *[2]string).
var seqLockNames sync.Map

// ReadSeqBegin is read_seqbegin.
func (l *SeqLock) ReadSeqBegin(t *Task) uint32 { return l.Seq.ReadBegin(t) }

// ReadSeqRetry is read_seqretry.
func (l *SeqLock) ReadSeqRetry(t *Task, start uint32) bool { return l.Seq.Retry(t, start) }

// WriteSeqLock is write_seqlock.
func (l *SeqLock) WriteSeqLock(t *Task) {
	l.Lock.Lock(t)
	l.Seq.WriteBegin(t)
}

// WriteSeqUnlock is write_sequnlock.
func (l *SeqLock) WriteSeqUnlock(t *Task) {
	l.Seq.WriteEnd(t)
	l.Lock.Unlock(t)
}
