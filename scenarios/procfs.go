package scenarios

// The procfs programs (fsmodels/procfs): readdir of /fd (the simulated
// process's /proc/<pid>/fd) and /sys (/proc/sys) priming the dcache with
// d_alloc_parallel under the directory's shared lock, against lookups,
// directory writers (unlink and mkdir, refused by procfs after the VFS
// has taken the lock) and fds and sysctls coming and going. The check
// (rule "readdir-ino") is Al Viro's requirement for procfs readdir
// (<20260428022245.GU3518998@ZenIV>): the d_ino getdents reports for an
// entry that stays is the st_ino a stat of it sees. docs/findings.md,
// "procfs".

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// procProgram is a procfs program: the process's fds (by path), the
// registered sysctls, setup calls, named workers and a check of their
// results.
type procProgram struct {
	fds, sysctls []string
	pre          []string
	workers      map[string]procWorker
	check        func(res map[string]string) string
}

type procWorker func(t *sim.Task, e *fstest.ProcEnv) string

// procCalls runs vfstest calls in one session ("lsino PATH" is
// vfstest.LsIno); the result is theirs, joined by " ".
func procCalls(lines ...string) procWorker {
	return func(t *sim.Task, e *fstest.ProcEnv) string {
		ss := vfstest.NewSession(e.S)
		var out []string
		for _, l := range lines {
			if p, ok := strings.CutPrefix(l, "lsino "); ok {
				out = append(out, vfstest.LsIno(t, e.S, p))
				continue
			}
			out = append(out, ss.Exec(t, l))
		}
		return strings.Join(out, " ")
	}
}

// procDefaultFds and procDefaultSysctls: fds 0 and 1 open, sysctls a
// and b registered.
var (
	procDefaultFds     = []string{"/sys/a", "/sys/b"}
	procDefaultSysctls = []string{"a", "b"}
)

func (p procProgram) setup(w *sim.World, v variant.Variant) {
	fds, sysctls := p.fds, p.sysctls
	if fds == nil {
		fds = procDefaultFds
	}
	if sysctls == nil {
		sysctls = procDefaultSysctls
	}
	e := fstest.Procfs(w, v, fds, sysctls)
	res := map[string]string{}
	w.Go("setup", func(t *sim.Task) {
		execAll(t, e.S, p.pre)
		spawnWorkers(t, p.workers, func(t *sim.Task, fn procWorker) string { return fn(t, e) }, res)
	})
	if p.check != nil {
		checkAtEnd(w, "readdir-ino", func() string { return p.check(res) },
			"getdents must report the inode number a stat of the same entry sees (<20260428022245.GU3518998@ZenIV>).")
	}
}

// dIno finds name's d_ino in an LsIno result ("0#3,1#4"); "" if absent.
func dIno(ls, name string) string {
	for _, e := range strings.Split(ls, ",") {
		if n, ino, ok := strings.Cut(e, "#"); ok && n == name {
			return ino
		}
	}
	return ""
}

// stIno is the inode number of a stat result ("lnk#3"), or the result
// itself when it is an error.
func stIno(res string) string {
	if _, ino, ok := strings.Cut(res, "#"); ok {
		return ino
	}
	return res
}

// checkReaddirIno compares the d_ino readdir worker "readdir" reported
// for name (its first result) with the st_ino of the stat call that
// follows it in the worker and of worker "lookup" if there is one.
func checkReaddirIno(name string) func(res map[string]string) string {
	return func(res map[string]string) string {
		rd := strings.Fields(res["readdir"])
		if len(rd) < 2 {
			return fmt.Sprintf("readdir worker returned %q", res["readdir"])
		}
		d := dIno(rd[0], name)
		stats := []string{rd[1]}
		if lk, ok := res["lookup"]; ok {
			stats = append(stats, lk)
		}
		for _, st := range stats {
			if ino := stIno(st); ino != d {
				return fmt.Sprintf("getdents reported %s with d_ino %s, stat of it gave %s (readdir %q, lookup %q)",
					name, d, st, res["readdir"], res["lookup"])
			}
		}
		return ""
	}
}

// procVersions are the versions of the proc_fill_cache and
// proc_sys_fill_cache callers of d_alloc_parallel: mainline (on-stack
// wait queue); 04/19 alone, which drops the wait queue (the only patch of
// the series with a procfs hunk); the v3 series; v3 with the
// fix of its 02/19 publication order (FixAddPublishLast, which the v3
// series' readdir priming also reaches); that with NeilBrown's procfs
// patch as posted; and with every fix (its base.c hunk's tests in the
// right order too).
var procVersions = []string{"mainline", "04", "v3", "v3+fix=add-publish-last", "v3+fix=add-publish-last+proc-drop-lock", "v3+fix+proc-drop-lock"}

// procWant is what the procfs races find: v3 as posted publishes
// readdir's dentry before its inode (v3 02/19, the RCU-walk stat sees a
// negative dentry); under pdirops the posted procfs primes the dcache
// with d_alloc_parallel under the directory lock, against the VFS's
// order (lockdep, circular); NeilBrown's patch as posted gives up on
// the dentry and reports d_ino 1 in /proc/<pid>/fd (fd only: its
// proc_sysctl.c hunk has the tests in the right order).
func procWant(fd bool) map[string]Expect {
	ino, circ := FindsRule(sim.KindInvariant, "readdir-ino"), FindsRule(sim.KindLockdep, "circular")
	w := map[string]Expect{
		"mainline/pdirops": circ, "04/pdirops": circ, "v3/today": ino, "v3/pdirops": circ,
		"v3+fix=add-publish-last/pdirops": circ,
	}
	if fd {
		w["v3+fix=add-publish-last+proc-drop-lock"] = ino
	}
	return w
}

// procSysVersions: /proc/sys's proc_sys_fill_cache has no hunk of its
// own to tell apart, so its programs run mainline, v3 with the 02/19
// fix, and with every fix and NeilBrown's patch.
var procSysVersions = []string{"mainline", "v3+fix=add-publish-last", "v3+fix+proc-drop-lock"}

// procCells lists procVersions (fd) or procSysVersions in both regimes
// with procWant.
func procCells(fd bool, bound, budget int) []Cell {
	vs := procSysVersions
	if fd {
		vs = procVersions
	}
	cells := ovlCells(bound, vs, procWant(fd))
	for i := range cells {
		cells[i].Budget = budget
	}
	return cells
}
