package dcachetest

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// The harness's per-run records (the Env, a lookup task's arguments, a
// qstr) come from the World's pools (sim/recycle.go) like the dcache's
// objects, and the closures a run hands to the World (its tasks' bodies,
// the end-of-run checks, the leak walk) are bound once to a pooled record
// and kept with it across runs: a catalog program's per-run set-up then
// allocates nothing once its World has run before.
var (
	envPool        = sim.NewPool[Env]()
	lookupTaskPool = sim.NewPool[lookupTask]()
	qstrPool       = sim.NewPool[dcache.Qstr]()
	gatePool       = sim.NewPool[Gate]()
)

// envClosures are the closures an Env hands to the World, bound to it.
type envClosures struct {
	root   func() *dcache.Dentry
	check  func(w *sim.World)
	roots  func(mark func(*sim.Object))
	umount func(w *sim.World)
}

// Recycle forgets the run but keeps the closures and the Pinned map's
// memory.
func (e *Env) Recycle() {
	clear(e.Pinned)
	clear(e.inTree)
	*e = Env{Pinned: e.Pinned, inTree: e.inTree, bound: e.bound}
}

// bind makes e's closures the first time e is used.
func (e *Env) bind() {
	if e.bound.root != nil {
		return
	}
	e.bound = envClosures{
		root:   e.Root,
		check:  func(w *sim.World) { e.C.CheckInvariants(nil) },
		roots:  func(mark func(*sim.Object)) { markSuperBlock(e.SB, mark) },
		umount: func(w *sim.World) { e.Umount(w) },
	}
}

// lookupTask is a LookupTask's arguments and the body bound to them.
type lookupTask struct {
	c      *dcache.Cache
	parent func() *dcache.Dentry
	name   string
	fate   Fate
	body   func(t *sim.Task)
}

// Recycle forgets the run's arguments and keeps the bound body.
func (lt *lookupTask) Recycle() { *lt = lookupTask{body: lt.body} }
