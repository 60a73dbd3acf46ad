package difftest

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// dirent is one name of a directory listing.
type dirent struct{ name, typ string }

// side is one implementation of the syscalls: the running kernel or the
// model. Calls return 0 or -errno; paths are absolute in the side's
// namespace.
type side interface {
	open(path string, flags int) (fd, err int)
	close(fd int) int
	stat(path string) (typ string, ino uint64, err int)  // following a last symlink
	lstat(path string) (typ string, ino uint64, err int) // without following it
	mkdir(path string) int
	rmdir(path string) int
	unlink(path string) int
	link(old, new string) int
	symlink(target, path string) int
	mknod(path string, mode dcache.Mode) int
	rename(old, new string, flags int) int
	ls(path string) ([]dirent, int)
	// entry describes path for a namespace walk.
	entry(path string) (Entry, int)
	// setOpaque sets trusted.overlay.opaque on a directory (building layers).
	setOpaque(path string) int
}

// Result is one side's run: each call's normalised result, the final
// namespace and (overlay) the final upper layer.
type Result struct {
	Calls []string
	Tree  []string
	Upper []string
}

// run executes calls on x, closes what stays open and walks the
// namespace. It is the same code for both sides; only x differs.
func run(x side, calls []*vfstest.Call, o TreeOpts) Result {
	var r Result
	var fds fdTable
	inos := inoMap{}
	for _, c := range calls {
		r.Calls = append(r.Calls, do(x, c, &fds, inos))
	}
	for _, fd := range fds.open() {
		x.close(fd)
	}
	r.Tree = renderTree(walk(x, "/"), inos, o)
	return r
}

func do(x side, c *vfstest.Call, fds *fdTable, inos inoMap) string {
	rv := sim.ErrnoString
	switch c.Op {
	case "open":
		fd, err := x.open(c.Path, c.Flags)
		if err != 0 {
			return rv(err)
		}
		return fds.opened(fd)
	case "close":
		fd, ok := fds.take(c.FD)
		if !ok {
			return "-EBADF"
		}
		return rv(x.close(fd))
	case "stat", "lstat":
		stat := x.stat
		if c.Op == "lstat" {
			stat = x.lstat
		}
		typ, ino, err := stat(c.Path)
		if err != 0 {
			return rv(err)
		}
		return typ + inos.name(ino)
	case "mkdir":
		return rv(x.mkdir(c.Path))
	case "rmdir":
		return rv(x.rmdir(c.Path))
	case "unlink":
		return rv(x.unlink(c.Path))
	case "link":
		return rv(x.link(c.Path, c.Arg))
	case "symlink":
		return rv(x.symlink(c.Arg, c.Path))
	case "mknod":
		return rv(x.mknod(c.Path, c.Mode))
	case "rename":
		return rv(x.rename(c.Path, c.Arg, c.Flags))
	case "ls":
		ents, err := x.ls(c.Path)
		if err != 0 {
			return rv(err)
		}
		var l []string
		for _, e := range ents {
			l = append(l, e.name+":"+e.typ)
		}
		return sortList(strings.Join(l, ","))
	}
	panic("difftest: call not supported: " + c.String())
}

// walk lists the tree under dir (dir excluded).
func walk(x side, dir string) []Entry {
	ents, err := x.ls(dir)
	if err != 0 {
		return []Entry{{Path: dir, Type: "ls" + sim.ErrnoString(err)}}
	}
	var out []Entry
	for _, e := range ents {
		p := strings.TrimSuffix(dir, "/") + "/" + e.name
		en, err := x.entry(p)
		if err != 0 {
			en = Entry{Path: p, Type: "stat" + sim.ErrnoString(err)}
		}
		out = append(out, en)
		if en.Type == "dir" {
			out = append(out, walk(x, p)...)
		}
	}
	return out
}

// Layer is a layer's initial content, in the notation of the overlay
// model's tests: "d/" a directory, "f" a file, "!w" a whiteout, "+o/" an
// opaque directory; parents come before their children.
type Layer []string

// build makes l under prefix ("/" or "/upper/") on x.
func build(x side, prefix string, l Layer) error {
	for _, p := range l {
		var err int
		switch {
		case strings.HasPrefix(p, "!"):
			err = x.mknod(prefix+p[1:], dcache.S_IFWHT)
		case strings.HasPrefix(p, "+"):
			d := prefix + strings.TrimSuffix(p[1:], "/")
			if err = x.mkdir(d); err == 0 {
				err = x.setOpaque(d)
			}
		case strings.HasSuffix(p, "/"):
			err = x.mkdir(prefix + strings.TrimSuffix(p, "/"))
		default:
			err = x.mknod(prefix+p, dcache.S_IFREG)
		}
		if err != 0 {
			return fmt.Errorf("building %s%s: %s", prefix, p, sim.ErrnoString(err))
		}
	}
	return nil
}
