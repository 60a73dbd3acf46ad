package dcache_test

// Who may end an in-lookup state (issue 8 defect 2). The concurrent
// programs, and d_add_ci's nesting (defect 3), are catalog scenarios
// (scenarios/fidelity_inlookup.go).

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// ownRun runs body as task "owner" on a fresh cache under v, with dop as
// the superblock's dentry operations.
func ownRun(v variant.Variant, dop *dcache.DentryOperations, body func(t *sim.Task, c *dcache.Cache, root *dcache.Dentry)) *sim.Outcome {
	return sim.Execute(sim.Program{Name: "own", Setup: func(w *sim.World) {
		c := dcache.NewCache(w, v)
		root := c.NewSuperBlock("t", dop).SRoot
		w.Go("owner", func(t *sim.Task) { body(t, c, root) })
	}}, sim.Config{}, nil)
}

// ownInLookup gets an in-lookup dentry for name from d_alloc_parallel (v3:
// no wait queue; mainline: one that outlives the caller, as
// nfs_unlinkdata's).
func ownInLookup(t *sim.Task, c *dcache.Cache, root *dcache.Dentry, name string) *dcache.Dentry {
	var wq *dcache.WaitQueue
	if !c.Has(variant.P04WaitVarEvent) {
		wq = dcache.NewOnStackWaitQueue(t)
	}
	q := &dcache.Qstr{Name: name, Hash: dcache.FullNameHash(root, name)}
	d := dcache.DAllocParallel(t, root, q, wq)
	if sim.IsErr(d) || !dcache.DInLookup(t, d) {
		t.Violation(sim.KindInvariant, "test", "d_alloc_parallel gave no in-lookup dentry", "")
	}
	return d
}

// ownEndElsewhere gets an in-lookup dentry and has a second task end it
// (d_lookup_done, dput), after handOver(owner, dentry, worker) if set; the
// owner waits until the worker is done.
func ownEndElsewhere(v variant.Variant, handOver func(t *sim.Task, d *dcache.Dentry, worker *sim.Task)) *sim.Outcome {
	return ownRun(v, nil, func(t *sim.Task, c *dcache.Cache, root *dcache.Dentry) {
		d := ownInLookup(t, c, root, "x")
		var start, done sim.Completion
		start.Init(&root.Object, "go")
		done.Init(&root.Object, "done")
		worker := t.Spawn("worker", func(t *sim.Task) {
			start.Wait(t)
			dcache.DLookupDone(t, d)
			dcache.Dput(t, d)
			done.Complete(t)
		})
		if handOver != nil {
			handOver(t, d, worker)
		}
		start.Complete(t)
		done.Wait(t)
	})
}

func TestInLookupHandOver(tt *testing.T) {
	for _, v := range []variant.Variant{variant.BaseToday, variant.V3Today} {
		out := ownEndElsewhere(v, dcache.DInLookupHandOver)
		if out.Err != nil || out.Report != nil {
			tt.Fatalf("%s: hand-over then d_lookup_done by the worker: %v\n%s", v, out.Err, fmtReport(out.Report))
		}
	}
}

func TestInLookupEndedByStranger(tt *testing.T) {
	for _, v := range []variant.Variant{variant.BaseToday, variant.V3Today} {
		wantOwnerReport(tt, v, ownEndElsewhere(v, nil))
	}
}

// Only the owner can hand the dentry over.
func TestInLookupHandOverByStranger(tt *testing.T) {
	out := ownEndElsewhere(variant.BaseToday, func(t *sim.Task, d *dcache.Dentry, worker *sim.Task) {
		t.Spawn("stranger", func(t *sim.Task) { dcache.DInLookupHandOver(t, d, worker) })
	})
	wantOwnerReport(tt, variant.BaseToday, out)
}

func wantOwnerReport(tt *testing.T, v variant.Variant, out *sim.Outcome) {
	tt.Helper()
	if out.Err != nil || out.Report == nil || out.Report.Kind != sim.KindInvariant || out.Report.Rule != "in-lookup-owner" {
		tt.Fatalf("%s: want invariant [in-lookup-owner], got %v\n%s", v, out.Err, fmtReport(out.Report))
	}
}

func fmtReport(r *sim.Report) string {
	if r == nil {
		return "(no report)"
	}
	return r.Format()
}
