package fstest

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/procfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// ProcEnv is one run's VFS over a procfs root: /fd is the simulated
// process's fd directory, /sys a one-level /proc/sys.
type ProcEnv struct {
	C  *dcache.Cache
	S  *vfs.System
	FS *procfs.FS
}

// Procfs makes the run's VFS under variant v with a procfs as the
// namespace root (NewProcFS), and registers the end-of-run checks: the
// dcache invariants, the umount check and the leak walker. Call it in
// setup.
func Procfs(w *sim.World, v variant.Variant, fds []string, sysctls []string) *ProcEnv {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	fs := NewProcFS(s, fds, sysctls)
	endChecks(w, c, s, fs.SB, nil)
	return &ProcEnv{C: c, S: s, FS: fs}
}

// NewProcFS mounts a procfs as the namespace root, with the process's
// fds opened on the given paths and the sysctls registered.
func NewProcFS(s *vfs.System, fds []string, sysctls []string) *procfs.FS {
	fs := procfs.New(s, "proc")
	for _, p := range fds {
		fs.Proc.OpenFd(nil, p)
	}
	for _, n := range sysctls {
		fs.Register(nil, n)
	}
	s.Root = fs.Root()
	return fs
}
