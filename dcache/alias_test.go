package dcache_test

// Tests of __d_find_any_alias, d_find_any_alias, __d_find_alias and
// d_find_alias (dcache/alias.go). None of them changes in the v3 series;
// they run in every version.

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
)

// A regular file with two links: d_find_any_alias returns the newest alias
// whatever its state; d_find_alias the newest hashed one. Each takes a
// reference.
func TestDFindAliasFile(tt *testing.T) {
	dcachetest.EachDump(tt, versions, nil, "/ [dir#1] count=1\n", func(t *sim.Task, e *dcachetest.Env) {
		lone := e.SB.NewInode(t, dcache.S_IFREG)
		dcachetest.Assert(t, dcache.DFindAnyAlias(t, lone) == nil, "alias of an inode with none")
		dcachetest.Assert(t, dcache.DFindAlias(t, lone) == nil, "hashed alias of an inode with none")
		dcache.Iput(t, lone)

		a := dcachetest.AddNew(t, e.Root(), "a", dcache.S_IFREG)
		inode := a.DInode
		b := dcache.DAlloc(t, e.Root(), dcachetest.Q(e.Root(), "b"))
		dcache.Ihold(t, inode)
		dcache.DAdd(t, b, inode) // a hard link: i_dentry is b, a
		dcachetest.Assert(t, len(inode.Aliases()) == 2 && inode.Aliases()[0] == b, "i_dentry %v", inode.Aliases())

		got := dcache.DFindAnyAlias(t, inode)
		dcachetest.Assert(t, got == b && b.DLockref.Count() == 2, "d_find_any_alias = %s (count %d)", got, b.DLockref.Count())
		dcache.Dput(t, got)
		got = dcache.DFindAlias(t, inode)
		dcachetest.Assert(t, got == b && b.DLockref.Count() == 2, "d_find_alias = %s", got)
		dcache.Dput(t, got)

		dcache.DDrop(t, b) // unhashed: still an alias, no longer found by d_find_alias
		got = dcache.DFindAnyAlias(t, inode)
		dcachetest.Assert(t, got == b, "d_find_any_alias after d_drop = %s", got)
		dcache.Dput(t, got)
		got = dcache.DFindAlias(t, inode)
		dcachetest.Assert(t, got == a && a.DLockref.Count() == 2, "d_find_alias after d_drop = %s", got)
		dcache.Dput(t, got)

		dcache.DDrop(t, a)
		dcachetest.Assert(t, dcache.DFindAlias(t, inode) == nil, "d_find_alias with no hashed alias")
		dcache.Dput(t, b) // unhashed: killed, inode reference dropped
		got = dcache.DFindAnyAlias(t, inode)
		dcachetest.Assert(t, got == a, "d_find_any_alias = %s", got)
		dcache.Dput(t, got)
		dcache.Dput(t, a)
		dcachetest.Assert(t, len(inode.Aliases()) == 0 && dcache.DFindAnyAlias(t, inode) == nil, "aliases left")
		e.Snapshot()
	})
}

// A directory's one alias is returned by d_find_alias even when unhashed.
func TestDFindAliasDir(tt *testing.T) {
	for _, v := range versions {
		tt.Run(v.String(), func(tt *testing.T) {
			dcachetest.Once(tt, v, nil, func(t *sim.Task, e *dcachetest.Env) {
				d := dcachetest.AddNew(t, e.Root(), "d", dcache.S_IFDIR)
				dcache.DDrop(t, d)
				got := dcache.DFindAlias(t, d.DInode)
				dcachetest.Assert(t, got == d && d.DLockref.Count() == 2, "d_find_alias(dir) = %s", got)
				dcache.Dput(t, got)
				got = dcache.DFindAnyAlias(t, d.DInode)
				dcachetest.Assert(t, got == d, "d_find_any_alias(dir) = %s", got)
				dcache.Dput(t, got)
				dcache.Dput(t, d)
			})
		})
	}
}
