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
	c, s := oneFS(w, v, func(s *vfs.System) *dcache.Dentry {
		fs = shmem.New(s, "tmp")
		return fs.Root()
	})
	return &TmpfsEnv{C: c, S: s, FS: fs}
}

// oneFS makes the run's dcache and VFS under variant v, mounts a
// filesystem with mount (which returns its root) as the namespace root,
// and registers the end-of-run checks: the dcache invariants, the umount
// check of its superblock and the leak walker.
func oneFS(w *sim.World, v variant.Variant, mount func(s *vfs.System) *dcache.Dentry) (*dcache.Cache, *vfs.System) {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	s.Root = mount(s)
	endChecks(w, c, s, s.Root.DSb, nil)
	return c, s
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
