package oracle

import (
	"path"

	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// Own tracks the calls of the client under check that change names
// (creates, links, unlinks, renames), so that a lookup overlapping one
// of them on the same name is not judged against the filesystem's
// history alone: the client's own change may be seen by its other tasks
// at any instant of the call that makes it (the server changes at its
// reply, the client's dcache at the end of the call), as POSIX allows
// for operations in progress. Begin before the call, End after it.
type Own struct {
	calls []ownCall
	index map[*vfstest.Call]int
}

type ownCall struct {
	names    []string
	from, to Stamp
	done     bool
}

// Changed lists the paths whose names a call changes.
func Changed(c *vfstest.Call) []string {
	switch c.Op {
	case "open":
		if c.Flags&vfs.O_CREAT != 0 {
			return []string{c.Path}
		}
	case "mkdir", "rmdir", "unlink", "symlink", "mknod":
		return []string{c.Path}
	case "link":
		return []string{c.Arg}
	case "rename":
		return []string{c.Path, c.Arg}
	}
	return nil
}

// Begin records that c started at from.
func (o *Own) Begin(c *vfstest.Call, from Stamp) {
	names := Changed(c)
	if names == nil {
		return
	}
	if o.index == nil {
		o.index = map[*vfstest.Call]int{}
	}
	o.index[c] = len(o.calls)
	o.calls = append(o.calls, ownCall{names: names, from: from})
}

// End records that c ended at to.
func (o *Own) End(c *vfstest.Call, to Stamp) {
	if i, ok := o.index[c]; ok {
		o.calls[i].to, o.calls[i].done = to, true
		delete(o.index, c)
	}
}

// Overlaps reports whether a call of the client other than self that
// changes p ran at some instant of [from, to].
func (o *Own) Overlaps(self *vfstest.Call, p string, from, to Stamp) bool {
	p = path.Clean(p)
	me, isOwn := o.index[self]
	for i, c := range o.calls {
		if isOwn && i == me || c.done && c.to < from || c.from > to {
			continue
		}
		for _, n := range c.names {
			if path.Clean(n) == p {
				return true
			}
		}
	}
	return false
}
