package fstest

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// UmountCheck is what umount (umount_check, rule R39) would find on the
// superblocks sbs once every task has finished and closed its files:
// no dentry is still in-lookup; on a DCACHE_DONTCACHE superblock (tmpfs)
// no negative dentry outlives its last reference; a dentry nobody else
// holds is hashed; and every dentry's count is what its holders account
// for: its children, the d_make_persistent pin, the superblock's
// reference on s_root, and held[d] references taken by a stacking
// filesystem (nil: none). A count above that is a leaked reference;
// below, a lost one. Call it at the end of a run (w.AtEnd).
func UmountCheck(w *sim.World, s *vfs.System, held map[*dcache.Dentry]int, sbs ...*dcache.SuperBlock) {
	for _, f := range s.OpenFiles() {
		if f != nil {
			return // a task kept a file open: counts include it
		}
	}
	for _, sb := range sbs {
		if msg := umountTree(sb, held); msg != "" {
			var dump strings.Builder
			for _, sb := range sbs {
				fmt.Fprintf(&dump, "%s:\n%s", sb, sb.Dump())
			}
			w.Violation(sim.KindInvariant, "R39", msg, "dcache state at the end:\n"+dump.String())
			return
		}
	}
}

// umountTree checks one superblock's tree; "" when it is clean.
func umountTree(sb *dcache.SuperBlock, held map[*dcache.Dentry]int) string {
	dontcache := sb.SDFlags&dcache.DCACHE_DONTCACHE != 0
	var bad string
	var rec func(d *dcache.Dentry)
	rec = func(d *dcache.Dentry) {
		if bad != "" {
			return
		}
		root := d == sb.SRoot
		want := held[d] + len(d.Children())
		if root {
			want++
		}
		if d.DFlags&dcache.DCACHE_PERSISTENT != 0 {
			want++
		}
		switch {
		case d.DFlags&dcache.DCACHE_PAR_LOOKUP != 0:
			bad = fmt.Sprintf("dentry %s (%q) still in-lookup at the end", d, d.DName.Name)
		case held[d] == 0 && dontcache && d.DInode == nil:
			bad = fmt.Sprintf("negative dentry %s (%q) survived its last reference", d, d.DName.Name)
		case held[d] == 0 && !root && d.DInode != nil && !d.Hashed():
			bad = fmt.Sprintf("positive dentry %s (%q) unhashed at the end", d, d.DName.Name)
		case d.DLockref.Count() != want:
			bad = fmt.Sprintf("dentry %s (%q, %s) count %d, its holders account for %d (children, pin, s_root, %d other)",
				d, d.DName.Name, dcache.FlagString(d.DFlags), d.DLockref.Count(), want, held[d])
		}
		for _, ch := range d.Children() {
			rec(ch)
		}
	}
	rec(sb.SRoot)
	return bad
}
