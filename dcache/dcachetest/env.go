// Package dcachetest is the harness for programs on the dentry cache
// alone: a world's cache and superblock with the end-of-run checks
// registered, hashed names, the lookup tasks of fs/namei.c's
// __lookup_slow shape around d_alloc_parallel, the in-lookup bucket name
// finder, and single-run helpers for unit tests. The dcache tests and the
// catalog's dcache scenarios build their programs from it; users of dcsim
// may too.
package dcachetest

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Env is one run's dcache: a cache of variant v and one superblock "t".
type Env struct {
	W  *sim.World
	C  *dcache.Cache
	SB *dcache.SuperBlock
	// Pinned counts references a program keeps on purpose at the end
	// (an open file handle, say): the umount check allows them.
	Pinned map[*dcache.Dentry]int
	// Snap is the dump Snapshot took ("": none), for EachDump.
	Snap string

	bound  envClosures             // kept across runs (recycle.go)
	inTree map[*dcache.Dentry]bool // Umount's scratch, kept across runs
}

// Snapshot records the dcache's dump now, for a test that checks the
// state at that point (EachDump) rather than at the end of the run.
func (e *Env) Snapshot() { e.Snap = e.SB.Dump() }

// New makes the cache and superblock of one run and registers the
// invariant check and the leak walk at its end.
func New(w *sim.World, v variant.Variant) *Env { return NewOps(w, v, nil) }

// NewOps is New with dop as the superblock's default dentry operations.
func NewOps(w *sim.World, v variant.Variant, dop *dcache.DentryOperations) *Env {
	c := dcache.NewCache(w, v)
	sb := c.NewSuperBlock("t", dop)
	e := envPool.New(w)
	e.W, e.C, e.SB = w, c, sb
	if e.Pinned == nil {
		e.Pinned = map[*dcache.Dentry]int{}
	}
	e.bind()
	w.AtEnd(e.bound.check)
	w.Roots(e.bound.roots)
	return e
}

// Root is the superblock's root dentry.
func (e *Env) Root() *dcache.Dentry { return e.SB.SRoot }

// RootFn returns Root as a function, for tasks built before the run.
func (e *Env) RootFn() func() *dcache.Dentry { return e.bound.root }

// Roots is the leak walk: every dentry reachable from each superblock's
// root through d_children with its inode (dcache.MarkTree), and the
// superblocks' inodes. A dentry that lost its last holder without a dput
// once nothing reaches it is left unmarked and reported as a leak.
func Roots(sbs ...*dcache.SuperBlock) func(mark func(*sim.Object)) {
	return func(mark func(*sim.Object)) {
		for _, sb := range sbs {
			markSuperBlock(sb, mark)
		}
	}
}

// markSuperBlock marks sb's tree and inodes (Roots).
func markSuperBlock(sb *dcache.SuperBlock, mark func(*sim.Object)) {
	dcache.MarkTree(sb.SRoot, mark)
	for _, i := range sb.Inodes() {
		mark(&i.Object)
	}
}

// CheckUmount registers the umount check (R39) at the end of the run.
func (e *Env) CheckUmount() { e.W.AtEnd(e.bound.umount) }

// Umount is what umount_check (fs/dcache.c, R39) would find once every
// task has finished and given its references back: each dentry is pinned
// only by its children (the root also by the superblock, and what the
// program Pinned), none is in-lookup, the hash chains hold only live
// hashed dentries of the tree, the in-lookup chains are empty, and each
// inode's i_count is its number of aliases.
func (e *Env) Umount(w *sim.World) {
	report := func(title string) { w.Violation(sim.KindInvariant, "R39", title, e.SB.Dump()) }
	if e.inTree == nil {
		e.inTree = map[*dcache.Dentry]bool{}
	}
	clear(e.inTree)
	inTree := e.inTree
	if !e.umountTree(w, e.SB.SRoot) {
		return
	}
	for _, chain := range e.C.HashChains() {
		for _, d := range chain {
			if !d.Live() || !dcache.Hashed(d) || !inTree[d] {
				report(fmt.Sprintf("hash chain holds %s (live=%v hashed=%v in tree=%v)", d, d.Live(), dcache.Hashed(d), inTree[d]))
				return
			}
		}
	}
	for _, chain := range e.C.InLookupChains() {
		if len(chain) > 0 {
			report(fmt.Sprintf("in-lookup chain still holds %v", chain))
			return
		}
	}
	for _, i := range e.SB.Inodes() {
		if n := i.ICount.Value(); n != int64(len(i.Aliases())) {
			report(fmt.Sprintf("inode %s: i_count %d but %d aliases", i, n, len(i.Aliases())))
			return
		}
	}
}

// umountTree checks d and the tree below it for Umount, noting each
// dentry in e.inTree; false when it reported.
func (e *Env) umountTree(w *sim.World, d *dcache.Dentry) bool {
	e.inTree[d] = true
	want := len(dcache.Children(d)) + e.Pinned[d]
	if d == e.SB.SRoot {
		want++
	}
	if n := d.DLockref.Count(); n != want {
		w.Violation(sim.KindInvariant, "R39", fmt.Sprintf("dentry %s still in use: count %d, %d expected", d, n, want), e.SB.Dump())
		return false
	}
	if d.DFlags&dcache.DCACHE_PAR_LOOKUP != 0 || dcache.OnInLookupHash(d) {
		w.Violation(sim.KindInvariant, "R39", fmt.Sprintf("dentry %s still in-lookup at the end (flags %s)", d, dcache.FlagString(d.DFlags)), e.SB.Dump())
		return false
	}
	for _, ch := range dcache.Children(d) {
		if !e.umountTree(w, ch) {
			return false
		}
	}
	return true
}
