package fstest

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/nfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// NfsEnv is one run's VFS over an NFS mount of a simulated server.
type NfsEnv struct {
	C   *dcache.Cache
	S   *vfs.System
	FS  *nfs.FS
	Srv *nfs.Server
}

// Nfs makes the run's VFS under variant v with an NFS mount of a new,
// empty server as the namespace root, and registers the end-of-run
// checks: the dcache invariants, the umount check and the leak walker.
// Call it in setup.
func Nfs(w *sim.World, v variant.Variant) *NfsEnv {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	srv := nfs.NewServer(w)
	fs := nfs.New(s, srv, "nfs")
	s.Root = fs.Root()
	w.AtEnd(func(w *sim.World) {
		c.CheckInvariants(nil)
		if !w.Halted() {
			UmountCheck(w, s, nil, fs.SB)
		}
	})
	w.Roots(s.MarkReachable)
	w.Roots(fs.MarkReachable)
	return &NfsEnv{C: c, S: s, FS: fs, Srv: srv}
}
