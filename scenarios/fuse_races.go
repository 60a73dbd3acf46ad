package scenarios

import (
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/fuse"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The FUSE paths under concurrency (docs/findings.md, "FUSE"):
// FUSE_NOTIFY_INVAL_ENTRY against the syscalls that change the name,
// notifications sent from the thread serving a request (re-entry), and
// readdirplus priming the dcache against lookups and creates, with and
// without RFC 43/53.

// The race cells are chosen, not crossed: a clean cell must be explored
// exhaustively within its bound (`go test ./scenarios` checks it), and a
// two-worker program with the daemon's round trips takes 700 to 7,000
// runs at bound 1. Every fuse code variant (base, fix, change) is in
// each scenario in at least one regime; mainline and v3 differ below
// fuse only in the dcache, which the seed cells (fuse_seeds.go) cross.

// Variants of the race cells.
var (
	fixRetry     = fuse.FixInvalEntryRetry
	rfc43        = variant.V3Today.With(fuse.ChangeDirentplusNoblock)
	rfc43Fixed   = rfc43.With(fuse.FixDirentplusForget)
	lockdepCycle = FindsRule(sim.KindLockdep, "circular")
	nlookupLeak  = FindsRule(sim.KindConsistency, fuse.RuleNlookup)
)

// cellsAt gives cells the fuse bound and, where set, a budget.
func cellsAt(budget int, cells ...Cell) []Cell {
	for i := range cells {
		cells[i].Bound, cells[i].Budget = fuseBound, budget
	}
	return cells
}

// pd is v under the pdirops regime.
func pd(v variant.Variant) variant.Variant { return v.In(variant.Pdirops) }

func init() {
	Register(&Scenario{
		Name: "fuse/inval-entry-vs-rename",
		Doc: "FUSE_NOTIFY_INVAL_ENTRY of /a while a task renames /a to /b: the invalidation may find the " +
			"dentry under its old name and lock it after the rename (d_same_name fails: retry). Clean in " +
			"the base and the fixed loop.",
		Cells: cellsAt(0, Cell{Variant: variant.BaseToday}, Cell{Variant: pd(variant.BaseToday).With(fixRetry)}),
		Setup: fstest.FuseProgram{
			Tree: []string{"a"}, Pre: []string{"stat /a"},
			Workers: map[string]fstest.FuseWorker{"daemon": fstest.DaemonInvalidates("a"), "mv": fstest.FuseCalls("rename /a /b")},
		}.Setup,
	})
	Register(&Scenario{
		Name: "fuse/inval-entry-vs-create",
		Doc: "FUSE_NOTIFY_INVAL_ENTRY of a cached negative /x while a task creates /x (O_CREAT through " +
			"->atomic_open): the fixed loop's start_creating_dentry waits for the create's lock and then " +
			"fails with -EEXIST, and start_removing_dentry takes the now positive entry. Clean in the base and the fixed loop.",
		Cells: cellsAt(0, Cell{Variant: variant.BaseToday}, Cell{Variant: pd(variant.BaseToday).With(fixRetry)}),
		Setup: fstest.FuseProgram{
			Pre:     []string{"stat /x"},
			Workers: map[string]fstest.FuseWorker{"daemon": fstest.DaemonInvalidates("x"), "creat": fstest.FuseCalls("open /x creat", "close $")},
		}.Setup,
	})
	Register(&Scenario{
		Name: "fuse/inval-entry-vs-unlink",
		Doc: "FUSE_NOTIFY_INVAL_ENTRY of /a while a task unlinks it; the unlinked node is FORGOTten when its " +
			"inode goes. Clean in the base and the fixed loop.",
		Cells: cellsAt(0, Cell{Variant: variant.BaseToday}, Cell{Variant: pd(variant.BaseToday).With(fixRetry)}),
		Setup: fstest.FuseProgram{
			Tree: []string{"a"}, Pre: []string{"stat /a"},
			Workers: map[string]fstest.FuseWorker{"daemon": fstest.DaemonInvalidates("a"), "rm": fstest.FuseCalls("unlink /a")},
		}.Setup,
	})
	Register(&Scenario{
		Name: "fuse/inval-entry-in-lookup",
		Doc: "Re-entry: the daemon thread serving LOOKUP of /b may first send FUSE_NOTIFY_INVAL_ENTRY for " +
			"/a, which is cached. fuse_reverse_inval_entry locks the root for the cached /a while the lookup " +
			"holds it shared and waits for this very thread: a deadlock in every variant and regime, the " +
			"one libfuse documents (\"must not be called in the execution path of a related filesystem " +
			"operation\"). The daemon's choice is in the schedule (c1).",
		Cells: fuseCells(fuseVersions, fuseBound, 0, always(Finds(sim.KindDeadlock)), fuse.FixInvalEntryRetry, always(Finds(sim.KindDeadlock))),
		Setup: fstest.FuseProgram{
			Tree: []string{"a", "b"}, Pre: []string{"stat /a"},
			Hook:    fstest.Reenter(fuse.FUSE_LOOKUP, "b", fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_ENTRY, Parent: fuse.FUSE_ROOT_ID, Name: "a"}),
			Workers: map[string]fstest.FuseWorker{"stat": fstest.FuseCalls("stat /b")},
		}.Setup,
	})
	Register(&Scenario{
		Name: "fuse/inval-entry-same-name-in-lookup",
		Doc: "Re-entry: the thread serving LOOKUP of /b sends FUSE_NOTIFY_INVAL_ENTRY for /b itself. The " +
			"dentry is in-lookup, so try_lookup_noperm does not find it and no lock is taken: clean in every " +
			"variant (the pre-c9ba789dad15 code, which locked the parent first, would deadlock).",
		Cells: cellsAt(0, Cell{Variant: variant.BaseToday}, Cell{Variant: pd(variant.BaseToday).With(fixRetry)}),
		Setup: fstest.FuseProgram{
			Tree:    []string{"b"},
			Hook:    fstest.Reenter(fuse.FUSE_LOOKUP, "b", fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_ENTRY, Parent: fuse.FUSE_ROOT_ID, Name: "b"}),
			Workers: map[string]fstest.FuseWorker{"stat": fstest.FuseCalls("stat /b")},
		}.Setup,
	})
	Register(&Scenario{
		Name: "fuse/inval-inode-in-lookup",
		Doc: "Re-entry: the thread serving LOOKUP of /b sends FUSE_NOTIFY_INVAL_INODE for the root, which " +
			"takes no directory lock: clean in both regimes.",
		Cells: cellsAt(0, Cell{Variant: variant.BaseToday}, Cell{Variant: pd(variant.V3Today)}),
		Setup: fstest.FuseProgram{
			Tree:    []string{"b"},
			Hook:    fstest.Reenter(fuse.FUSE_LOOKUP, "b", fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_INODE, Ino: fuse.FUSE_ROOT_ID}),
			Workers: map[string]fstest.FuseWorker{"stat": fstest.FuseCalls("stat /b")},
		}.Setup,
	})
	Register(&Scenario{
		Name: "fuse/readdirplus-vs-creat",
		Doc: "readdir of / (READDIRPLUS, the root held shared) primes the dcache with /a while a task opens " +
			"/a with O_CREAT. In the pdirops order the create owns the in-lookup /a and waits for the root " +
			"exclusive in atomic_open while fuse_direntplus_link waits in d_alloc_parallel for that in-lookup " +
			"dentry with the root held: a deadlock. Today's order takes the lock first: clean. RFC 43/53's " +
			"d_alloc_noblock skips the name, and leaks the lookup the daemon counted for it (fuse-nlookup) " +
			"unless the skipped entry is FORGOTten (fix).",
		Cells: cellsAt(0, Cell{Variant: pd(variant.BaseToday), Expect: lockdepCycle}, Cell{Variant: pd(variant.V3Today), Expect: lockdepCycle}, Cell{Variant: pd(rfc43), Expect: nlookupLeak}),
		Setup: fstest.FuseProgram{
			Tree: []string{"a"}, Pre: []string{"open / directory"},
			Workers: map[string]fstest.FuseWorker{"ls": fstest.Getdents(0), "creat": fstest.FuseCalls("open /a creat")},
		}.Setup,
	})
	Register(&Scenario{
		Name: "fuse/readdirplus-vs-stat",
		Doc: "readdir of / primes /a while a task stats it: fuse_direntplus_link waits for the stat's " +
			"in-lookup /a. In the pdirops order the stat owns /a before it takes the root shared: the " +
			"in-lookup / i_rwsem inversion (lockdep circular; a deadlock once a writer queues on the root). " +
			"RFC 43/53 skips the name and leaks its lookup count (fuse-nlookup) in both regimes; its fixed " +
			"variant is clean.",
		Cells: cellsAt(7000, Cell{Variant: pd(variant.BaseToday), Expect: lockdepCycle}, Cell{Variant: pd(variant.V3Today), Expect: lockdepCycle}, Cell{Variant: rfc43, Expect: nlookupLeak}, Cell{Variant: pd(rfc43), Expect: nlookupLeak}, Cell{Variant: rfc43Fixed}),
		Setup: fstest.FuseProgram{
			Tree: []string{"a"}, Pre: []string{"open / directory"},
			Workers: map[string]fstest.FuseWorker{"ls": fstest.Getdents(0), "stat": fstest.FuseCalls("stat /a")},
		}.Setup,
	})
	Register(&Scenario{
		Name: "fuse/readdirplus-vs-mkdir",
		Doc: "readdir of / primes /d while a task makes the directory /d (the daemon answers -EEXIST). " +
			"Clean today; in the pdirops order mkdir's lookup owns /d before it takes the root shared, the " +
			"inversion of fuse/readdirplus-vs-stat (lockdep circular). RFC 43/53 leaks the skipped " +
			"entry's lookup count (fuse-nlookup); its fixed variant is clean.",
		Cells: cellsAt(0, Cell{Variant: pd(variant.BaseToday), Expect: lockdepCycle}, Cell{Variant: variant.BaseToday}, Cell{Variant: pd(rfc43), Expect: nlookupLeak}, Cell{Variant: rfc43Fixed}),
		Setup: fstest.FuseProgram{
			Tree: []string{"d/"}, Pre: []string{"open / directory"},
			Workers: map[string]fstest.FuseWorker{"ls": fstest.Getdents(0), "mkdir": fstest.FuseCalls("mkdir /d")},
		}.Setup,
	})
}
