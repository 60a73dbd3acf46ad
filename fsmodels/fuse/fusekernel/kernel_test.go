//go:build linux

package fusekernel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	gofuse "github.com/hanwen/go-fuse/v2/fuse"
)

// daemon is a go-fuse filesystem whose root holds the regular files
// named in names; lookups of other names are negative with a long
// timeout, as the model's daemon answers them.
type daemon struct {
	gofs.Inode
	mu    sync.Mutex
	names map[string]uint64 // name to inode number
}

var _ = (gofs.NodeLookuper)((*daemon)(nil))

// Lookup answers LOOKUP from the daemon's namespace.
func (d *daemon) Lookup(ctx context.Context, name string, out *gofuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	d.mu.Lock()
	ino, ok := d.names[name]
	d.mu.Unlock()
	if !ok {
		return nil, syscall.ENOENT
	}
	out.Attr.Mode = syscall.S_IFREG | 0o644
	out.Attr.Ino = ino
	return d.NewInode(ctx, &gofs.Inode{}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino}), 0
}

// set adds or removes a name on the daemon's own account (the kernel is
// not told).
func (d *daemon) set(name string, ino uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ino == 0 {
		delete(d.names, name)
		d.RmChild(name)
		return
	}
	d.names[name] = ino
}

// kernelMount serves a daemon with names on a fresh FUSE mount; the
// test is skipped where that is not possible, and the mount goes when
// the test ends.
func kernelMount(t *testing.T, names map[string]uint64) (*daemon, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("fusekernel: mounting needs root; the process runs as uid", os.Geteuid())
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("fusekernel: no /dev/fuse: ", err)
	}
	dir := t.TempDir()
	d := &daemon{names: map[string]uint64{}}
	for n, ino := range names {
		d.names[n] = ino
	}
	long := time.Hour
	srv, err := gofs.Mount(dir, d, &gofs.Options{
		EntryTimeout: &long, AttrTimeout: &long, NegativeTimeout: &long,
		MountOptions: gofuse.MountOptions{DirectMountStrict: true, FsName: "dcsim-fusekernel"},
	})
	if err != nil {
		t.Skip("fusekernel: cannot mount a FUSE filesystem here: ", err)
	}
	t.Cleanup(func() {
		if err := srv.Unmount(); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
		srv.Wait()
	})
	return d, dir
}

// kstat is stat(2) on the real mount in the model's result form: "reg"
// or "-ENOENT".
func kstat(dir, name string) string {
	fi, err := os.Lstat(filepath.Join(dir, name))
	var errno syscall.Errno
	switch {
	case err == nil && fi.Mode().IsRegular():
		return "reg"
	case err == nil:
		return fmt.Sprint(fi.Mode().Type())
	case errors.As(err, &errno):
		return "-" + errnoName(errno)
	}
	return err.Error()
}

func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.ENOENT:
		return "ENOENT"
	case syscall.EINVAL:
		return "EINVAL"
	}
	return fmt.Sprint(int(e))
}
