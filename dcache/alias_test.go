package dcache_test

// Tests of __d_find_any_alias, d_find_any_alias, __d_find_alias and
// d_find_alias (dcache/alias.go). None of them changes in the v3 series;
// they run in every version.

import (
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// A regular file with two links: d_find_any_alias returns the newest alias
// whatever its state; d_find_alias the newest hashed one. Each takes a
// reference.
func TestDFindAliasFile(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			var dump string
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				lone := e.sb.NewInode(t, dcache.S_IFREG)
				haAssert(t, dcache.DFindAnyAlias(t, lone) == nil, "alias of an inode with none")
				haAssert(t, dcache.DFindAlias(t, lone) == nil, "hashed alias of an inode with none")
				dcache.Iput(t, lone)

				a := haAdd(t, e.root, "a", dcache.S_IFREG)
				inode := a.DInode
				e.inodes = append(e.inodes, inode)
				b := dcache.DAlloc(t, e.root, haQ(e.root, "b"))
				dcache.Ihold(t, inode)
				dcache.DAdd(t, b, inode) // a hard link: i_dentry is b, a
				haAssert(t, len(inode.Aliases()) == 2 && inode.Aliases()[0] == b, "i_dentry %v", inode.Aliases())

				got := dcache.DFindAnyAlias(t, inode)
				haAssert(t, got == b && b.DLockref.Count() == 2, "d_find_any_alias = %s (count %d)", got, b.DLockref.Count())
				dcache.Dput(t, got)
				got = dcache.DFindAlias(t, inode)
				haAssert(t, got == b && b.DLockref.Count() == 2, "d_find_alias = %s", got)
				dcache.Dput(t, got)

				dcache.DDrop(t, b) // unhashed: still an alias, no longer found by d_find_alias
				got = dcache.DFindAnyAlias(t, inode)
				haAssert(t, got == b, "d_find_any_alias after d_drop = %s", got)
				dcache.Dput(t, got)
				got = dcache.DFindAlias(t, inode)
				haAssert(t, got == a && a.DLockref.Count() == 2, "d_find_alias after d_drop = %s", got)
				dcache.Dput(t, got)

				dcache.DDrop(t, a)
				haAssert(t, dcache.DFindAlias(t, inode) == nil, "d_find_alias with no hashed alias")
				dcache.Dput(t, b) // unhashed: killed, inode reference dropped
				got = dcache.DFindAnyAlias(t, inode)
				haAssert(t, got == a, "d_find_any_alias = %s", got)
				dcache.Dput(t, got)
				dcache.Dput(t, a)
				haAssert(t, len(inode.Aliases()) == 0 && dcache.DFindAnyAlias(t, inode) == nil, "aliases left")
				dump = e.sb.Dump()
			})
			if want := "/ [dir#1] count=1\n"; dump != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", dump, want)
			}
		})
	}
}

// A directory's one alias is returned by d_find_alias even when unhashed.
func TestDFindAliasDir(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				d := haAdd(t, e.root, "d", dcache.S_IFDIR)
				e.inodes = append(e.inodes, d.DInode)
				dcache.DDrop(t, d)
				got := dcache.DFindAlias(t, d.DInode)
				haAssert(t, got == d && d.DLockref.Count() == 2, "d_find_alias(dir) = %s", got)
				dcache.Dput(t, got)
				got = dcache.DFindAnyAlias(t, d.DInode)
				haAssert(t, got == d, "d_find_any_alias(dir) = %s", got)
				dcache.Dput(t, got)
				dcache.Dput(t, d)
			})
		})
	}
}

// d_find_any_alias (and, for a file, d_find_alias) racing the final dput
// of the only alias: the finder either misses it (it was killed first) or
// gets a live alias with a counted reference, which keeps it alive; the
// reference taken under i_lock makes lock_for_kill back off.
func TestDFindAliasVsFinalDput(tt *testing.T) {
	for _, kind := range []struct {
		name string
		mode dcache.Mode
		find func(t *sim.Task, i *dcache.Inode) *dcache.Dentry
	}{
		{"any-dir", dcache.S_IFDIR, dcache.DFindAnyAlias},
		{"alias-file", dcache.S_IFREG, dcache.DFindAlias},
	} {
		marks := []string{"test: alias found", "test: alias gone"}
		haExplore(tt, "ha/find-alias-vs-dput-"+kind.name, haMainV3, marks, func(w *sim.World, p variant.Variant) {
			e := haNewEnv(w, p, nil)
			w.Go("setup", func(t *sim.Task) {
				d := haAdd(t, e.root, "d", kind.mode)
				inode := d.DInode
				e.inodes = append(e.inodes, inode)
				if kind.mode.IsDir() {
					dcache.DDrop(t, d) // so that the final dput kills it
				}
				t.Spawn("put", func(t *sim.Task) {
					if !kind.mode.IsDir() {
						dcache.DDrop(t, d)
					}
					dcache.Dput(t, d)
				})
				t.Spawn("find", func(t *sim.Task) {
					got := kind.find(t, inode)
					if got == nil {
						t.Mark("test: alias gone")
					} else {
						t.Mark("test: alias found")
						haAssert(t, got == d && got.Live() && got.DLockref.Count() >= 1 && got.DInode == inode,
							"found %s (count %d)", got, got.DLockref.Count())
						dcache.Dput(t, got)
					}
				})
			})
		})
	}
}
