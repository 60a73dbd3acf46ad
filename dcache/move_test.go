package dcache_test

// Tests of d_ancestor, __d_move, d_move and d_exchange (dcache/move.go).
// Their races are catalog scenarios (scenarios/dcache_races.go).

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

func TestDAncestor(tt *testing.T) {
	dcachetest.Once(tt, variant.BaseToday, nil, func(t *sim.Task, e *dcachetest.Env) {
		a := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFDIR)
		b := dcachetest.AddNew(t, a, "b", dcache.S_IFDIR)
		c := dcachetest.AddNew(t, b, "c", dcache.S_IFREG)
		anon := dcache.DAllocAnon(t, e.SB)
		x := dcachetest.AddNew(t, anon, "x", 0)
		for _, k := range []struct {
			p1, p2, want *dcache.Dentry
		}{
			{e.Root(), c, a}, {a, c, b}, {b, c, c}, {c, a, nil}, {a, a, nil}, {e.Root(), e.Root(), nil},
			{e.Root(), a, a}, {anon, x, x}, {e.Root(), x, nil}, {a, anon, nil},
		} {
			got := dcache.DAncestor(k.p1, k.p2)
			dcachetest.Assert(t, got == k.want, "d_ancestor(%s, %s) = %s, want %s", k.p1, k.p2, got, k.want)
		}
		dcache.DDrop(t, x) // so that the anonymous tree goes with the last dputs
		for _, d := range []*dcache.Dentry{x, anon, c, b, a} {
			dcache.Dput(t, d)
		}
	})
}

// A rename in one directory: the source takes the negative target's name
// and hash; the target is unhashed but keeps its name and parent until
// its last reference goes. The parent's count is unchanged.
func TestDMoveSameDir(tt *testing.T) {
	for _, v := range versions {
		tt.Run(v.String(), func(tt *testing.T) {
			var during, after string
			dcachetest.Once(tt, v, nil, func(t *sim.Task, e *dcachetest.Env) {
				a := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG)
				b := dcachetest.AddNew(t, e.Root(), "b", 0)
				seq := e.C.RenameLock.Seq.Sequence()
				dcache.DMove(t, a, b)
				dcachetest.Assert(t, e.C.RenameLock.Seq.Sequence() == seq+2, "rename_lock not written once")
				dcachetest.Assert(t, a.DName.Name == "b" && a.DName.Hash == dcache.FullNameHash(e.Root(), "b"), "a has name %q", a.DName.Name)
				dcachetest.Assert(t, b.DName.Name == "b" && b.DParent == e.Root(), "target's name or parent changed")
				dcachetest.Assert(t, !dcache.DUnhashed(t, a) && dcache.DUnhashed(t, b), "a unhashed or target hashed")
				during = e.SB.Dump()
				got := dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "b"))
				dcachetest.Assert(t, got == a, "d_lookup(b) = %s, want the moved dentry", got)
				dcache.Dput(t, got)
				dcachetest.Assert(t, dcache.DLookup(t, e.Root(), dcachetest.Q(e.Root(), "a")) == nil, "d_lookup(a) found something")
				dcache.Dput(t, b)
				dcache.Dput(t, a)
				after = e.SB.Dump()
			})
			wantDuring := "/ [dir#1] count=3\n  b [hashed reg#2] count=1\n  b [negative] count=1\n"
			wantAfter := "/ [dir#1] count=2\n  b [hashed reg#2] count=0\n"
			if during != wantDuring || after != wantAfter {
				tt.Errorf("dcache after d_move:\n%s\nwant:\n%s\nafter dput:\n%s\nwant:\n%s", during, wantDuring, after, wantAfter)
			}
		})
	}
}

// A rename across directories moves the parent reference from the old
// parent to the new one and the dentry between the d_children lists.
func TestDMoveCrossDir(tt *testing.T) {
	dcachetest.EachDump(tt, versions, nil, "/ [dir#1] count=3\n  d1 [hashed dir#2] count=0\n  d2 [hashed dir#3] count=1\n    b [hashed reg#4] count=0\n", func(t *sim.Task, e *dcachetest.Env) {
		d1 := dcachetest.AddNew(t, e.Root(), "d1", dcache.S_IFDIR)
		d2 := dcachetest.AddNew(t, e.Root(), "d2", dcache.S_IFDIR)
		a := dcachetest.AddNew(t, d1, "a", dcache.S_IFREG)
		b := dcachetest.AddNew(t, d2, "b", 0)
		n1, n2 := d1.DLockref.Count(), d2.DLockref.Count()
		dcache.DMove(t, a, b)
		dcachetest.Assert(t, a.DParent == d2 && b.DParent == d2, "parents: a in %s, target in %s", a.DParent, b.DParent)
		dcachetest.Assert(t, d1.DLockref.Count() == n1-1 && d2.DLockref.Count() == n2+1,
			"parent counts %d,%d want %d,%d", d1.DLockref.Count(), d2.DLockref.Count(), n1-1, n2+1)
		dcachetest.Assert(t, dcache.DLookup(t, d1, dcachetest.Q(d1, "a")) == nil, "a still found in d1")
		got := dcache.DLookup(t, d2, dcachetest.Q(d2, "b"))
		dcachetest.Assert(t, got == a, "d_lookup(d2, b) = %s", got)
		for _, d := range []*dcache.Dentry{got, b, a, d2, d1} {
			dcache.Dput(t, d)
		}
		e.Snapshot()
	})
}

// d_move onto the caller's own in-lookup dentry (what d_splice_alias
// does with a directory alias, and nfs_rename with d_duplicate in v3
// 19/19): the target leaves the in-lookup state inside an i_dir_seq write
// section.
func TestDMoveInLookupTarget(tt *testing.T) {
	dcachetest.EachDump(tt, versions, nil, "/ [dir#1] count=2\n  b [hashed reg#2] count=0\n", func(t *sim.Task, e *dcachetest.Env) {
		a := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG)
		b, wq := dcachetest.OwnLookup(t, e.C, e.Root(), dcachetest.Q(e.Root(), "b"))
		dcachetest.Assert(t, dcache.DInLookup(t, b), "not in-lookup")
		seq := e.Root().DInode.IDirSeq.Value()
		dcache.DMove(t, a, b)
		dcachetest.Assert(t, !dcache.DInLookup(t, b) && dcache.DUnhashed(t, b) && b.DInode == nil, "target state after the move")
		dcachetest.Assert(t, e.Root().DInode.IDirSeq.Value() == seq+2, "i_dir_seq %d, want %d", e.Root().DInode.IDirSeq.Value(), seq+2)
		dcache.DLookupDone(t, b) // no-op now
		dcache.Dput(t, b)
		dcachetest.Release(t, wq)
		dcache.Dput(t, a)
		e.Snapshot()
	})
}

// d_exchange swaps names, hashes and parents; parent counts stay.
func TestDExchange(tt *testing.T) {
	want := "/ [dir#1] count=3\n  d1 [hashed dir#3] count=1\n    b [hashed reg#4] count=0\n" +
		"  d2 [hashed dir#2] count=1\n    a [hashed dir#5] count=0\n"
	dcachetest.EachDump(tt, versions, nil, want, func(t *sim.Task, e *dcachetest.Env) {
		d1 := dcachetest.AddNew(t, e.Root(), "d1", dcache.S_IFDIR)
		d2 := dcachetest.AddNew(t, e.Root(), "d2", dcache.S_IFDIR)
		a := dcachetest.AddNew(t, d1, "a", dcache.S_IFREG)
		b := dcachetest.AddNew(t, d2, "b", dcache.S_IFDIR)
		n1, n2 := d1.DLockref.Count(), d2.DLockref.Count()
		dcache.DExchange(t, a, b)
		dcachetest.Assert(t, a.DParent == d2 && a.DName.Name == "b" && b.DParent == d1 && b.DName.Name == "a", "not exchanged")
		dcachetest.Assert(t, d1.DLockref.Count() == n1 && d2.DLockref.Count() == n2, "parent counts changed")
		got := dcache.DLookup(t, d1, dcachetest.Q(d1, "a"))
		dcachetest.Assert(t, got == b, "d_lookup(d1, a) = %s", got)
		dcache.Dput(t, got)
		got = dcache.DLookup(t, d2, dcachetest.Q(d2, "b"))
		dcachetest.Assert(t, got == a, "d_lookup(d2, b) = %s", got)
		dcache.Dput(t, got)
		// Same directory: a swap of names only.
		dcache.DExchange(t, d1, d2)
		dcachetest.Assert(t, d1.DName.Name == "d2" && d2.DName.Name == "d1", "same-dir exchange")
		for _, d := range []*dcache.Dentry{b, a, d2, d1} {
			dcache.Dput(t, d)
		}
		e.Snapshot()
	})
}

// The checks at the top of __d_move and d_exchange.
func TestDMoveWarnings(tt *testing.T) {
	for _, c := range []struct {
		name       string
		v          variant.Variant
		kind       sim.Kind
		rule, cond string // the report's rule, and the condition its title names
		body       dcachetest.Body
	}{
		{"negative source", variant.BaseToday, sim.KindWarn, "WARN_ON", "!dentry->d_inode", func(t *sim.Task, e *dcachetest.Env) {
			a := dcachetest.AddNew(t, e.Root(), "a", 0)
			b := dcachetest.AddNew(t, e.Root(), "b", 0)
			dcache.DMove(t, a, b)
		}},
		{"onto itself", variant.V3Today, sim.KindWarn, "WARN_ON", "dentry == target", func(t *sim.Task, e *dcachetest.Env) {
			a := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG)
			dcache.DMove(t, a, a)
		}},
		{"target is an ancestor", variant.BaseToday, sim.KindBug, "BUG_ON", "d_ancestor(target, dentry)", func(t *sim.Task, e *dcachetest.Env) {
			d := dcachetest.AddNew(t, e.Root(), "d", dcache.S_IFDIR)
			x := dcachetest.AddNew(t, d, "x", dcache.S_IFDIR)
			dcache.DMove(t, x, d)
		}},
		{"exchange with a negative", variant.V3Today, sim.KindWarn, "WARN_ON", "!dentry2->d_inode", func(t *sim.Task, e *dcachetest.Env) {
			a := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG)
			b := dcachetest.AddNew(t, e.Root(), "b", 0)
			dcache.DExchange(t, a, b)
		}},
		{"exchange with a root", variant.BaseToday, sim.KindWarn, "WARN_ON", "IS_ROOT(dentry2)", func(t *sim.Task, e *dcachetest.Env) {
			a := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFDIR)
			dcache.DExchange(t, a, e.Root())
		}},
	} {
		tt.Run(c.name, func(tt *testing.T) {
			out, _ := dcachetest.RunBody(tt, c.v, nil, c.body)
			dcachetest.Want(tt, out, c.kind, c.rule, c.cond)
		})
	}
}
