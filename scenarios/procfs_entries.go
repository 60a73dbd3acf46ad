package scenarios

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
)

// procfs programs whose entries come and go while a readdir primes the
// dcache: a fd closed or opened by the process, a sysctl unregistered.
// The refusal paths beside a readdir are the scenario file
// procfs/file-refusals (scenarios/catalog/procfs-refusals.dcs).

// procGo is a worker that runs fn and then vfstest calls.
func procGo(fn func(t *sim.Task, e *fstest.ProcEnv) string, lines ...string) procWorker {
	return func(t *sim.Task, e *fstest.ProcEnv) string {
		return strings.TrimSpace(fn(t, e) + " " + procCalls(lines...)(t, e))
	}
}

// wantWorker checks one worker's result exactly.
func wantWorker(res map[string]string, name, want string) string {
	if res[name] != want {
		return fmt.Sprintf("%s returned %q, want %q", name, res[name], want)
	}
	return ""
}

// checkAll runs checks in order and returns the first complaint.
func checkAll(checks ...func(res map[string]string) string) func(res map[string]string) string {
	return func(res map[string]string) string {
		for _, c := range checks {
			if msg := c(res); msg != "" {
				return msg
			}
		}
		return ""
	}
}

var (
	// The process closes fd 1 and then stats /fd/1, whose dentry the
	// setup cached: tid_fd_revalidate finds the fd gone, the VFS
	// invalidates the dentry and ->lookup fails with -ENOENT.
	procFdCloseVsReaddir = procProgram{
		pre: []string{"stat /fd", "lstat /fd/1"},
		workers: map[string]procWorker{
			"close": procGo(func(t *sim.Task, e *fstest.ProcEnv) string {
				return fmt.Sprint(e.FS.Proc.CloseFd(t, 1))
			}, "lstat /fd/1"),
			"readdir": procCalls("lsino /fd", "lstat /fd/0"),
		},
		check: checkAll(
			func(res map[string]string) string { return wantWorker(res, "close", "0 -ENOENT") },
			checkReaddirIno("0")),
	}
	// The process opens a third file (fd 2) and stats its entry.
	procFdOpenVsReaddir = procProgram{
		pre: []string{"stat /fd"},
		workers: map[string]procWorker{
			"open": procGo(func(t *sim.Task, e *fstest.ProcEnv) string {
				return fmt.Sprint(e.FS.Proc.OpenFd(t, "/sys/b"))
			}, "stat /fd/2"),
			"readdir": procCalls("lsino /fd", "lstat /fd/0"),
		},
		check: checkAll(
			func(res map[string]string) string {
				if f := strings.Fields(res["open"]); len(f) != 2 || f[0] != "2" || !strings.HasPrefix(f[1], "reg#") {
					return fmt.Sprintf("open returned %q, want fd 2 and stat of /fd/2 a regular file", res["open"])
				}
				return ""
			},
			checkReaddirIno("0")),
	}
	// sysctl "b" is unregistered while a stat and a readdir run; a stat
	// after the unregistering sees -ENOENT.
	procSysUnregisterVsLookup = procProgram{
		pre: []string{"stat /sys", "lstat /sys/b"},
		workers: map[string]procWorker{
			"unregister": procGo(func(t *sim.Task, e *fstest.ProcEnv) string {
				return fmt.Sprint(e.FS.Unregister(t, "b"))
			}, "lstat /sys/b"),
			"readdir": procCalls("lsino /sys", "lstat /sys/a"),
		},
		check: checkAll(
			func(res map[string]string) string { return wantWorker(res, "unregister", "0 -ENOENT") },
			checkReaddirIno("a")),
	}
)

// procEntryVersions: v3 with every fix without and with NeilBrown's
// procfs patch (mainline behaves as the first here).
var procEntryVersions = []string{"v3+fix", "v3+fix+proc-drop-lock"}

// procPdiropsCirc: the posted procfs under pdirops, where a readdir meets
// another task's in-lookup dentry of a name it primes.
var procPdiropsCirc = map[string]Expect{
	"v3+fix/pdirops": FindsRule(sim.KindLockdep, "circular"),
}

func procEntryCells(want map[string]Expect) []Cell {
	cells := ovlCells(1, procEntryVersions, want)
	for i := range cells {
		cells[i].Budget = 3000
	}
	return cells
}

func init() {
	Register(&Scenario{
		Name: "procfs/fd-close-vs-readdir",
		Doc: "the process closes fd 1 while getdents of /fd primes the dcache; its stat of /fd/1 afterwards " +
			"is -ENOENT (tid_fd_revalidate invalidates the cached entry)",
		Setup: procFdCloseVsReaddir.setup,
		Cells: procEntryCells(nil),
	})
	Register(&Scenario{
		Name:  "procfs/fd-open-vs-readdir",
		Doc:   "the process opens fd 2 while getdents of /fd primes the dcache; /fd/2 is there afterwards",
		Setup: procFdOpenVsReaddir.setup,
		Cells: procEntryCells(procPdiropsCirc),
	})
	Register(&Scenario{
		Name: "procfs/sys-unregister-vs-lookup",
		Doc: "sysctl b is unregistered while getdents of /sys primes the dcache; a stat of /sys/b afterwards " +
			"is -ENOENT (proc_sys_revalidate)",
		Setup: procSysUnregisterVsLookup.setup,
		Cells: procEntryCells(nil),
	})
}
