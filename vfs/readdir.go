package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// IterateDir is iterate_dir (fs/readdir.c, 7.0): ->iterate_shared with
// the directory's i_rwsem held shared (killable); -ENOENT for a dead
// directory. A wrapped iterator (WRAP_DIR_ITER) upgrades to exclusive
// through wrap_directory_iterator.
func (s *System) IterateDir(t *sim.Task, file *File, ctx *DirContext) int {
	inode := file.Path.DInode
	if file.FOp == nil || file.FOp.IterateShared == nil {
		return -int(sim.ENOTDIR)
	}
	if res := inode.IRwsem.DownReadKillable(t); res != 0 {
		return res
	}
	res := -int(sim.ENOENT)
	if !IsDeadDir(inode) {
		ctx.Pos = file.Pos
		if file.FOp.Wrapped {
			res = wrapDirectoryIterator(t, file, ctx, file.FOp.IterateShared)
		} else {
			res = file.FOp.IterateShared(t, file, ctx)
		}
		file.Pos = ctx.Pos
	}
	InodeUnlockShared(t, inode)
	return res
}

// wrapDirectoryIterator is wrap_directory_iterator (fs/readdir.c): drop
// the shared lock, take it exclusive (anything may run in between),
// recheck S_DEAD, iterate, downgrade back to shared.
func wrapDirectoryIterator(t *sim.Task, file *File, ctx *DirContext, iter func(*sim.Task, *File, *DirContext) int) int {
	inode := file.Path.DInode
	InodeUnlockShared(t, inode)
	InodeLock(t, inode)
	ret := -int(sim.ENOENT)
	if !IsDeadDir(inode) {
		ret = iter(t, file, ctx)
	}
	inode.IRwsem.DowngradeWrite(t)
	return ret
}

// Dirent is one readdir entry.
type Dirent struct {
	Name string
	Ino  uint64
	Mode dcache.Mode
}
