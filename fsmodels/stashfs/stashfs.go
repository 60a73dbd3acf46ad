package stashfs

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// FsType is pidfs's filesystem type.
var FsType = dcache.NewFsType("pidfs")

// ChangeCmpxchgLoop selects fs/libfs.c's stash_dentry loop and
// stashed_dentry_prune (v6.9) over the -EAGAIN scheme they replaced.
var ChangeCmpxchgLoop = variant.NewChange("stashfs", "stash-cmpxchg-loop",
	"stash_dentry loops (reuse a live stashed dentry, take over a dead one) and ->d_prune clears the stash with cmpxchg(stashed, dentry, NULL) (fs/libfs.c, v6.9)")

// ChangeLoopAsMailed (with ChangeCmpxchgLoop) selects the loop as
// Linus's mail wrote it rather than as v6.9 merged it.
var ChangeLoopAsMailed = variant.NewChange("stashfs", "stash-loop-as-mailed",
	"with stash-cmpxchg-loop, stash_dentry as Linus's mail wrote it: d_delete and dput of the unused dentry inside the loop, cpu_relax after a failed take-over")

// MutBlindPrune, for mutation tests, takes half of Linus's two changes:
// the loop, with ->d_prune still setting the stash to NULL blindly.
var MutBlindPrune = variant.NewMutant("stashfs", "stash-blind-prune",
	"with stash-cmpxchg-loop, ->d_prune still sets the stash to NULL blindly")

// MutNoDDelete, for mutation tests, drops the step the -EAGAIN scheme
// relies on: its losing dentry is not made negative before the dput, so
// its ->d_prune runs.
var MutNoDDelete = variant.NewMutant("stashfs", "stash-no-d-delete",
	"stash_dentry's -EAGAIN path dputs its dentry without d_delete, so the dentry's ->d_prune runs")

// Coverage marks.
const (
	// MarkLostInstall: stash_dentry found a dentry installed since its
	// caller looked (-EAGAIN, or with the loop, a live one to reuse).
	MarkLostInstall = "stash_dentry: another task installed a dentry first"
	// MarkTakeOver: the loop replaced a dead stashed dentry.
	MarkTakeOver = "stash_dentry: took over a dead dentry"
)

// FS is one pidfs instance: its superblock and dentry operations.
type FS struct {
	SB  *dcache.SuperBlock
	c   *dcache.Cache
	dop *dcache.DentryOperations
}

// Pid is struct pid (or a namespace's struct ns_common): an object with
// a stashed dentry. It is allocated in setup and lives for the run.
//
// Divergence: the object's own reference count (get_pid/put_pid,
// ns->ops->get/put) is not modeled; the object outlives every dentry.
type Pid struct {
	sim.Object
	Nr      int
	Stashed sim.AtomicPtr[*dcache.Dentry] // pid->stashed

	// holders is the checker's record of the paths tasks hold (check.go).
	holders []*dcache.Dentry
}

// Pointers lists the dentry pointer the pid keeps (its stash), for
// checkers.
func (p *Pid) Pointers(yield func(where string, d *dcache.Dentry)) {
	yield(p.String()+"->stashed", p.Stashed.Value())
}

// New mounts a pidfs on the cache (pidfs_init_fs_context with
// pidfs_dentry_operations): d_delete is always_delete_dentry, d_prune
// clears the stash. Call it in setup.
func New(c *dcache.Cache) *FS {
	fs := &FS{c: c}
	fs.dop = &dcache.DentryOperations{DDelete: alwaysDeleteDentry, DPrune: fs.dPrune}
	fs.SB = c.NewSuperBlockOfType(FsType, "pidfs", fs.dop)
	return fs
}

// NewPid makes a pid with an empty stash. Call it in setup.
func (fs *FS) NewPid(w *sim.World, nr int) *Pid {
	p := &Pid{Nr: nr}
	w.NewStatic(&p.Object, "pid")
	p.SetName(fmt.Sprintf("pid %d", nr))
	p.Stashed.Init(&p.Object, "stashed")
	return p
}

// alwaysDeleteDentry is always_delete_dentry (fs/libfs.c, v6.8): do not
// cache the dentry once it is unused.
func alwaysDeleteDentry(t *sim.Task, d *dcache.Dentry) int { return 1 }

// dPrune dispatches the superblock's ->d_prune to the run's version.
func (fs *FS) dPrune(t *sim.Task, d *dcache.Dentry) {
	if fs.c.On(ChangeCmpxchgLoop) {
		stashedDentryPrune(t, d)
		return
	}
	pidfsPruneDentry(t, d)
}

// newInodePseudo is new_inode_pseudo followed by what the stash helpers
// set (S_IFREG, S_IMMUTABLE, i_private = data): NULL on failure.
//
// Divergence: a pseudo inode is never hashed, so its last iput evicts
// it; INlink 0 gives the model's Iput that behaviour.
func (fs *FS) newInodePseudo(t *sim.Task, data *Pid) *dcache.Inode {
	if t.Fault("new_inode_pseudo") {
		return nil
	}
	inode := fs.SB.NewInode(t, dcache.S_IFREG)
	inode.INlink = 0
	inode.Private = data
	return inode
}

// pidOf returns a pidfs inode's i_private.
func pidOf(inode *dcache.Inode) *Pid { return inode.Private.(*Pid) }
