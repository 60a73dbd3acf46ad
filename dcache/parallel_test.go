package dcache_test

// Unit tests of the in-lookup machinery: d_alloc_parallel in mainline
// (with the caller's on-stack wait queue) and with v3 04/19 (waiting on
// d_flags), d_lookup_done, v3 05/19 d_alloc_noblock, v3 10/19
// d_alloc_noblock_return and v3 06/19 d_duplicate. Targeted
// interleavings are forced with gates and spin points under the default
// schedule. Their explorations are catalog scenarios
// (dcache/owner-and-waiter, dcache/failed-lookup-and-waiter).

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

const (
	markWaited     = "d_alloc_parallel: waited on in-lookup"
	markMismatch   = "d_alloc_parallel: mismatch after wait"
	markWouldBlock = "d_alloc_noblock: in-lookup, would block"
)

func TestDAllocParallelHit(t *testing.T) {
	for _, p := range mainV3 {
		t.Run(p.String(), func(t *testing.T) {
			dcachetest.Once(t, p, nil, func(tk *sim.Task, e *dcachetest.Env) {
				d := dcachetest.Add(tk, e.Root(), "a", e.SB.NewInode(tk, dcache.S_IFREG))
				wq := dcachetest.WaitQueue(tk, e.C)
				got := dcache.DAllocParallel(tk, e.Root(), dcachetest.Q(e.Root(), "a"), wq)
				dcachetest.Release(tk, wq)
				dcachetest.Assert(tk, got == d && !dcache.DInLookup(tk, got), "d_alloc_parallel(a) = %v, want the hashed %v", got, d)
				dcachetest.Assert(tk, d.DLockref.Count() == 2 && e.Root().DLockref.Count() == 2, "counts: a %d root %d", d.DLockref.Count(), e.Root().DLockref.Count())
				dcache.Dput(tk, got)
				dcache.Dput(tk, d)
			})
		})
	}
}

func TestDAllocParallelMiss(t *testing.T) {
	for _, p := range mainV3 {
		t.Run(p.String(), func(t *testing.T) {
			dcachetest.Once(t, p, nil, func(tk *sim.Task, e *dcachetest.Env) {
				wq := dcachetest.WaitQueue(tk, e.C)
				d := dcache.DAllocParallel(tk, e.Root(), dcachetest.Q(e.Root(), "a"), wq)
				dcachetest.Assert(tk, !sim.IsErrOrNull(d), "d_alloc_parallel = %v", d)
				dcachetest.Assert(tk, dcache.DInLookup(tk, d) && dcache.OnInLookupHash(d), "new dentry not in-lookup (flags %s)", dcache.FlagString(d.DFlags))
				dcachetest.Assert(tk, !dcache.Hashed(d) && d.DInode == nil && d.DParent == e.Root(), "in-lookup dentry hashed %v inode %v parent %v",
					dcache.Hashed(d), d.DInode, d.DParent)
				dcachetest.Assert(tk, d.DLockref.Count() == 1 && e.Root().DLockref.Count() == 2, "counts: a %d root %d", d.DLockref.Count(), e.Root().DLockref.Count())
				// A lookup of the name while it is in-lookup misses.
				dcachetest.Assert(tk, dcache.DLookup(tk, e.Root(), dcachetest.Q(e.Root(), "a")) == nil, "d_lookup found an in-lookup dentry")
				dcache.DLookupDone(tk, d)
				dcachetest.Assert(tk, !dcache.DInLookup(tk, d) && !dcache.OnInLookupHash(d), "d_lookup_done left it in-lookup")
				dcache.DLookupDone(tk, d) // a second d_lookup_done does nothing
				dcache.Dput(tk, d)
				dcachetest.Assert(tk, !d.Live() && e.Root().DLockref.Count() == 1, "after the dput: live %v root count %d", d.Live(), e.Root().DLockref.Count())
				dcachetest.Release(tk, wq)
			})
		})
	}
}

// TestDAllocParallelENOMEM: a failed allocation is ERR_PTR(-ENOMEM), not
// NULL, and leaves nothing behind.
func TestDAllocParallelENOMEM(t *testing.T) {
	for _, p := range mainV3 {
		t.Run(p.String(), func(t *testing.T) {
			sched, err := sim.ParseSchedule("v2:x:-:00000000:f1")
			if err != nil {
				t.Fatal(err)
			}
			prog := dcachetest.Program(t.Name(), p, nil, func(e *dcachetest.Env) {
				e.W.Go("t", func(tk *sim.Task) {
					wq := dcachetest.WaitQueue(tk, e.C)
					d := dcache.DAllocParallel(tk, e.Root(), dcachetest.Q(e.Root(), "a"), wq)
					dcachetest.Assert(tk, sim.IsErr(d) && sim.PtrErr(d) == -int(sim.ENOMEM), "d_alloc_parallel = %v, want ERR_PTR(-ENOMEM)", d)
					dcachetest.Assert(tk, e.Root().DLockref.Count() == 1 && len(dcache.Children(e.Root())) == 0, "root count %d children %v",
						e.Root().DLockref.Count(), dcache.Children(e.Root()))
					dcachetest.Release(tk, wq)
				})
			})
			dcachetest.Clean(t, dcachetest.Run(t, prog, sim.Config{Faults: true}, sim.NewPrefixReplay(sched)))
		})
	}
}

// waitProgram: an owner makes "a" in-lookup and lets a second task run
// into d_alloc_parallel on it (the spin point hands over), then ends its
// lookup with end; the second task's result is checked by check.
func waitProgram(t *testing.T, p variant.Variant, end func(tk *sim.Task, e *dcachetest.Env, d *dcache.Dentry),
	check func(tk *sim.Task, e *dcachetest.Env, owner, got *dcache.Dentry)) sim.Program {
	return dcachetest.Program(t.Name(), p, nil, func(e *dcachetest.Env) {
		g := dcachetest.NewGate(e.W)
		var owner *dcache.Dentry
		e.W.Go("owner", func(tk *sim.Task) {
			wq := dcachetest.WaitQueue(tk, e.C)
			d := dcache.DAllocParallel(tk, e.Root(), dcachetest.Q(e.Root(), "a"), wq)
			dcachetest.Assert(tk, dcache.DInLookup(tk, d), "owner's dentry is not in-lookup")
			owner = d
			g.Open(tk)
			tk.CPURelax() // the default schedule runs the waiter here
			end(tk, e, d)
			dcache.Dput(tk, d)
			dcachetest.Release(tk, wq)
		})
		e.W.Go("waiter", func(tk *sim.Task) {
			g.Wait(tk)
			wq := dcachetest.WaitQueue(tk, e.C)
			got := dcache.DAllocParallel(tk, e.Root(), dcachetest.Q(e.Root(), "a"), wq)
			check(tk, e, owner, got)
			dcachetest.Release(tk, wq)
		})
	})
}

// TestDAllocParallelWait: a second d_alloc_parallel of an in-lookup name
// sleeps until the owner's d_add, and returns the owner's dentry, now
// hashed and positive.
func TestDAllocParallelWait(t *testing.T) {
	end := func(tk *sim.Task, e *dcachetest.Env, d *dcache.Dentry) {
		dcache.DAdd(tk, d, e.SB.NewInode(tk, dcache.S_IFREG))
	}
	check := func(tk *sim.Task, e *dcachetest.Env, owner, got *dcache.Dentry) {
		dcachetest.Assert(tk, got == owner && dcache.Hashed(got) && got.DInode != nil, "waiter got %v, want the owner's %v, hashed and positive", got, owner)
		dcache.Dput(tk, got)
	}
	for _, p := range mainV3 {
		t.Run(p.String(), func(t *testing.T) {
			out := dcachetest.Run(t, waitProgram(t, p, end, check), sim.Config{}, nil)
			dcachetest.Clean(t, out)
			if out.Marks[markWaited] == 0 {
				t.Fatalf("the waiter did not wait: marks %v", out.MarkNames())
			}
		})
	}
}

// TestDAllocParallelMismatch: when the owner's lookup ends without hashing
// the dentry (d_lookup_done after a failed ->lookup), the woken waiter
// finds it unhashed, drops it and starts again, becoming the owner of a
// new in-lookup dentry.
func TestDAllocParallelMismatch(t *testing.T) {
	end := func(tk *sim.Task, e *dcachetest.Env, d *dcache.Dentry) { dcache.DLookupDone(tk, d) }
	check := func(tk *sim.Task, e *dcachetest.Env, owner, got *dcache.Dentry) {
		// The owner's dentry is never hashed, so it is never returned.
		dcachetest.Assert(tk, got != owner, "waiter got the owner's unhashed dentry %v", got)
		dcachetest.Assert(tk, dcache.DInLookup(tk, got), "waiter's dentry %v is not in-lookup", got)
		dcache.DAdd(tk, got, nil)
		dcache.Dput(tk, got)
	}
	for _, p := range mainV3 {
		t.Run(p.String(), func(t *testing.T) {
			out := dcachetest.Run(t, waitProgram(t, p, end, check), sim.Config{}, nil)
			dcachetest.Clean(t, out)
			if out.Marks[markMismatch] == 0 || out.Marks[markWaited] == 0 {
				t.Fatalf("no wait and mismatch: marks %v", out.MarkNames())
			}
		})
	}
}

// noblockVersions are the patch sets with d_alloc_noblock: 05/19 alone
// (with the 04/19 it is built on) and the whole series.
var noblockVersions = []variant.Variant{
	variant.BaseToday.WithPatch(variant.P04WaitVarEvent).WithPatch(variant.P05AllocNoblock),
	variant.V3Today,
}

// TestDAllocNoblock: v3 05/19. A hashed name is returned by
// try_lookup_noperm, a new one becomes the caller's in-lookup dentry, a
// bad name is ERR_PTR(-EACCES), and a name another task has in-lookup is
// ERR_PTR(-EWOULDBLOCK) at once: the caller never sleeps (if it did, the
// owner, which waits for it, would deadlock), and leaves no trace on the
// owner's dentry.
func TestDAllocNoblock(t *testing.T) {
	for _, p := range noblockVersions {
		t.Run(p.String(), func(t *testing.T) {
			dcachetest.Once(t, p, nil, func(tk *sim.Task, e *dcachetest.Env) {
				d := dcachetest.Add(tk, e.Root(), "hashed", nil)
				got := dcache.DAllocNoblock(tk, e.Root(), &dcache.Qstr{Name: "hashed"})
				dcachetest.Assert(tk, got == d, "d_alloc_noblock(hashed) = %v, want %v", got, d)
				dcache.Dput(tk, got)
				dcache.Dput(tk, d)
				got = dcache.DAllocNoblock(tk, e.Root(), &dcache.Qstr{Name: "."})
				dcachetest.Assert(tk, sim.IsErr(got) && sim.PtrErr(got) == -int(sim.EACCES), "d_alloc_noblock(.) = %v", got)
				got = dcache.DAllocNoblock(tk, e.Root(), &dcache.Qstr{Name: "new"})
				dcachetest.Assert(tk, !sim.IsErrOrNull(got) && dcache.DInLookup(tk, got), "d_alloc_noblock(new) = %v, want an in-lookup dentry", got)
				dcache.DLookupDone(tk, got)
				dcache.Dput(tk, got)
			})

			prog := dcachetest.Program(t.Name(), p, nil, func(e *dcachetest.Env) {
				g1, g2 := dcachetest.NewGate(e.W), dcachetest.NewGate(e.W)
				var owner *dcache.Dentry
				e.W.Go("owner", func(tk *sim.Task) {
					owner = dcache.DAllocParallel(tk, e.Root(), dcachetest.Q(e.Root(), "a"), nil)
					g1.Open(tk)
					g2.Wait(tk)
					dcachetest.Assert(tk, owner.DLockref.Count() == 1, "owner's count %d after the failed d_alloc_noblock", owner.DLockref.Count())
					dcachetest.Assert(tk, owner.DFlags&dcache.DCACHE_LOCK_WAITER == 0, "d_alloc_noblock set DCACHE_LOCK_WAITER")
					dcache.DAdd(tk, owner, nil)
					dcache.Dput(tk, owner)
				})
				e.W.Go("noblock", func(tk *sim.Task) {
					g1.Wait(tk)
					got := dcache.DAllocNoblock(tk, e.Root(), &dcache.Qstr{Name: "a"})
					dcachetest.Assert(tk, sim.IsErr(got) && sim.PtrErr(got) == -int(sim.EWOULDBLOCK), "d_alloc_noblock(a) = %v, want ERR_PTR(-EWOULDBLOCK)", got)
					var ret *dcache.Dentry
					got = dcache.DAllocNoblockReturn(tk, e.Root(), &dcache.Qstr{Name: "a"}, &ret)
					dcachetest.Assert(tk, sim.IsErr(got) && sim.PtrErr(got) == -int(sim.EWOULDBLOCK), "d_alloc_noblock_return(a) = %v", got)
					if e.C.Has(variant.P10NoblockReturn) {
						// v3 10/19: the reference to the in-lookup dentry is ours.
						dcachetest.Assert(tk, ret == owner && owner.DLockref.Count() == 2, "*dentryp = %v (count %d), want the owner's dentry with a reference",
							ret, owner.DLockref.Count())
						dcache.Dput(tk, ret)
					} else {
						dcachetest.Assert(tk, ret == nil, "*dentryp = %v without 10/19", ret)
					}
					g2.Open(tk)
				})
			})
			out := dcachetest.Run(t, prog, sim.Config{}, nil)
			dcachetest.Clean(t, out)
			if out.Marks[markWouldBlock] != 2 {
				t.Fatalf("marks %v", out.Marks)
			}
		})
	}
}

// TestDDuplicate: v3 06/19. d_duplicate makes an in-lookup twin of a
// positive hashed dentry, with the same name and parent; the original
// stays hashed, so d_alloc_parallel keeps finding it, and nobody waits on
// the twin. Allocation failure is ERR_PTR(-ENOMEM).
func TestDDuplicate(t *testing.T) {
	for _, p := range []variant.Variant{variant.BaseToday.WithPatch(variant.P04WaitVarEvent).WithPatch(variant.P06Duplicate), variant.V3Today} {
		t.Run(p.String(), func(t *testing.T) {
			dcachetest.Once(t, p, nil, func(tk *sim.Task, e *dcachetest.Env) {
				orig := dcachetest.Add(tk, e.Root(), "a", e.SB.NewInode(tk, dcache.S_IFREG))
				dup := dcache.DDuplicate(tk, orig)
				dcachetest.Assert(tk, !sim.IsErrOrNull(dup) && dup != orig, "d_duplicate = %v", dup)
				dcachetest.Assert(tk, dcache.DInLookup(tk, dup) && dcache.OnInLookupHash(dup) && !dcache.Hashed(dup) && dup.DInode == nil,
					"twin: flags %s hashed %v inode %v", dcache.FlagString(dup.DFlags), dcache.Hashed(dup), dup.DInode)
				dcachetest.Assert(tk, dup.DName == orig.DName && dup.DParent == e.Root() && dup.DLockref.Count() == 1, "twin name %v parent %v count %d",
					dup.DName, dup.DParent, dup.DLockref.Count())
				dcachetest.Assert(tk, dcache.Hashed(orig) && e.Root().DLockref.Count() == 3, "original hashed %v, root count %d", dcache.Hashed(orig), e.Root().DLockref.Count())
				wq := dcachetest.WaitQueue(tk, e.C)
				got := dcache.DAllocParallel(tk, e.Root(), dcachetest.Q(e.Root(), "a"), wq)
				dcachetest.Release(tk, wq)
				dcachetest.Assert(tk, got == orig, "d_alloc_parallel(a) = %v with a twin in-lookup, want the hashed original", got)
				dcache.Dput(tk, got)
				dcache.DLookupDone(tk, dup)
				dcache.Dput(tk, dup)
				dcachetest.Assert(tk, !dup.Live(), "twin survived d_lookup_done and dput")
				dcache.Dput(tk, orig)
			})

			sched, err := sim.ParseSchedule("v2:x:-:00000000:f0.f1")
			if err != nil {
				t.Fatal(err)
			}
			prog := dcachetest.Program(t.Name()+"-enomem", p, nil, func(e *dcachetest.Env) {
				e.W.Go("t", func(tk *sim.Task) {
					orig := dcachetest.Add(tk, e.Root(), "a", nil) // the d_alloc takes f0
					dup := dcache.DDuplicate(tk, orig)
					dcachetest.Assert(tk, sim.IsErr(dup) && sim.PtrErr(dup) == -int(sim.ENOMEM), "d_duplicate = %v, want ERR_PTR(-ENOMEM)", dup)
					dcache.Dput(tk, orig)
				})
			})
			dcachetest.Clean(t, dcachetest.Run(t, prog, sim.Config{Faults: true}, sim.NewPrefixReplay(sched)))
		})
	}
}
