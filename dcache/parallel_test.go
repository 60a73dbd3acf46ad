package dcache_test

// Unit tests of the in-lookup machinery: d_alloc_parallel in mainline
// (with the caller's on-stack wait queue) and with v3 04/19 (waiting on
// d_flags), d_lookup_done, v3 05/19 d_alloc_noblock, v3 10/19
// d_alloc_noblock_return and v3 06/19 d_duplicate. Targeted
// interleavings are forced with gates and spin points under the default
// schedule; the wait and mismatch cases are also explored by DFS.

import (
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

const (
	hbMarkWaited     = "d_alloc_parallel: waited on in-lookup"
	hbMarkMismatch   = "d_alloc_parallel: mismatch after wait"
	hbMarkWouldBlock = "d_alloc_noblock: in-lookup, would block"
)

// hbGate is a test device: tasks wait until another task opens it.
type hbGate struct {
	sim.Object
	open bool
}

func hbNewGate(w *sim.World) *hbGate {
	g := &hbGate{}
	w.NewStatic(&g.Object, "gate")
	return g
}

func (g *hbGate) Open(t *sim.Task) {
	t.Write(&g.Object, "open")
	g.open = true
	sim.WakeUpVar(t, &g.Object, "open")
}

func (g *hbGate) Wait(t *sim.Task) {
	sim.WaitVarEvent(t, &g.Object, "open", func() bool {
		t.Read(&g.Object, "open")
		return g.open
	})
}

// hbWaitQueue declares the on-stack wait queue mainline d_alloc_parallel
// callers need (nil with v3 04/19); release it with hbReleaseWQ.
func hbWaitQueue(t *sim.Task, c *dcache.Cache) *dcache.WaitQueue {
	if c.Has(variant.P04WaitVarEvent) {
		return nil
	}
	return dcache.NewOnStackWaitQueue(t)
}

func hbReleaseWQ(t *sim.Task, wq *dcache.WaitQueue) {
	if wq != nil {
		wq.Release(t)
	}
}

func TestDAllocParallelHit(t *testing.T) {
	for _, p := range hbVersions {
		t.Run(p.String(), func(t *testing.T) {
			hbOnce(t, p, nil, func(tk *sim.Task, e *hbEnv) {
				d := hbAdd(tk, e.root, "a", e.sb.NewInode(tk, dcache.S_IFREG))
				wq := hbWaitQueue(tk, e.c)
				got := dcache.DAllocParallel(tk, e.root, hbQ(e.root, "a"), wq)
				hbReleaseWQ(tk, wq)
				hbExpect(t, got == d && !dcache.DInLookup(tk, got), "d_alloc_parallel(a) = %v, want the hashed %v", got, d)
				hbExpect(t, hbCount(d) == 2 && hbCount(e.root) == 2, "counts: a %d root %d", hbCount(d), hbCount(e.root))
				dcache.Dput(tk, got)
				dcache.Dput(tk, d)
			})
		})
	}
}

func TestDAllocParallelMiss(t *testing.T) {
	for _, p := range hbVersions {
		t.Run(p.String(), func(t *testing.T) {
			hbOnce(t, p, nil, func(tk *sim.Task, e *hbEnv) {
				wq := hbWaitQueue(tk, e.c)
				d := dcache.DAllocParallel(tk, e.root, hbQ(e.root, "a"), wq)
				hbExpect(t, !sim.IsErrOrNull(d), "d_alloc_parallel = %v", d)
				hbExpect(t, dcache.DInLookup(tk, d) && dcache.OnInLookupHash(d), "new dentry not in-lookup (flags %s)", dcache.FlagString(d.DFlags))
				hbExpect(t, !dcache.Hashed(d) && d.DInode == nil && d.DParent == e.root, "in-lookup dentry hashed %v inode %v parent %v",
					dcache.Hashed(d), d.DInode, d.DParent)
				hbExpect(t, hbCount(d) == 1 && hbCount(e.root) == 2, "counts: a %d root %d", hbCount(d), hbCount(e.root))
				// A lookup of the name while it is in-lookup misses.
				hbExpect(t, dcache.DLookup(tk, e.root, hbQ(e.root, "a")) == nil, "d_lookup found an in-lookup dentry")
				dcache.DLookupDone(tk, d)
				hbExpect(t, !dcache.DInLookup(tk, d) && !dcache.OnInLookupHash(d), "d_lookup_done left it in-lookup")
				dcache.DLookupDone(tk, d) // a second d_lookup_done does nothing
				dcache.Dput(tk, d)
				hbExpect(t, !d.Live() && hbCount(e.root) == 1, "after the dput: live %v root count %d", d.Live(), hbCount(e.root))
				hbReleaseWQ(tk, wq)
			})
		})
	}
}

// TestDAllocParallelENOMEM: a failed allocation is ERR_PTR(-ENOMEM), not
// NULL, and leaves nothing behind.
func TestDAllocParallelENOMEM(t *testing.T) {
	for _, p := range hbVersions {
		t.Run(p.String(), func(t *testing.T) {
			sched, err := sim.ParseSchedule("v2:x:-:00000000:f1")
			if err != nil {
				t.Fatal(err)
			}
			prog := hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				e.w.Go("t", func(tk *sim.Task) {
					wq := hbWaitQueue(tk, e.c)
					d := dcache.DAllocParallel(tk, e.root, hbQ(e.root, "a"), wq)
					hbExpect(t, sim.IsErr(d) && sim.PtrErr(d) == -int(sim.ENOMEM), "d_alloc_parallel = %v, want ERR_PTR(-ENOMEM)", d)
					hbExpect(t, hbCount(e.root) == 1 && len(dcache.Children(e.root)) == 0, "root count %d children %v",
						hbCount(e.root), dcache.Children(e.root))
					hbReleaseWQ(tk, wq)
				})
			})
			hbClean(t, hbRun(t, prog, sim.Config{Faults: true}, sim.NewPrefixReplay(sched)))
		})
	}
}

// hbWaitProgram: an owner makes "a" in-lookup and lets a second task run
// into d_alloc_parallel on it (the spin point hands over), then ends its
// lookup with end; the second task's result is checked by check.
func hbWaitProgram(t *testing.T, p variant.Variant, end func(tk *sim.Task, e *hbEnv, d *dcache.Dentry),
	check func(tk *sim.Task, e *hbEnv, owner, got *dcache.Dentry)) sim.Program {
	return hbProgram(t.Name(), p, nil, func(e *hbEnv) {
		g := hbNewGate(e.w)
		var owner *dcache.Dentry
		e.w.Go("owner", func(tk *sim.Task) {
			wq := hbWaitQueue(tk, e.c)
			d := dcache.DAllocParallel(tk, e.root, hbQ(e.root, "a"), wq)
			hbExpect(t, dcache.DInLookup(tk, d), "owner's dentry is not in-lookup")
			owner = d
			g.Open(tk)
			tk.CPURelax() // the default schedule runs the waiter here
			end(tk, e, d)
			dcache.Dput(tk, d)
			hbReleaseWQ(tk, wq)
		})
		e.w.Go("waiter", func(tk *sim.Task) {
			g.Wait(tk)
			wq := hbWaitQueue(tk, e.c)
			got := dcache.DAllocParallel(tk, e.root, hbQ(e.root, "a"), wq)
			check(tk, e, owner, got)
			hbReleaseWQ(tk, wq)
		})
	})
}

// TestDAllocParallelWait: a second d_alloc_parallel of an in-lookup name
// sleeps until the owner's d_add, and returns the owner's dentry, now
// hashed and positive.
func TestDAllocParallelWait(t *testing.T) {
	end := func(tk *sim.Task, e *hbEnv, d *dcache.Dentry) { dcache.DAdd(tk, d, e.sb.NewInode(tk, dcache.S_IFREG)) }
	check := func(tk *sim.Task, e *hbEnv, owner, got *dcache.Dentry) {
		hbExpect(t, got == owner && dcache.Hashed(got) && got.DInode != nil, "waiter got %v, want the owner's %v, hashed and positive", got, owner)
		dcache.Dput(tk, got)
	}
	for _, p := range hbVersions {
		t.Run(p.String(), func(t *testing.T) {
			out := hbRun(t, hbWaitProgram(t, p, end, check), sim.Config{}, nil)
			hbClean(t, out)
			if out.Marks[hbMarkWaited] == 0 {
				t.Fatalf("the waiter did not wait: marks %v", out.MarkNames())
			}
			r := explore.DFS(hbWaitProgram(t, p, end, check), explore.Options{MaxPreemptions: 2, Budget: 3000, RequireMarks: []string{hbMarkWaited}})
			if r.First != nil || !r.Clean() {
				t.Fatalf("DFS: %d runs, missing marks %v, err %v\n%v", r.Runs, r.MissingMarks, r.Err, r.First)
			}
		})
	}
}

// TestDAllocParallelMismatch: when the owner's lookup ends without hashing
// the dentry (d_lookup_done after a failed ->lookup), the woken waiter
// finds it unhashed, drops it and starts again, becoming the owner of a
// new in-lookup dentry.
func TestDAllocParallelMismatch(t *testing.T) {
	end := func(tk *sim.Task, e *hbEnv, d *dcache.Dentry) { dcache.DLookupDone(tk, d) }
	check := func(tk *sim.Task, e *hbEnv, owner, got *dcache.Dentry) {
		// The owner's dentry is never hashed, so it is never returned.
		hbExpect(t, got != owner, "waiter got the owner's unhashed dentry %v", got)
		hbExpect(t, dcache.DInLookup(tk, got), "waiter's dentry %v is not in-lookup", got)
		dcache.DAdd(tk, got, nil)
		dcache.Dput(tk, got)
	}
	for _, p := range hbVersions {
		t.Run(p.String(), func(t *testing.T) {
			out := hbRun(t, hbWaitProgram(t, p, end, check), sim.Config{}, nil)
			hbClean(t, out)
			if out.Marks[hbMarkMismatch] == 0 || out.Marks[hbMarkWaited] == 0 {
				t.Fatalf("no wait and mismatch: marks %v", out.MarkNames())
			}
			r := explore.DFS(hbWaitProgram(t, p, end, check), explore.Options{MaxPreemptions: 2, Budget: 3000,
				RequireMarks: []string{hbMarkWaited, hbMarkMismatch}})
			if r.First != nil || !r.Clean() {
				t.Fatalf("DFS: %d runs, missing marks %v, err %v\n%v", r.Runs, r.MissingMarks, r.Err, r.First)
			}
		})
	}
}

// hbNoblockVersions are the patch sets with d_alloc_noblock: 05/19 alone
// (with the 04/19 it is built on) and the whole series.
var hbNoblockVersions = []variant.Variant{
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
	for _, p := range hbNoblockVersions {
		t.Run(p.String(), func(t *testing.T) {
			hbOnce(t, p, nil, func(tk *sim.Task, e *hbEnv) {
				d := hbAdd(tk, e.root, "hashed", nil)
				got := dcache.DAllocNoblock(tk, e.root, &dcache.Qstr{Name: "hashed"})
				hbExpect(t, got == d, "d_alloc_noblock(hashed) = %v, want %v", got, d)
				dcache.Dput(tk, got)
				dcache.Dput(tk, d)
				got = dcache.DAllocNoblock(tk, e.root, &dcache.Qstr{Name: "."})
				hbExpect(t, sim.IsErr(got) && sim.PtrErr(got) == -int(sim.EACCES), "d_alloc_noblock(.) = %v", got)
				got = dcache.DAllocNoblock(tk, e.root, &dcache.Qstr{Name: "new"})
				hbExpect(t, !sim.IsErrOrNull(got) && dcache.DInLookup(tk, got), "d_alloc_noblock(new) = %v, want an in-lookup dentry", got)
				dcache.DLookupDone(tk, got)
				dcache.Dput(tk, got)
			})

			prog := hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				g1, g2 := hbNewGate(e.w), hbNewGate(e.w)
				var owner *dcache.Dentry
				e.w.Go("owner", func(tk *sim.Task) {
					owner = dcache.DAllocParallel(tk, e.root, hbQ(e.root, "a"), nil)
					g1.Open(tk)
					g2.Wait(tk)
					hbExpect(t, hbCount(owner) == 1, "owner's count %d after the failed d_alloc_noblock", hbCount(owner))
					hbExpect(t, owner.DFlags&dcache.DCACHE_LOCK_WAITER == 0, "d_alloc_noblock set DCACHE_LOCK_WAITER")
					dcache.DAdd(tk, owner, nil)
					dcache.Dput(tk, owner)
				})
				e.w.Go("noblock", func(tk *sim.Task) {
					g1.Wait(tk)
					got := dcache.DAllocNoblock(tk, e.root, &dcache.Qstr{Name: "a"})
					hbExpect(t, sim.IsErr(got) && sim.PtrErr(got) == -int(sim.EWOULDBLOCK), "d_alloc_noblock(a) = %v, want ERR_PTR(-EWOULDBLOCK)", got)
					var ret *dcache.Dentry
					got = dcache.DAllocNoblockReturn(tk, e.root, &dcache.Qstr{Name: "a"}, &ret)
					hbExpect(t, sim.IsErr(got) && sim.PtrErr(got) == -int(sim.EWOULDBLOCK), "d_alloc_noblock_return(a) = %v", got)
					if e.c.Has(variant.P10NoblockReturn) {
						// v3 10/19: the reference to the in-lookup dentry is ours.
						hbExpect(t, ret == owner && hbCount(owner) == 2, "*dentryp = %v (count %d), want the owner's dentry with a reference",
							ret, hbCount(owner))
						dcache.Dput(tk, ret)
					} else {
						hbExpect(t, ret == nil, "*dentryp = %v without 10/19", ret)
					}
					g2.Open(tk)
				})
			})
			out := hbRun(t, prog, sim.Config{}, nil)
			hbClean(t, out)
			if out.Marks[hbMarkWouldBlock] != 2 {
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
	for _, p := range []variant.Variant{variant.BaseToday.WithPatch(variant.P06Duplicate), variant.V3Today} {
		t.Run(p.String(), func(t *testing.T) {
			hbOnce(t, p, nil, func(tk *sim.Task, e *hbEnv) {
				orig := hbAdd(tk, e.root, "a", e.sb.NewInode(tk, dcache.S_IFREG))
				dup := dcache.DDuplicate(tk, orig)
				hbExpect(t, !sim.IsErrOrNull(dup) && dup != orig, "d_duplicate = %v", dup)
				hbExpect(t, dcache.DInLookup(tk, dup) && dcache.OnInLookupHash(dup) && !dcache.Hashed(dup) && dup.DInode == nil,
					"twin: flags %s hashed %v inode %v", dcache.FlagString(dup.DFlags), dcache.Hashed(dup), dup.DInode)
				hbExpect(t, dup.DName == orig.DName && dup.DParent == e.root && hbCount(dup) == 1, "twin name %v parent %v count %d",
					dup.DName, dup.DParent, hbCount(dup))
				hbExpect(t, dcache.Hashed(orig) && hbCount(e.root) == 3, "original hashed %v, root count %d", dcache.Hashed(orig), hbCount(e.root))
				wq := hbWaitQueue(tk, e.c)
				got := dcache.DAllocParallel(tk, e.root, hbQ(e.root, "a"), wq)
				hbReleaseWQ(tk, wq)
				hbExpect(t, got == orig, "d_alloc_parallel(a) = %v with a twin in-lookup, want the hashed original", got)
				dcache.Dput(tk, got)
				dcache.DLookupDone(tk, dup)
				dcache.Dput(tk, dup)
				hbExpect(t, !dup.Live(), "twin survived d_lookup_done and dput")
				dcache.Dput(tk, orig)
			})

			sched, err := sim.ParseSchedule("v2:x:-:00000000:f0.f1")
			if err != nil {
				t.Fatal(err)
			}
			prog := hbProgram(t.Name()+"-enomem", p, nil, func(e *hbEnv) {
				e.w.Go("t", func(tk *sim.Task) {
					orig := hbAdd(tk, e.root, "a", nil) // the d_alloc takes f0
					dup := dcache.DDuplicate(tk, orig)
					hbExpect(t, sim.IsErr(dup) && sim.PtrErr(dup) == -int(sim.ENOMEM), "d_duplicate = %v, want ERR_PTR(-ENOMEM)", dup)
					dcache.Dput(tk, orig)
				})
			})
			hbClean(t, hbRun(t, prog, sim.Config{Faults: true}, sim.NewPrefixReplay(sched)))
		})
	}
}
