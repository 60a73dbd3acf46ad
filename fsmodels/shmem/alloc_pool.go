package shmem

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// A tmpfs instance, its directories' offset maps and their entry lists
// come from the World's pools (sim/recycle.go), like the dcache's
// objects; the instance keeps its operation tables, whose methods are
// bound to it, across runs.
var (
	fsPool      = sim.NewPool[FS]()
	dirInfoPool = sim.NewPool[dirInfo]()
	entrySlices = sim.NewSlices[*dcache.Dentry]()
)

// Recycle forgets the run and keeps the operation tables bound to fs.
func (fs *FS) Recycle() {
	*fs = FS{dirOps: fs.dirOps, fileOps: fs.fileOps, dirFOp: fs.dirFOp}
}

// newDirInfo is a directory's empty offset map.
func (fs *FS) newDirInfo() *dirInfo {
	di := dirInfoPool.New(fs.SB.Cache().W)
	di.fs = fs
	return di
}
