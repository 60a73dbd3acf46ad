package scenarios

var (
	// A readdir of /fd racing a stat of one of its entries.
	procFdReaddirVsLookup = procProgram{
		pre: []string{"stat /fd"},
		workers: map[string]procWorker{
			"readdir": procCalls("lsino /fd", "lstat /fd/0"),
			"lookup":  procCalls("lstat /fd/0"),
		},
		check: checkReaddirIno("0"),
	}
	// The same with a directory writer: unlink of another entry takes
	// /fd's i_rwsem exclusive before procfs refuses it (-EPERM).
	procFdReaddirVsLookupVsUnlink = procProgram{
		pre: []string{"stat /fd"},
		workers: map[string]procWorker{
			"readdir": procCalls("lsino /fd", "lstat /fd/0"),
			"lookup":  procCalls("lstat /fd/0"),
			"unlink":  procCalls("unlink /fd/1"),
		},
		check: func(res map[string]string) string {
			if res["unlink"] != "-EPERM" {
				return "unlink /fd/1 = " + res["unlink"] + ", want -EPERM"
			}
			return checkReaddirIno("0")(res)
		},
	}
	// /proc/sys: proc_sys_fill_cache against a stat.
	procSysReaddirVsLookup = procProgram{
		pre: []string{"stat /sys"},
		workers: map[string]procWorker{
			"readdir": procCalls("lsino /sys", "lstat /sys/a"),
			"lookup":  procCalls("lstat /sys/a"),
		},
		check: checkReaddirIno("a"),
	}
)

func init() {
	Register(&Scenario{
		Name: "procfs/fd-readdir-vs-lookup",
		Doc: "getdents of /proc/<pid>/fd (proc_readfd_common priming the dcache through proc_fill_cache) " +
			"racing lstat of one entry: the d_ino reported must be the entry's st_ino",
		Setup: procFdReaddirVsLookup.setup,
		Cells: procCells(true, 1, 0),
	})
	Register(&Scenario{
		Name: "procfs/fd-readdir-vs-lookup-vs-unlink",
		Doc: "the same with unlink of another fd entry, which takes the directory's i_rwsem exclusive " +
			"before procfs refuses it with -EPERM",
		Setup: procFdReaddirVsLookupVsUnlink.setup,
		Cells: procCells(true, 1, 3000),
	})
	Register(&Scenario{
		Name:  "procfs/sys-readdir-vs-lookup",
		Doc:   "getdents of /proc/sys (proc_sys_fill_cache) racing lstat of one entry",
		Setup: procSysReaddirVsLookup.setup,
		Cells: procCells(false, 1, 0),
	})
}
