package diskfs_test

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/diskfs"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/oracle"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// TestOracleAgainstDisk: the end-of-run oracle check of fstest.Disk is
// quiet when the dcache caches the disk (a negative dentry for a missing
// name), and fires when the disk gains the name behind the dcache's back
// (as another host writing the disk would): the hashed negative dentry
// is stale.
func TestOracleAgainstDisk(t *testing.T) {
	for _, behind := range []bool{false, true} {
		prog := sim.Program{Name: "diskfs/oracle", Setup: func(w *sim.World) {
			e := fstest.Disk(w, variant.BaseToday, diskfs.Ext2, fstest.Tree{"d/"})
			w.Go("sh", func(t *sim.Task) {
				vfstest.NewSession(e.S).Exec(t, "stat /d/z")
				if behind {
					e.FS.Disk.Populate("d/z", dcache.S_IFREG)
				}
			})
		}}
		out := sim.Execute(prog, sim.Config{}, nil)
		switch {
		case !behind && out.Report != nil:
			t.Errorf("clean run reported:\n%s", out.Report.Format())
		case behind && (out.Report == nil || out.Report.Rule != oracle.RuleStaleDentry):
			t.Errorf("disk changed behind the dcache: got %v, want %s", out.Report, oracle.RuleStaleDentry)
		}
		out.Release()
	}
}
