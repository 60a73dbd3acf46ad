package difftest

import (
	"pgregory.net/rapid"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// GenOpts selects the calls a generated sequence may contain.
type GenOpts struct {
	// Symlinks adds symlink calls (relative targets naming a root
	// entry, so that walks through them, dangling links and loops
	// occur).
	Symlinks bool
	// Links adds link calls.
	Links bool
	// Whiteouts adds mknod of whiteouts and rename(RENAME_WHITEOUT).
	Whiteouts bool
	// OpenWrite adds opens for writing that may find an existing file
	// (wronly, rdwr, creat without excl; on an overlay they copy up).
	OpenWrite bool
}

// The name space: three names at the root, two beneath each.
var (
	top   = []string{"a", "b", "c"}
	sub   = []string{"x", "y"}
	paths = func() []string {
		var out []string
		for _, t := range top {
			out = append(out, "/"+t)
			for _, s := range sub {
				out = append(out, "/"+t+"/"+s)
			}
		}
		return out
	}()
)

var (
	openFlags      = []int{vfs.O_RDONLY, vfs.O_DIRECTORY, vfs.O_CREAT | vfs.O_EXCL | vfs.O_RDWR, vfs.O_CREAT | vfs.O_DIRECTORY}
	openWriteFlags = []int{vfs.O_WRONLY, vfs.O_RDWR, vfs.O_CREAT | vfs.O_WRONLY}
)

// linkName is a root name only link targets use.
const linkName = "/n"

// Seq is a sequence of calls; it prints one call a line.
type Seq []*vfstest.Call

// GoString is what rapid prints for a drawn sequence.
func (q Seq) GoString() string { return "\n" + Format(q) }

// Gen generates sequences of up to 12 calls over the name space.
func Gen(o GenOpts) *rapid.Generator[Seq] {
	ops := []string{"open", "open", "close", "stat", "stat", "lstat", "mkdir", "mkdir", "rmdir", "unlink",
		"mknod", "rename", "rename", "ls"}
	if o.Symlinks {
		ops = append(ops, "symlink")
	}
	if o.Links {
		ops = append(ops, "link")
	}
	modes := []dcache.Mode{dcache.S_IFREG, dcache.S_IFCHR}
	rflags := []int{0, vfs.RENAME_NOREPLACE, vfs.RENAME_EXCHANGE}
	if o.Whiteouts {
		modes = append(modes, dcache.S_IFWHT)
		rflags = append(rflags, vfs.RENAME_WHITEOUT)
	}
	oflags := openFlags
	if o.OpenWrite {
		oflags = append(oflags, openWriteFlags...)
	}
	path := rapid.SampledFrom(paths)
	anyPath := rapid.SampledFrom(append([]string{"/"}, paths...))
	// Half the links go to a root name nothing else uses, so that more
	// of them succeed.
	linkNew := rapid.OneOf(path, rapid.Just(linkName))
	call := rapid.Custom(func(t *rapid.T) *vfstest.Call {
		c := &vfstest.Call{Op: rapid.SampledFrom(ops).Draw(t, "op")}
		switch c.Op {
		case "open":
			c.Path, c.Flags = anyPath.Draw(t, "path"), rapid.SampledFrom(oflags).Draw(t, "flags")
		case "close":
			c.FD = rapid.IntRange(0, 3).Draw(t, "fd")
		case "stat", "lstat", "ls":
			c.Path = anyPath.Draw(t, "path")
		case "mknod":
			c.Path, c.Mode = path.Draw(t, "path"), rapid.SampledFrom(modes).Draw(t, "mode")
		case "rename":
			c.Path, c.Arg = path.Draw(t, "old"), path.Draw(t, "new")
			c.Flags = rapid.SampledFrom(rflags).Draw(t, "flags")
		case "link":
			c.Path, c.Arg = path.Draw(t, "old"), linkNew.Draw(t, "new")
		case "symlink":
			c.Path, c.Arg = path.Draw(t, "path"), rapid.SampledFrom(top).Draw(t, "target")
		default:
			c.Path = path.Draw(t, "path")
		}
		return c
	})
	// A slice shrinks by dropping calls, so a failure ends minimal.
	calls := rapid.SliceOfN(call, 1, 12)
	return rapid.Custom(func(t *rapid.T) Seq { return Seq(calls.Draw(t, "calls")) })
}

// GenLayers generates an overlay's lower and upper layers over the same
// name space: in the lower, each root name absent, a file or a
// directory with its own children; in the upper, also a whiteout or an
// opaque directory, and whiteouts beneath.
func GenLayers() *rapid.Generator[[2]Layer] {
	return rapid.Custom(func(t *rapid.T) [2]Layer {
		var lower, upper Layer
		kinds := []string{"", "f", "d"}
		for _, n := range top {
			k := rapid.SampledFrom(kinds).Draw(t, "lower")
			lower = appendEntry(t, lower, n, k, kinds)
		}
		ukinds := []string{"", "f", "d", "!", "+"}
		for _, n := range top {
			k := rapid.SampledFrom(ukinds).Draw(t, "upper")
			upper = appendEntry(t, upper, n, k, []string{"", "f", "d", "!"})
		}
		return [2]Layer{lower, upper}
	})
}

// appendEntry adds name of kind k ("" none, "f" file, "d" directory, "!"
// whiteout, "+" opaque directory) and, for a directory, its children of
// the kinds subKinds.
func appendEntry(t *rapid.T, l Layer, name, k string, subKinds []string) Layer {
	switch k {
	case "f":
		return append(l, name)
	case "!":
		return append(l, "!"+name)
	case "d", "+":
		if k == "+" {
			l = append(l, "+"+name+"/")
		} else {
			l = append(l, name+"/")
		}
		for _, s := range sub {
			switch rapid.SampledFrom(subKinds).Draw(t, "child") {
			case "f":
				l = append(l, name+"/"+s)
			case "d":
				l = append(l, name+"/"+s+"/")
			case "!":
				l = append(l, "!"+name+"/"+s)
			}
		}
	}
	return l
}
