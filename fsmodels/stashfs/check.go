package stashfs

import (
	"fmt"
	"slices"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// RuleStashHolder is the rule of the stash invariant: while a task holds
// a path of a pid, the pid's stash points at that path's dentry. A
// stashed dentry leaves the stash only when it dies (->d_prune) or, dead,
// is taken over; a held dentry does neither. When the stash loses a held
// dentry, the next opener makes a second dentry and inode for the same
// pid, which pidfs and nsfs promise never to do.
const RuleStashHolder = "stash-holder"

// Open opens a pidfd (pidfs_alloc_file) and holds its path, checking
// the stash invariant once it holds it.
func (fs *FS) Open(t *sim.Task, p *Pid) *dcache.Dentry {
	d, ret := fs.PidfsAllocFile(t, p)
	if ret < 0 {
		return nil
	}
	for _, h := range p.holders {
		if h != d {
			t.Violation(sim.KindInvariant, RuleStashHolder,
				fmt.Sprintf("two dentries for %s held at once: %s and %s", p, h, d),
				"the stash lost a dentry that was still held, and path_from_stashed made another one")
			return d
		}
	}
	p.holders = append(p.holders, d)
	fs.checkHeld(t, p, d, "after path_from_stashed")
	return d
}

// Close drops a path Open returned (the last fput of the pidfd),
// checking the invariant before it lets go. Its first step stands for
// the file's use and release (fput), so that other tasks can run while
// the path is held.
func (fs *FS) Close(t *sim.Task, p *Pid, d *dcache.Dentry) {
	if d == nil {
		return
	}
	// The file's use and release, and the check's read of the stash,
	// as one step recorded on pid->stashed (so that DPOR sees the check
	// race with the ->d_prune that clears it).
	p.Stashed.Load(t)
	fs.checkHeld(t, p, d, "before the final fput")
	if i := slices.Index(p.holders, d); i >= 0 {
		p.holders = slices.Delete(p.holders, i, i+1)
	}
	dcache.Dput(t, d)
}

func (fs *FS) checkHeld(t *sim.Task, p *Pid, d *dcache.Dentry, when string) {
	if s := p.Stashed.Value(); s != d {
		t.Violation(sim.KindInvariant, RuleStashHolder,
			fmt.Sprintf("%s's stash holds %s while this task holds %s (%s)", p, s, d, when),
			"a stashed dentry must stay stashed while it is held; a dying dentry's ->d_prune cleared or replaced it")
	}
}
