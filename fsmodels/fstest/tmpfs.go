package fstest

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// TmpfsEnv is one run's VFS over a tmpfs root.
type TmpfsEnv struct {
	C  *dcache.Cache
	S  *vfs.System
	FS *shmem.FS
}

// Tmpfs makes the run's VFS under variant v with a tmpfs as the
// namespace root, and registers the end-of-run checks: the dcache
// invariants, the umount check and the leak walker. Call it in setup.
func Tmpfs(w *sim.World, v variant.Variant) *TmpfsEnv {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	fs := shmem.New(s, "tmp")
	s.Root = fs.Root()
	endChecks(w, c, s, fs.SB, nil)
	return &TmpfsEnv{C: c, S: s, FS: fs}
}

// endChecks registers the checks of a one-filesystem run: the dcache
// invariants, the umount check of sb, then more (nil: none) if nothing
// fired, and the leak walker.
func endChecks(w *sim.World, c *dcache.Cache, s *vfs.System, sb *dcache.SuperBlock, more func(w *sim.World)) {
	w.AtEnd(func(w *sim.World) {
		c.CheckInvariants(nil)
		if !w.Halted() {
			UmountCheck(w, s, nil, sb)
		}
		if more != nil && !w.Halted() {
			more(w)
		}
	})
	w.Roots(s.MarkReachable)
}
