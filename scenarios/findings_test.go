package scenarios_test

import (
	"testing"

	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// findingSchedules are the schedules docs/findings.md cites for the
// vfs, shmem and overlayfs findings, with the report each replays to.
// Some are not what exploring the cell finds first (a race whose cell
// fires a no-race finding first; a fault that only a schedule injects).
var findingSchedules = []struct {
	schedule string
	kind     sim.Kind
	rule     string
}{
	{"v2:vfs/rename-lookup@mainline/pdirops:-:0d636c43:2*21.1*89", sim.KindInvariant, "R3"},
	{"v2:vfs/rename-lookup+pressure@mainline/pdirops:-:33cec46a:2*21.1*89.2", sim.KindInvariant, "R3"},
	{"v2:vfs/whiteout-lookup@v3/today:-:742bf3cf:1*41", sim.KindWarn, "WARN_ON"},
	{"v2:vfs/lookup-one-under-lock@mainline/pdirops:-:ae3f62f9:0*80.1*30", sim.KindLockdep, "circular"},
	{"v2:vfs/r4/lookup_one_qstr_excl-under-shared-lock@mainline/today:-:321c72c1:0*12.1*9", sim.KindInvariant, "R4"},
	{"v2:vfs/rename-vs-lookup-unlocked@mainline/pdirops:-:7cdac04b:1*22.2*109", sim.KindInvariant, "R1"},
	{"v2:shmem/rename-whiteout@v3/today:-:b4b43227:", sim.KindWarn, "WARN_ON"},
	{"v2:shmem/rename-whiteout-enomem@v3/today:faults:b4b43227:f0*6.f1", sim.KindOops, "err-ptr-deref"},
	{"v2:ovl/readdir-uncached@01-09/today:-:5d24851e:", sim.KindInvariant, "R5"},
	{"v2:ovl/readdir-cached@01-10/today:-:66046f18:", sim.KindInvariant, "R8"},
	{"v2:ovl/readdir-vs-lookup@mainline/pdirops:-:fbd1cdd1:1*29.2*60", sim.KindLockdep, "circular"},
	{"v2:ovl/readdir-vs-lookup@01-09/today:-:cab1f86d:1*138", sim.KindInvariant, "R5"},
	{"v2:ovl/readdir-vs-lookup@01-10/today:-:e0ca96ca:1*135", sim.KindInvariant, "R8"},
	{"v2:ovl/raced-readdir@01-09/pdirops:-:4dfe20ab:2*14.1*34.2*2.1*12", sim.KindInvariant, "ovl-result"},
	{"v2:ovl/raced-readdir-enomem@01-09/pdirops:faults:4dfe20ab:f0*12.2*14.1*17.f0.1*17.f0.f1", sim.KindOops, "null-deref"},
	{"v2:ovl/rename-whiteout-vs-lookup@mainline/pdirops:-:2b33b2b5:1*167.2*519", sim.KindInvariant, "R1"},
	{"v2:ovl/rename-whiteout-vs-lookup@v3+fix=ovl-readdir/today:-:167d2938:1*317", sim.KindWarn, "WARN_ON"},
	{"v2:ovl/pressure-ovl-sb-during-readdir@01-09/today:-:53f622ad:2*79", sim.KindInvariant, "R5"},
	{"v2:ovl/pressure-ovl-sb-during-readdir@01-10/today:-:66046f18:1*128", sim.KindInvariant, "R8"},
	{"v2:ovl/pressure-upper-sb-during-readdir@01-10/today:-:66046f18:1*128", sim.KindInvariant, "R8"},
}

// TestFindingSchedules replays each schedule strictly on its catalog
// program and checks the report.
func TestFindingSchedules(t *testing.T) {
	for _, f := range findingSchedules {
		s, err := sim.ParseSchedule(f.schedule)
		if err != nil {
			t.Fatalf("%s: %v", f.schedule, err)
		}
		sc, err := scenarios.Lookup(s.Program)
		if err != nil {
			t.Fatal(err)
		}
		v, err := variant.Parse(s.Variant)
		if err != nil {
			t.Fatal(err)
		}
		out := sim.Execute(sc.Program(v), s.Config(), sim.NewReplay(s))
		if out.Err != nil {
			t.Errorf("%s: %v", f.schedule, out.Err)
		} else if r := out.Report; r == nil || r.Kind != f.kind || r.Rule != f.rule {
			t.Errorf("%s: report %v, want %s %s", f.schedule, r, f.kind, f.rule)
		}
		out.Release()
	}
}
