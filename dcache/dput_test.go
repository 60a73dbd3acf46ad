package dcache_test

// Unit tests of reference dropping and taking: dput (fast_dput,
// retain_dentry, lock_for_kill, __dentry_kill and the climb to the
// parent) and dget_parent, single runs for each outcome and DFS for the
// races between a last dput and a lookup, two last dputs, and dget_parent
// against d_move.

import (
	"slices"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// hbExplore explores prog by DFS within two preemptions, for at most
// budget runs (a quarter under -short, without requiring the marks), and
// fails on any report or on a required mark never hit.
func hbExplore(t *testing.T, prog sim.Program, budget int, marks ...string) *explore.Result {
	t.Helper()
	if testing.Short() {
		budget, marks = budget/4+1, nil
	}
	r := explore.DFS(prog, explore.Options{MaxPreemptions: 2, Budget: budget, RequireMarks: marks})
	if r.First != nil {
		t.Fatalf("%s: violation after %d runs:\n%s", prog.Name, r.Runs, r.First.Format())
	}
	if !r.Clean() {
		t.Fatalf("%s: %d runs, missing marks %v, err %v", prog.Name, r.Runs, r.MissingMarks, r.Err)
	}
	t.Logf("%s: runs %d distinct %d exhausted %v bound %d steps/run %d marks %v", prog.Name, r.Runs, r.Distinct, r.Exhausted, r.Bound, r.Steps/int64(max(r.Runs, 1)), r.Marks)
	return r
}

// TestDputRetain: the last dput of a hashed dentry keeps it, unused, on
// the superblock's LRU; the next last dput marks it referenced.
func TestDputRetain(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		d := hbAdd(tk, e.root, "a", nil)
		dcache.Dget(tk, d)
		dcache.Dput(tk, d) // not the last: count only
		hbExpect(t, hbCount(d) == 1 && d.DFlags&dcache.DCACHE_LRU_LIST == 0, "count %d flags %s", hbCount(d), dcache.FlagString(d.DFlags))
		dcache.Dput(tk, d)
		hbExpect(t, d.Live() && hbCount(d) == 0 && dcache.Hashed(d), "retained dentry: live %v count %d hashed %v",
			d.Live(), hbCount(d), dcache.Hashed(d))
		hbExpect(t, d.DFlags&dcache.DCACHE_LRU_LIST != 0 && d.DFlags&dcache.DCACHE_REFERENCED == 0, "flags %s", dcache.FlagString(d.DFlags))
		hbExpect(t, slices.Equal(dcache.LRU(e.sb), []*dcache.Dentry{d}), "LRU %v", dcache.LRU(e.sb))
		got := dcache.DLookup(tk, e.root, hbQ(e.root, "a"))
		hbExpect(t, got == d && hbCount(d) == 1 && d.DFlags&dcache.DCACHE_LRU_LIST != 0, "lookup of an LRU dentry: %v count %d", got, hbCount(d))
		dcache.Dput(tk, got)
		hbExpect(t, d.DFlags&dcache.DCACHE_REFERENCED != 0 && len(dcache.LRU(e.sb)) == 1, "second last dput: flags %s LRU %v",
			dcache.FlagString(d.DFlags), dcache.LRU(e.sb))
		// The lockless path keeps a referenced LRU dentry without d_lock.
		dcache.Dget(tk, d)
		dcache.Dput(tk, d)
		hbExpect(t, hbCount(d) == 0 && d.Live(), "count %d", hbCount(d))
	})
}

// TestDputKill: the last dput kills a dentry retain_dentry refuses
// (unhashed, DCACHE_DONTCACHE, DCACHE_DISCONNECTED, ->d_delete saying so),
// releasing its inode and its reference on the parent.
func TestDputKill(t *testing.T) {
	deleteOps := &dcache.DentryOperations{DDelete: func(t *sim.Task, d *dcache.Dentry) int {
		if d.DName.Name == "keep" {
			return 0
		}
		return 1
	}}
	for _, tc := range []struct {
		name string
		ops  *dcache.DentryOperations
		prep func(tk *sim.Task, d *dcache.Dentry)
		keep bool
	}{
		{"unhashed", nil, func(tk *sim.Task, d *dcache.Dentry) { dcache.DDrop(tk, d) }, false},
		{"dontcache", nil, func(tk *sim.Task, d *dcache.Dentry) { d.DFlags |= dcache.DCACHE_DONTCACHE }, false},
		{"disconnected", nil, func(tk *sim.Task, d *dcache.Dentry) { d.DFlags |= dcache.DCACHE_DISCONNECTED }, false},
		{"d_delete", deleteOps, func(tk *sim.Task, d *dcache.Dentry) {}, false},
		{"keep", deleteOps, func(tk *sim.Task, d *dcache.Dentry) {}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hbOnce(t, variant.BaseToday, tc.ops, func(tk *sim.Task, e *hbEnv) {
				inode := e.sb.NewInode(tk, dcache.S_IFREG)
				inode.INlink = 0 // unlinked: evicted with its last reference
				d := hbAdd(tk, e.root, tc.name, inode)
				tc.prep(tk, d)
				dcache.Dput(tk, d)
				hbExpect(t, d.Live() == tc.keep, "dentry live %v, want %v", d.Live(), tc.keep)
				hbExpect(t, inode.Live() == tc.keep, "inode live %v, want %v", inode.Live(), tc.keep)
				if !tc.keep {
					hbExpect(t, hbCount(e.root) == 1 && len(dcache.Children(e.root)) == 0, "root count %d children %v",
						hbCount(e.root), dcache.Children(e.root))
					hbExpect(t, d.DFlags&dcache.DCACHE_DENTRY_KILLED != 0 && d.DInode == nil, "killed dentry flags %s inode %v",
						dcache.FlagString(d.DFlags), d.DInode)
				} else {
					inode.INlink = 1
				}
			})
		})
	}
}

// TestDputParentChain: killing the last child of an unused parent kills
// the parent too, up the tree, as long as each parent is not worth
// keeping; a hashed parent is kept on the LRU instead.
func TestDputParentChain(t *testing.T) {
	for _, hashed := range []bool{false, true} {
		hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
			var a *dcache.Dentry
			if hashed {
				a = hbAdd(tk, e.root, "a", e.sb.NewInode(tk, dcache.S_IFDIR))
			} else {
				a = dcache.DAlloc(tk, e.root, hbQ(e.root, "a"))
				dcache.DInstantiate(tk, a, e.sb.NewInode(tk, dcache.S_IFDIR))
			}
			b := dcache.DAlloc(tk, a, hbQ(a, "b"))
			c := dcache.DAlloc(tk, b, hbQ(b, "c"))
			dcache.Dput(tk, a)
			dcache.Dput(tk, b)
			hbExpect(t, hbCount(a) == 1 && hbCount(b) == 1 && a.Live() && b.Live(), "pinned by children: a %d b %d", hbCount(a), hbCount(b))
			dcache.Dput(tk, c)
			hbExpect(t, !c.Live() && !b.Live(), "c live %v b live %v after the last dput", c.Live(), b.Live())
			if hashed {
				hbExpect(t, a.Live() && hbCount(a) == 0 && slices.Contains(dcache.LRU(e.sb), a), "hashed parent not kept on the LRU")
			} else {
				hbExpect(t, !a.Live() && hbCount(e.root) == 1, "a live %v root count %d", a.Live(), hbCount(e.root))
			}
		})
	}
}

// TestDputUnderflow: a dput with no reference left trips fast_dput's
// WARN_ON_ONCE(d_lockref.count <= 0).
func TestDputUnderflow(t *testing.T) {
	prog := hbProgram(t.Name(), variant.BaseToday, nil, func(e *hbEnv) {
		e.w.Go("t", func(tk *sim.Task) {
			d := hbAdd(tk, e.root, "a", nil)
			dcache.Dput(tk, d)
			dcache.Dput(tk, d)
		})
	})
	hbWant(t, hbRun(t, prog, sim.Config{}, nil), sim.KindWarn, "WARN_ON_ONCE", "count <= 0")
}

// TestDputRaces explores two races around a last reference: two tasks
// dropping the last two references of an unhashed dentry (one kill, no
// double free), and a last dput of a DCACHE_DONTCACHE dentry against a
// d_lookup that may take a new reference while the killer waits for
// i_lock (lock_for_kill then gives up).
func TestDputRaces(t *testing.T) {
	for _, p := range hbVersions {
		t.Run("two-puts-"+p.String(), func(t *testing.T) {
			hbExplore(t, hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				g := hbNewGate(e.w)
				var d *dcache.Dentry
				e.w.Go("a", func(tk *sim.Task) {
					d = dcache.DAlloc(tk, e.root, hbQ(e.root, "a"))
					dcache.DInstantiate(tk, d, e.sb.NewInode(tk, dcache.S_IFREG))
					dcache.Dget(tk, d)
					g.Open(tk)
					dcache.Dput(tk, d)
				})
				e.w.Go("b", func(tk *sim.Task) {
					g.Wait(tk)
					dcache.Dput(tk, d)
				})
			}), 4000)
		})
		t.Run("put-vs-lookup-"+p.String(), func(t *testing.T) {
			hbExplore(t, hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				g := hbNewGate(e.w)
				e.w.Go("put", func(tk *sim.Task) {
					d := hbAdd(tk, e.root, "a", e.sb.NewInode(tk, dcache.S_IFREG))
					d.DFlags |= dcache.DCACHE_DONTCACHE
					g.Open(tk)
					dcache.Dput(tk, d)
				})
				e.w.Go("lookup", func(tk *sim.Task) {
					g.Wait(tk)
					got := dcache.DLookup(tk, e.root, hbQ(e.root, "a"))
					if got != nil {
						hbExpect(t, got.DInode != nil && hbCount(got) > 0, "d_lookup returned %v with count %d", got, hbCount(got))
						dcache.Dput(tk, got)
					}
				})
			}), 4000)
		})
	}
}

func TestDgetParent(t *testing.T) {
	hbOnce(t, variant.BaseToday, nil, func(tk *sim.Task, e *hbEnv) {
		a := hbAdd(tk, e.root, "a", e.sb.NewInode(tk, dcache.S_IFDIR))
		b := hbAdd(tk, a, "b", nil)
		p := dcache.DgetParent(tk, b)
		hbExpect(t, p == a && hbCount(a) == 3, "dget_parent(b) = %v count %d", p, hbCount(a))
		dcache.Dput(tk, p)
		p = dcache.DgetParent(tk, e.root)
		hbExpect(t, p == e.root && hbCount(e.root) == 3, "dget_parent(root) = %v count %d", p, hbCount(e.root))
		dcache.Dput(tk, p)
		dcache.Dput(tk, b)
		dcache.Dput(tk, a)
	})
}

// TestDgetParentVsMove: dget_parent racing d_move of the child to another
// directory returns the old or the new parent, with a reference, whichever
// way its d_seq check and its locked retry fall.
func TestDgetParentVsMove(t *testing.T) {
	for _, p := range hbVersions {
		t.Run(p.String(), func(t *testing.T) {
			hbExplore(t, hbProgram(t.Name(), p, nil, func(e *hbEnv) {
				e.w.Go("main", func(tk *sim.Task) {
					d1 := hbAdd(tk, e.root, "d1", e.sb.NewInode(tk, dcache.S_IFDIR))
					d2 := hbAdd(tk, e.root, "d2", e.sb.NewInode(tk, dcache.S_IFDIR))
					c := hbAdd(tk, d1, "c", e.sb.NewInode(tk, dcache.S_IFREG))
					tgt := hbAdd(tk, d2, "t", nil)
					dcache.Dget(tk, c)
					// The renamer takes over the references to both
					// directories, as rename(2) holds them through its
					// paths (__d_move WARNs if the old parent's last
					// reference goes). Nothing runs before the spawns, so
					// the setup costs the search no decisions.
					tk.Spawn("move", func(tk *sim.Task) {
						dcache.DMove(tk, c, tgt)
						dcache.Dput(tk, tgt)
						dcache.Dput(tk, c)
						dcache.Dput(tk, d1)
						dcache.Dput(tk, d2)
					})
					tk.Spawn("dget_parent", func(tk *sim.Task) {
						par := dcache.DgetParent(tk, c)
						hbExpect(t, (par == d1 || par == d2) && hbCount(par) > 0, "dget_parent = %v count %d", par, hbCount(par))
						dcache.Dput(tk, par)
						dcache.Dput(tk, c)
					})
				})
			}), 4000)
		})
	}
}
