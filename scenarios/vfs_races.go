package scenarios

import (
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// races are the tmpfs race programs (vfs_concurrency.go).
var races = []race{
	{
		name:  "lookup-lookup",
		doc:   "Two tasks stat the same missing name: one owns the in-lookup dentry, the other waits for it; both get -ENOENT.",
		tasks: [][]string{{"stat /n"}, {"stat /n"}},
		check: func(r [][]string) string {
			if r[0][0] != "-ENOENT" || r[1][0] != "-ENOENT" {
				return "a lookup of a missing name did not fail with -ENOENT"
			}
			return ""
		},
		marks: []string{"->lookup", "d_alloc_parallel: waited on in-lookup"},
	},
	{
		name:  "lookup-create",
		doc:   "stat /n races open(O_CREAT) /n.",
		tasks: [][]string{{"stat /n"}, {"open /n creat", "close $"}},
		check: func(r [][]string) string {
			if !oneOf(r[0][0], "-ENOENT", "reg#2") || r[1][0] != "fd0" {
				return "unexpected results"
			}
			return ""
		},
		marks: []string{"->lookup"},
	},
	{
		name:  "create-create",
		doc:   "Two tasks open(O_CREAT|O_EXCL) the same name: exactly one creates it, the other gets -EEXIST.",
		tasks: [][]string{{"open /n creat|excl", "close $"}, {"open /n creat|excl", "close $"}},
		check: func(r [][]string) string {
			if isFd(r[0][0]) == isFd(r[1][0]) || !oneOf("-EEXIST", r[0][0], r[1][0]) {
				return "O_CREAT|O_EXCL must succeed in exactly one task, the other -EEXIST"
			}
			return ""
		},
	},
	{
		name:  "create-unlink",
		doc:   "open(O_CREAT) /n races unlink /n.",
		tasks: [][]string{{"open /n creat", "close $"}, {"unlink /n"}},
		check: func(r [][]string) string {
			if !isFd(r[0][0]) || !oneOf(r[1][0], "0", "-ENOENT") {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name:  "unlink-unlink",
		doc:   "Two tasks unlink the same file: exactly one succeeds.",
		setup: []string{"mknod /f reg = 0"},
		tasks: [][]string{{"unlink /f"}, {"unlink /f"}},
		check: func(r [][]string) string {
			if a, b := r[0][0], r[1][0]; !(a == "0" && b == "-ENOENT" || a == "-ENOENT" && b == "0") {
				return "exactly one unlink must succeed"
			}
			return ""
		},
	},
	{
		name:  "unlink-lookup",
		doc:   "unlink /f races stat /f.",
		setup: []string{"mknod /f reg = 0"},
		tasks: [][]string{{"unlink /f"}, {"stat /f"}},
		check: func(r [][]string) string {
			if r[0][0] != "0" || !oneOf(r[1][0], "reg#2", "-ENOENT") {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name:  "mkdir-rmdir",
		doc:   "mkdir /s races rmdir /s.",
		tasks: [][]string{{"mkdir /s"}, {"rmdir /s"}},
		check: func(r [][]string) string {
			if r[0][0] != "0" || !oneOf(r[1][0], "0", "-ENOENT") {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name:  "rmdir-create-inside",
		doc:   "rmdir /s races a create inside /s: they serialise (-ENOENT for the create, or -ENOTEMPTY for rmdir).",
		setup: []string{"mkdir /s = 0"},
		tasks: [][]string{{"rmdir /s"}, {"open /s/f creat", "close $"}},
		check: func(r [][]string) string {
			ok := r[0][0] == "0" && r[1][0] == "-ENOENT" || r[0][0] == "-ENOTEMPTY" && isFd(r[1][0])
			if !ok {
				return "rmdir and a create inside must serialise"
			}
			return ""
		},
	},
	{
		name: "rename-lookup",
		doc: "rename /a /b races stat /b then stat /a. In a half-converted pdirops (lookups before " +
			"the lock, rename's lookup_one_qstr_excl still a plain d_alloc) the rename hashes a " +
			"target beside an unlocked lookup's in-lookup dentry (R3); RFC 51/53 puts " +
			"lookup_one_qstr_excl on d_alloc_parallel, and the pdirops regime is clean " +
			"(docs/findings.md).",
		setup: []string{"mknod /a reg = 0"},
		tasks: [][]string{{"rename /a /b"}, {"stat /b", "stat /a"}},
		check: func(r [][]string) string {
			// Each stat sees the file or not; the second cannot see an
			// older state than the first (b there, then a there).
			b, a := r[1][0], r[1][1]
			if r[0][0] != "0" || !oneOf(b, "reg#2", "-ENOENT") || !oneOf(a, "reg#2", "-ENOENT") || b == "reg#2" && a == "reg#2" {
				return "unexpected results"
			}
			return ""
		},
		expect: func(v variant.Variant) Expect { return Clean },
	},
	{
		name:  "rename-cross-dirs",
		bound: 1, // bound 2: 12,000-18,000 runs, 2-3 s per cell
		doc:   "Two cross-directory renames in opposite directions (lock_rename's s_vfs_rename_mutex orders them).",
		setup: []string{"mkdir /a = 0", "mkdir /b = 0", "mknod /a/x reg = 0", "mknod /b/y reg = 0"},
		tasks: [][]string{{"rename /a/x /b/x"}, {"rename /b/y /a/y"}},
		check: func(r [][]string) string {
			if r[0][0] != "0" || r[1][0] != "0" {
				return "both renames must succeed"
			}
			return ""
		},
	},
	{
		name:  "rename-dir-into-subdir",
		bound: 1, // bound 2: 12,000-18,000 runs, 2-3 s per cell
		doc:   "rename /a /b/a races rename /b /a/b: whichever goes first, the other would move a directory into its own subtree.",
		setup: []string{"mkdir /a = 0", "mkdir /b = 0"},
		tasks: [][]string{{"rename /a /b/a"}, {"rename /b /a/b"}},
		check: func(r [][]string) string {
			if a, b := r[0][0], r[1][0]; !(a == "0" && oneOf(b, "-EINVAL", "-ENOENT") || b == "0" && oneOf(a, "-EINVAL", "-ENOENT")) {
				return "exactly one rename must succeed"
			}
			return ""
		},
	},
	{
		name:  "exchange-lookup",
		doc:   "rename(RENAME_EXCHANGE) of a file and a directory races stat of one of the names.",
		setup: []string{"mknod /a reg = 0", "mkdir /b = 0"},
		tasks: [][]string{{"rename /a /b exchange"}, {"stat /a"}},
		check: func(r [][]string) string {
			if r[0][0] != "0" || !oneOf(r[1][0], "reg#2", "dir#3") {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name: "whiteout-lookup",
		doc: "rename(RENAME_WHITEOUT) /a /b races stat /a. With v3 12/19 the whiteout is d_duplicate's " +
			"in-lookup twin, which d_make_persistent instantiates while still in-lookup: " +
			"WARN_ON(d_in_lookup(dentry)) in one task, no race needed (docs/findings.md).",
		setup: []string{"mknod /a reg = 0"},
		tasks: [][]string{{"rename /a /b whiteout"}, {"stat /a"}},
		check: func(r [][]string) string {
			// Before, the file; after, the whiteout (a new inode, #3).
			if r[0][0] != "0" || !oneOf(r[1][0], "reg#2", "wht#3") {
				return "unexpected results"
			}
			return ""
		},
		marks: []string{"shmem: whiteout created"},
		expect: func(v variant.Variant) Expect {
			if v.Has(variant.P12ShmemDuplicate) {
				return FindsRule(sim.KindWarn, "WARN_ON")
			}
			return Clean
		},
	},
	{
		name:  "link-unlink",
		doc:   "link /f /g races unlink /f.",
		setup: []string{"mknod /f reg = 0"},
		tasks: [][]string{{"link /f /g"}, {"unlink /f"}},
		check: func(r [][]string) string {
			if !oneOf(r[0][0], "0", "-ENOENT") || r[1][0] != "0" {
				return "unexpected results"
			}
			return ""
		},
	},
	{
		name:  "readdir-create",
		doc:   "ls / races open(O_CREAT) /n: the listing has n or not.",
		setup: []string{"mknod /a reg = 0"},
		tasks: [][]string{{"ls /"}, {"open /n creat", "close $"}},
		check: func(r [][]string) string {
			if !oneOf(r[0][0], "a:reg", "a:reg,n:reg") || !isFd(r[1][0]) {
				return "unexpected results"
			}
			return ""
		},
	},
}
