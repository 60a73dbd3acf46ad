package scenarios

import (
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/fuse"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// The two FUSE seed cases (docs/findings.md, "FUSE"): the stale negative
// dentry FUSE_NOTIFY_INVAL_ENTRY leaves, and FUSE_OPEN replies against
// FUSE_NOTIFY_INVAL_FILES.

func init() {
	Register(&Scenario{
		Name: "fuse/inval-entry-negative",
		Doc: "A negative dentry of /x is cached with a long timeout; then the daemon creates x and sends " +
			"FUSE_NOTIFY_INVAL_ENTRY for it while a task stats /x. As the base has it, " +
			"fuse_reverse_inval_entry's start_removing_dentry fails on the negative dentry and leaves it: " +
			"the kernel keeps saying -ENOENT for a file the daemon told it about (fuse-stale-entry). " +
			"With the proposed retry loop (start_creating_dentry for a negative entry) every schedule is clean.",
		Cells: fuseCells(fuseVersions, fuseBound, 0, always(FindsRule(sim.KindConsistency, oracle.RuleStaleDentry)), fuse.FixInvalEntryRetry, nil),
		Setup: fstest.FuseProgram{
			Pre:     []string{"stat /x"},
			Workers: map[string]fstest.FuseWorker{"daemon": fstest.DaemonCreates("x"), "stat": fstest.FuseCalls("stat /x")},
		}.Setup,
	})
	Register(&Scenario{
		Name: "fuse/open-vs-inval-files",
		Doc: "A task opens /f while the daemon thread serving its OPEN sends FUSE_NOTIFY_INVAL_FILES for f " +
			"before or after the reply (the daemon's choice). As VZ10 has it, the open is failed only if it " +
			"finds FUSE_I_INVAL_FILES set when it links the file: an open whose reply came first but that " +
			"links after fuse_inval_files_work finished stays valid (fuse-stale-open), and one whose reply " +
			"came after the notification but links before the work finished is failed (fuse-fresh-open-failed). " +
			"With the write_seq patch the order of the writes decides, in every schedule.",
		Cells: fuseCells(fuseVersions, fuseBound, 0, always(Finds(sim.KindConsistency)), fuse.ChangeWriteSeq, nil),
		Setup: fstest.FuseProgram{
			Tree:    []string{"f"},
			Hook:    fstest.InvalFilesAroundOpen,
			Pre:     []string{"stat /f"},
			Workers: map[string]fstest.FuseWorker{"open": fstest.FuseCalls("open /f")},
		}.Setup,
	})
	Register(&Scenario{
		Name: "fuse/open-vs-inval-files-thread",
		Doc: "fuse/open-vs-inval-files with the notification sent by another daemon thread at any point: the " +
			"daemon's send order (which write returned before which began) is the schedule's too. VZ10 " +
			"fails the open by the bit it finds at link time (fuse-fresh-open-failed, fuse-stale-open); with " +
			"the write_seq patch every schedule is clean, overlapping writes included.",
		// The clean cell first: a random walk rarely meets the stale open
		// (explore's recheck test walks the default cell).
		Cells: cellsAt(0, Cell{Variant: variant.BaseToday.With(fuse.ChangeWriteSeq)}, Cell{Variant: variant.BaseToday, Expect: Finds(sim.KindConsistency)},
			Cell{Variant: pd(variant.BaseToday), Expect: Finds(sim.KindConsistency)}, Cell{Variant: pd(variant.BaseToday).With(fuse.ChangeWriteSeq)}),
		Setup: fstest.FuseProgram{
			Tree: []string{"f"},
			Pre:  []string{"stat /f"},
			Workers: map[string]fstest.FuseWorker{"open": fstest.FuseCalls("open /f"),
				"daemon": func(t *sim.Task, e *fstest.FuseEnv) {
					e.D.Notify(t, fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_FILES, Ino: e.D.Path("f").ID})
				}},
		}.Setup,
	})
}
