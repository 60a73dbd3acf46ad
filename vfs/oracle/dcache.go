package oracle

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// A Mapper relates one superblock's dcache to the truth. The filesystem
// model implements it.
type Mapper interface {
	// InodeObj is the truth's object behind an inode (None when the
	// inode has none, e.g. a bad inode).
	InodeObj(inode *dcache.Inode) Obj
	// MayBeStale reports whether the dentry may disagree with the truth
	// because the filesystem revalidates it before trusting it
	// (->d_revalidate that asks the server, an expired entry timeout).
	// A filesystem that promises the dentry is exact returns false.
	MayBeStale(d *dcache.Dentry) bool
}

// CheckDcache checks, at a quiescent point, that every hashed dentry of
// sb agrees with the truth: a positive one names the object the truth
// has under its name, a negative one names nothing, except where m says
// the dentry may be stale. It raises one report (the first
// disagreement) and reports whether all agreed.
func (tr *Truth) CheckDcache(w *sim.World, sb *dcache.SuperBlock, m Mapper) bool {
	for _, chain := range sb.Cache().HashChains() {
		for _, d := range chain {
			if d.DSb != sb || d.DParent == nil || d.DParent == d || d.DParent.DInode == nil {
				continue
			}
			if m.MayBeStale(d) {
				continue
			}
			dir := m.InodeObj(d.DParent.DInode)
			name := d.DName.Name
			want := tr.At(dir, name)
			got := None
			if d.DInode != nil {
				got = m.InodeObj(d.DInode)
			}
			if got == want {
				continue
			}
			sort := "positive"
			if d.DInode == nil {
				sort = "negative"
			}
			w.Violation(sim.KindConsistency, RuleStaleDentry,
				fmt.Sprintf("hashed %s dentry %s names %s, but %s has %s under %q", sort, d, tr.ObjString(got), tr.name, tr.ObjString(want), name),
				fmt.Sprintf("nothing revalidates this dentry before use, so the next lookup trusts it\n%s", tr.History(dir, name)))
			return false
		}
	}
	return true
}

// CheckAtEnd installs CheckDcache as an end-of-run check.
func (tr *Truth) CheckAtEnd(w *sim.World, sb *dcache.SuperBlock, m Mapper) {
	w.AtEnd(func(w *sim.World) { tr.CheckDcache(w, sb, m) })
}

// Pointers enumerates the dentry pointers a filesystem keeps in its own
// structures, each with a description of where it is kept.
type Pointers func(yield func(where string, d *dcache.Dentry))

// CheckDangling checks that none of the dentry pointers the filesystem
// keeps points at a freed dentry. A filesystem that refcounts its
// dentries (dget at store, dput when it lets go) never fails it; one
// that caches pointers and hopes ->d_release clears them does.
func CheckDangling(w *sim.World, ptrs Pointers) bool {
	var bad []string
	ptrs(func(where string, d *dcache.Dentry) {
		if d != nil && d.Freed() {
			bad = append(bad, fmt.Sprintf("%s -> %s (freed)", where, d))
		}
	})
	if len(bad) == 0 {
		return true
	}
	w.Violation(sim.KindConsistency, RuleDangling,
		fmt.Sprintf("the filesystem keeps a pointer to a freed dentry: %s", bad[0]),
		"filesystem structures that point at freed dentries:\n  "+strings.Join(bad, "\n  ")+
			"\na filesystem must hold a reference (dget) on every dentry it keeps, or not keep it")
	return false
}

// CheckDanglingAtEnd installs CheckDangling as an end-of-run check.
func CheckDanglingAtEnd(w *sim.World, ptrs Pointers) {
	w.AtEnd(func(w *sim.World) { CheckDangling(w, ptrs) })
}
