package procfs_test

// Sequential syscalls on procfs in both regimes, mainline and v3: the
// refusal paths of a filesystem with ->lookup only, with the errors a
// 6.18 kernel returns for the same calls on /proc/self/fd and /proc/sys
// (checked on this machine as root).

import (
	"testing"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

var procScript = []string{
	"ls /fd = 0:lnk,1:lnk",
	"lstat /fd/0 = lnk#3",
	"lstat /fd/1 = lnk#4",
	"stat /fd/0 = reg#6", // follows the magic link to /sys/a
	"ls /sys = a:reg,b:reg",
	"lstat /sys/b = reg#7",
	"mkdir /fd/x = -ENOENT",
	"mkdir /fd/7 = -ENOENT",
	"mkdir /fd/0 = -EEXIST",
	"open /fd/7 creat|wronly = -ENOENT",
	"open /fd/x creat|excl|wronly = -ENOENT",
	"unlink /fd/7 = -ENOENT",
	"unlink /fd/0 = -EPERM",
	"rmdir /fd = -EPERM",
	"rename /fd/0 /fd/77 = -ENOENT",
	"mkdir /sys/zz = -ENOENT",
	"open /sys/zz creat|wronly = -ENOENT",
	"unlink /sys/a = -EACCES",
	"mkdir /sys/a = -EEXIST",
}

func TestProcSyscalls(t *testing.T) {
	for _, v := range []variant.Variant{variant.BaseToday, variant.V3Today} {
		for _, r := range variant.Regimes {
			v := v.In(r)
			t.Run(v.String(), func(t *testing.T) {
				fstest.CheckScript(t, "procfs/seq", func(w *sim.World) *vfs.System {
					return fstest.Procfs(w, v, []string{"/sys/a", "/sys/b"}, []string{"a", "b"}).S
				}, procScript)
			})
		}
	}
}
