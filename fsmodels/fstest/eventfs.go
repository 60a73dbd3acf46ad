package fstest

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/fsmodels/eventfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// EventfsEnv is one run's VFS over a tracefs whose root is an events
// directory with one file, "enable".
type EventfsEnv struct {
	S  *vfs.System // S.C is the run's dcache
	FS *eventfs.FS
}

// Eventfs makes the run's VFS under variant v over an events directory
// with one file, "enable" (EventfsOn).
func Eventfs(w *sim.World, v variant.Variant) *EventfsEnv {
	s := vfs.NewSystem(w, dcache.NewCache(w, v))
	return &EventfsEnv{S: s, FS: EventfsOn(w, s, eventfs.Entry{Name: "enable", Mode: dcache.S_IFREG})}
}

// EventfsOn roots s's namespace in an events directory with the given
// files, and registers the dcache invariants, the oracle's
// dangling-pointer check on eventfs's own dentry pointers and the leak
// walk at the end. Call it in setup.
func EventfsOn(w *sim.World, s *vfs.System, entries ...eventfs.Entry) *eventfs.FS {
	fs := eventfs.New(w, s.C, entries...)
	s.Root = fs.Root()
	w.AtEnd(func(w *sim.World) { s.C.CheckInvariants(nil) })
	oracle.CheckDanglingAtEnd(w, fs.Pointers)
	w.Roots(s.MarkReachable)
	w.Roots(dcachetest.Roots(fs.SB))
	w.Roots(fs.MarkReachable)
	return fs
}

// EventfsLookupVsPrune is the order of Linus's mail on eventfs: setup
// looks up /enable (d1) and lets it go unused; "shrink" prunes the
// superblock's LRU, which kills d1 (unhashed, then ->d_iput or
// ->d_release), while "stat" looks /enable up again, which makes d2 when
// it comes after d1 is unhashed.
func EventfsLookupVsPrune(w *sim.World, v variant.Variant) *EventfsEnv {
	e := Eventfs(w, v)
	dcachetest.Race(w, func(t *sim.Task) { e.S.Stat(t, "/enable") },
		dcachetest.Racer{Name: "shrink", Fn: func(t *sim.Task) { e.S.MemoryPressure(t, e.FS.SB, 1) }},
		dcachetest.Racer{Name: "stat", Fn: func(t *sim.Task) { e.S.Stat(t, "/enable") }})
	return e
}
