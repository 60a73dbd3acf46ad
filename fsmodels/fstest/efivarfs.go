package fstest

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/efivarfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// EfivarfsEnv is one run's VFS over an efivarfs root.
type EfivarfsEnv struct {
	C  *dcache.Cache
	S  *vfs.System
	FS *efivarfs.FS
}

// Efivarfs makes the run's VFS under variant v with an efivarfs over a
// firmware holding vars as the namespace root (not yet populated: call
// FS.Mount in the setup task), and registers the end-of-run checks: the
// dcache invariants, the umount check and the leak walker. Call it in
// setup.
func Efivarfs(w *sim.World, v variant.Variant, vars ...string) *EfivarfsEnv {
	var fs *efivarfs.FS
	c, s := oneFS(w, v, func(s *vfs.System) *dcache.Dentry {
		fs = efivarfs.New(s, &efivarfs.Firmware{Vars: vars})
		return fs.Root()
	})
	return &EfivarfsEnv{C: c, S: s, FS: fs}
}
