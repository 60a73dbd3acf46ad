package fstest

import (
	"slices"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fuse"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// FuseProgram is a fuse program: a mount served by a daemon with Tree,
// a setup task that runs Pre, then Workers spawned in name order.
// Nothing checks results: the fuse checks, the oracle and the other
// checkers judge the run.
type FuseProgram struct {
	Tree    []string
	Threads int // serving threads (default 1)
	Hook    fuse.Hook
	Pre     []string
	Workers map[string]FuseWorker
}

// FuseWorker is a worker's body.
type FuseWorker func(t *sim.Task, e *FuseEnv)

// Setup builds the program's world under variant v.
func (p FuseProgram) Setup(w *sim.World, v variant.Variant) {
	e := Fuse(w, v, p.Tree, max(p.Threads, 1))
	e.D.Hook = p.Hook
	names := make([]string, 0, len(p.Workers))
	for n := range p.Workers {
		names = append(names, n)
	}
	slices.Sort(names)
	w.Go("setup", func(t *sim.Task) {
		ss := vfstest.NewSession(e.S)
		for _, l := range p.Pre {
			ss.Exec(t, l)
		}
		for _, n := range names {
			fn := p.Workers[n]
			t.Spawn(n, func(t *sim.Task) { fn(t, e) })
		}
	})
}

// FuseCalls is a worker that runs vfstest calls in one session.
func FuseCalls(lines ...string) FuseWorker {
	return func(t *sim.Task, e *FuseEnv) {
		ss := vfstest.NewSession(e.S)
		for _, l := range lines {
			ss.Exec(t, l)
		}
	}
}

// DaemonCreates is a daemon thread that creates a file in the root on
// its own account and then tells the kernel: FUSE_NOTIFY_INVAL_ENTRY.
func DaemonCreates(name string) FuseWorker {
	return func(t *sim.Task, e *FuseEnv) {
		e.D.Create(t, "", name, dcache.S_IFREG)
		e.D.Notify(t, fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_ENTRY, Parent: fuse.FUSE_ROOT_ID, Name: name})
	}
}

// DaemonInvalidates is a daemon thread that sends
// FUSE_NOTIFY_INVAL_ENTRY for a name of the root, its namespace
// unchanged (an expiry).
func DaemonInvalidates(name string) FuseWorker {
	return func(t *sim.Task, e *FuseEnv) {
		e.D.Notify(t, fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_ENTRY, Parent: fuse.FUSE_ROOT_ID, Name: name})
	}
}

// Reenter is a hook under which the thread serving op on name chooses
// to send n first (1) or not (0).
func Reenter(op fuse.Opcode, name string, n fuse.Notify) fuse.Hook {
	return func(t *sim.Task, d *fuse.Daemon, o fuse.Opcode, in fuse.In) (before, after []fuse.Notify) {
		if o == op && in.Name == name && t.Choose("daemon: notify before replying to "+op.String()+" "+name, 2) == 1 {
			return []fuse.Notify{n}, nil
		}
		return nil, nil
	}
}

// InvalFilesAroundOpen is the hook of the write_seq patch's case: the
// thread serving OPEN sends FUSE_NOTIFY_INVAL_FILES for the node before
// (0) or after (1) its reply.
func InvalFilesAroundOpen(t *sim.Task, d *fuse.Daemon, op fuse.Opcode, in fuse.In) (before, after []fuse.Notify) {
	if op != fuse.FUSE_OPEN {
		return nil, nil
	}
	n := []fuse.Notify{{Code: fuse.FUSE_NOTIFY_INVAL_FILES, Ino: in.Nodeid}}
	if t.Choose("daemon: FUSE_NOTIFY_INVAL_FILES before (0) or after (1) the OPEN reply", 2) == 0 {
		return n, nil
	}
	return nil, n
}

// Getdents is a worker that reads a directory through a descriptor the
// setup task opened ("open / directory" in Pre is fd 0), so that only
// readdir itself races the other workers.
func Getdents(fd int) FuseWorker {
	return func(t *sim.Task, e *FuseEnv) { e.S.Getdents(t, fd) }
}
