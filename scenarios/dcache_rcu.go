package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

func init() {
	Register(&Scenario{
		Name: "dcache/rcu-lookup-vs-move-ci",
		Doc: "On a superblock with ->d_compare (case folding), an RCU-walk lookup of \"A\" " +
			"(__d_lookup_rcu_op_compare) races d_move of \"a\" onto \"b\". The lookup rereads the " +
			"name until d_seq is stable, with cpu_relax() between tries; a task spinning there " +
			"lets the mover finish, so no interleaving livelocks.",
		Cells: []Cell{{Variant: variant.BaseToday, Bound: 2}, {Variant: variant.V3Today, Bound: 2}},
		Setup: func(w *sim.World, v variant.Variant) {
			c := dcache.NewCache(w, v)
			sb := c.NewSuperBlock("ci", dcachetest.FoldOps)
			root := sb.SRoot
			q := func(name string) *dcache.Qstr {
				n := &dcache.Qstr{Name: name}
				dcachetest.FoldOps.DHash(nil, root, n)
				return n
			}
			var a, b *dcache.Dentry
			w.Go("setup", func(t *sim.Task) {
				a = dcache.DAlloc(t, root, q("a"))
				dcache.DAdd(t, a, sb.NewInode(t, dcache.S_IFREG))
				b = dcache.DAlloc(t, root, q("b"))
				dcache.DAdd(t, b, nil)
				t.Spawn("rename", func(t *sim.Task) {
					root.DInode.IRwsem.DownWrite(t)
					dcache.DMove(t, a, b)
					root.DInode.IRwsem.UpWrite(t)
					dcache.Dput(t, a)
					dcache.Dput(t, b)
				})
				t.Spawn("rcu-lookup", func(t *sim.Task) {
					sim.RCUReadLock(t)
					var seq uint32
					if d := dcache.DLookupRCU(t, root, q("A"), &seq); d != nil {
						d.DSeq.Retry(t, seq)
					}
					sim.RCUReadUnlock(t)
				})
			})
			w.Roots(func(mark func(*sim.Object)) { dcache.MarkTree(root, mark) })
			w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
		},
	})
}
