package dcache_test

// Tests of what the v3 series base (torvalds/linux 254f49634ee1) changed
// from v6.18 in the code the empty patch set runs: shrink_dcache_tree
// waits for a dentry another task is killing (d_add_waiter,
// d_complete_waiters) instead of spinning.

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

const (
	shrinkWaitMaxSteps = 20000
)

// TestShrinkTreeWaitsForDyingDentry: the killer's ->d_release holds a
// dying child (negative count, not yet unlisted) until shrink_dcache_parent
// of its parent has put itself on the child's waiters; dentry_unlist then
// wakes it. In v6.18 shrink_dcache_parent spun on such a child and never
// waited, so the gate never opened (a livelock at the step bound).
func TestShrinkTreeWaitsForDyingDentry(t *testing.T) {
	for _, v := range []variant.Variant{variant.BaseToday, variant.V3Today} {
		t.Run(v.String(), func(t *testing.T) {
			var inRelease, gate sim.Completion
			dop := &dcache.DentryOperations{DRelease: func(t *sim.Task, d *dcache.Dentry) {
				if d.DName.Name == "c" {
					inRelease.Complete(t)
					gate.Wait(t)
				}
			}}
			var c *dcache.Dentry
			prog := dcachetest.Program(t.Name(), v, dop, func(e *dcachetest.Env) {
				e.W.Go("killer", func(tk *sim.Task) {
					inRelease.Init(&e.Root().Object, "in_release")
					gate.Init(&e.Root().Object, "gate")
					c = dcache.DAlloc(tk, e.Root(), dcachetest.Q(e.Root(), "c"))
					tk.Spawn("shrink", func(tk *sim.Task) {
						inRelease.Wait(tk)
						dcache.ShrinkDcacheParent(tk, e.Root())
					})
					tk.Spawn("opener", func(tk *sim.Task) {
						for !dcache.HasWaiters(c) {
							tk.CPURelax()
						}
						gate.Complete(tk)
					})
					dcache.Dput(tk, c) // unhashed: killed at once
				})
			})
			out := dcachetest.Run(t, prog, sim.Config{MaxSteps: shrinkWaitMaxSteps}, nil)
			dcachetest.Clean(t, out)
			if out.Marks[dcache.MarkShrinkWaits] != 1 || out.Marks[dcache.MarkWaitersWoken] != 1 {
				t.Fatalf("marks %v: want the shrinker to wait once and be woken once", out.Marks)
			}
			if c.Live() {
				t.Fatalf("%s still live", c)
			}
		})
	}
}
