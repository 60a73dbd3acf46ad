package fstest

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/fsmodels/stashfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// StashEnv is one run's pidfs (on a dcache of its own) with one pid.
type StashEnv struct {
	FS  *stashfs.FS
	Pid *stashfs.Pid
}

// Stash makes the run's cache under variant v with a pidfs and one pid,
// and registers the dcache invariants, the oracle's dangling-pointer
// check on the stash and the leak walk at the end.
func Stash(w *sim.World, v variant.Variant) *StashEnv {
	fs := stashfs.New(dcache.NewCache(w, v))
	e := &StashEnv{FS: fs, Pid: fs.NewPid(w, 1)}
	w.AtEnd(func(w *sim.World) { fs.SB.Cache().CheckInvariants(nil) })
	oracle.CheckDanglingAtEnd(w, e.Pid.Pointers)
	w.Roots(dcachetest.Roots(fs.SB))
	return e
}

// StashDyingDentry is the race of Linus's mail on the stash: the setup
// task opens the pid (its dentry is stashed) and hands the path to "put",
// which drops it, so the dentry dies (->d_prune) while "open1" and
// "open2" each open the pid and close it again: one may find the dentry
// dying, both may try to install a new one.
func StashDyingDentry(w *sim.World, v variant.Variant) *StashEnv {
	e := Stash(w, v)
	var held *dcache.Dentry
	opener := func(t *sim.Task) { e.FS.Close(t, e.Pid, e.FS.Open(t, e.Pid)) }
	dcachetest.Race(w, func(t *sim.Task) { held = e.FS.Open(t, e.Pid) },
		dcachetest.Racer{Name: "put", Fn: func(t *sim.Task) { e.FS.Close(t, e.Pid, held) }},
		dcachetest.Racer{Name: "open1", Fn: opener},
		dcachetest.Racer{Name: "open2", Fn: opener})
	return e
}
