package dcachetest

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// Add makes parent/name hashed with inode (nil: negative), as a ->lookup
// or ->create would with d_alloc and d_add, and returns it with the
// caller's reference.
func Add(t *sim.Task, parent *dcache.Dentry, name string, inode *dcache.Inode) *dcache.Dentry {
	d := dcache.DAlloc(t, parent, Q(parent, name))
	dcache.DAdd(t, d, inode)
	return d
}

// AddNew is Add with a new inode of mode (0: negative).
func AddNew(t *sim.Task, parent *dcache.Dentry, name string, mode dcache.Mode) *dcache.Dentry {
	var inode *dcache.Inode
	if mode != 0 {
		inode = parent.DSb.NewInode(t, mode)
	}
	return Add(t, parent, name, inode)
}

// AnonDir is a disconnected directory alias (what d_obtain_alias gives
// for a file handle): an IS_ROOT dentry instantiated with a new directory
// inode. The caller holds its reference.
func AnonDir(t *sim.Task, sb *dcache.SuperBlock) *dcache.Dentry {
	anon := dcache.DAllocAnon(t, sb)
	dcache.DInstantiate(t, anon, sb.NewInode(t, dcache.S_IFDIR))
	return anon
}

// Assert fails the run with an invariant report (rule "test") when cond
// is false, so that explorers report the schedule.
func Assert(t *sim.Task, cond bool, format string, args ...any) {
	if !cond {
		t.Violation(sim.KindInvariant, "test", fmt.Sprintf(format, args...), "")
	}
}

// Gate lets tasks wait until another opens it (a test device, not
// kernel code).
type Gate struct {
	sim.Object
	open bool
}

// NewGate makes a closed gate.
func NewGate(w *sim.World) *Gate {
	g := gatePool.New(w) // recycle.go
	w.NewStatic(&g.Object, "gate")
	return g
}

// Open opens the gate and wakes its waiters.
func (g *Gate) Open(t *sim.Task) {
	t.Write(&g.Object, "open")
	g.open = true
	sim.WakeUpVar(t, &g.Object, "open")
}

// Wait sleeps until the gate is open.
func (g *Gate) Wait(t *sim.Task) {
	sim.WaitVarEvent(t, &g.Object, "open", func() bool {
		t.Read(&g.Object, "open")
		return g.open
	})
}

// Racer is a task of a race.
type Racer struct {
	Name string
	Fn   func(t *sim.Task)
}

// Race runs setup in a task named "setup" that then spawns the racers:
// the state it builds is in place before the race starts, and its steps
// are not interleaved with theirs (traces fold them).
func Race(w *sim.World, setup func(t *sim.Task), racers ...Racer) {
	w.Go("setup", func(t *sim.Task) {
		setup(t)
		for _, r := range racers {
			t.Spawn(r.Name, r.Fn)
		}
	})
}

// FoldOps are case-insensitive dentry operations, as a case-insensitive
// filesystem's (xfs ascii-ci, casefolded ext4): ->d_hash hashes the
// lower-cased name and fails on names starting with "bad"; ->d_compare
// compares case-folded. Use with NewFold, which sets the superblock's Fold
// for the invariant checker.
var FoldOps = &dcache.DentryOperations{
	DHash: func(t *sim.Task, d *dcache.Dentry, name *dcache.Qstr) int {
		if strings.HasPrefix(name.Name, "bad") {
			return -int(sim.EINVAL)
		}
		name.Hash = dcache.FullNameHash(d, strings.ToLower(name.Name))
		return 0
	},
	DCompare: func(t *sim.Task, d *dcache.Dentry, length int, str string, name *dcache.Qstr) int {
		if strings.EqualFold(str, name.Name) {
			return 0
		}
		return 1
	},
}

// Fold makes the environment's superblock case-folding: FoldOps must be
// its dentry operations (NewOps).
func (e *Env) Fold() { e.SB.Fold = strings.ToLower }
