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
	var fs *casefold.FS
	c, s := oneFS(w, v, func(s *vfs.System) *dcache.Dentry {
		fs = casefold.New(s, "xfs")
		return fs.Root()
	})
	w.Roots(fs.MarkDisk)
	return &CasefoldEnv{C: c, S: s, FS: fs}
}
