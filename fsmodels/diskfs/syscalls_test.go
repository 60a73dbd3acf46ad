package diskfs_test

// Sequential syscalls on the disk filesystem model, both styles, both
// regimes, mainline and v3: the results, including after the dcache was
// emptied (dropcaches) and the names were looked up again from disk,
// with every end-of-run check (invariants, umount, the consistency
// oracle against the disk, leaks) quiet.

import (
	"testing"

	"github.com/dcsim/dcsim/fsmodels/diskfs"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

var diskScript = []string{
	"stat /d = dir#3",
	"stat /d/a = reg#4",
	"stat /nope = -ENOENT",
	"open /f creat = fd0",
	"close $ = 0",
	"stat /f = reg#5",
	"mkdir /e = 0",
	"mknod /e/w wht = 0",
	"symlink /d/a /l = 0",
	"stat /l = reg#4",
	"link /d/a /d/b = 0",
	"ls /d = a:reg,b:reg",
	"dropcaches / = 0",
	"stat /d/b = reg#4",
	"lstat /l = lnk#8",
	"stat /nope = -ENOENT",
	"rename /f /e/g = 0",
	"stat /f = -ENOENT",
	"stat /e/g = reg#5",
	"rename /e/g /d/a whiteout = 0",
	"lstat /e/g = wht#9",
	"ls /e = w:wht,g:wht",
	"unlink /d/b = 0",
	"rmdir /e = -ENOTEMPTY",
	"unlink /e/w = 0",
	"unlink /e/g = 0",
	"pressure 100 / = 8",
	"rmdir /e = 0",
	"mkdir /d = -EEXIST",
	"rename /d/a /l exchange = 0",
	"lstat /d/a = lnk#8",
	"open /d/a/x creat = -ELOOP", // /d/a is now the symlink to itself
}

func TestDiskSyscalls(t *testing.T) {
	for _, style := range []diskfs.Style{diskfs.Ext2, diskfs.Jffs2} {
		for _, v := range []variant.Variant{variant.BaseToday, variant.V3Today} {
			for _, r := range variant.Regimes {
				v := v.In(r)
				t.Run(style.String()+"/"+v.String(), func(t *testing.T) {
					fstest.CheckScript(t, "diskfs/seq", func(w *sim.World) *vfs.System {
						return fstest.Disk(w, v, style, fstest.Tree{"d/", "d/a"}).S
					}, diskScript)
				})
			}
		}
	}
}
