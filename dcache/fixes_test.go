package dcache_test

import (
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// The fixed variants (dcache/fixes.go) beside the posted code: the
// posted version keeps firing, the fixed one explores clean.

// fxFailWhenArmed fails allocations while *armed.
type fxFailWhenArmed struct{ armed *bool }

func (s fxFailWhenArmed) Decide(w *sim.World, d *sim.Decision) int {
	if d.Kind == sim.DecideFault && *s.armed {
		return 1
	}
	return d.Default()
}

// TestFixAddCIRelock: d_add_ci (v3 08/19) hitting ENOMEM under an
// exclusive parent lock. Posted: it returns with the lock dropped and the
// caller's unlock is unbalanced. Fixed: it retakes the lock first.
func TestFixAddCIRelock(tt *testing.T) {
	for _, fixed := range []bool{false, true} {
		armed := false
		prog := sim.Program{Name: "fix/add-ci-relock", Setup: func(w *sim.World) {
			c := dcache.NewCache(w, variant.V3Today)
			if fixed {
				c.V = c.V.With(dcache.FixAddCIRelock)
			}
			sb := c.NewSuperBlock("t", nil)
			w.Go("lookup", func(t *sim.Task) {
				root := sb.SRoot
				inode := sb.NewInode(t, dcache.S_IFREG)
				root.DInode.IRwsem.DownWriteNested(t, 1) // lookup_one_qstr_excl's caller
				d := dcache.DAlloc(t, root, &dcache.Qstr{Name: "FOO", Hash: dcache.FullNameHash(root, "FOO")})
				armed = true
				res := dcache.DAddCI(t, d, inode, &dcache.Qstr{Name: "foo"}, false)
				armed = false
				if !sim.IsErr(res) || sim.PtrErr(res) != -int(sim.ENOMEM) {
					t.Violation(sim.KindInvariant, "test", "d_add_ci did not fail with -ENOMEM", "")
				}
				root.DInode.IRwsem.UpWrite(t)
				dcache.Dput(t, d)
			})
		}}
		out := sim.Execute(prog, sim.Config{Faults: true}, fxFailWhenArmed{&armed})
		if fixed {
			if out.Report != nil {
				tt.Fatalf("fixed variant: unexpected report:\n%s", out.Report.Format())
			}
			continue
		}
		if out.Report == nil || out.Report.Rule != "unbalanced-up_write" {
			tt.Fatalf("posted 08/19: want lockdep [unbalanced-up_write], got %v", out.Report)
		}
	}
}

// TestFixAddPublishLast: d_splice_alias_ops of a file into an in-lookup
// dentry racing an RCU walk (v3 02/19). Posted: some interleaving lets the
// walk validate the dentry negative or without its d_op. Fixed: none does.
func TestFixAddPublishLast(tt *testing.T) {
	const bad = "test: walk validated a half-published dentry"
	ops := &dcache.DentryOperations{DRevalidate: func(*sim.Task, *dcache.Inode, *dcache.Qstr, *dcache.Dentry, uint) int { return 1 }}
	bound := 2
	if testing.Short() {
		bound = 1
	}
	for _, fixed := range []bool{false, true} {
		prog := sim.Program{Name: "fix/publish-last", Setup: func(w *sim.World) {
			c := dcache.NewCache(w, variant.V3Today)
			if fixed {
				c.V = c.V.With(dcache.FixAddPublishLast)
			}
			sb := c.NewSuperBlock("t", nil)
			root := sb.SRoot
			q := func() *dcache.Qstr { return &dcache.Qstr{Name: "f", Hash: dcache.FullNameHash(root, "f")} }
			w.Go("lookup", func(t *sim.Task) {
				inode := sb.NewInode(t, dcache.S_IFREG)
				d := dcache.DAllocParallel(t, root, q(), nil)
				if dcache.DInLookup(t, d) {
					dcache.DSpliceAliasOps(t, inode, d, ops)
					dcache.DLookupDone(t, d)
				} else {
					dcache.Iput(t, inode)
				}
				dcache.Dput(t, d)
			})
			w.Go("walk", func(t *sim.Task) {
				sim.RCUReadLock(t)
				var seq uint32
				if d := dcache.DLookupRCU(t, root, q(), &seq); d != nil {
					t.Read(&d.Object, "d_inode,d_flags")
					negative, noop := d.DInode == nil, d.DFlags&dcache.DCACHE_OP_REVALIDATE == 0
					if !d.DSeq.Retry(t, seq) && (negative || noop) {
						t.Mark(bad)
					}
				}
				sim.RCUReadUnlock(t)
			})
		}}
		r := explore.DFS(prog, explore.Options{MaxPreemptions: bound, Budget: 200_000})
		if !r.Clean() || !r.Exhausted {
			tt.Fatalf("fixed=%v: clean=%v exhausted=%v first=%v", fixed, r.Clean(), r.Exhausted, r.First)
		}
		if seen := r.Marks[bad] > 0; seen == fixed {
			tt.Errorf("fixed=%v: half-published dentry seen in %d of %d runs", fixed, r.Marks[bad], r.Runs)
		}
	}
}
