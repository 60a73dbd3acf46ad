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
	w.AtEnd(func(w *sim.World) {
		c.CheckInvariants(nil)
		if !w.Halted() {
			UmountCheck(w, s, nil, fs.SB)
		}
	})
	w.Roots(s.MarkReachable)
	return &TmpfsEnv{C: c, S: s, FS: fs}
}
