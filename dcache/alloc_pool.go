package dcache

import "github.com/dcsim/dcsim/sim"

// The memory of the dcache's objects comes from the World's pools
// (sim/recycle.go), so that thousands of runs a second reuse the same
// dentries, inodes and chains instead of allocating them anew each run.
// The model still allocates each object as the kernel does (Task.Alloc,
// at the same point, after the same fault decision): the pool gives the
// memory, zeroed, and the object's lifetime starts at Alloc. Nothing a run
// frees is reused in that run, so a use after free is still caught.
var (
	dentryPool    = sim.NewPool[Dentry]()
	inodePool     = sim.NewPool[Inode]()
	superPool     = sim.NewPool[SuperBlock]()
	cachePool     = sim.NewPool[Cache]()
	waitQueuePool = sim.NewPool[WaitQueue]()

	// Lists of dentries (hash chains, d_children, i_dentry, the LRU)
	// and of inodes, copied on write where readers may hold a version.
	dentrySlices = sim.NewSlices[*Dentry]()
	inodeSlices  = sim.NewSlices[*Inode]()
	dirAddSlices = sim.NewSlices[dirAddSection]()
	superSlices  = sim.NewSlices[*SuperBlock]()
	twinSlices   = sim.NewSlices[twin]()
)

// without returns a new list of s's elements but d, in order, never
// sharing s's memory (readers may hold s).
func without(w *sim.World, s []*Dentry, d *Dentry) []*Dentry {
	ns := dentrySlices.Make(w, 0, len(s))
	for _, x := range s {
		if x != d {
			ns = append(ns, x)
		}
	}
	return ns
}

// withoutAt returns a new list of s's elements but the one at i, in
// order, never sharing s's memory.
func withoutAt(w *sim.World, s []*Dentry, i int) []*Dentry {
	ns := dentrySlices.Make(w, 0, len(s)-1)
	return append(append(ns, s[:i]...), s[i+1:]...)
}
