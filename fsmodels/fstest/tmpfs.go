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
	var fs *shmem.FS
	c, s := rootEnv(w, v, func(s *vfs.System) *dcache.SuperBlock {
		fs = shmem.New(s, "tmp")
		return fs.SB
	})
	return &TmpfsEnv{C: c, S: s, FS: fs}
}

// rootEnv makes the run's dcache and VFS under variant v, mounts the
// superblock mount returns as the namespace root, and registers the
// end-of-run checks every such run wants: the dcache invariants, the
// umount check of the superblock and the leak walker.
func rootEnv(w *sim.World, v variant.Variant, mount func(s *vfs.System) *dcache.SuperBlock) (*dcache.Cache, *vfs.System) {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	sb := mount(s)
	s.Root = sb.SRoot
	w.AtEnd(func(w *sim.World) {
		c.CheckInvariants(nil)
		if !w.Halted() {
			UmountCheck(w, s, nil, sb)
		}
	})
	w.Roots(s.MarkReachable)
	return c, s
}
