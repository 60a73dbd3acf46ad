package diskfs

import (
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// readdir is ext2_readdir (fs/ext2/dir.c) and jffs2_readdir
// (fs/jffs2/dir.c), with the directory's i_rwsem held shared by
// iterate_dir: emit the entries from ctx->pos on. ext2 reads the page
// under its folio lock (ext2_get_folio) and emits from the mapped page
// without it; jffs2 holds f->sem across every dir_emit.
//
// Divergence: positions are entry indexes, "." and ".." are not emitted,
// and the entry type is read from the inode (ext2 has it in the entry).
func (fs *FS) readdir(t *sim.Task, file *vfs.File, ctx *vfs.DirContext) int {
	dir := file.Path.DInode
	dirLock(t, dir)
	ents := fs.Disk.entries(t, infoOf(dir).ino)
	if fs.Style == Ext2 {
		dirUnlock(t, dir)
	}
	for int(ctx.Pos) < len(ents) {
		e := ents[ctx.Pos]
		di := fs.Disk.inodes[e.ino]
		if di != nil && !ctx.Emit(e.name, e.ino, di.mode) {
			break
		}
		ctx.Pos++
	}
	if fs.Style == Jffs2 {
		dirUnlock(t, dir)
	}
	return 0
}
