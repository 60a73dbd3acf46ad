package fstest

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/diskfs"
	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// shmem.FS and diskfs.FS are overlay layers.
var (
	_ ovl.Layer = (*shmem.FS)(nil)
	_ ovl.Layer = (*diskfs.FS)(nil)
)

// OverlayEnv is one run's overlay over an upper and a lower layer:
// tmpfs (Upper, Lower) or a disk filesystem (UpperDisk, LowerDisk).
type OverlayEnv struct {
	C            *dcache.Cache
	S            *vfs.System
	FS           *ovl.FS
	Upper, Lower *shmem.FS
	// UpperDisk and LowerDisk are the layers that are disk filesystems
	// (OverlayOnDisk), nil for tmpfs layers.
	UpperDisk, LowerDisk *diskfs.FS
	// UpperLayer and LowerLayer are the layers, whatever they are.
	UpperLayer, LowerLayer ovl.Layer
}

// Overlay makes the run's VFS under variant v with an overlay
// superblock over two tmpfs layers (not mounted yet: a task calls
// Build), and registers the end-of-run checks: the dcache invariants,
// the umount check of the three superblocks (with the overlay's
// references on real dentries), the overlay's own invariants and the
// leak walker. Call it in setup.
func Overlay(w *sim.World, v variant.Variant) *OverlayEnv {
	return OverlayOnDisk(w, v, false, false)
}

// OverlayOnDisk is Overlay with a disk filesystem (diskfs, ext2 style)
// for the upper layer, the lower layer or both, where asked; the disk
// layers' dcaches are also checked against their disks at the end (the
// consistency oracle).
func OverlayOnDisk(w *sim.World, v variant.Variant, upperDisk, lowerDisk bool) *OverlayEnv {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	e := &OverlayEnv{C: c, S: s}
	e.UpperLayer, e.Upper, e.UpperDisk = newLayer(s, "upper", upperDisk)
	e.LowerLayer, e.Lower, e.LowerDisk = newLayer(s, "lower", lowerDisk)
	sbs := []*dcache.SuperBlock{layerSB(e.Upper, e.UpperDisk), layerSB(e.Lower, e.LowerDisk)}
	e.FS = ovl.New(s, e.UpperLayer, e.LowerLayer, "overlay")
	w.AtEnd(func(w *sim.World) {
		c.CheckInvariants(nil)
		if !w.Halted() {
			UmountCheck(w, s, e.FS.RealRefs(), append([]*dcache.SuperBlock{e.FS.SB}, sbs...)...)
		}
		if !w.Halted() {
			ovl.CheckInvariants(w, e.FS)
		}
		for _, d := range []*diskfs.FS{e.UpperDisk, e.LowerDisk} {
			if d != nil && !w.Halted() {
				d.Truth().CheckDcache(w, d.SB, d)
			}
		}
	})
	w.Roots(s.MarkReachable)
	w.Roots(e.FS.MarkReachable)
	return e
}

// Tree describes a layer's tree compactly, one path per entry, parents
// first: a path ending in "/" is a directory, "!name" a whiteout, and
// "+dir/" an opaque directory (trusted.overlay.opaque=y).
type Tree []string

// Build populates the layers through the syscalls, with the namespace
// root pointed at each layer in turn (the upper tree goes below
// ovl.UpperDirName), mounts the overlay and makes it the namespace root.
// It returns nil, or the first error (with faults injected, any step may
// fail; the namespace root is then left on a layer).
func (e *OverlayEnv) Build(t *sim.Task, lower, upper Tree) error {
	s := e.S
	mk := func(root *dcache.Dentry, prefix string, tr Tree) error {
		s.Root = root
		for _, p := range tr {
			var r int
			switch {
			case strings.HasPrefix(p, "!"):
				r = s.Mknod(t, prefix+p[1:], dcache.S_IFWHT)
			case strings.HasPrefix(p, "+"):
				path := prefix + strings.TrimSuffix(p[1:], "/")
				if r = s.Mkdir(t, path); r == 0 {
					d, err := s.Lookup(t, path)
					if r = err; err == 0 {
						e.FS.SetOpaqueXattr(t, d)
						dcache.Dput(t, d)
					}
				}
			case strings.HasSuffix(p, "/"):
				r = s.Mkdir(t, prefix+strings.TrimSuffix(p, "/"))
			default:
				r = s.Mknod(t, prefix+p, dcache.S_IFREG)
			}
			if r != 0 {
				return fmt.Errorf("building %s%s: %s", prefix, p, sim.ErrnoString(r))
			}
		}
		return nil
	}
	if err := mk(e.LowerLayer.Root(), "/", lower); err != nil {
		return err
	}
	if err := mk(e.UpperLayer.Root(), "/", Tree{ovl.UpperDirName + "/"}); err != nil {
		return err
	}
	if err := mk(e.UpperLayer.Root(), "/"+ovl.UpperDirName+"/", upper); err != nil {
		return err
	}
	if r := e.FS.Mount(t); r != 0 {
		return fmt.Errorf("mount: %s", sim.ErrnoString(r))
	}
	s.Root = e.FS.Root()
	return nil
}

// MustBuild is Build for runs without injected faults, where a failure
// is a bug of the program: it reports it as a violation (rule "setup")
// and returns false.
func (e *OverlayEnv) MustBuild(t *sim.Task, lower, upper Tree) bool {
	if err := e.Build(t, lower, upper); err != nil {
		t.Violation(sim.KindInvariant, "setup", err.Error(), "")
		return false
	}
	return true
}

// newLayer mounts an overlay layer: a disk filesystem (ext2 style) or a
// tmpfs.
func newLayer(s *vfs.System, name string, disk bool) (ovl.Layer, *shmem.FS, *diskfs.FS) {
	if disk {
		d := diskfs.New(s, name, diskfs.Ext2)
		return d, nil, d
	}
	m := shmem.New(s, name)
	return m, m, nil
}

// layerSB is the superblock of whichever of the two a layer is.
func layerSB(m *shmem.FS, d *diskfs.FS) *dcache.SuperBlock {
	if d != nil {
		return d.SB
	}
	return m.SB
}
