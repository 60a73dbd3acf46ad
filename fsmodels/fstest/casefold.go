package fstest

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/casefold"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// CasefoldEnv is one run's VFS over a case-insensitive filesystem root
// (package casefold).
type CasefoldEnv struct {
	C  *dcache.Cache
	S  *vfs.System
	FS *casefold.FS
}

// Casefold makes the run's VFS under variant v with a case-insensitive
// filesystem as the namespace root, and registers the end-of-run checks:
// the dcache invariants, the umount check and the leak walker (which
// also follows the on-disk directories). Call it in setup.
func Casefold(w *sim.World, v variant.Variant) *CasefoldEnv {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	fs := casefold.New(s, "xfs")
	s.Root = fs.Root()
	w.AtEnd(func(w *sim.World) {
		c.CheckInvariants(nil)
		if !w.Halted() {
			UmountCheck(w, s, nil, fs.SB)
		}
	})
	w.Roots(s.MarkReachable)
	w.Roots(fs.MarkDisk)
	return &CasefoldEnv{C: c, S: s, FS: fs}
}
