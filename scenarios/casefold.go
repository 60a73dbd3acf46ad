package scenarios

import (
	"github.com/dcsim/dcsim/fsmodels/casefold"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// Case-insensitive lookups through d_add_ci from every VFS caller
// (docs/findings.md, "Case-insensitive lookups"): a filesystem that
// keeps case-exact names in the dcache (XFS ascii-ci, package casefold)
// with "foo" on disk, looked up as "FOO".

// racer is one task of a casefold program: its name and its calls.
type racer struct {
	name  string
	calls []string
}

// casefoldProgram mounts the case-insensitive filesystem as the root
// with the paths in disk on it ("/d/" a directory), then runs each racer
// in its own task.
func casefoldProgram(disk []string, racers ...racer) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		e := fstest.Casefold(w, v)
		for _, p := range disk {
			if err := e.FS.Populate(p); err != nil {
				panic(err) // catalog program text
			}
		}
		for _, r := range racers {
			w.Go(r.name, func(t *sim.Task) {
				ss := vfstest.NewSession(e.S)
				for _, l := range r.calls {
					ss.Exec(t, l)
				}
			})
		}
	}
}

// addCICells are mainline, the v3 series as posted and with every fix
// (dcache.FixAddCIKeepLock keeps the lock in today's regime,
// dcache.FixAddCIRelock retakes it on the early returns), in both
// regimes. posted gives the posted series' expectation in a regime.
func addCICells(posted func(r variant.Regime) Expect) []Cell {
	vs := []variant.Variant{variant.BaseToday, variant.V3Today, variant.MustParse("v3+fix/today")}
	return capBudget(regimeCells(vs, 0, func(v variant.Variant) Expect {
		if v.Has(variant.P08AddCIDropLock) && v.Toggles == 0 && posted != nil {
			return posted(v.Regime())
		}
		return Clean
	}))
}

// capBudget explores the clean cells of the two-task casefold and
// efivarfs programs without a fix to one preemption, where they are
// exhausted in a few hundred to two thousand runs (bound 2 takes 4000 to
// 14000): `dcsim check` stays within its time. Every finding of these
// programs needs one preemption; the cells that find them, and the fixed
// cells that must be clean within the same bound, keep bound 2.
func capBudget(cells []Cell) []Cell {
	for i := range cells {
		if cells[i].Expect == Clean && cells[i].Variant.Toggles == 0 {
			cells[i].Bound = 1
		}
	}
	return cells
}

// r1Today: the posted series breaks R1 in today's regime; in pdirops,
// lookup_slow finds its lock dropped by an early return of d_add_ci
// (dcache/addci-vs-exact's finding).
func r1Today(r variant.Regime) Expect {
	if r == variant.Today {
		return FindsRule(sim.KindInvariant, "R1")
	}
	return FindsRule(sim.KindLockdep, "unbalanced-up_read")
}

var ciMark = []string{"xfs_vn_ci_lookup: d_add_ci"}

func init() {
	Register(&Scenario{
		Name: "casefold/stat-ci-vs-mkdir-exact",
		Doc: "On a case-insensitive filesystem with \"foo\" on disk, stat(\"/FOO\") (lookup_slow, the " +
			"parent shared, ->lookup calls d_add_ci with \"foo\") races mkdir(\"/foo\") (the parent " +
			"exclusive, lookup_one_qstr_excl with plain d_alloc). v3 08/19 drops the shared lock in " +
			"d_add_ci: mkdir's lookup splices \"foo\" in between and d_add_ci then hashes its own " +
			"in-lookup \"foo\" too, two hashed dentries for one name (R1, FINDING). Mainline keeps the " +
			"lock; the keep-lock fix keeps it until RFC 51/53.",
		Marks: ciMark,
		Cells: addCICells(r1Today),
		Setup: casefoldProgram([]string{"/foo"},
			racer{"stat-FOO", []string{"stat /FOO"}}, racer{"mkdir-foo", []string{"mkdir /foo"}}),
	})
	Register(&Scenario{
		Name: "casefold/stat-ci-vs-stat-exact",
		Doc: "stat(\"/FOO\") and stat(\"/foo\") with \"foo\" on disk: two lookup_slow calls, the first " +
			"through d_add_ci, the second through d_splice_alias. With v3 08/19 the exact lookup may " +
			"complete while d_add_ci has dropped the lock, and d_add_ci returns its dentry with the lock " +
			"still dropped (pdirops: unbalanced up_read, dcache/addci-vs-exact's finding); in today's " +
			"regime the relock inverts the order of lookup_slow's i_rwsem and in-lookup dentry " +
			"(lockdep circular, dcache/addci-relock's finding, here with no writer). With the " +
			"keep-lock fix under RFC 51/53, d_add_ci's no-wait allocation finds the exact lookup in " +
			"flight and waits for it with the lock dropped (TestKeepLockWaitsForExactLookup).",
		Marks: ciMark,
		Cells: addCICells(func(r variant.Regime) Expect {
			if r == variant.Pdirops {
				return FindsRule(sim.KindLockdep, "unbalanced-up_read")
			}
			return FindsRule(sim.KindLockdep, "circular")
		}),
		Setup: casefoldProgram([]string{"/foo"},
			racer{"stat-FOO", []string{"stat /FOO"}}, racer{"stat-foo", []string{"stat /foo"}}),
	})
	Register(&Scenario{
		Name: "casefold/stat-ci-vs-stat-exact-writer",
		Doc: "casefold/stat-ci-vs-stat-exact with a third task creating another name (mkdir(\"/bar\"), " +
			"a writer on the directory; casefold.FixCreateInLookup spares it the WARN of " +
			"casefold/mkdir-new-name). In the pdirops regime with the series but without 08/19, " +
			"d_add_ci waits in " +
			"d_alloc_parallel(\"foo\") holding the directory shared, the exact lookup owns \"foo\" " +
			"and waits for the lock behind the queued writer, which waits for d_add_ci's reader: the " +
			"deadlock 08/19 sets out to avoid. The keep-lock fix allocates without waiting under the " +
			"lock and keeps that property.",
		Marks: ciMark,
		Cells: []Cell{
			{Variant: variant.BaseToday, Bound: 1},
			{Variant: variant.V3Pdirops.WithoutPatch(variant.P08AddCIDropLock).With(casefold.FixCreateInLookup), Expect: FindsRule(sim.KindDeadlock, "deadlock"), Bound: 1},
			{Variant: variant.MustParse("v3+fix/pdirops"), Bound: 1},
		},
		Setup: casefoldProgram([]string{"/foo"},
			racer{"stat-FOO", []string{"stat /FOO"}}, racer{"stat-foo", []string{"stat /foo"}},
			racer{"mkdir-bar", []string{"mkdir /bar"}}),
	})
	Register(&Scenario{
		Name: "casefold/mkdir-ci-vs-stat-exact",
		Doc: "mkdir(\"/FOO\") with \"foo\" on disk: lookup_one_qstr_excl's ->lookup gets a d_alloc'ed " +
			"dentry under the exclusive lock and calls d_add_ci, which (v3 08/19) drops the exclusive " +
			"lock and d_allocs \"foo\", not in-lookup; stat(\"/foo\") meanwhile looks it up through " +
			"lookup_slow and hashes its own \"foo\" (R1, FINDING).",
		Marks: ciMark,
		Cells: addCICells(r1Today),
		Setup: casefoldProgram([]string{"/foo"},
			racer{"mkdir-FOO", []string{"mkdir /FOO"}}, racer{"stat-foo", []string{"stat /foo"}}),
	})
	Register(&Scenario{
		Name: "casefold/creat-ci-vs-mkdir-exact",
		Doc: "open(\"/FOO\", O_CREAT) with \"foo\" on disk: lookup_open holds the parent exclusive and " +
			"calls ->lookup on an in-lookup dentry without LOOKUP_SHARED; d_add_ci (v3 08/19) drops the " +
			"exclusive lock around d_alloc_parallel(\"foo\"), and mkdir(\"/foo\"), whose " +
			"lookup_one_qstr_excl does not see in-lookup dentries, hashes a second \"foo\" (R1, FINDING).",
		Marks: ciMark,
		Cells: addCICells(r1Today),
		Setup: casefoldProgram([]string{"/foo"},
			racer{"creat-FOO", []string{"open /FOO creat", "close $"}}, racer{"mkdir-foo", []string{"mkdir /foo"}}),
	})
	Register(&Scenario{
		Name: "casefold/rename-ci-target",
		Doc: "rename(\"/a/x\", \"/b/FOO\") with \"/b/foo\" on disk, one task: __start_renaming looks the " +
			"target up with both directories locked (lock_rename: I_MUTEX_PARENT and I_MUTEX_PARENT2) " +
			"and ->lookup calls d_add_ci, which v3 08/19 makes drop and retake the target directory " +
			"with inode_lock_nested(I_MUTEX_PARENT), whatever subclass the rename took it with: " +
			"lockdep's recursive locking report while the source directory is held as " +
			"I_MUTEX_PARENT, and the ancestor-first order of lock_rename is lost (FINDING). In pdirops " +
			"the lookups run before lock_rename, under the target's lock shared, and are clean.",
		Marks: ciMark,
		Cells: addCICells(func(r variant.Regime) Expect {
			if r == variant.Today {
				return FindsRule(sim.KindLockdep, "recursive")
			}
			return Clean
		}),
		Setup: casefoldProgram([]string{"/a/", "/a/x", "/b/", "/b/foo"},
			racer{"rename", []string{"rename /a/x /b/FOO"}}),
	})
	Register(&Scenario{
		Name: "casefold/mkdir-new-name",
		Doc: "mkdir(\"/D\") of a name not on disk, one task. xfs_vn_ci_lookup returns NULL without " +
			"d_add for a miss (no negative dentries on a case-insensitive filesystem). Under RFC " +
			"51/53 lookup_one_qstr ends the in-lookup state only when ->lookup returned another " +
			"dentry, so xfs_vn_mkdir gets the dentry still in-lookup and its d_instantiate warns " +
			"(WARN_ON(d_in_lookup(dentry)) in __d_instantiate, FINDING on the RFC), with or without " +
			"v3. casefold.FixCreateInLookup ends the lookup before d_instantiate.",
		Cells: regimeCells([]variant.Variant{variant.BaseToday, variant.V3Today, variant.MustParse("v3+fix/today")}, 0,
			func(v variant.Variant) Expect {
				if v.Regime() == variant.Pdirops && !v.On(casefold.FixCreateInLookup) {
					return FindsRule(sim.KindWarn, "WARN_ON")
				}
				return Clean
			}),
		Setup: casefoldProgram(nil, racer{"mkdir", []string{"mkdir /D", "stat /d"}}),
	})
	Register(&Scenario{
		Name: "casefold/unlink-missing",
		Doc: "unlink(\"/bar\") of a name not on disk, one task. Under RFC 51/53 lookup_one_qstr " +
			"returns the dentry xfs_vn_ci_lookup left in-lookup without its -ENOENT check, and " +
			"filename_unlinkat's ihold(dentry->d_inode) dereferences NULL (FINDING on the RFC, with " +
			"or without v3). vfs.FixInLookupNoCreate ends the lookup and returns -ENOENT when the " +
			"caller will not create the name.",
		Cells: regimeCells([]variant.Variant{variant.BaseToday, variant.V3Today, variant.MustParse("v3+fix/today")}, 0,
			func(v variant.Variant) Expect {
				if v.Regime() == variant.Pdirops && !v.On(vfs.FixInLookupNoCreate) {
					return FindsRule(sim.KindOops, "null-deref")
				}
				return Clean
			}),
		Setup: casefoldProgram(nil, racer{"unlink", []string{"unlink /bar", "rmdir /bar"}}),
	})
	Register(&Scenario{
		Name: "casefold/stat-ci-fold-dops",
		Doc: "stat(\"/FOO\") with \"foo\" on disk on a filesystem that also folds case in ->d_hash and " +
			"->d_compare (casefold.ChangeFoldDops, ntfs3's operations) while its ->lookup calls d_add_ci: " +
			"d_add_ci's d_alloc_parallel(\"foo\") finds the caller's own in-lookup \"FOO\" and waits " +
			"for itself in every variant. ntfs3 therefore splices the given name instead.",
		Marks: ciMark,
		Cells: func() []Cell {
			var cells []Cell
			for _, v := range []variant.Variant{variant.BaseToday, variant.V3Today} {
				for _, r := range variant.Regimes {
					cells = append(cells, Cell{Variant: v.In(r).With(casefold.ChangeFoldDops), Expect: FindsRule(sim.KindLockdep, "recursive")})
				}
			}
			return cells
		}(),
		Setup: casefoldProgram([]string{"/foo"}, racer{"stat-FOO", []string{"stat /FOO"}}),
	})
}
