package fstest

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/nfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// NfsEnv is one run's VFS over an NFS mount of a simulated server: the
// dcache, the VFS, the mount and the server.
type NfsEnv struct {
	C   *dcache.Cache
	S   *vfs.System
	FS  *nfs.FS
	Srv *nfs.Server
}

// Nfs makes the run's VFS under variant v with an NFS mount of a new,
// empty server as the namespace root, with the end-of-run checks of
// Tmpfs; the leak walker also knows the NFS inode hash. Call it in setup.
func Nfs(w *sim.World, v variant.Variant) *NfsEnv {
	e := &NfsEnv{Srv: nfs.NewServer(w)}
	e.C, e.S = oneFS(w, v, func(s *vfs.System) *dcache.Dentry {
		e.FS = nfs.New(s, e.Srv, "nfs")
		return e.FS.Root()
	})
	w.Roots(e.FS.MarkReachable)
	return e
}
