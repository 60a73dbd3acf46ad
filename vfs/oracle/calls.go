package oracle

import (
	"fmt"
	"path"
	"strings"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// Calls checks completed syscalls (as vfstest renders them) against a
// truth: a stat's or an open's object (or -ENOENT) must be what the
// truth had under the last component at some instant of the call
// (CheckLookup), and an open with O_CREAT|O_EXCL that succeeded must
// have created the name (CheckExclCreate). Any network or FUSE model
// can use it from its scenarios' CheckCall.
//
// Only the last component is checked: the directories on the path are
// resolved in the truth when the call ends (Dir), so a scenario whose
// directories move under the call would need more.
type Calls struct {
	Tr *Truth
	S  *vfs.System
	M  Mapper
	// Dir is the truth's object of a directory path, now.
	Dir func(path string) Obj
	// Ino is the truth's object of a client inode number, as stat
	// renders it (TYPE#INO).
	Ino func(ino uint64) Obj
	// Own, when not nil, exempts lookups that overlap the client's own
	// change of the name (see Own).
	Own *Own
}

// Check checks one completed call c that began at from and returned
// got; calls and results it has no rule for pass.
func (cs Calls) Check(t *sim.Task, c *vfstest.Call, got string, from Stamp) {
	if c.Op != "stat" && c.Op != "open" {
		return
	}
	dir := cs.Dir(path.Dir(c.Path))
	name := path.Base(c.Path)
	if dir == None || name == "/" || name == "." || name == ".." {
		return
	}
	what := c.String()
	obj, ok := cs.result(c, got)
	if !ok {
		return
	}
	if cs.Own != nil && cs.Own.Overlaps(c, c.Path, from, cs.Tr.Now()) {
		return
	}
	if !cs.Tr.CheckLookup(t, what, dir, name, obj, from) {
		return
	}
	if c.Op == "open" && obj != None && c.Flags&(vfs.O_CREAT|vfs.O_EXCL) == vfs.O_CREAT|vfs.O_EXCL {
		cs.Tr.CheckExclCreate(t, what, dir, name, from)
	}
}

// result is the object a call's result names: None for -ENOENT, false
// for results with no object to check.
func (cs Calls) result(c *vfstest.Call, got string) (Obj, bool) {
	if got == sim.ENOENT.String() {
		return None, c.Op == "stat" || c.Flags&vfs.O_CREAT == 0
	}
	switch c.Op {
	case "stat":
		_, ino, ok := strings.Cut(got, "#")
		var n uint64
		if _, err := fmt.Sscan(ino, &n); !ok || err != nil {
			return None, false
		}
		return cs.Ino(n), true
	default: // open
		var fd int
		if _, err := fmt.Sscanf(got, "fd%d", &fd); err != nil {
			return None, false
		}
		files := cs.S.OpenFiles()
		if fd >= len(files) || files[fd] == nil {
			return None, false
		}
		inode := files[fd].Path.DInode
		return cs.M.InodeObj(inode), true
	}
}
