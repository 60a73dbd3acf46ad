package oracle_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/oracle"
)

const dir oracle.Obj = 1

// run runs body as the only task on a fresh dcache with a truth.
func run(t *testing.T, body func(t *sim.Task, e *dcachetest.Env, tr *oracle.Truth)) *sim.Outcome {
	t.Helper()
	prog := dcachetest.Program(t.Name(), variant.BaseToday, nil, func(e *dcachetest.Env) {
		tr := oracle.New(e.W, "server")
		e.W.Go("main", func(tk *sim.Task) { body(tk, e, tr) })
	})
	return dcachetest.Run(t, prog, sim.Config{}, nil)
}

func TestDuring(t *testing.T) {
	run(t, func(tk *sim.Task, e *dcachetest.Env, tr *oracle.Truth) {
		t0 := tr.Now()
		tk.Yield()
		tr.Set(dir, "a", 5, "server")
		tk.Yield()
		t1 := tr.Now()
		tr.Set(dir, "a", 6, "server")
		tk.Yield()
		t2 := tr.Now()
		if got := tr.During(dir, "a", t0, t2); !slices.Equal(got, []oracle.Obj{oracle.None, 5, 6}) {
			t.Errorf("During(t0, t2) = %v", got)
		}
		if got := tr.During(dir, "a", t1, t1); !slices.Equal(got, []oracle.Obj{5, 6}) {
			t.Errorf("During(t1, t1) = %v", got)
		}
		if !tr.CreatedDuring(dir, "a", t0, t2) || tr.CreatedDuring(dir, "a", t1, t2) {
			t.Errorf("CreatedDuring wrong")
		}
		if tr.At(dir, "a") != 6 || tr.At(dir, "b") != oracle.None {
			t.Errorf("At wrong")
		}
	})
}

func TestFold(t *testing.T) {
	run(t, func(tk *sim.Task, e *dcachetest.Env, tr *oracle.Truth) {
		tr.SetFold(strings.ToLower)
		tr.Set(dir, "README", 3, "mkfs")
		if tr.At(dir, "readme") != 3 {
			t.Errorf("a folding truth must find README as readme")
		}
	})
}

// A lookup that returns the object the name had during the call is
// quiet; one that returns an object replaced before the call began is
// a consistency report.
func TestCheckLookup(t *testing.T) {
	out := run(t, func(tk *sim.Task, e *dcachetest.Env, tr *oracle.Truth) {
		tr.Set(dir, "a", 5, "server")
		from := tr.Now()
		tk.Yield()
		tr.Set(dir, "a", 6, "other client")
		tk.Yield()
		if !tr.CheckLookup(tk, "stat a", dir, "a", 5, from) {
			t.Errorf("5 was a's object at the start of the call")
		}
		from = tr.Now()
		tk.Yield()
		tr.CheckLookup(tk, "stat a", dir, "a", 5, from)
	})
	r := dcachetest.Want(t, out, sim.KindConsistency, oracle.RuleLookup, "never had")
	if !strings.Contains(r.Message, "other client") {
		t.Errorf("the report must show the history:\n%s", r.Message)
	}
}

func TestCheckExclCreate(t *testing.T) {
	out := run(t, func(tk *sim.Task, e *dcachetest.Env, tr *oracle.Truth) {
		from := tr.Now()
		tk.Yield()
		tr.Set(dir, "new", 9, "main")
		if !tr.CheckExclCreate(tk, "open new excl", dir, "new", from) {
			t.Errorf("the create happened during the call")
		}
		tk.Yield()
		from = tr.Now()
		tk.Yield()
		tr.CheckExclCreate(tk, "open new excl", dir, "new", from)
	})
	dcachetest.Want(t, out, sim.KindConsistency, oracle.RuleExclCreate, "did not create")
}

// mapper maps inodes to their inode numbers and trusts every dentry
// unless stale is set.
type mapper struct{ stale bool }

func (m mapper) InodeObj(i *dcache.Inode) oracle.Obj { return oracle.Obj(i.IIno) }
func (m mapper) MayBeStale(*dcache.Dentry) bool      { return m.stale }

// dcacheRun hashes a positive dentry a and a negative dentry b under the
// root, with the truth as truth sets it up, and checks at the end.
func dcacheRun(t *testing.T, m mapper, truth func(tr *oracle.Truth, root, a oracle.Obj)) *sim.Outcome {
	return run(t, func(tk *sim.Task, e *dcachetest.Env, tr *oracle.Truth) {
		root := oracle.Obj(e.Root().DInode.IIno)
		a := dcachetest.AddNew(tk, e.Root(), "a", dcache.S_IFREG)
		dcachetest.Add(tk, e.Root(), "b", nil)
		truth(tr, root, oracle.Obj(a.DInode.IIno))
		tr.CheckAtEnd(e.W, e.SB, m)
	})
}

func TestCheckDcache(t *testing.T) {
	agree := func(tr *oracle.Truth, root, a oracle.Obj) { tr.Set(root, "a", a, "mkfs") }
	dcachetest.Clean(t, dcacheRun(t, mapper{}, agree))

	// b exists behind the dcache's back: the negative dentry is stale.
	staleNeg := func(tr *oracle.Truth, root, a oracle.Obj) {
		agree(tr, root, a)
		tr.Set(root, "b", 77, "other client")
	}
	dcachetest.Want(t, dcacheRun(t, mapper{}, staleNeg), sim.KindConsistency, oracle.RuleStaleDentry, "negative")
	// ... unless the filesystem revalidates it.
	dcachetest.Clean(t, dcacheRun(t, mapper{stale: true}, staleNeg))

	// a was replaced by another object: the positive dentry is stale.
	replaced := func(tr *oracle.Truth, root, a oracle.Obj) { tr.Set(root, "a", a+100, "other client") }
	dcachetest.Want(t, dcacheRun(t, mapper{}, replaced), sim.KindConsistency, oracle.RuleStaleDentry, "positive")
}

// A filesystem that keeps a dentry pointer without a reference is
// caught once the dentry is freed; one that holds a reference is not.
func TestCheckDangling(t *testing.T) {
	for _, refcount := range []bool{true, false} {
		out := run(t, func(tk *sim.Task, e *dcachetest.Env, tr *oracle.Truth) {
			a := dcachetest.AddNew(tk, e.Root(), "a", dcache.S_IFREG)
			kept := a
			if refcount {
				dcache.Dget(tk, kept)
			}
			dcache.DInvalidate(tk, a)
			dcache.Dput(tk, a)
			sim.SynchronizeRCU(tk)
			oracle.CheckDangling(tk.World(), func(yield func(string, *dcache.Dentry)) { yield("ei->dentry", kept) })
			if refcount {
				dcache.Dput(tk, kept)
			}
		})
		if refcount {
			dcachetest.Clean(t, out)
		} else {
			dcachetest.Want(t, out, sim.KindConsistency, oracle.RuleDangling, "freed dentry")
		}
	}
}
