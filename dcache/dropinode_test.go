package dcache_test

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// TestIputDropInode: the last iput of a linked inode keeps it (generic
// drop) unless the superblock's DropInode evicts it (inode_just_drop).
func TestIputDropInode(t *testing.T) {
	for _, evict := range []bool{false, true} {
		dcachetest.Once(t, variant.BaseToday, nil, func(tk *sim.Task, e *dcachetest.Env) {
			if evict {
				e.SB.DropInode = func(*dcache.Inode) bool { return true }
			}
			inode := e.SB.NewInode(tk, dcache.S_IFREG)
			dcache.Iput(tk, inode)
			dcachetest.Assert(tk, inode.Freed() == evict, "DropInode set %v: inode freed %v", evict, inode.Freed())
			if !evict {
				inode.INlink = 0
				dcache.Ihold(tk, inode)
				dcache.Iput(tk, inode) // unlinked now: evicted
			}
		})
	}
}
