package scenarios

import (
	"fmt"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
)

// Overlay races over disk filesystem layers (fsmodels/diskfs, ext2
// style): the layers' dentries are not pinned, so memory pressure
// evicts them and overlayfs's lookups in the layers go to ->lookup and
// the disk again, which a tmpfs layer (whose dcache is its namespace)
// never does. The layers' dcaches are checked against their disks at
// the end (the consistency oracle, rule oracle-stale-dentry).

// onDisk returns p with both layers on disk.
func onDisk(p ovlProgram) ovlProgram {
	p.upperDisk, p.lowerDisk = true, true
	return p
}

// ovlDiskPressure is readdir of /m while the shrinker prunes the lower
// (or upper) disk layer's unused dentries, the names of /m cached at
// the start: the overlay's lookups find the real names evicted and read
// them from disk again.
func ovlDiskPressure(upper bool) ovlProgram {
	shrink := func(t *sim.Task, e *fstest.OverlayEnv) string {
		sb := e.LowerDisk.SB
		if upper {
			sb = e.UpperDisk.SB
		}
		return fmt.Sprint(e.S.MemoryPressure(t, sb, 100))
	}
	return onDisk(ovlProgram{
		lower: raceLower, upper: raceUpper,
		pre: []string{"stat /m", "stat /m/a", "stat /m/c"},
		workers: map[string]ovlWorker{
			"readdir": calls("ls /m"),
			"shrink":  shrink,
			"lookup":  calls("stat /m/a"),
		},
		check: checkReaddirAndLookup,
	})
}

// ovlDiskVersions: the whole series with the overlay readdir fix (whose
// tmpfs runs of the rename program meet v3 12/19's shmem_whiteout WARN;
// a disk upper layer writes its whiteout to disk and makes no dentry).
var ovlDiskVersions = []string{"v3+fix=ovl-readdir"}

func init() {
	Register(&Scenario{
		Name: "ovl-disk/readdir-vs-lookup",
		Doc: "ovl/readdir-vs-lookup over two disk filesystem layers (ext2 style, dentries not pinned): " +
			"readdir of a merged directory races a lookup of a lower name",
		Marks: []string{"->lookup", "diskfs: ->lookup reads the disk"},
		Cells: ovlCells(ovlRaceBound, []string{"mainline", "v3+fix", "v3+fix=ovl-readdir"}, map[string]Expect{
			"mainline/pdirops":   FindsRule(sim.KindLockdep, "circular"),
			"v3+fix=ovl-readdir": ovlRinv("ovl-result"), // v3 02/19: the RCU-walk stat sees the primed dentry negative
		}),
		Setup: onDisk(ovlReaddirVsLookup).setup,
	})
	Register(&Scenario{
		Name: "ovl-disk/rename-whiteout-vs-lookup",
		Doc: "ovl/rename-whiteout-vs-lookup over disk layers: copy-up, then rename with RENAME_WHITEOUT " +
			"in the upper disk filesystem (which writes the whiteout to disk; no twin dentry as tmpfs makes)",
		Marks: []string{"ovl: copied up", "diskfs: whiteout created", "ovl: rename left a whiteout in upper"},
		Cells: ovlCells(ovlRaceBound, ovlDiskVersions, nil),
		Setup: onDisk(ovlRenameWhiteoutVsLookup).setup,
	})
	Register(&Scenario{
		Name:  "ovl-disk/create-vs-unlink",
		Doc:   "ovl/create-vs-unlink over disk layers: open(O_CREAT) of a lower file races its unlink",
		Marks: []string{"ovl: whiteout left in upper", "ovl: created over a whiteout"},
		Cells: ovlCells(ovlRaceBound, ovlDiskVersions, nil),
		Setup: onDisk(ovlCreateVsUnlink).setup,
	})
	Register(&Scenario{
		Name: "ovl-disk/pressure-lower-during-readdir",
		Doc: "readdir of /m and a stat of /m/a while the shrinker evicts the lower disk layer's unused " +
			"dentries: the overlay's real lookups read the names from disk again",
		Cells: ovlCells(ovlRaceBound, ovlDiskVersions, nil),
		Setup: ovlDiskPressure(false).setup,
	})
	Register(&Scenario{
		Name: "ovl-disk/pressure-upper-during-readdir",
		Doc: "the same with the upper disk layer pruned (a tmpfs upper frees nothing: its dentries are " +
			"pinned)",
		Cells: ovlCells(ovlRaceBound, ovlDiskVersions, nil),
		Setup: ovlDiskPressure(true).setup,
	})
}
