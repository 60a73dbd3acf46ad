package dcache_test

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// TestR26DropUnderDLock: __d_drop of a hashed dentry under its d_lock
// unhashes it and invalidates d_seq, so an RCU reader that sampled d_seq
// before must retry (R26, R27); the same call without d_lock is reported
// by the model's lockdep_assert_held (the kernel states the requirement
// in a comment only).
func TestR26DropUnderDLock(t *testing.T) {
	dcachetest.Once(t, variant.BaseToday, nil, func(t *sim.Task, e *dcachetest.Env) {
		d := dcachetest.AddNew(t, e.Root(), "f", dcache.S_IFREG)
		seq := d.DSeq.RawBegin(t)
		dcache.DDrop(t, d)
		dcachetest.Assert(t, !d.Hashed(), "d_drop left f hashed")
		dcachetest.Assert(t, d.DSeq.Retry(t, seq), "d_drop did not invalidate f's d_seq")
		seq = d.DSeq.RawBegin(t)
		dcache.DDrop(t, d) // already unhashed: nothing to do, d_seq untouched
		dcachetest.Assert(t, !d.DSeq.Retry(t, seq), "a second d_drop changed d_seq")
		dcache.Dput(t, d)
	})
	dcachetest.Fires(t, variant.BaseToday, nil, sim.KindLockdep, "assert-held", func(t *sim.Task, e *dcachetest.Env) {
		d := dcachetest.AddNew(t, e.Root(), "f", dcache.S_IFREG)
		dcache.DDropLocked(t, d)
		dcache.Dput(t, d)
	})
}
