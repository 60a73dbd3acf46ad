package scenarios

// The FUSE programs: a fuse mount as the namespace root
// (fstest.Fuse), served by a simulated daemon whose namespace starts
// as a small tree, a setup phase, then named workers: syscalls through
// vfstest, or the daemon acting on its own (a change to its namespace,
// a notification). Nothing here checks results: the generic fuse checks
// (stale entries, stale opens, lookup counts, node ids), the dcache
// invariants and the deadlock and lockdep checkers judge every run.
// docs/findings.md, "FUSE".

import (
	"slices"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/fuse"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// fuseProgram is a fuse program.
type fuseProgram struct {
	tree    []string
	threads int // serving threads (default 1)
	hook    fuse.Hook
	pre     []string
	workers map[string]fuseWorker
}

// fuseWorker is a worker's body.
type fuseWorker func(t *sim.Task, e *fstest.FuseEnv)

// fuseCalls is a worker that runs vfstest calls in one session.
func fuseCalls(lines ...string) fuseWorker {
	return func(t *sim.Task, e *fstest.FuseEnv) {
		ss := vfstest.NewSession(e.S)
		for _, l := range lines {
			ss.Exec(t, l)
		}
	}
}

// daemonCreates is a daemon thread that creates a file in the root on
// its own account and then tells the kernel: FUSE_NOTIFY_INVAL_ENTRY.
func daemonCreates(name string) fuseWorker {
	return func(t *sim.Task, e *fstest.FuseEnv) {
		e.D.Create(t, "", name, dcache.S_IFREG)
		e.D.Notify(t, fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_ENTRY, Parent: fuse.FUSE_ROOT_ID, Name: name})
	}
}

// daemonInvalidates is a daemon thread that sends
// FUSE_NOTIFY_INVAL_ENTRY for a name of the root, its namespace
// unchanged (an expiry).
func daemonInvalidates(name string) fuseWorker {
	return func(t *sim.Task, e *fstest.FuseEnv) {
		e.D.Notify(t, fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_ENTRY, Parent: fuse.FUSE_ROOT_ID, Name: name})
	}
}

// setup is the program under a variant.
func (p fuseProgram) setup(w *sim.World, v variant.Variant) {
	e := fstest.Fuse(w, v, p.tree, max(p.threads, 1))
	e.D.Hook = p.hook
	names := make([]string, 0, len(p.workers))
	for n := range p.workers {
		names = append(names, n)
	}
	slices.Sort(names)
	w.Go("setup", func(t *sim.Task) {
		ss := vfstest.NewSession(e.S)
		for _, l := range p.pre {
			ss.Exec(t, l)
		}
		for _, n := range names {
			fn := p.workers[n]
			t.Spawn(n, func(t *sim.Task) { fn(t, e) })
		}
	})
}

// reenter is a hook under which the thread serving op on name chooses
// to send n first (1) or not (0).
func reenter(op fuse.Opcode, name string, n fuse.Notify) fuse.Hook {
	return func(t *sim.Task, d *fuse.Daemon, o fuse.Opcode, in fuse.In) (before, after []fuse.Notify) {
		if o == op && in.Name == name && t.Choose("daemon: notify before replying to "+op.String()+" "+name, 2) == 1 {
			return []fuse.Notify{n}, nil
		}
		return nil, nil
	}
}

// invalFilesAroundOpen is the hook of the write_seq patch's case: the
// thread serving OPEN sends FUSE_NOTIFY_INVAL_FILES for the node before
// (0) or after (1) its reply.
func invalFilesAroundOpen(t *sim.Task, d *fuse.Daemon, op fuse.Opcode, in fuse.In) (before, after []fuse.Notify) {
	if op != fuse.FUSE_OPEN {
		return nil, nil
	}
	n := []fuse.Notify{{Code: fuse.FUSE_NOTIFY_INVAL_FILES, Ino: in.Nodeid}}
	if t.Choose("daemon: FUSE_NOTIFY_INVAL_FILES before (0) or after (1) the OPEN reply", 2) == 0 {
		return n, nil
	}
	return nil, n
}

// fuseBound is the preemption bound of the fuse cells: a daemon
// round trip is some twenty steps, and bound 1 exhausts a two-worker
// program in a few hundred runs where bound 2 takes tens of thousands.
const fuseBound = 1

// fuseVersions are the series base and v3, each in both regimes.
var fuseVersions = []variant.Variant{variant.BaseToday, variant.V3Today}

// fuseCells are the cells of a fuse scenario: each version in both
// regimes as it is (expect), and with the toggle on (expectOn), all at
// one bound and budget; a zero toggle gives no toggled cells.
func fuseCells(vs []variant.Variant, bound, budget int, expect func(v variant.Variant) Expect, toggle variant.Toggle, expectOn func(v variant.Variant) Expect) []Cell {
	var cells []Cell
	for _, base := range vs {
		for _, r := range variant.Regimes {
			v := base.In(r)
			e := Clean
			if expect != nil {
				e = expect(v)
			}
			cells = append(cells, Cell{Variant: v, Expect: e, Bound: bound, Budget: budget})
			if toggle != variant.NoToggle {
				e := Clean
				if expectOn != nil {
					e = expectOn(v)
				}
				cells = append(cells, Cell{Variant: v.With(toggle), Expect: e, Bound: bound, Budget: budget})
			}
		}
	}
	return cells
}

// always is an expectation for every variant.
func always(e Expect) func(variant.Variant) Expect { return func(variant.Variant) Expect { return e } }

// inPdirops is an expectation for the pdirops regime only.
func inPdirops(e Expect) func(variant.Variant) Expect {
	return func(v variant.Variant) Expect {
		if v.Regime() == variant.Pdirops {
			return e
		}
		return Clean
	}
}
