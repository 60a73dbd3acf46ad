package ovl

import (
	"fmt"
	"slices"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// RealRefs counts the references the overlay holds on real dentries of
// its layers: its inodes' stacks (the upper dentry and the lower
// stack), the mount's upper, lower and work directories and the shared
// whiteout. An umount check adds them to what a real dentry's count must
// be (fsmodels/fstest.UmountCheck). No step.
func (fs *FS) RealRefs() map[*dcache.Dentry]int {
	held := map[*dcache.Dentry]int{}
	for _, ic := range fs.icache {
		oi := ovlI(ic.inode)
		if oi.upper != nil {
			held[oi.upper]++
		}
		for _, l := range oi.lower {
			held[l]++
		}
	}
	for _, d := range []*dcache.Dentry{fs.upperdir, fs.lowerdir, fs.workdir, fs.whiteout} {
		if d != nil {
			held[d]++
		}
	}
	return held
}

// MarkReachable is a roots walker for World.Roots: the overlay's dentry
// tree and the layers' trees with their inodes, and the overlay inodes
// of its inode cache (a linked overlay inode outlives its dentries there;
// see evictInode).
func (fs *FS) MarkReachable(mark func(*sim.Object)) {
	dcache.MarkTree(fs.SB.SRoot, mark)
	dcache.MarkTree(fs.Upper.Root(), mark)
	dcache.MarkTree(fs.Lower.Root(), mark)
	for _, ic := range fs.icache {
		mark(&ic.inode.Object)
	}
}

// CheckInvariants checks the overlay's inodes at the end of a run: no
// inode lists a dentry twice among its aliases (a positive dentry
// instantiated again, R7), and each overlay inode's reference count is
// what its aliases hold (the root's may be more: the superblock holds
// it). Call it at the end of a run (w.AtEnd), after the umount check.
func CheckInvariants(w *sim.World, fs *FS) {
	for _, ic := range fs.icache {
		inode := ic.inode
		al := inode.Aliases()
		for i, a := range al {
			if slices.Contains(al[i+1:], a) {
				w.Violation(sim.KindInvariant, "R7", fmt.Sprintf("inode %s lists alias %s twice", inode, a), "")
				return
			}
		}
		want := int64(len(al))
		if inode == fs.SB.SRoot.DInode {
			want = 1
		}
		if got := inode.ICount.Value(); got != want && !(got > want && inode == fs.SB.SRoot.DInode) {
			w.Violation(sim.KindInvariant, "ovl-i_count",
				fmt.Sprintf("overlay inode %s: i_count %d, %d alias(es) at the end of the run", inode, got, len(al)), "")
			return
		}
	}
}
