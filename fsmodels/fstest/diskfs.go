package fstest

import (
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/diskfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// DiskEnv is one run's VFS over a disk filesystem root.
type DiskEnv struct {
	C  *dcache.Cache
	S  *vfs.System
	FS *diskfs.FS
}

// Disk makes the run's VFS under variant v with a disk filesystem of the
// given style as the namespace root, its disk holding tree (a Tree
// without whiteouts or opaque directories), and registers the end-of-run
// checks: the dcache invariants, the umount check, the consistency
// oracle (every hashed dentry agrees with the disk) and the leak walker.
// Call it in setup.
func Disk(w *sim.World, v variant.Variant, style diskfs.Style, tree Tree) *DiskEnv {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	fs := NewDiskFS(s, "disk", style, tree)
	s.Root = fs.Root()
	endChecks(w, c, s, fs.SB, func(w *sim.World) { fs.Truth().CheckDcache(w, fs.SB, fs) })
	return &DiskEnv{C: c, S: s, FS: fs}
}

// NewDiskFS mounts a disk filesystem whose disk holds tree.
func NewDiskFS(s *vfs.System, name string, style diskfs.Style, tree Tree) *diskfs.FS {
	fs := diskfs.New(s, name, style)
	for _, p := range tree {
		mode := dcache.S_IFREG
		if strings.HasSuffix(p, "/") {
			mode = dcache.S_IFDIR
		}
		fs.Disk.Populate(p, mode)
	}
	return fs
}
