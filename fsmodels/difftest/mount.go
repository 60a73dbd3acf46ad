//go:build linux

package difftest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// Kernel runs sequences on real mounts, each in a fresh directory under
// a test's private temporary directory.
type Kernel struct {
	dir     string
	n       int
	mounted []string // still mounted, innermost last
}

// NewKernel checks that the process may mount a tmpfs (and, with
// overlay, an overlay over two tmpfs) and returns a runner whose mounts
// are all unmounted when the test ends, failed or not. Where mounting is
// not possible the test is skipped with the reason.
func NewKernel(tb testing.TB, overlay bool) *Kernel {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("difftest: mounting needs root; the process runs as uid", os.Geteuid())
	}
	k := &Kernel{dir: tb.TempDir()}
	tb.Cleanup(k.unmountAll)
	var err error
	if overlay {
		_, err = k.Overlay(nil, nil, nil, TreeOpts{})
	} else {
		_, err = k.Tmpfs(nil, TreeOpts{})
	}
	if err != nil {
		tb.Skip("difftest: the filesystem is not available here: ", err)
	}
	return k
}

func (k *Kernel) mkdir() (string, error) {
	k.n++
	d := filepath.Join(k.dir, fmt.Sprint(k.n))
	return d, os.Mkdir(d, 0o755)
}

func (k *Kernel) mount(src, target, fstype, data string) error {
	if err := unix.Mount(src, target, fstype, 0, data); err != nil {
		return fmt.Errorf("mount -t %s %s: %w", fstype, target, err)
	}
	k.mounted = append(k.mounted, target)
	return nil
}

// unmountAll unmounts, innermost first, lazily where a mount is busy.
func (k *Kernel) unmountAll() {
	for len(k.mounted) > 0 {
		m := k.mounted[len(k.mounted)-1]
		k.mounted = k.mounted[:len(k.mounted)-1]
		if unix.Unmount(m, 0) != nil {
			unix.Unmount(m, unix.MNT_DETACH)
		}
	}
}

// withSide opens dir and runs fn on it as a side.
func withSide(dir string, fn func(x *kernelSide) error) error {
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return fn(&kernelSide{root: fd, dir: dir})
}

// Tmpfs runs calls on a fresh tmpfs.
func (k *Kernel) Tmpfs(calls []*vfstest.Call, o TreeOpts) (Result, error) {
	defer k.unmountAll()
	var res Result
	d, err := k.mkdir()
	if err == nil {
		err = k.mount("tmpfs", d, "tmpfs", "")
	}
	if err != nil {
		return res, err
	}
	err = withSide(d, func(x *kernelSide) error { res = run(x, calls, o); return nil })
	return res, err
}

// Overlay builds the layers, mounts a fresh overlay over them and runs
// calls on it; the upper layer is walked after the overlay is unmounted.
func (k *Kernel) Overlay(lower, upper Layer, calls []*vfstest.Call, o TreeOpts) (Result, error) {
	defer k.unmountAll()
	var res Result
	base, err := k.mkdir()
	if err != nil {
		return res, err
	}
	// Two tmpfs layers, built before the overlay is mounted over them.
	lo, up, merged := filepath.Join(base, "lower"), filepath.Join(base, "upper"), filepath.Join(base, "merged")
	for _, d := range []string{lo, up, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return res, err
		}
	}
	for _, d := range []string{lo, up} {
		if err := k.mount("tmpfs", d, "tmpfs", ""); err != nil {
			return res, err
		}
	}
	if err := withSide(lo, func(x *kernelSide) error { return build(x, "/", lower) }); err != nil {
		return res, err
	}
	err = withSide(up, func(x *kernelSide) error {
		if err := build(x, "/", Layer{ovl.UpperDirName + "/", ovl.WorkDirName + "/"}); err != nil {
			return err
		}
		return build(x, "/"+ovl.UpperDirName+"/", upper)
	})
	if err != nil {
		return res, err
	}
	// As the model mounts: xino=on, no index, no redirects, no metacopy.
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s/%s,workdir=%s/%s,xino=on,index=off,redirect_dir=off,metacopy=off",
		lo, up, ovl.UpperDirName, up, ovl.WorkDirName)
	if err := k.mount("overlay", merged, "overlay", opts); err != nil {
		return res, err
	}
	if err := withSide(merged, func(x *kernelSide) error { res = run(x, calls, o); return nil }); err != nil {
		return res, err
	}
	if err := unix.Unmount(merged, 0); err != nil {
		return res, fmt.Errorf("umount %s: %w", merged, err)
	}
	k.mounted = k.mounted[:len(k.mounted)-1]
	err = withSide(up, func(x *kernelSide) error {
		res.Upper = renderTree(walk(x, "/"+ovl.UpperDirName), inoMap{}, TreeOpts{Nlink: true, DirNlink: true, Xattrs: true, DirOrigin: o.DirOrigin})
		return nil
	})
	return res, err
}
