//go:build linux

package difftest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/dcsim/dcsim/dcache"
)

// kernelSide is the running kernel's syscalls, with every path resolved
// relative to root, a directory descriptor of the mount's root.
type kernelSide struct {
	root int
	dir  string // the mount point, for the xattr calls, which have no *at form before 6.13
}

// rel turns a side's absolute path into one relative to the mount root.
func rel(p string) string {
	if r := strings.TrimLeft(p, "/"); r != "" {
		return r
	}
	return "."
}

// errno is a syscall's error as -errno (0 for nil).
func errno(err error) int {
	var e unix.Errno
	if err == nil {
		return 0
	}
	if errors.As(err, &e) {
		return -int(e)
	}
	panic("difftest: not an errno: " + err.Error())
}

// typeOf names a stat mode as the model's dcache.Mode does; a character
// device 0/0 is a whiteout.
func typeOf(st *unix.Stat_t) string {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "reg"
	case unix.S_IFDIR:
		return "dir"
	case unix.S_IFLNK:
		return "lnk"
	case unix.S_IFCHR:
		if st.Rdev == 0 {
			return "wht"
		}
		return "chr"
	}
	return "?"
}

func (k *kernelSide) open(path string, flags int) (int, int) {
	fd, err := unix.Openat(k.root, rel(path), flags|unix.O_CLOEXEC, 0o644)
	return fd, errno(err)
}

func (k *kernelSide) close(fd int) int { return errno(unix.Close(fd)) }

// fstatat is fstatat(2) relative to the mount root with flags.
func (k *kernelSide) fstatat(path string, flags int) (*unix.Stat_t, int) {
	var st unix.Stat_t
	err := unix.Fstatat(k.root, rel(path), &st, flags)
	return &st, errno(err)
}

func (k *kernelSide) statType(path string, flags int) (string, uint64, int) {
	st, err := k.fstatat(path, flags)
	if err != 0 {
		return "", 0, err
	}
	return typeOf(st), st.Ino, 0
}

// stat follows a last symlink, as stat(2); lstat does not.
func (k *kernelSide) stat(path string) (string, uint64, int) { return k.statType(path, 0) }
func (k *kernelSide) lstat(path string) (string, uint64, int) {
	return k.statType(path, unix.AT_SYMLINK_NOFOLLOW)
}

func (k *kernelSide) mkdir(path string) int { return errno(unix.Mkdirat(k.root, rel(path), 0o755)) }
func (k *kernelSide) rmdir(path string) int {
	return errno(unix.Unlinkat(k.root, rel(path), unix.AT_REMOVEDIR))
}
func (k *kernelSide) unlink(path string) int { return errno(unix.Unlinkat(k.root, rel(path), 0)) }

func (k *kernelSide) link(old, new string) int {
	return errno(unix.Linkat(k.root, rel(old), k.root, rel(new), 0))
}

func (k *kernelSide) symlink(target, path string) int {
	return errno(unix.Symlinkat(target, k.root, rel(path)))
}

// mknod makes "chr" as 0/1, a number no driver has (as every character
// device of the model), and "wht" as 0/0.
func (k *kernelSide) mknod(path string, mode dcache.Mode) int {
	m, dev := uint32(unix.S_IFREG|0o644), 0
	switch mode {
	case dcache.S_IFCHR:
		m, dev = unix.S_IFCHR|0o644, int(unix.Mkdev(0, 1))
	case dcache.S_IFWHT:
		m = unix.S_IFCHR | 0o644
	}
	return errno(unix.Mknodat(k.root, rel(path), m, dev))
}

func (k *kernelSide) rename(old, new string, flags int) int {
	return errno(unix.Renameat2(k.root, rel(old), k.root, rel(new), uint(flags)))
}

// ls is open(O_DIRECTORY), getdents64 to the end, close. The type is
// d_type; a character device is told from a whiteout by fstatat, and one
// that lookup cannot find is a whiteout that overlayfs lists but hides.
func (k *kernelSide) ls(path string) ([]dirent, int) {
	fd, err := unix.Openat(k.root, rel(path), unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, errno(err)
	}
	defer unix.Close(fd)
	var out []dirent
	buf := make([]byte, 8192)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return nil, errno(err)
		}
		if n == 0 {
			return out, 0
		}
		for b := buf[:n]; len(b) > 0; {
			// struct linux_dirent64: ino, off, reclen, type, name.
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			typ, name := b[18], b[19:reclen]
			name = name[:bytes.IndexByte(name, 0)]
			b = b[reclen:]
			if string(name) != "." && string(name) != ".." {
				out = append(out, dirent{string(name), k.direntType(fd, string(name), typ)})
			}
		}
	}
}

func (k *kernelSide) direntType(dir int, name string, typ byte) string {
	switch typ {
	case unix.DT_REG:
		return "reg"
	case unix.DT_DIR:
		return "dir"
	case unix.DT_LNK:
		return "lnk"
	case unix.DT_CHR:
		var st unix.Stat_t
		if err := unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return "wht"
		}
		return typeOf(&st)
	}
	return "?"
}

func (k *kernelSide) hasXattr(path, name string) bool {
	_, err := unix.Lgetxattr(k.dir+"/"+rel(path), name, nil)
	return err == nil
}

func (k *kernelSide) entry(path string) (Entry, int) {
	st, err := k.fstatat(path, unix.AT_SYMLINK_NOFOLLOW)
	if err != 0 {
		return Entry{}, err
	}
	e := Entry{Path: path, Type: typeOf(st), Ino: st.Ino, Nlink: int(st.Nlink)}
	if e.Type == "dir" {
		e.Opaque = k.hasXattr(path, "trusted.overlay.opaque")
	}
	e.Origin = k.hasXattr(path, "trusted.overlay.origin")
	return e, 0
}

func (k *kernelSide) setOpaque(path string) int {
	fd, err := unix.Openat(k.root, rel(path), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return errno(err)
	}
	defer unix.Close(fd)
	return errno(unix.Fsetxattr(fd, "trusted.overlay.opaque", []byte("y"), 0))
}
