package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// The VFS's per-run memory (the System, each path walk's nameidata, open
// files, hashed names handed to the dcache, the fd table) comes from the
// World's pools (sim/recycle.go), as the dcache's objects do, so that a
// run reuses the previous run's memory instead of allocating it.
var (
	systemPool    = sim.NewPool[System]()
	nameidataPool = sim.NewPool[nameidata]()
	filePool      = sim.NewPool[File]()
	qstrPool      = sim.NewPool[dcache.Qstr]()
	fileSlices    = sim.NewSlices[*File]()
)

// Recycle forgets the run and keeps the lookups map's memory.
func (s *System) Recycle() {
	clear(s.lookups)
	*s = System{lookups: s.lookups}
}

// heapQstr is q in memory of the run, for a name whose address the
// dcache keeps beyond the caller's frame.
func heapQstr(t *sim.Task, q dcache.Qstr) *dcache.Qstr {
	p := qstrPool.New(t.World())
	*p = q
	return p
}
