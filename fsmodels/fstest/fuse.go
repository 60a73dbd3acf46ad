package fstest

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fuse"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// FuseEnv is one run's VFS over a fuse mount and the daemon serving it.
type FuseEnv struct {
	C  *dcache.Cache
	S  *vfs.System
	FS *fuse.FS
	D  *fuse.Daemon
}

// Fuse makes the run's VFS under variant v with a fuse mount as the
// namespace root, served by a daemon with the namespace tree (paths
// relative to the mount, "d/" a directory) and threads serving threads,
// and registers the end-of-run checks: the dcache invariants, the umount
// check, the fuse checks against the daemon (fuse.FS.CheckAtEnd) and the
// leak walker with the fuse inode cache. Call it in setup.
func Fuse(w *sim.World, v variant.Variant, tree []string, threads int) *FuseEnv {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
	return FuseOn(w, s, tree, threads)
}

// FuseOn is Fuse on a VFS the caller made (and checks the dcache
// invariants of): the mount as the namespace root, its daemon, the
// umount check, the fuse checks and the leak walker.
func FuseOn(w *sim.World, s *vfs.System, tree []string, threads int) *FuseEnv {
	fs := fuse.Mount(s, "fuse")
	s.Root = fs.Root()
	d := fuse.NewDaemon(w, fs, tree, threads)
	w.AtEnd(func(w *sim.World) {
		if !w.Halted() {
			UmountCheck(w, s, nil, fs.SB)
		}
		fs.CheckAtEnd(w)
	})
	w.Roots(s.MarkReachable)
	w.Roots(fs.MarkReachable)
	return &FuseEnv{C: s.C, S: s, FS: fs, D: d}
}
